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
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from knowledge.db import create_schema, has_schema, read_meta, write_meta
from knowledge.errors import CatalogError
from knowledge.models import Department, Guide, GuideMaterial, Matter, Region
from knowledge.records import (
    CatalogHeader,
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
GUIDE_CHUNK = 2000  # guides per batch of inserts or updates (each with its materials)

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
    """Validate ``path`` and bring the database in line with it (see the module doc).

    ``extra_meta`` are further catalogue facts to store (the demo builder's stamp)."""
    started = time.monotonic()
    shown = display_name or str(path)
    records = _read_valid(path, shown, progress)
    hashes = _FileHashes.of(records)
    with _connection(engine, dry_run=dry_run) as connection:
        existing = _load_existing(connection) if connection is not None else _Existing()
        plan = _plan(records, hashes, existing, prune=prune, extra_meta=extra_meta, shown=shown)
        if not dry_run:
            _write(connection, plan, progress)
    result = plan.result(shown, dry_run=dry_run, prune=prune, seconds=time.monotonic() - started)
    for line in result.summary_lines():
        log.info("%s", line)
    return result


# --- the file -------------------------------------------------------------------------------


def _read_valid(path: Path, shown: str, progress: bool) -> CatalogRecords:
    """The file's records, all of them valid (:class:`CatalogValidationError` otherwise)."""
    records = read_catalog(path, display_name=shown, progress=progress)
    log.info(
        "%s: %d regions, %d matters, %d guides, all valid",
        shown,
        len(records.regions),
        len(records.matters),
        len(records.guides),
    )
    return records


@dataclass(frozen=True)
class _FileHashes:
    """The content hash of every record in the file, by region code, matter code and guide id."""

    regions: dict[str, str]
    matters: dict[str, str]
    guides: dict[str, str]

    @classmethod
    def of(cls, records: CatalogRecords) -> _FileHashes:
        return cls(
            regions={code: content_hash(record.to_json()) for code, record in records.regions.items()},
            matters={code: content_hash(record.to_json()) for code, record in records.matters.items()},
            guides={gid: content_hash(record.to_json()) for gid, record in records.guides.items()},
        )


# --- the database before the import ---------------------------------------------------------


def _connection(engine: Engine, *, dry_run: bool) -> AbstractContextManager[Connection | None]:
    """One transaction for the whole import, on a schema brought up to date. A dry run only reads:
    a plain connection, or none at all when there is no catalogue yet (it must not create a SQLite
    file that is not there)."""
    if dry_run:
        return engine.connect() if has_schema(engine) else nullcontext(None)
    create_schema(engine)  # creates what is missing and adds columns newer than the database
    return engine.begin()


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


# --- what changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Changes:
    """The keys of one kind of record (guide ids, matter or region codes) by what the import does
    with them, each list sorted. Keys in the database but not in the file are ``removed`` when the
    import prunes and ``kept`` otherwise."""

    added: list[str]
    changed: list[str]
    unchanged: list[str]
    removed: list[str]
    kept: list[str]

    @classmethod
    def between(cls, file_hashes: dict[str, str], rows: Mapping[str, tuple[str, ...]], *, prune: bool) -> _Changes:
        """Compare the file's hashes with the database rows (whose first value is the hash)."""
        added, changed, unchanged = [], [], []
        for key in sorted(file_hashes):
            if key not in rows:
                added.append(key)
            elif rows[key][0] != file_hashes[key]:
                changed.append(key)
            else:
                unchanged.append(key)
        absent = sorted(set(rows) - set(file_hashes))
        return cls(added, changed, unchanged, removed=absent if prune else [], kept=[] if prune else absent)

    def remaining(self, rows: Iterable[str]) -> set[str]:
        """The keys among ``rows`` (the database's) that are still there after the import."""
        return set(rows) - set(self.removed)


@dataclass(frozen=True)
class _Plan:
    """Everything one import does, worked out before anything is written."""

    records: CatalogRecords
    hashes: _FileHashes
    existing: _Existing
    guides: _Changes
    matters: _Changes
    regions: _Changes
    checksums: dict[str, str]  # matter code → checksum of its searchable content after the import
    affected: set[str]  # matters whose searchable content changes, including removed ones
    catalog_checksum: str
    meta: dict[str, str]
    meta_changed: list[str]

    @property
    def checksum_updates(self) -> list[str]:
        """Matters whose row is neither rewritten nor removed but whose checksum changes (one of
        their guides was added, changed or removed)."""
        removed, changed = set(self.matters.removed), set(self.matters.changed)
        return sorted(
            code
            for code in self.affected
            if code in self.existing.matters and code not in removed and code not in changed
        )

    def result(self, source: str, *, dry_run: bool, prune: bool, seconds: float) -> ImportResult:
        return ImportResult(
            source=source,
            dry_run=dry_run,
            prune=prune,
            added=tuple(self.guides.added),
            changed=tuple(self.guides.changed),
            removed=tuple(self.guides.removed),
            unchanged=tuple(self.guides.unchanged),
            absent=tuple(self.guides.kept),
            matters_added=tuple(self.matters.added),
            matters_changed=tuple(self.matters.changed),
            matters_removed=tuple(self.matters.removed),
            matters_affected=tuple(sorted(self.affected)),
            regions_added=tuple(self.regions.added),
            regions_changed=tuple(self.regions.changed),
            regions_removed=tuple(self.regions.removed),
            catalog_checksum=self.catalog_checksum,
            meta_changed=tuple(self.meta_changed),
            seconds=seconds,
        )


def _plan(
    records: CatalogRecords,
    hashes: _FileHashes,
    existing: _Existing,
    *,
    prune: bool,
    extra_meta: dict[str, str] | None,
    shown: str,
) -> _Plan:
    """Sort the records by what happens to them, refuse clashes with rows the import keeps, and work
    out the checksums and catalogue facts the database holds afterwards."""
    guides = _Changes.between(hashes.guides, existing.guides, prune=prune)
    matters = _Changes.between(hashes.matters, existing.matters, prune=prune)
    regions = _Changes.between(hashes.regions, existing.regions, prune=prune)
    _refuse_clashes(records, existing, guides, matters, regions, shown)
    checksums, affected = _matter_checksums(records, hashes, existing, guides, matters)
    region_hashes = _hashes_after(hashes.regions, existing.regions, set(regions.removed))
    whole = catalog_checksum(records.header.to_json(), region_hashes, checksums)
    meta = _catalog_meta(records.header, whole, extra_meta)
    meta_changed = sorted(key for key, value in meta.items() if existing.meta.get(key) != value)
    return _Plan(records, hashes, existing, guides, matters, regions, checksums, affected, whole, meta, meta_changed)


def _refuse_clashes(
    records: CatalogRecords,
    existing: _Existing,
    guides: _Changes,
    matters: _Changes,
    regions: _Changes,
    shown: str,
) -> None:
    """Raise :class:`CatalogError` when the file clashes with rows the import keeps (possible only
    without --prune): a second guide for a matter and region, or a name another row has."""
    clashes = _guide_clashes(records, existing, guides.remaining(existing.guides))
    clashes += _name_clashes("region", records.regions, existing.regions, regions.remaining(existing.regions))
    clashes += _name_clashes("matter", records.matters, existing.matters, matters.remaining(existing.matters))
    if clashes:
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise CatalogError(f"{shown}: {clashes[0]}{more}; import with --prune to replace them; nothing was imported")


def _guide_clashes(records: CatalogRecords, existing: _Existing, remaining: set[str]) -> list[str]:
    """Guides of the file for a matter and region that another guide the import keeps covers."""
    problems = []
    taken = {
        (matter, region): guide_id for guide_id, (_, matter, region) in existing.guides.items() if guide_id in remaining
    }
    for guide in records.guides.values():
        other = taken.get((guide.matter, guide.region))
        if other is not None and other != guide.id:
            problems.append(
                f"guide {guide.id} is for matter {guide.matter} in region {guide.region}, which guide {other} "
                "in the database already covers"
            )
    return problems


def _name_clashes(
    kind: str,
    records: Mapping[str, RegionRecord | MatterRecord],
    rows: Mapping[str, tuple[str, ...]],
    remaining: set[str],
) -> list[str]:
    """Regions or matters of the file named like another one the import keeps (names are unique)."""
    problems = []
    names = {rows[code][1]: code for code in remaining}
    for record in records.values():
        other = names.get(record.name)
        if other is not None and other != record.code:
            problems.append(f"{kind} {record.code} is named {record.name!r}, like {kind} {other} in the database")
    return problems


# --- the checksums after the import ---------------------------------------------------------


def matter_checksum(matter_sha: str, guides: Iterable[tuple[str, str]]) -> str:
    """Checksum of a matter's searchable content: its record and each of its guides' records."""
    return content_hash({"matter": matter_sha, "guides": sorted([list(pair) for pair in guides])})


def catalog_checksum(header: dict[str, Any], regions: dict[str, str], matters: dict[str, str]) -> str:
    """Checksum of the whole catalogue: header, every region, every matter checksum."""
    return content_hash({"header": header, "regions": sorted(regions.items()), "matters": sorted(matters.items())})


def _hashes_after(
    file_hashes: dict[str, str], rows: Mapping[str, tuple[str, ...]], removed: Collection[str]
) -> dict[str, str]:
    """Content hash by key of what the database holds after the import: the rows that stay, with the
    file's records over them."""
    after = {key: row[0] for key, row in rows.items() if key not in removed}
    after.update(file_hashes)
    return after


def _guides_by_matter_after(
    records: CatalogRecords, hashes: _FileHashes, existing: _Existing, removed: Collection[str]
) -> dict[str, list[tuple[str, str]]]:
    """Matter code → (guide id, content hash) of each of its guides after the import."""
    guides: dict[str, tuple[str, str]] = {
        gid: (sha, matter) for gid, (sha, matter, _) in existing.guides.items() if gid not in removed
    }
    guides.update({gid: (hashes.guides[gid], records.guides[gid].matter) for gid in records.guides})
    by_matter: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gid, (sha, matter) in guides.items():
        by_matter[matter].append((gid, sha))
    return by_matter


def _touched_matters(records: CatalogRecords, existing: _Existing, guides: _Changes, matters: _Changes) -> set[str]:
    """Matters added, changed or removed, and those with a guide added, changed or removed."""
    touched = set(matters.added) | set(matters.changed) | set(matters.removed)
    for gid in guides.added + guides.changed:
        touched.add(records.guides[gid].matter)
    for gid in guides.changed + guides.removed:
        touched.add(existing.guides[gid][1])
    return touched


def _matter_checksums(
    records: CatalogRecords, hashes: _FileHashes, existing: _Existing, guides: _Changes, matters: _Changes
) -> tuple[dict[str, str], set[str]]:
    """(every matter's checksum after the import, the matters whose checksum changes or that go).

    Only touched matters are checksummed again; the others keep the checksum they have."""
    removed = set(matters.removed)
    matter_hashes = _hashes_after(hashes.matters, existing.matters, removed)
    touched = _touched_matters(records, existing, guides, matters)
    guides_by_matter = _guides_by_matter_after(records, hashes, existing, set(guides.removed))
    checksums = {code: existing.matters[code][2] for code in matter_hashes if code in existing.matters}
    for code in touched:
        if code in matter_hashes:
            checksums[code] = matter_checksum(matter_hashes[code], guides_by_matter.get(code, []))
    affected = {
        code
        for code in touched
        if code not in existing.matters or code in removed or checksums.get(code) != existing.matters[code][2]
    }
    return checksums, affected


def _catalog_meta(header: CatalogHeader, checksum: str, extra_meta: dict[str, str] | None) -> dict[str, str]:
    """The catalogue's facts as stored beside it (:func:`knowledge.db.write_meta`)."""
    return {
        "name": header.name,
        "demo": "true" if header.demo else "false",
        "description": header.description,
        "format_version": str(header.format_version),
        "catalog_checksum": checksum,
        **(extra_meta or {}),
    }


# --- the writes -----------------------------------------------------------------------------


def _write(connection: Connection, plan: _Plan, progress: bool) -> None:
    """Every write of one import, in an order the foreign keys accept."""
    _remove_rows(connection, plan)
    _write_regions(connection, plan)
    _write_matters(connection, plan)
    departments = _add_departments(connection, plan)
    _write_guides(connection, plan, departments, progress)
    _drop_unused_departments(connection, plan)
    if plan.meta_changed:
        write_meta(connection, plan.meta)


def _remove_rows(connection: Connection, plan: _Plan) -> None:
    """Removed rows and the materials of changed guides go first, so that names and (matter,
    region) pairs are free for what replaces them."""
    _delete_in(connection, GuideMaterial.guide_id, plan.guides.removed + plan.guides.changed)
    _delete_in(connection, Guide.id, plan.guides.removed)
    for chunk in _chunks(plan.regions.removed):
        connection.execute(update(Region).where(Region.parent_code.in_(chunk)).values(parent_code=None))
    _delete_in(connection, Matter.code, plan.matters.removed)
    _delete_in(connection, Region.code, plan.regions.removed)


def _write_regions(connection: Connection, plan: _Plan) -> None:
    """New regions parents first, then the changed ones (whose new parent may be new)."""
    records, hashes = plan.records.regions, plan.hashes.regions
    order = {code: index for index, code in enumerate(regions_parents_first(records))}
    for chunk in _chunks(sorted(plan.regions.added, key=order.__getitem__)):
        connection.execute(insert(Region), [_region_row(records[c], hashes[c]) for c in chunk])
    if plan.regions.changed:
        rows = [_region_row(records[c], hashes[c]) for c in plan.regions.changed]
        statement, params = _renamed(Region.__table__, "code", rows)
        connection.execute(statement, params)


def _write_matters(connection: Connection, plan: _Plan) -> None:
    """New matters, changed ones, and the new checksum of matters whose guides changed."""
    records, hashes, checksums = plan.records.matters, plan.hashes.matters, plan.checksums
    for chunk in _chunks(plan.matters.added):
        connection.execute(insert(Matter), [_matter_row(records[c], hashes[c], checksums[c]) for c in chunk])
    if plan.matters.changed:
        rows = [_matter_row(records[c], hashes[c], checksums[c]) for c in plan.matters.changed]
        statement, params = _renamed(Matter.__table__, "code", rows)
        connection.execute(statement, params)
    updates = plan.checksum_updates
    if updates:
        statement, params = _renamed(Matter.__table__, "code", [{"code": c, "checksum": checksums[c]} for c in updates])
        connection.execute(statement, params)


def _add_departments(connection: Connection, plan: _Plan) -> dict[str, int]:
    """Insert the departments that new or changed guides name; return every department's id."""
    departments = dict(plan.existing.departments)
    named = {plan.records.guides[gid].department for gid in plan.guides.added + plan.guides.changed}
    wanted = sorted(named - set(departments))
    for chunk in _chunks(wanted):
        connection.execute(insert(Department), [{"name": name} for name in chunk])
    if wanted:
        departments = dict(connection.execute(select(Department.name, Department.id)).tuples().all())
    return departments


def _write_guides(connection: Connection, plan: _Plan, departments: dict[str, int], progress: bool) -> None:
    """New guides inserted and changed ones rewritten, each with its materials."""
    added, changed = plan.guides.added, plan.guides.changed
    bar = None
    if progress and (added or changed):
        from tqdm import tqdm

        bar = tqdm(total=len(added) + len(changed), desc="importing", unit=" guides", disable=None, leave=False)
    for chunk in _chunks(added, GUIDE_CHUNK):
        guides = [plan.records.guides[gid] for gid in chunk]
        connection.execute(insert(Guide), _guide_rows(guides, plan.hashes.guides, departments))
        _insert_materials(connection, guides)
        if bar is not None:
            bar.update(len(chunk))
    for chunk in _chunks(changed, GUIDE_CHUNK):
        guides = [plan.records.guides[gid] for gid in chunk]
        statement, params = _renamed(Guide.__table__, "id", _guide_rows(guides, plan.hashes.guides, departments))
        connection.execute(statement, params)
        _insert_materials(connection, guides)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()


def _guide_rows(guides: list[GuideRecord], hashes: dict[str, str], departments: dict[str, int]) -> list[dict[str, Any]]:
    return [_guide_row(guide, hashes[guide.id], departments[guide.department]) for guide in guides]


def _insert_materials(connection: Connection, guides: list[GuideRecord]) -> None:
    materials = [row for guide in guides for row in _material_rows(guide)]
    if materials:
        connection.execute(insert(GuideMaterial), materials)


def _drop_unused_departments(connection: Connection, plan: _Plan) -> None:
    """Departments no guide names any more (only a removed or changed guide can have freed one)."""
    if plan.guides.removed or plan.guides.changed:
        used = select(Guide.department_id).distinct()
        connection.execute(delete(Department).where(Department.id.not_in(used)))


# --- rows and statements --------------------------------------------------------------------


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
