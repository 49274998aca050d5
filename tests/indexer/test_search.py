"""Hybrid search over the built index: synonyms, places, no match, odd input, mismatched indexes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daofu.config import PROJECT_ROOT, Settings
from indexer.errors import IndexMismatchError, IndexMissingError
from indexer.regions import Place, RegionResolver
from indexer.search import UnknownRegionError, load_searcher
from indexer.store import MANIFEST, IndexManifest
from indexer.text import TextAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer()


@pytest.mark.parametrize(
    "colloquial, official",
    [
        ("社保卡丢了", "社会保障卡"),
        ("公积金怎么取", "住房公积金"),
        ("驾照到期", "机动车驾驶证"),
        ("身份证过期了", "居民身份证"),
        ("想办个SC证", "食品生产许可证"),
        ("办营业执照", "设立登记"),
        ("考教资", "教师资格"),
        ("小孩上户口", "出生登记"),
    ],
)
def test_colloquial_words_are_expanded_to_official_ones(analyzer, colloquial, official):
    assert official in analyzer.expand(colloquial)


def test_synonym_expansion_reaches_the_official_matter(searcher):
    result = searcher.search("公积金租房能取吗")
    assert result.hits[0].name == "住房公积金提取（租房）"
    assert "住房公积金" in result.hits[0].why or any("公积金" in w for w in result.hits[0].why)


@pytest.mark.parametrize(
    "text, district",
    [
        ("住在南门街道，孩子上小学怎么报名", "海曙区"),
        ("我是象山石浦的渔民", "象山县"),
        ("慈城镇的老人养老金认证", "江北区"),
        ("在梅墟街道办居住证", "鄞州区"),
        ("鄞州", "鄞州区"),
        ("余姚市", "余姚市"),
    ],
)
def test_places_map_to_their_district(searcher, text, district):
    place = searcher.resolver.detect(text)
    assert place is not None and place.district_name == district


def test_the_place_one_leaves_is_not_the_place_one_is_in(searcher):
    assert searcher.resolver.detect("从海曙搬到镇海了，户口要迁过去").district_name == "镇海区"


def test_ambiguous_short_names_are_not_guessed():
    places = [
        Place("1", "甲区", "区县", "1", "甲区"),
        Place("2", "乙区", "区县", "2", "乙区"),
        Place("11", "新华街道", "乡镇街道", "1", "甲区"),
        Place("21", "新华镇", "乡镇街道", "2", "乙区"),
    ]
    resolver = RegionResolver(places, extra_aliases={})
    assert resolver.detect("我在新华") is None
    assert resolver.detect("我在新华街道").district_name == "甲区"


def test_the_guide_of_the_askers_district_comes_first(searcher):
    result = searcher.search("住在南门街道，孩子上小学怎么报名")
    top = result.hits[0]
    assert top.name == "小学一年级新生入学报名" and top.region == "海曙区" and not top.needs_region
    assert result.place.name == "南门街道" and result.place_source == "text"


def test_without_a_place_a_district_matter_says_it_needs_one(searcher):
    top = searcher.search("孩子上小学怎么报名").hits[0]
    assert top.name == "小学一年级新生入学报名" and top.needs_region


def test_an_explicit_region_wins_and_an_unknown_one_is_refused(searcher):
    assert searcher.search("社保卡补办", region="慈溪").hits[0].region == "慈溪市"
    with pytest.raises(UnknownRegionError, match="not a Ningbo"):
        searcher.search("社保卡补办", region="巴黎")


def test_hits_are_distinct_matters(searcher):
    hits = searcher.search("身份证", top_k=10).hits
    assert len({h.matter_code for h in hits}) == len(hits) == 10


@pytest.mark.parametrize("text", ["今天宁波下雨吗", "推荐几家好吃的海鲜馆", "asdkjh 啊啊啊", "我想申请成为宇航员"])
def test_questions_without_a_guide_are_no_match(searcher, text):
    assert searcher.search(text).no_match


@pytest.mark.parametrize(
    "text",
    ["", "   ", "长" * 2000, "😀😀🎉🎉", "我想办ID card，passport也要renew", "？？？！！！", "\x00\t\n", "ｓｃ证"],
)
def test_odd_questions_are_answered_without_errors(searcher, text):
    result = searcher.search(text)
    assert isinstance(result.no_match, bool)
    assert len(result.hits) <= 5


@pytest.mark.parametrize("top_k", [0, 51, -1])
def test_top_k_out_of_range_is_a_clear_error(searcher, top_k):
    with pytest.raises(ValueError, match="top_k"):
        searcher.search("身份证", top_k=top_k)


def _private_copy(tmp_path: Path) -> Settings:
    source = PROJECT_ROOT / "var"
    (tmp_path / "models").symlink_to(source / "models")
    shutil.copytree(source / "index", tmp_path / "index", ignore=shutil.ignore_patterns("cache"))
    shutil.copy2(source / "knowledge.db", tmp_path / "knowledge.db")
    return Settings(var_dir=tmp_path)


def _edit_manifest(settings: Settings, **changes) -> None:
    path = settings.index_dir / MANIFEST
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_an_index_from_another_model_is_refused(tmp_path):
    settings = _private_copy(tmp_path)
    _edit_manifest(settings, model_weights_sha256="0" * 64)
    with pytest.raises(IndexMismatchError, match="another embedding model"):
        load_searcher(settings)


def test_an_index_from_another_catalogue_is_refused(tmp_path):
    settings = _private_copy(tmp_path)
    _edit_manifest(settings, catalog_checksum="f" * 64)
    with pytest.raises(IndexMismatchError, match="another catalogue"):
        load_searcher(settings)


def test_an_index_of_another_format_is_refused(tmp_path):
    settings = _private_copy(tmp_path)
    _edit_manifest(settings, format_version=999)
    with pytest.raises(IndexMismatchError, match="format"):
        load_searcher(settings)


def test_a_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexMissingError, match="daofu index build"):
        IndexManifest.read(tmp_path / "nothing")


def test_mismatch_is_one_line_from_the_command(tmp_path):
    settings = _private_copy(tmp_path)
    _edit_manifest(settings, catalog_checksum="f" * 64)
    result = subprocess.run(
        [sys.executable, "-m", "daofu.cli", "search", "社保卡"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DAOFU_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "daofu index build" in result.stderr


def test_batch_search_writes_one_json_line_per_question(tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "query": "社保卡丢了咋补办", "region": "鄞州区"}\n{"id": "b", "query": "今天下雨吗"}\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "daofu.cli", "-q", "search", "--batch", str(batch), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["a", "b"]
    assert rows[0]["no_match"] is False and rows[0]["hits"][0]["name"] == "社会保障卡补领"
    assert rows[0]["hits"][0]["region"] == "鄞州区"
    assert set(rows[0]["hits"][0]) == {"guide_id", "matter_code", "name", "region", "score"}
    assert rows[1]["no_match"] is True


def test_a_bad_batch_line_names_the_line(tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": 1, "query": "社保"}\n{"query": "缺id"}\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "daofu.cli", "search", "--batch", str(batch)], capture_output=True, text=True
    )
    assert result.returncode == 1 and f"{batch}:2" in result.stderr and "Traceback" not in result.stderr


def test_rebuild_after_an_import_embeds_only_what_changed(tmp_path):
    from indexer.build import build_index
    from knowledge.db import create_engine_for
    from knowledge.importer import import_catalog

    source = PROJECT_ROOT / "var"
    (tmp_path / "models").symlink_to(source / "models")
    shutil.copytree(source / "index", tmp_path / "index")
    shutil.copy2(source / "knowledge.db", tmp_path / "knowledge.db")
    settings = Settings(var_dir=tmp_path)
    lines = (source / "catalog" / "ningbo-demo.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        record = json.loads(line)
        if record.get("kind") == "matter" and record["name"] == "社会保障卡补领":
            record["faq"].append({"q": "社保卡被洗衣机洗坏了能补吗", "a": "可以补领。"})
            lines[number] = json.dumps(record, ensure_ascii=False)
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    engine = create_engine_for(settings.database_url)
    try:
        import_catalog(changed, engine)
    finally:
        engine.dispose()

    report = build_index(settings, progress=False)
    assert report.embedded == 1  # the one new FAQ question; everything else came from the cache
    assert report.reused == report.passages + report.questions - 1
    result = load_searcher(settings).search("社保卡被洗衣机洗坏了")
    assert result.hits[0].name == "社会保障卡补领"
