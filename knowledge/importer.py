"""Importing a catalogue file into the database: validated, all-or-nothing, incremental.

1. The whole file is read and validated first (:func:`knowledge.validation.read_catalog`); one bad
   record and nothing is written.
2. Each region, matter and guide is compared with the database by content hash, which sorts them
   into added, changed, unchanged and *absent* (in the database, not in the file).
3. In **one transaction**, added rows are inserted and changed rows rewritten; unchanged rows are
   not touched, so re-importing the same file writes nothing at all. Absent guides are removed
   only with ``prune=True``; without it they stay and are reported.
4. The per-matter checksums (matter + all its guides) and the catalogue checksum are updated.

The :class:`ImportResult` lists the guide ids in each class and the matter codes whose searchable
content changed, so the search index can update just those. ``dry_run=True`` does steps 1–2 and
reports what would happen without writing (or creating) anything.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from knowledge.db import create_schema, has_schema, read_meta, write_meta
from knowledge.errors import CatalogError
from knowledge.models import Department, Guide, GuideMaterial, Matter, Region
from knowledge.records import (
    CatalogRecords,
    GuideRecord,
    MatterRecord,
    RegionRecord,
    content_hash,
    regions_parents_first,
)
from knowledge.validation import read_catalog

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (…) list and rows per executemany batch: safe for every database

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, for a dry run, would do).

    Guide ids are sorted. ``absent`` are guides in the database that the file does not have: kept
    unless the import prunes, in which case they are ``removed``. ``matters_affected`` are the
    matters whose searchable content (the matter or any of its guides) changed, including removed
    ones — what the search index must re-embed or drop.
    """

    source: str
    dry_run: bool
    prune: bool
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    matters_added: tuple[str, ...] = ()
    matters_changed: tuple[str, ...] = ()
    matters_removed: tuple[str, ...] = ()
    matters_affected: tuple[str, ...] = ()
    regions_added: tuple[str, ...] = ()
    regions_changed: tuple[str, ...] = ()
    regions_removed: tuple[str, ...] = ()
    catalog_checksum: str = ""
    meta_changed: tuple[str, ...] = ()
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.added
            or self.changed
            or self.removed
            or self.matters_added
            or self.matters_changed
            or self.matters_removed
            or self.regions_added
            or self.regions_changed
            or self.regions_removed
            or self.meta_changed
        )

    def summary_lines(self) -> list[str]:
        if self.dry_run:
            counts = (
                f"guides {len(self.added)} to add, {len(self.changed)} to change, {len(self.removed)} to remove, "
                f"{len(self.unchanged)} unchanged"
            )
        else:
            counts = (
                f"guides {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
                f"{len(self.unchanged)} unchanged"
            )
        lines = [
            f"{self.source}: {counts}",
            f"matters {len(self.matters_added)} added, {len(self.matters_changed)} changed, "
            f"{len(self.matters_removed)} removed; {len(self.matters_affected)} with changed searchable content; "
            f"regions {len(self.regions_added)} added, {len(self.regions_changed)} changed, "
            f"{len(self.regions_removed)} removed",
        ]
        for label, ids in (("changed", self.changed), ("removed", self.removed)):
            if ids:
                shown = ", ".join(ids[:10]) + (f" … ({len(ids) - 10} more)" if len(ids) > 10 else "")
                lines.append(f"{label} guides: {shown}")
        if self.absent:
            lines.append(
                f"{len(self.absent)} guides in the database are not in the file and were kept "
                "(import with --prune to remove them)"
            )
        if self.dry_run:
            lines.append("dry run: nothing was written")
        elif not self.changed_anything:
            lines.append("nothing changed")
        lines.append(f"catalogue checksum {self.catalog_checksum}")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "prune": self.prune,
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "unchanged": len(self.unchanged),
            "absent": list(self.absent),
            "matters_added": list(self.matters_added),
            "matters_changed": list(self.matters_changed),
            "matters_removed": list(self.matters_removed),
            "matters_affected": list(self.matters_affected),
            "regions_added": list(self.regions_added),
            "regions_changed": list(self.regions_changed),
            "regions_removed": list(self.regions_removed),
            "catalog_checksum": self.catalog_checksum,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Existing:
    """The database's current state, as far as the diff needs it."""

    regions: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (sha, name)
    matters: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code → (sha, name, checksum)
    guides: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id → (sha, matter, region)
    departments: dict[str, int] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)


def _load_existing(connection: Connection) -> _Existing:
    existing = _Existing()
    for code, sha, name in connection.execute(select(Region.code, Region.content_sha256, Region.name)):
        existing.regions[code] = (sha, name)
    for code, sha, name, checksum in connection.execute(
        select(Matter.code, Matter.content_sha256, Matter.name, Matter.checksum)
    ):
        existing.matters[code] = (sha, name, checksum)
    for guide_id, sha, matter, region in connection.execute(
        select(Guide.id, Guide.content_sha256, Guide.matter_code, Guide.region_code)
    ):
        existing.guides[guide_id] = (sha, matter, region)
    existing.departments = dict(connection.execute(select(Department.name, Department.id)).tuples().all())
    existing.meta = read_meta(connection)
    return existing


def _diff(file_hashes: dict[str, str], db_hashes: dict[str, str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(added, changed, unchanged, absent), each sorted."""
    added, changed, unchanged = [], [], []
    for key in sorted(file_hashes):
        if key not in db_hashes:
            added.append(key)
        elif db_hashes[key] != file_hashes[key]:
            changed.append(key)
        else:
            unchanged.append(key)
    absent = sorted(set(db_hashes) - set(file_hashes))
    return added, changed, unchanged, absent


def matter_checksum(matter_sha: str, guides: Iterable[tuple[str, str]]) -> str:
    """Checksum of a matter's searchable content: its record and each of its guides' records."""
    return content_hash({"matter": matter_sha, "guides": sorted([list(pair) for pair in guides])})


def catalog_checksum(header: dict[str, Any], regions: dict[str, str], matters: dict[str, str]) -> str:
    """Checksum of the whole catalogue: header, every region, every matter checksum."""
    return content_hash({"header": header, "regions": sorted(regions.items()), "matters": sorted(matters.items())})


def _clashes(
    records: CatalogRecords,
    existing: _Existing,
    remaining_guides: set[str],
    remaining_regions: set[str],
    remaining_matters: set[str],
) -> list[str]:
    """Conflicts between the file and rows the import keeps (possible only without --prune)."""
    problems = []
    taken = {
        (matter, region): guide_id
        for guide_id, (_, matter, region) in existing.guides.items()
        if guide_id in remaining_guides
    }
    for guide in records.guides.values():
        other = taken.get((guide.matter, guide.region))
        if other is not None and other != guide.id:
            problems.append(
                f"guide {guide.id} is for matter {guide.matter} in region {guide.region}, which guide {other} "
                "in the database already covers"
            )
    region_names = {existing.regions[code][1]: code for code in remaining_regions}
    for region in records.regions.values():
        other = region_names.get(region.name)
        if other is not None and other != region.code:
            problems.append(f"region {region.code} is named {region.name!r}, like region {other} in the database")
    matter_names = {existing.matters[code][1]: code for code in remaining_matters}
    for matter in records.matters.values():
        other = matter_names.get(matter.name)
        if other is not None and other != matter.code:
            problems.append(f"matter {matter.code} is named {matter.name!r}, like matter {other} in the database")
    return problems


def import_catalog(
    path: Path,
    engine: Engine,
    *,
    prune: bool = False,
    dry_run: bool = False,
    progress: bool = False,
    display_name: str | None = None,
    extra_meta: dict[str, str] | None = None,
) -> ImportResult:
    """Validate ``path`` and bring the database in line with it (see the module doc)."""
    started = time.monotonic()
    shown = display_name or str(path)
    records = read_catalog(path, display_name=shown, progress=progress)
    log.info(
        "%s: %d regions, %d matters, %d guides, all valid",
        shown,
        len(records.regions),
        len(records.matters),
        len(records.guides),
    )
    region_sha = {code: content_hash(record.to_json()) for code, record in records.regions.items()}
    matter_sha = {code: content_hash(record.to_json()) for code, record in records.matters.items()}
    guide_sha = {gid: content_hash(record.to_json()) for gid, record in records.guides.items()}

    schema_exists = has_schema(engine)
    if not dry_run:
        create_schema(engine)  # creates what is missing and adds columns newer than the database
        schema_exists = True

    # A dry run only reads (and must not create a SQLite file that is not there).
    transaction: Any = engine.begin() if not dry_run else engine.connect() if schema_exists else nullcontext(None)
    with transaction as connection:
        existing = _load_existing(connection) if schema_exists else _Existing()
        g_added, g_changed, g_unchanged, g_absent = _diff(guide_sha, {k: v[0] for k, v in existing.guides.items()})
        m_added, m_changed, _, m_absent = _diff(matter_sha, {k: v[0] for k, v in existing.matters.items()})
        r_added, r_changed, _, r_absent = _diff(region_sha, {k: v[0] for k, v in existing.regions.items()})
        g_removed = g_absent if prune else []
        m_removed = m_absent if prune else []
        r_removed = r_absent if prune else []

        clashes = _clashes(
            records,
            existing,
            set(existing.guides) - set(g_removed),
            set(existing.regions) - set(r_removed),
            set(existing.matters) - set(m_removed),
        )
        if clashes:
            more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
            raise CatalogError(
                f"{shown}: {clashes[0]}{more}; import with --prune to replace them; nothing was imported"
            )

        # Final state, for the checksums.
        final_guides: dict[str, tuple[str, str]] = {
            gid: (sha, matter) for gid, (sha, matter, _) in existing.guides.items() if gid not in g_removed
        }
        final_guides.update({gid: (guide_sha[gid], records.guides[gid].matter) for gid in records.guides})
        final_matter_sha = {code: sha for code, (sha, _, _) in existing.matters.items() if code not in m_removed}
        final_matter_sha.update(matter_sha)
        final_region_sha = {code: sha for code, (sha, _) in existing.regions.items() if code not in r_removed}
        final_region_sha.update(region_sha)

        affected = set(m_added) | set(m_changed) | set(m_removed)
        for gid in g_added + g_changed:
            affected.add(records.guides[gid].matter)
        for gid in g_changed + g_removed:
            affected.add(existing.guides[gid][1])
        guides_by_matter: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for gid, (sha, matter) in final_guides.items():
            guides_by_matter[matter].append((gid, sha))
        checksums = {code: existing.matters[code][2] for code in final_matter_sha if code in existing.matters}
        for code in affected:
            if code in final_matter_sha:
                checksums[code] = matter_checksum(final_matter_sha[code], guides_by_matter.get(code, []))
        affected = {
            code
            for code in affected
            if code not in existing.matters or code in m_removed or checksums.get(code) != existing.matters[code][2]
        }
        header_json = records.header.to_json()
        whole = catalog_checksum(header_json, final_region_sha, checksums)
        meta = {
            "name": records.header.name,
            "demo": "true" if records.header.demo else "false",
            "description": records.header.description,
            "format_version": str(records.header.format_version),
            "catalog_checksum": whole,
            **(extra_meta or {}),
        }
        meta_changed = sorted(key for key, value in meta.items() if existing.meta.get(key) != value)

        if not dry_run:
            _write(
                connection,
                records,
                existing,
                progress,
                guide_sha=guide_sha,
                matter_sha=matter_sha,
                region_sha=region_sha,
                checksums=checksums,
                g_added=g_added,
                g_changed=g_changed,
                g_removed=g_removed,
                m_added=m_added,
                m_changed=m_changed,
                m_removed=m_removed,
                r_added=r_added,
                r_changed=r_changed,
                r_removed=r_removed,
                affected_existing=sorted(
                    code
                    for code in affected
                    if code in existing.matters and code not in m_removed and code not in m_changed
                ),
            )
            if meta_changed:
                write_meta(connection, meta)

    result = ImportResult(
        source=shown,
        dry_run=dry_run,
        prune=prune,
        added=tuple(g_added),
        changed=tuple(g_changed),
        removed=tuple(g_removed),
        unchanged=tuple(g_unchanged),
        absent=tuple([] if prune else g_absent),
        matters_added=tuple(m_added),
        matters_changed=tuple(m_changed),
        matters_removed=tuple(m_removed),
        matters_affected=tuple(sorted(affected)),
        regions_added=tuple(r_added),
        regions_changed=tuple(r_changed),
        regions_removed=tuple(r_removed),
        catalog_checksum=whole,
        meta_changed=tuple(meta_changed),
        seconds=time.monotonic() - started,
    )
    for line in result.summary_lines():
        log.info("%s", line)
    return result


def _region_row(record: RegionRecord, sha: str) -> dict[str, Any]:
    return {
        "code": record.code,
        "name": record.name,
        "level": record.level,
        "parent_code": record.parent,
        "aliases": list(record.aliases),
        "content_sha256": sha,
    }


def _matter_row(record: MatterRecord, sha: str, checksum: str) -> dict[str, Any]:
    return {
        "code": record.code,
        "name": record.name,
        "aliases": list(record.aliases),
        "item_type": record.item_type,
        "service_object": list(record.service_object),
        "theme": record.theme,
        "levels": list(record.levels),
        "legal_basis": record.legal_basis,
        "faq": [entry.to_json() for entry in record.faq],
        "high_frequency": record.high_frequency,
        "content_sha256": sha,
        "checksum": checksum,
    }


def _guide_row(record: GuideRecord, sha: str, department_id: int) -> dict[str, Any]:
    return {
        "id": record.id,
        "matter_code": record.matter,
        "region_code": record.region,
        "department_id": department_id,
        "conditions": record.conditions,
        "steps": list(record.steps),
        "legal_days": record.legal_days,
        "promised_days": record.promised_days,
        "fee": record.fee,
        "address": record.address,
        "hours": record.hours,
        "phone": record.phone,
        "web": record.online.web,
        "mobile": record.online.mobile,
        "zero_visit": record.online.zero_visit,
        "max_visits": record.online.max_visits,
        "form_code": record.form_code,
        "content_sha256": sha,
    }


def _material_rows(record: GuideRecord) -> list[dict[str, Any]]:
    return [
        {"guide_id": record.id, "position": position, **material.to_json()}
        for position, material in enumerate(record.materials)
    ]


def _delete_in(connection: Connection, column: Any, keys: Sequence[str]) -> None:
    for chunk in _chunks(keys):
        connection.execute(delete(column.table).where(column.in_(chunk)))


def _renamed(table: Any, key_column: str, rows: list[dict[str, Any]]) -> tuple[Any, list[dict[str, Any]]]:
    """An UPDATE … WHERE key = :b_key statement and its parameter rows (bind names must differ
    from column names in an executemany UPDATE)."""
    statement = update(table).where(table.c[key_column] == bindparam(f"b_{key_column}"))
    params = [{**{k: v for k, v in row.items() if k != key_column}, f"b_{key_column}": row[key_column]} for row in rows]
    values = {k: bindparam(k, type_=table.c[k].type) for k in rows[0] if k != key_column}
    return statement.values(values), params


def _write(
    connection: Connection,
    records: CatalogRecords,
    existing: _Existing,
    progress: bool,
    *,
    guide_sha: dict[str, str],
    matter_sha: dict[str, str],
    region_sha: dict[str, str],
    checksums: dict[str, str],
    g_added: list[str],
    g_changed: list[str],
    g_removed: list[str],
    m_added: list[str],
    m_changed: list[str],
    m_removed: list[str],
    r_added: list[str],
    r_changed: list[str],
    r_removed: list[str],
    affected_existing: list[str],
) -> None:
    """Every write of one import, in an order the foreign keys accept."""
    # Remove first, so that names and (matter, region) pairs are free for what replaces them.
    _delete_in(connection, GuideMaterial.guide_id, g_removed + g_changed)
    _delete_in(connection, Guide.id, g_removed)
    for chunk in _chunks(r_removed):
        connection.execute(update(Region).where(Region.parent_code.in_(chunk)).values(parent_code=None))
    _delete_in(connection, Matter.code, m_removed)
    _delete_in(connection, Region.code, r_removed)

    # Regions: new ones parents first, then the changed ones (whose new parent may be new).
    order = {code: index for index, code in enumerate(regions_parents_first(records.regions))}
    new_regions = sorted(r_added, key=order.__getitem__)
    for chunk in _chunks(new_regions):
        connection.execute(insert(Region), [_region_row(records.regions[c], region_sha[c]) for c in chunk])
    if r_changed:
        rows = [_region_row(records.regions[c], region_sha[c]) for c in r_changed]
        statement, params = _renamed(Region.__table__, "code", rows)
        connection.execute(statement, params)

    # Matters.
    for chunk in _chunks(m_added):
        connection.execute(
            insert(Matter), [_matter_row(records.matters[c], matter_sha[c], checksums[c]) for c in chunk]
        )
    if m_changed:
        rows = [_matter_row(records.matters[c], matter_sha[c], checksums[c]) for c in m_changed]
        statement, params = _renamed(Matter.__table__, "code", rows)
        connection.execute(statement, params)
    if affected_existing:
        statement, params = _renamed(
            Matter.__table__, "code", [{"code": c, "checksum": checksums[c]} for c in affected_existing]
        )
        connection.execute(statement, params)

    # Departments named by new or changed guides.
    departments = dict(existing.departments)
    wanted = sorted({records.guides[gid].department for gid in g_added + g_changed} - set(departments))
    for chunk in _chunks(wanted):
        connection.execute(insert(Department), [{"name": name} for name in chunk])
    if wanted:
        departments = dict(connection.execute(select(Department.name, Department.id)).tuples().all())

    # Guides and their materials.
    bar = None
    if progress and (g_added or g_changed):
        from tqdm import tqdm

        bar = tqdm(total=len(g_added) + len(g_changed), desc="importing", unit=" guides", disable=None, leave=False)
    for chunk in _chunks(g_added, 2000):
        guides = [records.guides[gid] for gid in chunk]
        connection.execute(insert(Guide), [_guide_row(g, guide_sha[g.id], departments[g.department]) for g in guides])
        materials = [row for g in guides for row in _material_rows(g)]
        if materials:
            connection.execute(insert(GuideMaterial), materials)
        if bar is not None:
            bar.update(len(chunk))
    for chunk in _chunks(g_changed, 2000):
        guides = [records.guides[gid] for gid in chunk]
        rows = [_guide_row(g, guide_sha[g.id], departments[g.department]) for g in guides]
        statement, params = _renamed(Guide.__table__, "id", rows)
        connection.execute(statement, params)
        materials = [row for g in guides for row in _material_rows(g)]
        if materials:
            connection.execute(insert(GuideMaterial), materials)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()

    if g_removed or g_changed:
        used = select(Guide.department_id).distinct()
        connection.execute(delete(Department).where(Department.id.not_in(used)))
