"""Ningbo's regions for the demo catalogue: city, districts, zones, towns and village stations.

* 宁波市 (code ``3302``) — the city-level departments.
* 10 districts and counties (区县) from ``ningbo_areas.csv`` (National Bureau of Statistics codes).
* 7 development zones (开发园区), each under the district it lies in. They have no statistical
  code, so they get synthetic codes ``3302Z1`` … ``3302Z7``.
* 162 towns and streets (乡镇街道) from ``ningbo_streets.csv``, each under its district.
* Village and community service stations (村社): the city has about 3,625; the demo names a few
  per town (how many is decided by :mod:`knowledge.demo.catalog`), taken in order from a standard list —
  ``社区`` for streets and zones, ``村`` for towns and townships. Their codes are the town's code
  followed by ``V`` and a two-digit number (``330203001V01``) so nobody mistakes them for
  statistical codes.

Everything is derived from the two CSV files and fixed lists, so the set never changes between
runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import BuildInputError
from knowledge.records import RegionLevel, RegionRecord

CITY_CODE = "3302"
CITY_NAME = "宁波市"

# (code, official name, short name people use, parent district code)
DEVELOPMENT_ZONES: tuple[tuple[str, str, str, str], ...] = (
    ("3302Z1", "宁波国家高新区", "高新区", "330212"),
    ("3302Z2", "宁波前湾新区", "前湾新区", "330282"),
    ("3302Z3", "东钱湖旅游度假区", "东钱湖", "330212"),
    ("3302Z4", "大榭开发区", "大榭", "330206"),
    ("3302Z5", "梅山海洋生态经济发展示范区", "梅山", "330206"),
    ("3302Z6", "宁波保税区", "保税区", "330206"),
    ("3302Z7", "宁波经济技术开发区", "经济技术开发区", "330206"),
)

# Names for the stations, used in order. Communities in streets (街道) and zones; villages in towns
# (镇) and townships (乡).
COMMUNITY_NAMES = ("中心社区", "新城社区", "和平社区", "文昌社区", "东湖社区", "南苑社区")
VILLAGE_NAMES = ("中心村", "新联村", "东岙村", "南山村", "前洋村", "后塘村")


@dataclass(frozen=True, slots=True)
class NingboRegion:
    """A region plus what the builder needs about it besides the record: its short name (for
    department names like 宁波市公安局鄞州分局) and the district it belongs to."""

    record: RegionRecord
    short: str
    district: str | None

    @property
    def code(self) -> str:
        return self.record.code

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def level(self) -> str:
        return self.record.level


def district_short(name: str) -> str:
    """鄞州区 → 鄞州, 象山县 → 象山, 余姚市 → 余姚: the stem used inside department names."""
    return name[:-1] if name[-1] in "区县市" else name


def town_short(name: str) -> str:
    """南门街道 → 南门, 高桥镇 → 高桥, 龙观乡 → 龙观; names like 保税区 stay as they are."""
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise BuildInputError(f"{path} is missing; restore it from version control") from None
    if not rows or any(column not in rows[0] for column in columns):
        raise BuildInputError(f"{path} does not have the columns {', '.join(columns)}")
    return rows


def load_regions(data_dir: Path) -> list[NingboRegion]:
    """The city, districts, zones and towns, parents before children, in a fixed order.

    Village stations depend on the matters and come from :func:`village_stations`.
    """
    city = NingboRegion(RegionRecord(CITY_CODE, CITY_NAME, RegionLevel.CITY, None), "宁波", None)
    regions = [city]

    districts = []
    for row in _read_csv(data_dir / "ningbo_areas.csv", ("code", "name", "cityCode")):
        if row["cityCode"] != CITY_CODE:
            raise BuildInputError(f"ningbo_areas.csv: {row['name']} is not in Ningbo (cityCode {row['cityCode']})")
        record = RegionRecord(row["code"], row["name"], RegionLevel.DISTRICT, CITY_CODE, (district_short(row["name"]),))
        districts.append(NingboRegion(record, district_short(row["name"]), row["code"]))
    if len(districts) != 10:
        raise BuildInputError(f"ningbo_areas.csv lists {len(districts)} districts; Ningbo has 10")
    regions += districts
    district_codes = {district.code for district in districts}

    for code, name, short, parent in DEVELOPMENT_ZONES:
        if parent not in district_codes:
            raise BuildInputError(f"development zone {name}: parent district {parent} is not in ningbo_areas.csv")
        regions.append(NingboRegion(RegionRecord(code, name, RegionLevel.ZONE, parent, (short,)), short, parent))

    towns = []
    for row in _read_csv(data_dir / "ningbo_streets.csv", ("code", "name", "areaCode")):
        if row["areaCode"] not in district_codes:
            raise BuildInputError(f"ningbo_streets.csv: {row['name']} has unknown district {row['areaCode']}")
        record = RegionRecord(row["code"], row["name"], RegionLevel.TOWN, row["areaCode"])
        towns.append(NingboRegion(record, town_short(row["name"]), row["areaCode"]))
    if len(towns) != 162:
        raise BuildInputError(f"ningbo_streets.csv lists {len(towns)} towns and streets; the builder expects 162")
    regions += towns

    names = [region.name for region in regions]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BuildInputError(f"region names must be unique; repeated: {', '.join(duplicates)}")
    return regions


def village_stations(town: NingboRegion, count: int) -> list[NingboRegion]:
    """The first ``count`` 村/社区 service stations of one town (see the module doc)."""
    rural = town.name.endswith(("镇", "乡"))
    names = VILLAGE_NAMES if rural else COMMUNITY_NAMES
    kind = "村" if rural else "社区"
    stations = []
    for number in range(1, count + 1):
        stem = names[number - 1] if number <= len(names) else f"第{number}{kind}"
        name = f"{town.name}{stem}"
        record = RegionRecord(f"{town.code}V{number:02d}", name, RegionLevel.VILLAGE, town.code)
        stations.append(NingboRegion(record, stem, town.district))
    return stations
