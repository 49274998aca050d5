"""The answer band after a search, and reading which option a person chose."""

from __future__ import annotations

import pytest

from bot.actions.answer_bands import Step, best_name_match, decide
from daofu.choices import choice_in as ordinal_in
from indexer.search import SearchHit, SearchResult


def hit(name: str, score: float, needs_region: bool = False) -> SearchHit:
    return SearchHit(f"g-{name}", f"m-{name}", name, "宁波市", "3302", "部门", score, (), needs_region)


def result(*hits: SearchHit, no_match: bool = False) -> SearchResult:
    return SearchResult("q", list(hits), no_match, None, None)


def test_one_clear_winner_is_shown_as_a_card():
    decision = decide(result(hit("居民身份证换领", 0.6), hit("居民身份证补领", 0.3)))
    assert decision.step is Step.CARD and decision.top.name == "居民身份证换领"


def test_close_candidates_become_options_at_most_five():
    hits = [hit(f"事项{i}", 0.6 - i * 0.01) for i in range(7)]
    decision = decide(result(*hits))
    assert decision.step is Step.CHOOSE
    assert [h.name for h in decision.hits] == [f"事项{i}" for i in range(5)]


def test_a_matter_run_per_district_asks_for_the_district():
    assert decide(result(hit("小学一年级新生入学报名", 0.6, needs_region=True))).step is Step.ASK_REGION


def test_no_match_wins_over_everything():
    assert decide(result(hit("x", 0.9), no_match=True)).step is Step.NO_MATCH
    assert decide(result()).step is Step.NO_MATCH


@pytest.mark.parametrize(
    "text, expected",
    [
        ("第二个", 1),
        ("选1", 0),
        ("2", 1),
        ("就第三个吧", 2),
        ("最后一个", 3),
        ("第五个", None),
        ("两个人办", None),
        ("随便", None),
        ("", None),
    ],
)
def test_ordinals(text, expected):
    assert ordinal_in(text, 4) == expected


def test_an_option_can_be_named_by_its_distinctive_words():
    names = ["居民身份证首次申领", "居民身份证换领", "居民身份证补领"]
    assert best_name_match("换领那个", names) == 1
    assert best_name_match("补领", names) == 2
    assert best_name_match("身份证", names) is None  # shared by all: no winner
