"""The read API: plain dataclasses, bulk reads, lookups by name, form URLs from the template."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from sqlalchemy import Engine

from daofu.config import Settings
from knowledge.db import create_engine_for, session_factory
from knowledge.errors import CatalogError, CatalogMissingError, NotFoundError
from knowledge.importer import import_catalog
from knowledge.repository import Catalog, Guide, Matter, Region
from tests.knowledge.samples import small_catalog, write_jsonl


def test_iter_guides_returns_plain_dataclasses(demo_engine: Engine) -> None:
    guides = list(Catalog(demo_engine).iter_guides())
    assert len(guides) == 31_224
    assert [guide.id for guide in guides] == sorted(guide.id for guide in guides)
    sample = guides[1234]
    assert isinstance(sample, Guide) and isinstance(sample.matter, Matter) and isinstance(sample.region, Region)
    assert dataclasses.is_dataclass(sample)
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample.fee = "x"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(sample)) == sample  # no session, no lazy loading


def test_guide_lookup_and_fields(demo_engine: Engine) -> None:
    catalog = Catalog(demo_engine)
    guide = catalog.guide("NB-330212-NBC-A-001")
    assert guide is not None
    assert guide.name == "出生登记（婚内生育）" and guide.region.name == "鄞州区"
    assert guide.department == "宁波市公安局鄞州分局"
    assert guide.materials and guide.materials[0].name == "出生医学证明"
    assert guide.steps and guide.on_the_spot == (guide.promised_days == 0)
    assert guide.demo is True
    assert catalog.guide("NB-0000-NOPE") is None


def test_guides_for_matter_and_region(demo_engine: Engine) -> None:
    catalog = Catalog(demo_engine)
    guides = catalog.guides_for_matter("NBC-A-001")
    levels = {guide.region.level for guide in guides}
    assert levels == {"区县", "乡镇街道"}  # the matter's levels; a 自然人 matter skips the zones
    assert len(guides) == 10 + 162
    assert all(guide.matter.code == "NBC-A-001" for guide in guides)
    assert {guide.id for guide in catalog.iter_guides("NBC-A-001")} == {guide.id for guide in guides}
    town = catalog.region_by_name("南门街道")
    assert town is not None
    assert {guide.region.code for guide in catalog.guides_in_region(town.code)} == {town.code}


def test_regions_and_names(demo_engine: Engine) -> None:
    catalog = Catalog(demo_engine)
    regions = catalog.regions()
    assert regions[0].level == "市级" and regions[0].name == "宁波市"
    assert catalog.region_by_name("鄞州区").code == "330212"
    assert catalog.region_by_name("鄞州").code == "330212"
    assert catalog.region_by_name("宁波市鄞州区").code == "330212"
    assert catalog.region_by_name("高新区").name == "宁波国家高新区"
    town = catalog.region_by_name("南门街道")
    assert town.level == "乡镇街道" and town.district_name == "海曙区"
    assert catalog.region_by_name("火星") is None


def test_matters_by_name_and_close_names(demo_engine: Engine) -> None:
    catalog = Catalog(demo_engine)
    assert catalog.matter_by_name("出生登记（婚内生育）").code == "NBC-A-001"
    assert catalog.matter_by_name("新生儿报户口").code == "NBC-A-001"  # an alias
    assert catalog.matter_by_name("不存在的事项") is None
    assert "出生登记（婚内生育）" in catalog.close_names("出生登记")
    assert len(list(catalog.iter_matters())) == Catalog(demo_engine).info().matters


def test_find_guide_falls_back_to_parents_and_explains(demo_engine: Engine) -> None:
    catalog = Catalog(demo_engine)
    assert catalog.find_guide("出生登记（婚内生育）", "南门街道").region.name == "南门街道"
    # a matter for people is not offered by the zone; its district's guide answers
    assert catalog.find_guide("出生登记（婚内生育）", "高新区").region.name == "鄞州区"
    with pytest.raises(NotFoundError, match=r"close names: .*出生登记（婚内生育）"):
        catalog.find_guide("出生登记")
    with pytest.raises(NotFoundError, match="--region"):
        catalog.find_guide("出生登记（婚内生育）")
    with pytest.raises(NotFoundError, match="no region named"):
        catalog.find_guide("出生登记（婚内生育）", "火星")


def test_checksums(demo_engine: Engine, demo) -> None:  # type: ignore[no-untyped-def]
    catalog = Catalog(demo_engine)
    assert catalog.catalog_checksum() == demo.outcome.imported.catalog_checksum
    checksums = catalog.matter_checksums()
    assert len(checksums) == catalog.info().matters
    assert checksums["NBC-A-001"] == catalog.matter("NBC-A-001").checksum


def test_form_url_is_built_at_read_time_from_the_template(demo_engine: Engine) -> None:
    settings = Settings(
        portal_form_template="{public_url}/apply/{matter_code}/{guide_id}", public_url_override="https://zwfw.example"
    )
    guide = Catalog(demo_engine, settings).guide("NB-330212-NBC-A-001")
    assert guide.form_code == "F-NBC-A-001"
    assert guide.form_url == "https://zwfw.example/apply/NBC-A-001/NB-330212-NBC-A-001"
    with pytest.raises(CatalogError, match="DAOFU_FORM_URL_TEMPLATE"):
        Catalog(demo_engine, Settings(portal_form_template="{public_url}/{unknown}"))


def test_works_inside_a_session(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'k.db'}")
    import_catalog(write_jsonl(tmp_path / "small.jsonl", small_catalog()), engine)
    with session_factory(engine)() as session:
        catalog = Catalog(session)
        assert len(list(catalog.iter_guides())) == 5
        assert catalog.guide("NB-330203001-T-001").on_the_spot
    engine.dispose()


def test_missing_catalogue_is_a_clear_error(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'none.db'}", create_directory=False)
    with pytest.raises(CatalogMissingError, match="daofu catalog build"):
        list(Catalog(engine).iter_guides())
    assert not (tmp_path / "none.db").exists()


def test_same_everywhere_ignores_the_place_but_not_the_requirements(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'small.db'}")
    import_catalog(write_jsonl(tmp_path / "small.jsonl", small_catalog()), engine)
    catalog = Catalog(engine)
    # T-002's two guides differ only in region and department; one T-001 guide is 即办 (0 days).
    assert catalog.same_everywhere("T-002") is True
    assert catalog.same_everywhere("T-001") is False
    engine.dispose()


def test_every_demo_matter_asks_the_same_in_every_district(demo_engine: Engine) -> None:
    catalog = Catalog(demo_engine)
    assert catalog.same_everywhere("NBC-A-033") is True  # 居民身份证换领, 343 guides
