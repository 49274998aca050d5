"""The out-of-scope overrule: its decision on search signals, the nearest-example lookup and the
examples' vectors, embedded by the real model and cached on disk."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from bot.actions.answer_bands import is_confident
from bot.actions.scope import (
    LONG_MESSAGE_CHARS,
    LONG_SCOPE_MARGIN,
    SCOPE_MARGIN,
    OutOfScopeExamples,
    cache_path,
    ensure_out_of_scope_vectors,
    inputs_stamp_path,
    names_a_matter_surely,
    overrides_out_of_scope,
)
from daofu.config import PROJECT_ROOT, Settings
from indexer.search import Searcher, SearchHit, SearchResult

HIT = SearchHit("g-1", "m-1", "抵押权注销登记", "宁波市", "3302", "部门", 0.9, ("抵押",))


def searched(query: str, catalogue: float, no_match: bool = False, hits: bool = True) -> SearchResult:
    return SearchResult(query, [HIT] if hits else [], no_match, None, None, signals={"question_best": catalogue})


def test_a_short_request_is_searched_only_when_clearly_closer_to_the_catalogue():
    short = "房贷还清了怎么解押"
    assert overrides_out_of_scope(searched(short, 0.95), 0.95 - SCOPE_MARGIN)
    assert not overrides_out_of_scope(searched(short, 0.95), 0.95 - SCOPE_MARGIN + 0.002)
    assert not overrides_out_of_scope(searched(short, 0.90), 0.93)


def test_a_long_message_needs_a_lower_margin_than_a_short_one():
    long = "我家里的房子前几年抵押给银行贷了款，现在贷款都还清了，想问一下解押要去哪里办"
    assert len(long) >= LONG_MESSAGE_CHARS
    between = 0.95 - (SCOPE_MARGIN + LONG_SCOPE_MARGIN) / 2
    assert overrides_out_of_scope(searched(long, 0.95), between)
    assert not overrides_out_of_scope(searched(long[:10], 0.95), between)
    assert not overrides_out_of_scope(searched(long, 0.95), 0.95 - LONG_SCOPE_MARGIN + 0.001)


def test_no_plausible_candidate_never_overrules():
    assert not overrides_out_of_scope(searched("天上有几颗星", 0.99, no_match=True), 0.5)
    assert not overrides_out_of_scope(searched("天上有几颗星", 0.99, hits=False), 0.5)
    without_signal = SearchResult("解押", [HIT], False, None, None)
    assert not overrides_out_of_scope(without_signal, 0.5)


def test_the_nearest_example_can_leave_one_out():
    vectors = np.asarray([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    examples = OutOfScopeExamples(("订火车票", "订机票", "天气"), vectors)
    query = np.asarray([1.0, 0.0], dtype=np.float32)
    assert examples.nearest(query) == (1.0, "订火车票")
    similarity, text = examples.nearest(query, leave_out="订火车票")
    assert text == "订机票" and abs(similarity - 0.8) < 1e-6
    assert OutOfScopeExamples((), np.zeros((0, 2))).nearest(query) == (-1.0, "")


@pytest.fixture(scope="module")
def private_var(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over the built model and index, with a cache folder of their own."""
    var = tmp_path_factory.mktemp("scope") / "var"
    var.mkdir()
    for name in ("models", "index"):
        (var / name).symlink_to((PROJECT_ROOT / "var" / name).resolve())
    return Settings(var_dir=var)


@pytest.fixture(scope="module")
def searcher(private_var: Settings) -> Searcher:
    return Searcher.load(private_var)


def test_example_vectors_are_cached_and_rebuilt_when_the_examples_change(private_var, searcher):
    texts = ["帮我订一张去杭州的火车票", "明天镇海会下雨吗"]
    first = OutOfScopeExamples.load(private_var, searcher, texts)
    path = cache_path(private_var)
    assert first.vectors.shape[0] == 2 and path.exists()
    written = path.stat().st_mtime_ns
    again = OutOfScopeExamples.load(private_var, searcher, texts)
    assert path.stat().st_mtime_ns == written  # read, not embedded again
    assert np.allclose(again.vectors, first.vectors)
    # Place names are blanked: the weather question is compared without 镇海.
    assert searcher.need_text(texts[1], without_places=True).replace(" ", "") == "明天会下雨吗"
    assert np.allclose(first.vectors[1], searcher.need_vector(texts[1], without_places=True), atol=1e-5)
    assert not np.allclose(first.vectors[1], searcher.need_vector(texts[1]), atol=1e-3)

    changed = OutOfScopeExamples.load(private_var, searcher, [*texts, "推荐一家好吃的火锅店"])
    assert changed.vectors.shape[0] == 3
    similarity, text = changed.nearest(searcher.need_vector("附近哪家火锅店好吃"))
    assert text == "推荐一家好吃的火锅店" and similarity > 0.9


def test_a_damaged_cache_is_embedded_again(private_var, searcher):
    path = cache_path(private_var)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a numpy file")
    examples = OutOfScopeExamples.load(private_var, searcher, ["今天星期几"])
    assert examples.vectors.shape[0] == 1
    assert OutOfScopeExamples.load(private_var, searcher, ["今天星期几"]).vectors.shape[0] == 1


def test_setup_embeds_the_examples_once_and_then_only_checks_its_stamp(private_var, caplog):
    caplog.set_level(logging.INFO, logger="bot.actions.scope")
    ensure_out_of_scope_vectors(private_var)
    vectors, stamp = cache_path(private_var), inputs_stamp_path(private_var)
    assert vectors.exists() and stamp.exists()
    written = vectors.stat().st_mtime_ns

    caplog.clear()
    ensure_out_of_scope_vectors(private_var)
    assert "up to date" in caplog.text
    assert vectors.stat().st_mtime_ns == written

    # A stamp from other inputs: the examples are loaded again, but every vector comes from the cache.
    stamp.write_text("0" * 64 + "\n", encoding="utf-8")
    caplog.clear()
    ensure_out_of_scope_vectors(private_var)
    assert "embedded" not in caplog.text and "ready" in caplog.text
    assert vectors.stat().st_mtime_ns == written
    assert stamp.read_text(encoding="utf-8").strip() != "0" * 64


@pytest.mark.parametrize("question", ["让狗咬了一口，狂犬针在哪个门诊打", "孩子的疫苗本找不到了"])
def test_a_question_naming_a_matter_by_its_rare_words_is_a_need(searcher, question):
    result = searcher.search(question)
    assert names_a_matter_surely(result, searcher), result.hits[0]


def test_a_rare_words_need_counts_even_when_search_would_still_ask(searcher):
    # A long message: search offers choices rather than one guide, but the need is plain.
    question = "小孙子放学路上给野猫抓破了手，要去打狂犬疫苗，北仑哪里有门诊"
    result = searcher.search(question)
    assert not is_confident(result)
    assert names_a_matter_surely(result, searcher), result.hits[0]


@pytest.mark.parametrize("question", ["微信怎么发红包", "支付宝怎么改密码", "彩票怎么买"])
def test_one_shared_word_with_a_matter_does_not_make_a_need(searcher, question):
    assert not names_a_matter_surely(searcher.search(question), searcher)
