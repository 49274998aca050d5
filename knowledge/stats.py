"""Catalogue statistics, set beside the figures Ningbo published for its real catalogue.

The city counts 31,224 matters offered across all its windows — one per matter *and* place — so
the comparable unit here is the guide. The shares of guides that can be handled on the web, on
mobile, with zero visits and on the spot (promised time limit 0, 即办件) are shown beside the
city's 2021 figures; a demo catalogue built from partly re-homed data is not expected to match.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select

from knowledge import DEMO_NOTICE
from knowledge.db import read_meta
from knowledge.models import Department, Guide, Matter
from knowledge.records import REGION_LEVELS, RegionLevel
from knowledge.repository import Catalog, read_regions

# Ningbo's published shares (2021), in percent of all matters.
CITY_FIGURES: dict[str, float] = {"web": 97.80, "mobile": 96.25, "zero_visit": 97.01, "on_the_spot": 88.05}
CITY_TOTAL = 31_224

SHARE_LABELS = {"web": "网上可办", "mobile": "掌上可办（浙里办）", "zero_visit": "跑零次", "on_the_spot": "即办件"}


@dataclass
class Share:
    count: int
    percent: float
    city_percent: float


@dataclass
class CatalogStats:
    name: str
    demo: bool
    notice: str | None
    checksum: str
    guides: int
    matters: int
    regions: int
    departments: int
    city_total: int = CITY_TOTAL
    by_level: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    by_service_object: dict[str, int] = field(default_factory=dict)
    matters_by_type: dict[str, int] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def compute_stats(source: Engine | Connection) -> CatalogStats:
    """Counts by region level, district, matter type and service object, and the online shares.

    Counts are of guides unless named otherwise; a district's count includes its towns, stations
    and the development zones inside it.
    """
    catalog = Catalog(source)
    with catalog.connect() as connection:
        meta = read_meta(connection)
        regions = read_regions(connection)
        per_region = dict(
            connection.execute(select(Guide.region_code, func.count()).group_by(Guide.region_code)).tuples().all()
        )
        per_matter = dict(
            connection.execute(select(Guide.matter_code, func.count()).group_by(Guide.matter_code)).tuples().all()
        )
        matters = connection.execute(select(Matter.code, Matter.item_type, Matter.service_object)).all()
        departments = connection.execute(select(func.count()).select_from(Department)).scalar_one()
        flags = connection.execute(
            select(
                func.count(),
                func.sum(case((Guide.web, 1), else_=0)),
                func.sum(case((Guide.mobile, 1), else_=0)),
                func.sum(case((Guide.zero_visit, 1), else_=0)),
                func.sum(case((Guide.promised_days == 0, 1), else_=0)),
            )
        ).one()

    total = int(flags[0] or 0)
    by_level: Counter[str] = Counter()
    by_district: Counter[str] = Counter()
    for code, count in per_region.items():
        region = regions[code]
        by_level[region.level] += count
        by_district[region.district_name or "市级部门"] += count
    district_order = [r.name for r in sorted(regions.values(), key=lambda r: r.code) if r.level == RegionLevel.DISTRICT]
    by_type: Counter[str] = Counter()
    matters_by_type: Counter[str] = Counter()
    by_object: Counter[str] = Counter()
    for code, item_type, service_object in matters:
        count = per_matter.get(code, 0)
        by_type[item_type] += count
        matters_by_type[item_type] += 1
        for kind in service_object:
            by_object[kind] += count

    def share(key: str, count: Any) -> Share:
        count = int(count or 0)
        return Share(count, round(100.0 * count / total, 2) if total else 0.0, CITY_FIGURES[key])

    demo = meta.get("demo") == "true"
    return CatalogStats(
        name=meta.get("name", ""),
        demo=demo,
        notice=DEMO_NOTICE if demo else None,
        checksum=meta.get("catalog_checksum", ""),
        guides=total,
        matters=len(matters),
        regions=len(regions),
        departments=departments,
        by_level={level: by_level[level] for level in REGION_LEVELS if by_level[level]},
        by_district={name: by_district[name] for name in ["市级部门", *district_order] if by_district[name]},
        by_type=dict(by_type.most_common()),
        by_service_object=dict(by_object.most_common()),
        matters_by_type=dict(matters_by_type.most_common()),
        shares={
            "web": share("web", flags[1]),
            "mobile": share("mobile", flags[2]),
            "zero_visit": share("zero_visit", flags[3]),
            "on_the_spot": share("on_the_spot", flags[4]),
        },
    )


def _table(rows: dict[str, int], total: int) -> list[str]:
    width = max((len(label) for label in rows), default=0)
    out = []
    for label, count in rows.items():
        pad = " " * (2 * (width - len(label)))  # CJK characters are two columns wide
        out.append(f"  {label}{pad}  {count:>6,}  {100.0 * count / total if total else 0:5.1f}%")
    return out


def stats_text(stats: CatalogStats) -> str:
    """The statistics as a readable report (Chinese labels, figures aligned)."""
    lines = [
        f"目录：{stats.name}{'（演示数据）' if stats.demo else ''}",
        f"办事指南 {stats.guides:,} 条（宁波市公布的全市政务服务事项 {stats.city_total:,} 项）；"
        f"事项 {stats.matters:,} 个；区域 {stats.regions:,} 个；实施部门 {stats.departments:,} 个",
        f"校验和：{stats.checksum}",
        "",
        "按区域层级：",
        *_table(stats.by_level, stats.guides),
        "",
        "按区县（含所辖乡镇街道、村社和开发园区）：",
        *_table(stats.by_district, stats.guides),
        "",
        "按事项类型：",
        *_table(stats.by_type, stats.guides),
        "",
        "按服务对象（兼有自然人和法人的事项两边都计）：",
        *_table(stats.by_service_object, stats.guides),
        "",
        "网办程度（本目录 / 宁波市公布数据）：",
    ]
    for key, share in stats.shares.items():
        label = SHARE_LABELS[key]
        pad = " " * (2 * (9 - len(label)))
        lines.append(f"  {label}{pad}  {share.count:>6,}  {share.percent:6.2f}%   市公布 {share.city_percent:.2f}%")
    if stats.notice:
        lines += ["", f"注意：{stats.notice}"]
    return "\n".join(lines)
