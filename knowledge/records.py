"""The catalogue's records as plain values: what an import file holds, line by line.

The builder writes these, the validator produces them from a file and the importer stores them, so
all three agree on one shape. ``docs/catalog-format.md`` and ``knowledge/schema.json`` describe the
same shape for people and for other tools. Records are frozen dataclasses (hashable, comparable,
free of any database session) and turn into JSON through :meth:`to_json`.

Content hashes are sha256 of the *canonical JSON* of a record (keys sorted, no whitespace, UTF-8),
so the same content always gives the same hash whatever order the fields were written in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FORMAT_VERSION = 1


class RegionLevel(StrEnum):
    """Region levels, from the top down (the order is the rank). 开发园区 (development zones) sit
    beside the districts and counties and have one of them as parent."""

    CITY = "市级"
    DISTRICT = "区县"
    ZONE = "开发园区"
    TOWN = "乡镇街道"
    VILLAGE = "村社"

    @property
    def rank(self) -> int:
        """0 for the city, 4 for villages: smaller is higher up."""
        return _LEVEL_RANKS[self]


_LEVEL_RANKS = {level: rank for rank, level in enumerate(RegionLevel)}
REGION_LEVELS: tuple[str, ...] = tuple(level.value for level in RegionLevel)

# Kinds of government matters (事项类型) as used in Zhejiang's and Guangdong's catalogues.
ITEM_TYPES: tuple[str, ...] = (
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "其他行政权力",
    "公共服务",
)

SERVICE_OBJECTS: tuple[str, ...] = ("自然人", "法人")

MATERIAL_FORMS: tuple[str, ...] = ("原件", "复印件", "原件和复印件", "电子材料")


def canonical_json(value: Any) -> str:
    """One spelling for one value: sorted keys, no spaces, real characters (not \\u escapes)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(value: Any) -> str:
    """sha256 of the canonical JSON of ``value``; how the catalogue notices that content changed."""
    return sha256_hex(canonical_json(value))


@dataclass(frozen=True, slots=True)
class CatalogHeader:
    """The first line of a catalogue file: what it is and whether it is demo data."""

    name: str
    demo: bool
    description: str = ""
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "catalog",
            "format_version": self.format_version,
            "name": self.name,
            "demo": self.demo,
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class RegionRecord:
    """A place where guides are implemented: the city, a district, a zone, a town or a station."""

    code: str
    name: str
    level: str
    parent: str | None
    aliases: tuple[str, ...] = ()  # short names people use: 鄞州, 高新区

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "region",
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "parent": self.parent,
            "aliases": list(self.aliases),
        }


@dataclass(frozen=True, slots=True)
class FaqEntry:
    q: str
    a: str

    def to_json(self) -> dict[str, str]:
        return {"q": self.q, "a": self.a}


@dataclass(frozen=True, slots=True)
class MatterRecord:
    """What is done, independent of where: its canonical name is the key people search by."""

    code: str
    name: str
    aliases: tuple[str, ...]
    item_type: str
    service_object: tuple[str, ...]
    theme: str
    levels: tuple[str, ...]
    legal_basis: str
    faq: tuple[FaqEntry, ...]
    # 高频事项: one of the city's most-requested matters (search gives them a small prior).
    high_frequency: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "matter",
            "code": self.code,
            "name": self.name,
            "aliases": list(self.aliases),
            "item_type": self.item_type,
            "service_object": list(self.service_object),
            "theme": self.theme,
            "levels": list(self.levels),
            "legal_basis": self.legal_basis,
            "faq": [entry.to_json() for entry in self.faq],
            "high_frequency": self.high_frequency,
        }


@dataclass(frozen=True, slots=True)
class Material:
    """One document an applicant brings; ``e_license`` means an electronic licence replaces it."""

    name: str
    form: str
    copies: int
    required: bool
    e_license: bool
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "form": self.form,
            "copies": self.copies,
            "required": self.required,
            "e_license": self.e_license,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Online:
    """How far the matter can be handled without coming in: web, 浙里办 mobile, visits needed."""

    web: bool
    mobile: bool
    zero_visit: bool
    max_visits: int

    def to_json(self) -> dict[str, Any]:
        return {"web": self.web, "mobile": self.mobile, "zero_visit": self.zero_visit, "max_visits": self.max_visits}


@dataclass(frozen=True, slots=True)
class GuideRecord:
    """One matter implemented in one region by one department (the 办事指南 itself).

    ``promised_days`` 0 means the matter is handled on the spot (即办件). ``form_code`` names the
    application form on the portal; its URL is built when the guide is read, from the configured
    portal template, so moving the portal never means re-importing the catalogue.
    """

    id: str
    matter: str
    region: str
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

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "guide",
            "id": self.id,
            "matter": self.matter,
            "region": self.region,
            "department": self.department,
            "conditions": self.conditions,
            "materials": [material.to_json() for material in self.materials],
            "steps": list(self.steps),
            "legal_days": self.legal_days,
            "promised_days": self.promised_days,
            "fee": self.fee,
            "address": self.address,
            "hours": self.hours,
            "phone": self.phone,
            "online": self.online.to_json(),
            "form_code": self.form_code,
        }


def guide_id_for(matter_code: str, region_code: str) -> str:
    """The stable id of the guide for ``matter_code`` in ``region_code``: content-derived, never
    from row order, so ids survive rebuilds and re-imports (``NB-330212-NBC-A-020``)."""
    return f"NB-{region_code}-{matter_code}"


@dataclass(frozen=True, slots=True)
class CatalogRecords:
    """A whole catalogue file in memory, keyed the way the importer looks things up."""

    header: CatalogHeader
    regions: dict[str, RegionRecord]
    matters: dict[str, MatterRecord]
    guides: dict[str, GuideRecord]

    def lines(self) -> list[dict[str, Any]]:
        """The records in file order: header, regions (parents first), matters, guides (by id)."""
        out: list[dict[str, Any]] = [self.header.to_json()]
        out += [self.regions[code].to_json() for code in regions_parents_first(self.regions)]
        out += [self.matters[code].to_json() for code in sorted(self.matters)]
        out += [self.guides[guide_id].to_json() for guide_id in sorted(self.guides)]
        return out


def regions_parents_first(regions: dict[str, RegionRecord]) -> list[str]:
    """Region codes ordered so that every parent comes before its children (ties by code).

    Raises ValueError on a cycle, which the validator reports before anything gets here.
    """
    depth: dict[str, int] = {}

    def depth_of(code: str, seen: tuple[str, ...] = ()) -> int:
        if code in depth:
            return depth[code]
        if code in seen:
            raise ValueError(f"region parent cycle through {code}")
        parent = regions[code].parent
        value = 0 if parent is None or parent not in regions else depth_of(parent, (*seen, code)) + 1
        depth[code] = value
        return value

    return sorted(regions, key=lambda code: (depth_of(code), code))
