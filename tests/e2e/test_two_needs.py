"""Two needs in one message, through the real servers: the main one answered, the other offered."""

from __future__ import annotations

import pytest

from tests.e2e.test_dialogue import Conversation, card

pytestmark = pytest.mark.e2e


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def titles(turn) -> list[str]:
    return [button["title"] for button in turn.buttons]


def test_the_main_need_is_answered_and_the_other_offered_as_a_button(chat):
    turn = chat.say("港澳通行证要换本新的，护照也过期了想换一本")
    shown = card(turn)["name"]
    other = next(title for title in titles(turn) if title.startswith("看「"))
    assert {shown, other[2:-1]} == {"往来港澳通行证换发", "普通护照换发"}
    assert any(f"您还问到了「{other[2:-1]}」" in text for text in turn.texts)
    opened = card(chat.press(turn.button(other)))
    assert opened["name"] == other[2:-1]


def test_two_needs_without_a_clear_main_one_lead_the_options(chat):
    turn = chat.say("身份证过期了要去换，另外社保卡找不到了怎么补办")
    assert turn.custom("guide_card") is None
    assert any("您的问题里有2件事" in text for text in turn.texts)
    first_two = titles(turn)[:2]
    assert any("居民身份证换领" in t for t in first_two) and any("社会保障卡补领" in t for t in first_two)
    assert card(chat.press(turn.button("社会保障卡补领")))["name"] == "社会保障卡补领"


def test_background_is_not_taken_for_a_second_need(chat):
    turn = chat.say("我在北仑上班好几年了，合同到期了单位不续签，失业金怎么领")
    assert not any(title.startswith("看「") for title in titles(turn))
    assert not any("件事" in text for text in turn.texts)
