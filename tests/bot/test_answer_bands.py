"""The answer band after a search, and reading which option a person chose."""

from __future__ import annotations

import pytest

from bot.actions.answer_bands import (
    CONFIDENT_MARGIN,
    Step,
    best_name_match,
    decide,
    is_confident,
)
from daofu.choices import choice_in as ordinal_in
from indexer.families import Families
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


def test_an_option_can_be_named_by_its_case_in_order():
    names = ["户口迁移（父母投靠子女）", "户口迁移（子女投靠父母）"]
    assert best_name_match("是子女投靠父母", names) == 1
    assert best_name_match("父母投靠子女那个", names) == 0


def family_of(*cases: str) -> Families:
    return Families.derive(
        [(f"m-{i}", f"户口迁移（{case}）", False) for i, case in enumerate(cases)],
        variant_words={"户口迁移（子女投靠父母）": "孩子的户口迁到父母这里"},
    )


def test_siblings_among_the_leading_candidates_ask_the_family_question():
    families = family_of("夫妻投靠", "子女投靠父母", "父母投靠子女")
    decision = decide(
        result(hit("户口迁移（父母投靠子女）", 0.6), hit("户口迁移（子女投靠父母）", 0.58), hit("居住证申领", 0.5)),
        families,
    )
    assert decision.step is Step.FAMILY and decision.family is not None
    # Every case is offered, not only the ones search found; the person's words where there are some.
    assert [m.words for m in decision.family.members] == ["夫妻投靠", "孩子的户口迁到父母这里", "父母投靠子女"]


def test_a_confident_sibling_is_shown_without_asking():
    families = family_of("夫妻投靠", "子女投靠父母")
    decision = decide(result(hit("户口迁移（夫妻投靠）", 0.8), hit("户口迁移（子女投靠父母）", 0.4)), families)
    assert decision.step is Step.CARD


def test_unrelated_close_candidates_are_offered_as_plain_options():
    families = family_of("夫妻投靠", "子女投靠父母")
    decision = decide(result(hit("户口迁移（夫妻投靠）", 0.6), hit("居住证申领", 0.58)), families)
    assert decision.step is Step.CHOOSE


def test_candidates_far_below_the_best_are_not_offered():
    decision = decide(result(hit("甲", 0.6), hit("乙", 0.55), hit("丙", -0.9)))
    assert [h.name for h in decision.hits] == ["甲", "乙"]


def test_confidence_band_boundary():
    assert is_confident(result(hit("甲", 0.6), hit("乙", 0.6 - CONFIDENT_MARGIN)))
    assert not is_confident(result(hit("甲", 0.6), hit("乙", 0.6 - CONFIDENT_MARGIN + 0.01)))
    assert not is_confident(result(hit("甲", 0.9), no_match=True))
