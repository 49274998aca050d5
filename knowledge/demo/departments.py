"""Who implements a matter in each Ningbo region, and the (synthetic) contact details of the window.

Department names follow Ningbo's patterns:

* city level: the city department itself (宁波市公安局);
* districts (区): vertical branches are 分局 of the city department (宁波市公安局鄞州分局,
  宁波市自然资源和规划局鄞州分局, 宁波市市场监督管理局鄞州分局, 宁波市生态环境局鄞州分局); the others
  are the district's own bureau (鄞州区人力资源和社会保障局, 鄞州区卫生健康局);
* counties and county-level cities (县/市) have their own bureaus (象山县公安局), except the
  ecology and environment branches, which are 分局 everywhere;
* development zones: the police 分局 (宁波市公安局高新区分局), otherwise the zone's government
  service centre (宁波国家高新区政务服务中心);
* towns and streets: police stations (宁波市公安局海曙分局南门派出所), market-supervision offices
  (…南门市场监督管理所), otherwise the town's 便民服务中心;
* village and community stations: the station itself (南门街道中心社区便民服务站).

Addresses, opening hours and phone numbers are synthetic: derived deterministically from the
region and department names so that every build gives the same values. They look plausible and
are labelled demo data (:data:`knowledge.DEMO_NOTICE`); they are not real.
"""

from __future__ import annotations

import hashlib

from knowledge.demo.regions import NingboRegion
from knowledge.records import RegionLevel

POLICE = "宁波市公安局"
MARKET = "宁波市市场监督管理局"

# City departments whose district offices are branches (分局) of the city department; the second
# element says whether counties/county-level cities also have branches rather than own bureaus.
BRANCHED = {
    POLICE: False,
    "宁波市自然资源和规划局": False,
    MARKET: False,
    "宁波市生态环境局": True,
}

# How a district/county spells a bureau when it differs from the city's (委员会 → 局 …).
DISTRICT_SUFFIX = {
    "宁波市卫生健康委员会": "卫生健康局",
    "宁波市发展和改革委员会": "发展和改革局",
}


def _is_district_proper(region: NingboRegion) -> bool:
    """Districts (区) have 分局 of city departments; counties and county-level cities don't."""
    return region.name.endswith("区")


def district_department(city_department: str, district: NingboRegion) -> str:
    """The district's or county's office for a city department."""
    if city_department in BRANCHED and (_is_district_proper(district) or BRANCHED[city_department]):
        return f"{city_department}{district.short}分局"
    if city_department == "国家税务总局宁波市税务局":
        if _is_district_proper(district):
            return f"国家税务总局宁波市{district.name}税务局"
        return f"国家税务总局{district.name}税务局"
    if city_department == "宁波住房公积金管理中心":
        return f"宁波住房公积金管理中心{district.short}分中心"
    if city_department == "国网宁波供电公司":
        return f"国网宁波市{district.name}供电公司"
    if city_department == "宁波市民卡服务中心":
        return f"宁波市民卡服务中心{district.short}服务网点"
    if city_department == "宁波海关":
        return f"宁波海关驻{district.short}办事处"
    if city_department.startswith("中共宁波市委"):
        return f"中共{district.name}委" + city_department.removeprefix("中共宁波市委").split("（")[0]
    if city_department.endswith("有限公司"):
        company = city_department.removesuffix("有限公司").removesuffix("集团")
        return f"{company}{district.short}营业厅"
    if city_department in DISTRICT_SUFFIX:
        return f"{district.name}{DISTRICT_SUFFIX[city_department]}"
    if city_department.startswith("宁波市"):
        return f"{district.name}{city_department.removeprefix('宁波市')}"
    return f"{city_department}{district.short}分支机构"


def department_for(city_department: str, region: NingboRegion, parents: dict[str, NingboRegion]) -> str:
    """The department that implements a matter of ``city_department`` in ``region``.

    ``parents`` maps region codes to regions so towns and stations can name their district.
    """
    level = region.level
    if level == RegionLevel.CITY:
        return city_department
    if level == RegionLevel.DISTRICT:
        return district_department(city_department, region)
    if level == RegionLevel.ZONE:
        if city_department == POLICE:
            return f"{POLICE}{region.short}分局"
        return f"{region.name}政务服务中心"
    if level == RegionLevel.TOWN:
        assert region.district is not None
        district = parents[region.district]
        if city_department == POLICE:
            return f"{district_department(POLICE, district)}{region.short}派出所"
        if city_department == MARKET:
            return f"{district_department(MARKET, district)}{region.short}市场监督管理所"
        return f"{region.name}便民服务中心"
    if level == RegionLevel.VILLAGE:
        return f"{region.name}便民服务站"
    raise ValueError(f"unknown region level {level!r}")


# --- synthetic contact details --------------------------------------------------------------

ROADS = (
    "中山东路",
    "解放南路",
    "天童北路",
    "钱湖北路",
    "民安东路",
    "江南路",
    "人民路",
    "环城西路",
    "兴宁路",
    "长春路",
    "广德湖南路",
    "学士路",
    "新河路",
    "金山路",
    "通途路",
    "四明中路",
)

HOURS = {
    RegionLevel.CITY: "周一至周五 8:30-12:00，13:30-17:00；周六 9:00-12:00 延时服务（法定节假日除外）",
    RegionLevel.DISTRICT: "周一至周五 8:30-12:00，13:30-17:00（法定节假日除外）",
    RegionLevel.ZONE: "周一至周五 8:30-12:00，13:30-17:00（法定节假日除外）",
    RegionLevel.TOWN: "周一至周五 8:30-11:30，13:30-17:00（法定节假日除外）",
    RegionLevel.VILLAGE: "周一至周五 8:30-11:30，14:00-16:30（法定节假日除外）",
}

SERVICE_CENTRE = {
    RegionLevel.CITY: "宁波市民服务中心",
    RegionLevel.DISTRICT: "{name}行政服务中心",
    RegionLevel.ZONE: "{name}政务服务中心",
    RegionLevel.TOWN: "{name}便民服务中心",
    RegionLevel.VILLAGE: "{name}便民服务站",
}


def _digits(*parts: str) -> int:
    """A stable number from text (sha256, so it never depends on Python's hash seed)."""
    return int.from_bytes(hashlib.sha256("|".join(parts).encode("utf-8")).digest()[:8], "big")


def address_for(region: NingboRegion, department: str, parents: dict[str, NingboRegion]) -> str:
    """A plausible, synthetic address: the region's service centre and a window for the department."""
    seed = _digits(region.code, department)
    road = ROADS[_digits(region.code) % len(ROADS)]
    number = 1 + _digits(region.code, "number") % 999
    centre = SERVICE_CENTRE[region.level].format(name=region.name)
    window = 1 + seed % 40
    if region.level == RegionLevel.CITY:
        place = "宁波市鄞州区"
    elif region.level in (RegionLevel.DISTRICT, RegionLevel.ZONE):
        district = parents[region.district] if region.district else region
        place = f"宁波市{district.name}"
    else:
        assert region.district is not None
        district = parents[region.district]
        town = region if region.level == RegionLevel.TOWN else parents[region.record.parent or ""]
        place = f"宁波市{district.name}{town.name}"
    if region.level == RegionLevel.VILLAGE:
        return f"{place}{region.short.removesuffix('社区').removesuffix('村')}路{number}号 {centre}"
    return f"{place}{road}{number}号 {centre}{window}号窗口"


def hours_for(region: NingboRegion) -> str:
    return HOURS[region.level]


def phone_for(department: str) -> str:
    """A synthetic Ningbo landline (0574 and eight digits starting with 8), one per department."""
    return f"0574-8{_digits(department, 'phone') % 10_000_000:07d}"
