"""The demo catalogue: exactly 31,224 guides, every core matter, every district covered, deterministic."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter

from knowledge.demo.catalog import DATA_DIR, TARGET_GUIDES, build_records, catalog_lines
from knowledge.demo.regions import DEVELOPMENT_ZONES
from knowledge.demo.rehoming import matter_code_for, rename
from knowledge.repository import Catalog
from tests.knowledge.conftest import DemoBuild


def _core_names() -> set[str]:
    with (DATA_DIR / "ningbo_core_matters.jsonl").open(encoding="utf-8") as handle:
        return {json.loads(line)["name"] for line in handle if line.strip()}


def test_exactly_31224_guides_and_every_core_matter(demo: DemoBuild, demo_engine) -> None:
    info = Catalog(demo_engine).info()
    assert info.guides == TARGET_GUIDES == 31_224
    assert demo.outcome.report.total_guides == TARGET_GUIDES
    names = {matter.name for matter in Catalog(demo_engine).iter_matters()}
    missing = _core_names() - names
    assert not missing, f"core matters missing: {sorted(missing)[:5]}"


def test_every_district_has_at_least_1000_guides(demo_engine) -> None:
    catalog = Catalog(demo_engine)
    per_district = Counter(guide.region.district_name for guide in catalog.iter_guides())
    districts = [region.name for region in catalog.regions() if region.level == "区县"]
    assert len(districts) == 10
    for district in districts:
        assert per_district[district] >= 1000, (district, per_district[district])


def test_regions_zones_and_towns(demo_engine) -> None:
    catalog = Catalog(demo_engine)
    levels = Counter(region.level for region in catalog.regions())
    assert levels["市级"] == 1 and levels["区县"] == 10 and levels["开发园区"] == 7 and levels["乡镇街道"] == 162
    assert levels["村社"] > 0
    parents = {
        "宁波国家高新区": "鄞州区",
        "东钱湖旅游度假区": "鄞州区",
        "宁波前湾新区": "慈溪市",
        "大榭开发区": "北仑区",
        "宁波保税区": "北仑区",
        "宁波经济技术开发区": "北仑区",
    }
    for name, district in parents.items():
        zone = catalog.region_by_name(name)
        assert zone is not None and zone.level == "开发园区" and zone.district_name == district
    assert len(DEVELOPMENT_ZONES) == 7
    for region in catalog.regions():
        if region.level in ("乡镇街道", "村社", "开发园区"):
            assert region.district_code is not None


def test_guide_ids_are_derived_from_matter_and_region(demo_engine) -> None:
    for guide in Catalog(demo_engine).iter_guides():
        assert guide.id == f"NB-{guide.region.code}-{guide.matter.code}"


def test_department_names_follow_ningbo_patterns(demo_engine) -> None:
    catalog = Catalog(demo_engine)
    departments = {guide.department for guide in catalog.iter_guides()}
    for expected in (
        "宁波市公安局鄞州分局",
        "鄞州区人力资源和社会保障局",
        "南门街道便民服务中心",
        "宁波市公安局海曙分局南门派出所",
    ):
        assert expected in departments
    assert any(name.endswith("社区便民服务站") for name in departments)
    assert any(name.endswith("村便民服务站") for name in departments)


def test_guangdong_wording_is_gone_from_names(demo_engine) -> None:
    for matter in Catalog(demo_engine).iter_matters():
        assert not re.search("广东|广州|粤", matter.name), matter.name


def test_rehoming_rules() -> None:
    assert rename("广东省科学技术奖") == "宁波市科学技术奖"
    assert rename("广东省水利厅财政预决算查询") == "宁波市水利局财政预决算查询"
    assert rename("广州市公安局出入境指引") == "宁波市公安局出入境指引"
    assert matter_code_for("某事项") == matter_code_for("某事项")  # from the name, never from row order


def test_build_report_explains_what_was_dropped(demo: DemoBuild) -> None:
    report = demo.outcome.report
    dropped = report.rehoming.dropped_by_reason()
    assert dropped["no Ningbo counterpart"] > 0 and dropped["duplicate of a core matter"] > 0
    assert report.rehoming.merged
    text = demo.outcome.report_path.read_text(encoding="utf-8")
    assert "中国水产科学研究院珠江水产研究所" in text  # a dropped body, named with its reason
    assert "Exactly 31,224" in text
    saved = json.loads((demo.outcome.report_path.parent / "build-report.json").read_text(encoding="utf-8"))
    assert saved["total_guides"] == TARGET_GUIDES


def test_two_builds_give_identical_bytes(demo: DemoBuild) -> None:
    records, _ = build_records()
    again = "".join(catalog_lines(records)).encode("utf-8")
    assert hashlib.sha256(again).hexdigest() == demo.outcome.sha256
    assert demo.jsonl.read_bytes() == again


def test_catalog_is_labelled_demo(demo: DemoBuild, demo_engine) -> None:
    header = json.loads(demo.jsonl.open(encoding="utf-8").readline())
    assert header["kind"] == "catalog" and header["demo"] is True
    info = Catalog(demo_engine).info()
    assert info.demo and info.notice and "演示" in info.notice


def test_build_does_not_depend_on_the_hash_seed(demo: DemoBuild) -> None:
    """Another process with another string-hash seed must write the very same bytes."""
    script = (
        "import hashlib; from knowledge.demo.catalog import build_records, catalog_lines; "
        "print(hashlib.sha256(''.join(catalog_lines(build_records()[0])).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == demo.outcome.sha256
