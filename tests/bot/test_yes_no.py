"""Yes/no questions and what a guide's fields decide about them (pure logic)."""

from __future__ import annotations

import pytest

from bot.actions.yes_no import (
    OpeningHours,
    answer_lead,
    asked_days,
    fee_is_free,
    hours_verdict,
    is_yes_no,
    yes_no_of_sentence,
)

DISTRICT_HOURS = "周一至周五 8:30-12:00，13:30-17:00（法定节假日除外）"
CITY_HOURS = "周一至周五 8:30-12:00，13:30-17:00；周六 9:00-12:00 延时服务（法定节假日除外）"


@pytest.mark.parametrize(
    "text",
    ["礼拜六过去办行不行", "能不能叫我女儿帮我去", "要不要先预约？", "不用本人到场吗", "是不是一定要户口本",
     "星期天窗口开门伐", "复印件需不需要"],
)  # fmt: skip
def test_yes_no_questions(text):
    assert is_yes_no(text)


@pytest.mark.parametrize("text", ["要准备哪些东西", "多久能拿到", "在哪个窗口交", "怎么预约呢", "工本费多少"])
def test_other_questions_are_not_yes_no(text):
    assert not is_yes_no(text)


def test_the_answer_starts_in_the_question_s_own_verb():
    assert answer_lead(True, "周末能去吗") == "可以。"
    assert answer_lead(False, "周末能去吗") == "不能。"
    assert answer_lead(False, "要不要带照片") == "不需要。"
    assert answer_lead(True, "是本人吗") == "是的。"


def test_asked_days():
    assert asked_days("礼拜六上午") == {6}
    assert asked_days("周末或者星期一") == {1, 6, 7}
    assert asked_days("双休日") == {6, 7}
    assert asked_days("明天上午") == set()


def test_opening_hours_are_read_per_day():
    district = OpeningHours.parse(DISTRICT_HOURS)
    assert district is not None and district.days == frozenset(range(1, 6)) and district.holidays_closed
    city = OpeningHours.parse(CITY_HOURS)
    assert city is not None and city.open_on(6) and not city.open_on(7)
    assert city.spans_on(6) == ((540, 720),) and city.spans_on(2) == ((510, 720), (810, 1020))
    assert OpeningHours.parse("以窗口公示为准") is None


def test_saturday_is_a_no_at_a_district_office_and_a_yes_in_the_city():
    district = hours_verdict(DISTRICT_HOURS, "礼拜六可以去办吗")
    assert district is not None and district.verdict is False and "周六" in district.detail
    city = hours_verdict(CITY_HOURS, "礼拜六可以去办吗")
    assert city is not None and city.verdict is True
    weekend = hours_verdict(CITY_HOURS, "周末能办吗")
    assert weekend is not None and weekend.verdict is True and "周日不办公" in weekend.detail


def test_holidays_evenings_and_noon():
    assert hours_verdict(DISTRICT_HOURS, "国庆放假期间能办吗").verdict is False
    assert hours_verdict(DISTRICT_HOURS, "下班以后晚上还能去吗").verdict is False
    assert hours_verdict(DISTRICT_HOURS, "中午休息时间能办吗").verdict is False
    # Nothing in the question the hours decide: no verdict at all, never a guessed yes.
    assert hours_verdict(DISTRICT_HOURS, "能办吗") is None


def test_the_fee_decides_only_when_it_says():
    assert fee_is_free("不收费") is True
    assert fee_is_free("不收费（体检费由申请人自理）") is True
    assert fee_is_free("工本费20元（依据……）") is False
    assert fee_is_free("原始资料未载明收费标准，以办理窗口公示为准") is None


def test_a_sentence_states_its_own_yes_or_no():
    assert yes_no_of_sentence("可以，外省户籍人员可在宁波任一受理点申请。") is True
    assert yes_no_of_sentence("不需要，可通过数据共享核验。") is False
    assert yes_no_of_sentence("无需提交纸质材料。") is False
    assert yes_no_of_sentence("居民身份证有效期满的，应当换领。") is None
