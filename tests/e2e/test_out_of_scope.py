"""Requests the NLU reads as out of scope, through the real servers: real needs are answered as needs,
requests outside government services are still refused.

Each wording here is one the trained NLU classifies as ``out_of_scope`` (checked when the test was
written), so the tests exercise the overrule in ``bot/actions/scope.py``, not the NLU. The wordings
are the project's own.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_dialogue import Conversation, Turn

pytestmark = pytest.mark.e2e

OUT_OF_SCOPE = "不在政务服务范围"


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def said(turn: Turn) -> str:
    return " ".join(turn.texts)


def offered(turn: Turn) -> list[str]:
    """The matter names a person can reach from this reply: the card's, or the buttons' titles."""
    card = turn.custom("guide_card")
    return [card["name"]] if card is not None else [button["title"] for button in turn.buttons]


def test_a_licence_asked_in_a_few_words_is_searched_not_refused(chat):
    turn = chat.say("烟花爆竹能卖吗")
    assert OUT_OF_SCOPE not in said(turn), turn.messages
    if turn.custom("guide_card") is None and "江北区" in offered(turn):
        turn = chat.press(turn.button("江北区"))  # the matter is run per district
    assert any("烟花爆竹经营（零售）许可证核发" in name for name in offered(turn)), offered(turn)


def test_a_need_named_by_its_rare_words_is_answered_though_it_sounds_like_pet_care(chat):
    # Closer to the out-of-scope example about a cat's vaccination than to the catalogue's texts,
    # but it names 狂犬病 and the bite: search is sure of the matter.
    turn = chat.say("让狗咬了一口，狂犬针在哪个门诊打")
    assert OUT_OF_SCOPE not in said(turn), turn.messages
    assert offered(turn)[0] == "狂犬病暴露后医学处置门诊信息查询", offered(turn)


def test_a_wedding_told_in_passing_gets_the_marriage_steps(chat):
    turn = chat.say("快结婚了，有啥要弄的")
    assert OUT_OF_SCOPE not in said(turn), turn.messages
    assert "结婚" in said(turn)
    assert any(title.endswith("内地居民结婚登记") for title in offered(turn)), offered(turn)


@pytest.mark.parametrize(
    "request_text",
    [
        "帮我订一张去宁波的飞机票",  # tickets
        "明天北仑会不会下雨",  # weather, with a place name
        "你们大厅那个保安结婚了没有啊",  # a remark about a person, with a life event's word
        "隔壁邻居天天吵架，那人脾气真差",  # a complaint about a person
    ],
)
def test_requests_outside_government_services_are_still_refused(chat, request_text):
    turn = chat.say(request_text)
    assert OUT_OF_SCOPE in said(turn), turn.messages
    assert turn.custom("guide_card") is None
