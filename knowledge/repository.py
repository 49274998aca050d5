"""Reading the catalogue: the API the search index, the dialogue and the commands use.

:class:`Catalog` answers with plain frozen dataclasses (:class:`Region`, :class:`Matter`,
:class:`Guide`), not ORM objects, so callers can keep, cache, pickle and pass them between
threads without a database session. Whole-catalogue reads use a few bulk queries (one for
guides, one for all materials) rather than one query per guide, so all 31,224 guides load in
well under two seconds.

Regions and matters are loaded once per :class:`Catalog` and reused; after an import, make a new
``Catalog`` to see the new content.

Example::

    catalog = Catalog(create_engine_for(load_settings().database_url))
    for guide in catalog.iter_guides():
        index.add(guide.id, guide.matter.name, guide.region.name, guide.conditions)
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from daofu.config import Settings, load_settings
from knowledge import DEMO_NOTICE
from knowledge.db import has_schema, read_meta
from knowledge.errors import CatalogMissingError, NotFoundError
from knowledge.forms import form_url
from knowledge.models import Department, GuideMaterial
from knowledge.models import Guide as GuideRow
from knowledge.models import Matter as MatterRow
from knowledge.models import Region as RegionRow
from knowledge.records import FaqEntry, Material, Online, RegionLevel


@dataclass(frozen=True, slots=True)
class Region:
    """A region with what answers need: its level and the district/county it belongs to.

    ``district_code`` is the 区县 a region is in (itself for a district, the parent district for a
    zone or town, the town's district for a station; None for the city), because people name
    their district and expect the guides of its towns and zones too.
    """

    code: str
    name: str
    level: str
    parent_code: str | None
    aliases: tuple[str, ...]
    district_code: str | None
    district_name: str | None


@dataclass(frozen=True, slots=True)
class Matter:
    """A matter (事项): what is done, whatever the region. ``checksum`` changes whenever anything
    searchable about it changes — the matter itself or any of its guides."""

    code: str
    name: str
    aliases: tuple[str, ...]
    item_type: str
    service_object: tuple[str, ...]
    theme: str
    levels: tuple[str, ...]
    legal_basis: str
    faq: tuple[FaqEntry, ...]
    checksum: str
    high_frequency: bool = False


@dataclass(frozen=True, slots=True)
class Guide:
    """A service guide: one matter in one region, with everything an applicant needs.

    ``form_url`` is built from the configured portal template when the guide is read (None when the
    matter has no online form). ``demo`` is True when the catalogue is demo data, which every
    surface showing the guide must say (:data:`knowledge.DEMO_NOTICE`).
    """

    id: str
    matter: Matter
    region: Region
    department: str
    conditions: str
    materials: tuple[Material, ...]
    steps: tuple[str, ...]
    legal_days: int
    promised_days: int
    fee: str
    address: str
    hours: str
    phone: str
    online: Online
    form_code: str | None
    form_url: str | None
    demo: bool

    @property
    def name(self) -> str:
        return self.matter.name

    @property
    def on_the_spot(self) -> bool:
        """即办件: handled while the applicant waits (promised time limit 0 working days)."""
        return self.promised_days == 0


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    name: str
    demo: bool
    description: str
    notice: str | None
    checksum: str
    regions: int
    matters: int
    guides: int


class Catalog:
    """Read access to the catalogue in a database.

    ``source`` is an Engine (each call uses a short-lived connection), or a Session or Connection
    (calls run inside it, so they see its uncommitted writes). ``settings`` supply the form URL
    template and public URL; by default they are read from the environment.
    """

    def __init__(self, source: Engine | Session | Connection, settings: Settings | None = None) -> None:
        self._source = source
        self._settings = settings or load_settings()
        form_url(self._settings.portal_form_template, "", "", "")  # fail early on a bad template
        self._regions: dict[str, Region] | None = None
        self._matters: dict[str, Matter] | None = None
        self._meta: dict[str, str] | None = None
        self._same_everywhere: dict[str, bool] = {}

    # --- plumbing -------------------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection to the catalogue, or :class:`CatalogMissingError` when there is none yet."""
        source = self._source
        if isinstance(source, Engine):
            if not has_schema(source):
                raise CatalogMissingError(
                    f"no catalogue in {source.url.render_as_string(hide_password=True)}; "
                    "run `daofu catalog build` (demo data) or `daofu catalog import FILE`"
                )
            with source.connect() as connection:
                yield connection
        elif isinstance(source, Session):
            yield source.connection()
        else:
            yield source

    def _load(self) -> tuple[dict[str, Region], dict[str, Matter]]:
        if self._regions is None or self._matters is None:
            with self.connect() as connection:
                self._meta = read_meta(connection)
                self._regions = read_regions(connection)
                self._matters = read_matters(connection)
        return self._regions, self._matters

    @property
    def demo(self) -> bool:
        """Whether the catalogue says it is demo data."""
        self._load()
        assert self._meta is not None
        return self._meta.get("demo") == "true"

    # --- regions --------------------------------------------------------------------------

    def regions(self) -> list[Region]:
        """All regions, top-down (city, districts, zones, towns, stations), then by code."""
        regions, _ = self._load()
        return sorted(regions.values(), key=lambda region: (RegionLevel(region.level).rank, region.code))

    def region(self, code: str) -> Region | None:
        return self._load()[0].get(code)

    def region_by_name(self, name: str) -> Region | None:
        """The region called ``name``: its exact name, a short name (鄞州, 高新区), or the name with
        the city in front (宁波市鄞州区). None when nothing matches or a short name is ambiguous."""
        regions, _ = self._load()
        text = name.strip()
        candidates = [text]
        if text.startswith("宁波市") and len(text) > 3:
            candidates.append(text.removeprefix("宁波市"))
        for candidate in candidates:
            exact = [region for region in regions.values() if region.name == candidate]
            if exact:
                return exact[0]
        for candidate in candidates:
            by_alias = [region for region in regions.values() if candidate in region.aliases]
            if len(by_alias) == 1:
                return by_alias[0]
        return None

    # --- matters --------------------------------------------------------------------------

    def iter_matters(self) -> Iterator[Matter]:
        """All matters by code."""
        _, matters = self._load()
        for code in sorted(matters):
            yield matters[code]

    def matter(self, code: str) -> Matter | None:
        return self._load()[1].get(code)

    def matter_by_name(self, name: str) -> Matter | None:
        """The matter whose canonical name is ``name``, else the one alias-named so (if only one)."""
        _, matters = self._load()
        text = name.strip()
        for matter in matters.values():
            if matter.name == text:
                return matter
        by_alias = [matter for matter in matters.values() if text in matter.aliases]
        return by_alias[0] if len(by_alias) == 1 else None

    def close_names(self, text: str, limit: int = 5) -> list[str]:
        """Matter names close to ``text``, for "did you mean" messages: names containing it first,
        then names similar to it."""
        _, matters = self._load()
        needle = text.strip()
        names = sorted(matter.name for matter in matters.values())
        containing = [name for name in names if needle and needle in name]
        containing.sort(key=len)
        alias_hits = sorted(
            {matter.name for matter in matters.values() if any(needle and needle in alias for alias in matter.aliases)}
        )
        similar = difflib.get_close_matches(needle, names, n=limit, cutoff=0.3)
        out: list[str] = []
        for name in containing + alias_hits + similar:
            if name not in out:
                out.append(name)
        return out[:limit]

    # --- guides ---------------------------------------------------------------------------

    def iter_guides(self, matter_code: str | None = None) -> Iterator[Guide]:
        """All guides (or those of one matter), ordered by id, loaded in bulk."""
        yield from self._guides(GuideRow.matter_code == matter_code if matter_code else None)

    def guide(self, guide_id: str) -> Guide | None:
        guides = list(self._guides(GuideRow.id == guide_id))
        return guides[0] if guides else None

    def guides_for_matter(self, matter_code: str) -> list[Guide]:
        return list(self._guides(GuideRow.matter_code == matter_code))

    def guides_in_region(self, region_code: str) -> list[Guide]:
        return list(self._guides(GuideRow.region_code == region_code))

    def same_everywhere(self, matter_code: str) -> bool:
        """Whether every guide of the matter asks the same: conditions, materials, steps, time limits,
        fee and online service agree, and only the place (office, address, hours, phone, form)
        differs from one region to another.

        Then what a person must prepare can be told before their district is known; only where to
        go needs it. Computed once per matter and kept, like the matters themselves.
        """
        known = self._same_everywhere.get(matter_code)
        if known is None:
            contents = {requirements_of(guide) for guide in self._guides(GuideRow.matter_code == matter_code)}
            known = self._same_everywhere[matter_code] = len(contents) == 1
        return known

    def close_guide_ids(self, guide_id: str, limit: int = 5) -> list[str]:
        """Guide ids that look like ``guide_id`` (same matter or region part, or similar spelling)."""
        with self.connect() as connection:
            ids = list(connection.execute(select(GuideRow.id).order_by(GuideRow.id)).scalars())
        return difflib.get_close_matches(guide_id.strip(), ids, n=limit, cutoff=0.6)

    def find_guide(self, name: str, region: str | None = None) -> Guide:
        """The guide for the matter called ``name`` (canonical name or alias) in ``region``.

        Without a region, the city-level guide if there is one. When the region itself has no guide
        for the matter, its parents are tried (a town's matter may be its district's). Raises
        :class:`NotFoundError` naming close matter names or the regions that do have the matter.
        """
        matter = self.matter_by_name(name)
        if matter is None:
            close = self.close_names(name)
            hint = f"; close names: {'、'.join(close)}" if close else ""
            raise NotFoundError(f"no matter named {name!r}{hint}")
        guides = {guide.region.code: guide for guide in self.guides_for_matter(matter.code)}
        if region is None:
            city = [guide for guide in guides.values() if guide.region.level == RegionLevel.CITY]
            if city:
                return city[0]
            if len(guides) == 1:
                return next(iter(guides.values()))
            names = [guide.region.name for guide in sorted(guides.values(), key=lambda g: g.region.code)]
            raise NotFoundError(
                f"{matter.name} is implemented in {len(names)} regions; name one with --region "
                f"(e.g. {'、'.join(names[:6])})"
            )
        place = self.region_by_name(region)
        if place is None:
            regions, _ = self._load()
            close = difflib.get_close_matches(region, [r.name for r in regions.values()], n=5, cutoff=0.3)
            hint = f"; close names: {'、'.join(close)}" if close else ""
            raise NotFoundError(f"no region named {region!r}{hint}")
        code: str | None = place.code
        while code is not None:
            if code in guides:
                return guides[code]
            parent = self.region(code)
            code = parent.parent_code if parent else None
        names = sorted({guide.region.district_name or guide.region.name for guide in guides.values()})
        raise NotFoundError(
            f"{matter.name} has no guide for {place.name}; it is offered in {'、'.join(names[:8])}"
            + ("…" if len(names) > 8 else "")
        )

    def _guides(self, condition: Any) -> Iterator[Guide]:
        regions, matters = self._load()
        demo = self.demo
        template = self._settings.portal_form_template
        public_url = self._settings.public_url
        columns = (
            GuideRow.id, GuideRow.matter_code, GuideRow.region_code, Department.name, GuideRow.conditions,
            GuideRow.steps, GuideRow.legal_days, GuideRow.promised_days, GuideRow.fee, GuideRow.address,
            GuideRow.hours, GuideRow.phone, GuideRow.web, GuideRow.mobile, GuideRow.zero_visit,
            GuideRow.max_visits, GuideRow.form_code,
        )  # fmt: skip
        query = select(*columns).join(Department, Department.id == GuideRow.department_id).order_by(GuideRow.id)
        material_query = select(
            GuideMaterial.guide_id, GuideMaterial.name, GuideMaterial.form, GuideMaterial.copies,
            GuideMaterial.required, GuideMaterial.e_license, GuideMaterial.note,
        ).order_by(GuideMaterial.guide_id, GuideMaterial.position)  # fmt: skip
        if condition is not None:
            query = query.where(condition)
            wanted = select(GuideRow.id).where(condition)
            material_query = material_query.where(GuideMaterial.guide_id.in_(wanted))
        with self.connect() as connection:
            rows = connection.execute(query).all()
            materials: dict[str, list[Material]] = defaultdict(list)
            for guide_id, *fields in connection.execute(material_query):
                materials[guide_id].append(Material(*fields))
        for row in rows:
            (guide_id, matter_code, region_code, department, conditions, steps, legal_days, promised_days, fee,
             address, hours, phone, web, mobile, zero_visit, max_visits, form_code) = row  # fmt: skip
            yield Guide(
                id=guide_id,
                matter=matters[matter_code],
                region=regions[region_code],
                department=department,
                conditions=conditions,
                materials=tuple(materials.get(guide_id, ())),
                steps=tuple(steps),
                legal_days=legal_days,
                promised_days=promised_days,
                fee=fee,
                address=address,
                hours=hours,
                phone=phone,
                online=Online(bool(web), bool(mobile), bool(zero_visit), max_visits),
                form_code=form_code,
                form_url=form_url(template, public_url, matter_code, guide_id) if form_code else None,
                demo=demo,
            )

    # --- the whole catalogue --------------------------------------------------------------

    def catalog_checksum(self) -> str | None:
        """sha256 over every region and matter checksum: equal checksums, equal catalogues."""
        with self.connect() as connection:
            return read_meta(connection).get("catalog_checksum")

    def matter_checksums(self) -> dict[str, str]:
        """Matter code → checksum of its searchable content (what an index compares)."""
        with self.connect() as connection:
            return dict(connection.execute(select(MatterRow.code, MatterRow.checksum)).tuples().all())

    def info(self) -> CatalogInfo:
        with self.connect() as connection:
            meta = read_meta(connection)
            counts = [
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (RegionRow, MatterRow, GuideRow)
            ]
        demo = meta.get("demo") == "true"
        return CatalogInfo(
            name=meta.get("name", ""),
            demo=demo,
            description=meta.get("description", ""),
            notice=DEMO_NOTICE if demo else None,
            checksum=meta.get("catalog_checksum", ""),
            regions=counts[0],
            matters=counts[1],
            guides=counts[2],
        )


def requirements_of(guide: Guide) -> tuple[object, ...]:
    """What a guide asks of the applicant, leaving out where it is served (see
    :meth:`Catalog.same_everywhere`)."""
    return (
        guide.conditions, guide.materials, guide.steps, guide.legal_days, guide.promised_days, guide.fee,
        guide.online,
    )  # fmt: skip


def read_regions(connection: Connection) -> dict[str, Region]:
    """All regions by code, each knowing its district (for callers that hold a connection)."""
    rows = connection.execute(
        select(RegionRow.code, RegionRow.name, RegionRow.level, RegionRow.parent_code, RegionRow.aliases)
    ).all()
    by_code = {row.code: row for row in rows}

    def district_of(code: str) -> str | None:
        seen = set()
        current: str | None = code
        while current is not None and current not in seen:
            seen.add(current)
            row = by_code.get(current)
            if row is None:
                return None
            if row.level == RegionLevel.DISTRICT:
                return current
            current = row.parent_code
        return None

    out = {}
    for row in rows:
        district = district_of(row.code)
        out[row.code] = Region(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_code=row.parent_code,
            aliases=tuple(row.aliases or ()),
            district_code=district,
            district_name=by_code[district].name if district else None,
        )
    return out


def read_matters(connection: Connection) -> dict[str, Matter]:
    """All matters by code (for callers that hold a connection)."""
    out = {}
    columns = (
        MatterRow.code, MatterRow.name, MatterRow.aliases, MatterRow.item_type, MatterRow.service_object,
        MatterRow.theme, MatterRow.levels, MatterRow.legal_basis, MatterRow.faq, MatterRow.checksum,
        MatterRow.high_frequency,
    )  # fmt: skip
    for row in connection.execute(select(*columns)):
        out[row.code] = Matter(
            code=row.code,
            name=row.name,
            aliases=tuple(row.aliases),
            item_type=row.item_type,
            service_object=tuple(row.service_object),
            theme=row.theme,
            levels=tuple(row.levels),
            legal_basis=row.legal_basis,
            faq=tuple(FaqEntry(entry["q"], entry["a"]) for entry in row.faq),
            checksum=row.checksum,
            high_frequency=bool(row.high_frequency),
        )
    return out
