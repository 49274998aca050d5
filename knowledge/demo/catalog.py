"""The demo catalogue: Ningbo's 31,224 service guides, built from the files in ``knowledge/data``.

**Matters.** The 400 core matters (``ningbo_core_matters.jsonl``) keep their codes and canonical
names verbatim. The Guangdong items are re-homed by :mod:`knowledge.demo.rehoming`; each surviving
matter is a city matter (levels 市级) when Guangdong listed it at provincial level, and a city *and*
district matter (市级 + 区县) when it came from Guangzhou's municipal departments, because what a
sub-provincial city's bureaus do is what Ningbo's city bureaus and their district branches do.

**Expansion.** A matter gets one guide in every region its levels name:

* 市级 → 宁波市;
* 区县 → each of the 10 districts and counties, and each of the 7 development zones *if the
  matter serves legal persons* (法人): the zones' service centres take enterprise business,
  while their residents' personal matters are handled by the district the zone lies in;
* 乡镇街道 → each of the 162 towns and streets;
* 村社 → each village/community service station of the demo (see below).

**Exactly 31,224.** The city's 31,224 published matters are a total over every window, down to
the 3,625 village stations. The demo names only a subset of those stations, and their number is
the one free quantity: after every other guide is counted, the remaining guides are divided
among the matters implemented at 村社 level. That gives ``S`` full stations (spread evenly over
the towns, in code order) and, when the division leaves a remainder ``r``, one more station that
offers only the first ``r`` of those matters (by code). The build report states ``S`` and ``r``.

Guides inherit the matter's conditions, materials, steps, time limits, fee and online flags; the
department follows Ningbo's naming pattern per region and the address, hours and phone are
synthetic (:mod:`knowledge.demo.departments`). Guide ids are ``NB-<region code>-<matter code>``.

The output is deterministic: the same input files and builder code give byte-identical JSON lines.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from knowledge.demo import rehoming as rehoming_module
from knowledge.demo.departments import address_for, department_for, hours_for, phone_for
from knowledge.demo.regions import NingboRegion, load_regions, village_stations
from knowledge.demo.rehoming import RehomedItem, RehomingReport, read_items, rehome
from knowledge.errors import BuildInputError
from knowledge.records import (
    CatalogHeader,
    CatalogRecords,
    FaqEntry,
    GuideRecord,
    Material,
    MatterRecord,
    Online,
    RegionLevel,
    RegionRecord,
    guide_id_for,
)

log = logging.getLogger(__name__)

# The ``knowledge`` package: the builder's data files and the record shapes it writes live there.
KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = KNOWLEDGE_DIR / "data"
TARGET_GUIDES = 31_224
CATALOG_NAME = "ningbo-demo"
CATALOG_FILE = "ningbo-demo.jsonl"

CORE_FILE = "ningbo_core_matters.jsonl"
GD_FILE = "gd_policy_items.jsonl"
INPUT_FILES = (CORE_FILE, GD_FILE, "ningbo_areas.csv", "ningbo_streets.csv")
# The modules whose code decides the output (paths inside ``knowledge/``); their source is part of
# the builder's stamp.
BUILDER_MODULES = ("demo/catalog.py", "demo/rehoming.py", "demo/regions.py", "demo/departments.py", "records.py")

DESCRIPTION = (
    "宁波市政务服务事项演示目录：400 项高频事项（为本项目编写）与广东省政务服务网公开事项"
    "（改写为宁波对应部门）展开到市、区县、开发园区、乡镇街道和村社。"
)

GD_FEE = "原始资料未载明收费标准，以办理窗口公示为准"


def builder_stamp(data_dir: Path = DATA_DIR) -> str:
    """sha256 over the builder's input files and source code: when it changes, rebuild."""
    digest = hashlib.sha256()
    for path in [data_dir / name for name in INPUT_FILES] + [KNOWLEDGE_DIR / name for name in BUILDER_MODULES]:
        digest.update(path.name.encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except FileNotFoundError:
            raise BuildInputError(f"{path} is missing; restore it from version control") from None
    return digest.hexdigest()


@dataclass
class BuildReport:
    """What the build did and why: printed after a build and written to ``var/catalog``."""

    inputs: dict[str, str] = field(default_factory=dict)
    core_matters: int = 0
    rehoming: RehomingReport = field(default_factory=RehomingReport)
    gd_city_matters: int = 0
    gd_city_and_district_matters: int = 0
    fixed_guides: int = 0
    village_matters: list[str] = field(default_factory=list)
    full_stations: int = 0
    partial_station_matters: int = 0
    stations_per_town: dict[int, int] = field(default_factory=dict)
    guides_by_level: dict[str, int] = field(default_factory=dict)
    guides_by_source: dict[str, int] = field(default_factory=dict)
    guides_by_district: dict[str, int] = field(default_factory=dict)
    total_guides: int = 0
    total_matters: int = 0
    total_regions: int = 0
    output: str = ""
    output_sha256: str = ""

    def summary_lines(self) -> list[str]:
        """The short version, printed by ``daofu catalog build``."""
        dropped = self.rehoming.dropped_by_reason()
        lines = [
            f"matters: {self.core_matters} core + {self.rehoming.kept} re-homed from Guangdong "
            f"({self.gd_city_matters} city-level, {self.gd_city_and_district_matters} city and district)",
            f"Guangdong items: {self.rehoming.total} read, {self.rehoming.kept} kept as matters, "
            f"{len(self.rehoming.merged)} merged as duplicates, "
            + ", ".join(f"{count} dropped ({reason})" for reason, count in sorted(dropped.items())),
            f"village/community stations: {self.full_stations} full"
            + (
                f" + 1 offering {self.partial_station_matters} of {len(self.village_matters)} matters"
                if self.partial_station_matters
                else ""
            )
            + f" for {len(self.village_matters)} 村社-level matters",
            "guides by level: " + ", ".join(f"{level} {count}" for level, count in self.guides_by_level.items()),
            f"guides: {self.total_guides} in {self.total_regions} regions",
        ]
        return lines

    def text(self) -> str:
        """The full report, with every dropped item and the rules."""
        out = ["# Demo catalogue build report", ""]
        out += ["## Inputs (sha256)"] + [f"- {name}: {sha}" for name, sha in self.inputs.items()] + [""]
        out += ["## Summary"] + [f"- {line}" for line in self.summary_lines()] + [""]
        out += ["## Expansion rules", (__doc__ or "").strip(), ""]
        out += ["## Re-homing rules", (rehoming_module.__doc__ or "").strip(), ""]
        out += ["## Guides per district/county (with its towns, stations and zones)"]
        out += [f"- {name}: {count}" for name, count in self.guides_by_district.items()] + [""]
        out += ["## Guides by source"] + [f"- {k}: {v}" for k, v in self.guides_by_source.items()] + [""]
        out += [
            "## Village/community stations",
            f"- remaining guides after all other levels: {TARGET_GUIDES - self.fixed_guides}",
            f"- 村社-level matters: {', '.join(self.village_matters)}",
            f"- full stations: {self.full_stations}; partial station offers the first "
            f"{self.partial_station_matters} of them",
            "- stations per town: "
            + ", ".join(f"{count} towns with {n}" for n, count in sorted(self.stations_per_town.items())),
            "",
        ]
        out += ["## Guangdong items dropped, by department and reason"]
        by_dept = Counter((reason, dept, detail) for reason, detail, dept, _ in self.rehoming.dropped)
        for (reason, dept, detail), count in sorted(by_dept.items()):
            out.append(f"- [{reason}] {dept} ({detail}): {count}")
        out += ["", "## Guangdong items dropped, one by one"]
        out += [f"- [{reason}] {dept}: {name}" for reason, _, dept, name in self.rehoming.dropped]
        out += ["", f"## Duplicates merged ({len(self.rehoming.merged)})"]
        out += [f"- {name} ← {code}" for name, code in self.rehoming.merged]
        out += ["", f"Output: {self.output} (sha256 {self.output_sha256})", ""]
        return "\n".join(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "core_matters": self.core_matters,
            "guangdong": self.rehoming.to_json(),
            "gd_city_matters": self.gd_city_matters,
            "gd_city_and_district_matters": self.gd_city_and_district_matters,
            "village_matters": self.village_matters,
            "full_stations": self.full_stations,
            "partial_station_matters": self.partial_station_matters,
            "guides_by_level": self.guides_by_level,
            "guides_by_source": self.guides_by_source,
            "guides_by_district": self.guides_by_district,
            "total_guides": self.total_guides,
            "total_matters": self.total_matters,
            "total_regions": self.total_regions,
            "output": self.output,
            "output_sha256": self.output_sha256,
        }


@dataclass(frozen=True, slots=True)
class _MatterPlan:
    """A matter with what its guides share and the city department responsible for it."""

    matter: MatterRecord
    department: str
    source: str  # "core" or "guangdong"
    conditions: str
    materials: tuple[Material, ...]
    steps: tuple[str, ...]
    legal_days: int
    promised_days: int
    fee: str
    online: Online


def _core_plans(path: Path) -> list[_MatterPlan]:
    plans = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                matter = MatterRecord(
                    code=raw["code"],
                    name=raw["name"],
                    aliases=tuple(raw["aliases"]),
                    item_type=raw["item_type"],
                    service_object=tuple(raw["service_object"]),
                    theme=raw["theme"],
                    levels=tuple(raw["levels"]),
                    legal_basis=raw["legal_basis"],
                    faq=tuple(FaqEntry(entry["q"], entry["a"]) for entry in raw["faq"]),
                    # The core file is, by its own description, the city's high-frequency matters.
                    high_frequency=True,
                )
                plans.append(
                    _MatterPlan(
                        matter=matter,
                        department=raw["department"],
                        source="core",
                        conditions=raw["conditions"],
                        materials=tuple(Material(**material) for material in raw["materials"]),
                        steps=tuple(raw["steps"]),
                        legal_days=raw["legal_days"],
                        promised_days=raw["promised_days"],
                        fee=raw["fee"],
                        online=Online(**raw["online"]),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise BuildInputError(f"{path}:{number}: not a core matter record ({exc})") from None
    return plans


def _gd_steps(item: RehomedItem) -> tuple[str, ...]:
    """Guangdong's records carry no steps; these generic ones follow the item's online flags."""
    name = item.matter.name
    if name.endswith(("查询", "查询服务", "公示", "下载")):
        return ("登录浙江政务服务网或浙里办，进入相应栏目", "按提示输入查询条件", "查看或下载查询结果")
    submit = (
        "通过浙江政务服务网或浙里办在线提交申请（也可到办理窗口提交）"
        if item.online.web
        else "携带申请材料到办理窗口提交申请"
    )
    if item.promised_days == 0:
        return (submit, "窗口工作人员当场审核材料并办结", "当场领取办理结果")
    return (submit, "受理并审查申请材料", "作出办理决定", "通过窗口领取、邮寄或在线送达办理结果")


def _gd_plans(items: list[RehomedItem]) -> list[_MatterPlan]:
    plans = []
    for item in items:
        levels = (RegionLevel.CITY, RegionLevel.DISTRICT) if item.guangzhou_level else (RegionLevel.CITY,)
        matter = replace(item.matter, levels=levels)
        plans.append(
            _MatterPlan(
                matter=matter,
                department=item.department,
                source="guangdong",
                conditions=item.conditions,
                materials=item.materials,
                steps=_gd_steps(item),
                legal_days=item.legal_days,
                promised_days=item.promised_days,
                fee=GD_FEE,
                online=item.online,
            )
        )
    return plans


def _fixed_levels(matter: MatterRecord) -> set[str]:
    """The levels of the regions that get a guide of ``matter``, village stations aside: those its
    levels name, and development zones too for a district-level matter that serves legal persons
    (see the module doc)."""
    levels = set(matter.levels)
    chosen = levels & {RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.TOWN}
    if RegionLevel.DISTRICT in levels and "法人" in matter.service_object:
        chosen.add(RegionLevel.ZONE)
    return chosen


def _fixed_regions(plan: _MatterPlan, regions: list[NingboRegion]) -> list[NingboRegion]:
    """The regions of a matter's guides, except village stations (see the module doc)."""
    levels = _fixed_levels(plan.matter)
    return [region for region in regions if region.level in levels]


def _spread(total: int, slots: int) -> list[int]:
    """Split ``total`` items over ``slots`` as evenly as possible, extras spread out (not bunched
    at the start): slot i gets one extra when ⌊(i+1)·e/n⌋ > ⌊i·e/n⌋."""
    base, extra = divmod(total, slots)
    return [base + ((i + 1) * extra // slots - i * extra // slots) for i in range(slots)]


def _station_plan(
    towns: list[NingboRegion], remaining: int, village_plans: list[_MatterPlan], report: BuildReport
) -> list[tuple[NingboRegion, list[_MatterPlan]]]:
    """Village stations and the matters each offers, so that they bring exactly ``remaining``."""
    if not village_plans:
        if remaining:
            raise BuildInputError(f"no 村社-level matters to place the remaining {remaining} guides")
        return []
    if remaining < 0:
        raise BuildInputError(
            f"the matters already give {TARGET_GUIDES - remaining} guides before any village station, "
            f"more than {TARGET_GUIDES}; the expansion rules need revisiting"
        )
    full, partial = divmod(remaining, len(village_plans))
    stations_total = full + (1 if partial else 0)
    per_town = _spread(stations_total, len(towns))
    report.full_stations = full
    report.partial_station_matters = partial
    report.stations_per_town = dict(Counter(per_town))
    stations: list[tuple[NingboRegion, list[_MatterPlan]]] = []
    for town, count in zip(towns, per_town, strict=True):
        for station in village_stations(town, count):
            stations.append((station, village_plans))
    if partial:
        last, _ = stations[-1]
        stations[-1] = (last, village_plans[:partial])
    return stations


def _guide(plan: _MatterPlan, region: NingboRegion, parents: dict[str, NingboRegion]) -> GuideRecord:
    department = department_for(plan.department, region, parents)
    return GuideRecord(
        id=guide_id_for(plan.matter.code, region.code),
        matter=plan.matter.code,
        region=region.code,
        department=department,
        conditions=plan.conditions,
        materials=plan.materials,
        steps=plan.steps,
        legal_days=plan.legal_days,
        promised_days=plan.promised_days,
        fee=plan.fee,
        address=address_for(region, department, parents),
        hours=hours_for(region),
        phone=phone_for(department),
        online=plan.online,
        form_code=f"F-{plan.matter.code}" if plan.online.web else None,
    )


def build_records(data_dir: Path = DATA_DIR) -> tuple[CatalogRecords, BuildReport]:
    """Build the whole demo catalogue in memory (see the module doc for the rules)."""
    report = BuildReport()
    for name in INPUT_FILES:
        path = data_dir / name
        if not path.is_file():
            raise BuildInputError(f"{path} is missing; restore it from version control")
        report.inputs[name] = hashlib.sha256(path.read_bytes()).hexdigest()

    core = _core_plans(data_dir / CORE_FILE)
    report.core_matters = len(core)
    rehomed, report.rehoming = rehome(read_items(data_dir / GD_FILE), {plan.matter.name for plan in core})
    guangdong = _gd_plans(rehomed)
    report.gd_city_and_district_matters = sum(1 for plan in guangdong if RegionLevel.DISTRICT in plan.matter.levels)
    report.gd_city_matters = len(guangdong) - report.gd_city_and_district_matters
    plans = sorted(core + guangdong, key=lambda plan: plan.matter.code)

    base_regions = load_regions(data_dir)
    parents = {region.code: region for region in base_regions}
    towns = [region for region in base_regions if region.level == RegionLevel.TOWN]

    placements: list[tuple[_MatterPlan, NingboRegion]] = []
    for plan in plans:
        placements += [(plan, region) for region in _fixed_regions(plan, base_regions)]
    report.fixed_guides = len(placements)
    village_plans = [plan for plan in plans if RegionLevel.VILLAGE in plan.matter.levels]
    report.village_matters = [plan.matter.code for plan in village_plans]
    stations = _station_plan(towns, TARGET_GUIDES - len(placements), village_plans, report)
    for station, offered in stations:
        parents[station.code] = station
        placements += [(plan, station) for plan in offered]

    guides = {}
    for plan, region in placements:
        guide = _guide(plan, region, parents)
        guides[guide.id] = guide
    if len(guides) != TARGET_GUIDES:
        raise BuildInputError(f"built {len(guides)} guides, expected {TARGET_GUIDES}")
    core_names = {plan.matter.name for plan in core}
    used = {guide.matter for guide in guides.values()}
    missing = sorted(plan.matter.name for plan in core if plan.matter.code not in used)
    if missing or len(core_names) != len(core):
        raise BuildInputError(f"core matters without guides: {', '.join(missing) or 'duplicate names'}")

    all_regions = base_regions + [station for station, _ in stations]
    region_records: dict[str, RegionRecord] = {region.code: region.record for region in all_regions}
    matters = {plan.matter.code: plan.matter for plan in plans}
    records = CatalogRecords(
        header=CatalogHeader(name=CATALOG_NAME, demo=True, description=DESCRIPTION),
        regions=region_records,
        matters=matters,
        guides=guides,
    )
    _count(records, report, parents, {plan.matter.code: plan.source for plan in plans})
    return records, report


def _count(
    records: CatalogRecords, report: BuildReport, regions: dict[str, NingboRegion], sources: dict[str, str]
) -> None:
    by_level: Counter[str] = Counter()
    by_district: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    for guide in records.guides.values():
        region = regions[guide.region]
        by_level[region.level] += 1
        if region.district:
            by_district[regions[region.district].name] += 1
        by_source[sources[guide.matter]] += 1
    report.guides_by_level = {level.value: by_level[level] for level in RegionLevel}
    report.guides_by_district = {
        region.name: by_district[region.name] for region in regions.values() if region.level == RegionLevel.DISTRICT
    }
    report.guides_by_source = dict(sorted(by_source.items()))
    report.total_guides = len(records.guides)
    report.total_matters = len(records.matters)
    report.total_regions = len(records.regions)


def catalog_lines(records: CatalogRecords) -> list[str]:
    """The file's lines: one compact JSON object each, keys in a fixed order, real characters."""
    return [json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in records.lines()]


def write_catalog(records: CatalogRecords, path: Path) -> str:
    """Write the JSON-lines file atomically (temp file + rename); return its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(catalog_lines(records)).encode("utf-8")
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return hashlib.sha256(data).hexdigest()


def write_report(report: BuildReport, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    text_path = directory / "build-report.md"
    json_path = directory / "build-report.json"
    text_path.write_text(report.text(), encoding="utf-8")
    json_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return text_path, json_path
