"""The answer band after a search, and reading which option a person chose."""

from __future__ import annotations

import pytest

from bot.actions.answer_bands import (
    CONFIDENT_MARGIN,
    MAX_OPTIONS,
    Step,
    best_name_match,
    decide,
    family_offer,
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


def test_close_candidates_become_options_at_most_seven():
    hits = [hit(f"事项{i}", 0.6 - i * 0.01) for i in range(12)]
    decision = decide(result(*hits))
    assert decision.step is Step.CHOOSE
    assert MAX_OPTIONS == 7
    assert [h.name for h in decision.hits] == [f"事项{i}" for i in range(7)]


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


def large_family(count: int) -> Families:
    return Families.derive([(f"m-{i}", f"户口迁移（情形{i}）", False) for i in range(count)], variant_words={})


def test_a_small_family_offers_every_case_then_the_other_close_candidates():
    families = family_of("夫妻投靠", "子女投靠父母", "父母投靠子女")
    decision = decide(
        result(
            hit("户口迁移（父母投靠子女）", 0.6),
            hit("户口迁移（子女投靠父母）", 0.58),
            hit("居住证申领", 0.5),
            hit("户口注销（重复户口）", 0.45),
        ),
        families,
    )
    assert decision.step is Step.FAMILY
    # The ranked cases first, then the rest of the family, then what is not of the family.
    assert [m.case for m in decision.cases] == ["父母投靠子女", "子女投靠父母", "夫妻投靠"]
    assert [h.name for h in decision.others] == ["居住证申领", "户口注销（重复户口）"]


def test_a_large_family_leaves_buttons_for_the_candidates_outside_it():
    families = large_family(12)
    hits = [hit("户口迁移（情形7）", 0.6), hit("户口迁移（情形3）", 0.59), hit("户口注销（重复户口）", 0.55)]
    hits += [hit(f"户口迁移（情形{i}）", 0.5 - i * 0.01) for i in (0, 1, 2, 4, 5, 6, 8, 9, 10, 11)]
    hits.append(hit("居民户口簿补领", 0.3))
    decision = decide(result(*hits), families)
    assert decision.step is Step.FAMILY
    shown = [m.case for m in decision.cases] + [h.name for h in decision.others]
    assert len(shown) == MAX_OPTIONS
    assert shown[:2] == ["情形7", "情形3"]  # the best-ranked cases lead
    assert "户口注销（重复户口）" in shown and "居民户口簿补领" in shown


def test_family_offer_gives_the_cases_the_buttons_nobody_else_needs():
    # Candidates that all fall in the family: every case is offered, the ones search ranked first.
    families = large_family(9)
    family = families.families[0]
    only_family = [hit(f"户口迁移（情形{i}）", 0.6 - i * 0.01) for i in range(9)]
    cases, others = family_offer(only_family, family)
    assert [m.case for m in cases] == [f"情形{i}" for i in range(9)] and others == []
    one_other = only_family[:2] + [hit("居住证申领", 0.5)]
    cases, others = family_offer(one_other, family)
    assert len(cases) == 6 and [h.name for h in others] == ["居住证申领"]
    many_others = only_family[:2] + [hit(f"其他{i}", 0.5 - i * 0.01) for i in range(6)]
    cases, others = family_offer(many_others, family)
    assert len(cases) == 5 and [h.name for h in others] == ["其他0", "其他1"]


def test_a_question_naming_the_family_gets_every_case():
    families = large_family(12)
    hits = [hit(f"户口迁移（情形{i}）", 0.6 - i * 0.01) for i in (4, 2)] + [hit("户口注销（重复户口）", 0.55)]
    named = SearchResult("户口迁移需要什么材料", hits, False, None, None)
    decision = decide(named, families)
    assert decision.step is Step.FAMILY
    assert len(decision.cases) == 12 and [m.case for m in decision.cases][:2] == ["情形4", "情形2"]
    told = SearchResult("老家和这里各有一个登记", hits, False, None, None)
    assert len(decide(told, families).cases) == 6
