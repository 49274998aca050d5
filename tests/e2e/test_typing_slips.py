"""Needs typed with a slip of the pinyin keyboard, through the real servers: the guide is found, never
"没有找到". Wordings are the project's own."""

from __future__ import annotations

import pytest

from tests.e2e.test_dialogue import Conversation, Turn

pytestmark = pytest.mark.e2e

NOTHING_FOUND = "没有找到"
OUT_OF_SCOPE = "不在政务服务范围"


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def reachable(chat: Conversation, turn: Turn) -> list[str]:
    """Matter names on screen: the card's, or the options' (after the district question, if asked)."""
    titles = [button["title"] for button in turn.buttons]
    if turn.custom("guide_card") is None and "江北区" in titles:
        turn = chat.press(turn.button("江北区"))
    card = turn.custom("guide_card")
    return [card["name"]] if card is not None else [button["title"] for button in turn.buttons]


@pytest.mark.parametrize(
    ("typed", "matter"),
    [
        ("驾校抱名", "机动车驾驶证初次申领"),  # 抱名 for 报名: nothing was found before
        ("二手车过护去哪里", "机动车转移登记"),  # 过护 for 过户
    ],
)
def test_a_slip_by_sound_still_reaches_the_guide(chat, typed, matter):
    turn = chat.say(typed)
    said = " ".join(turn.texts)
    assert NOTHING_FOUND not in said and OUT_OF_SCOPE not in said, turn.messages
    # A card, an option, or the answer to its question (去哪里: the guide's place) names the matter.
    assert f"「{matter}」" in said or any(matter in name for name in reachable(chat, turn)), turn.messages


def test_a_district_typed_with_a_slip_is_still_where_the_asker_is(chat):
    turn = chat.say("住在北伦，居住证怎么办")
    said = " ".join(turn.texts)
    assert NOTHING_FOUND not in said and "哪个区" not in said, turn.messages
    card = turn.custom("guide_card")
    if card is None:  # options first: the one for the residence permit
        turn = chat.press(next(b for b in turn.buttons if b["title"].endswith("居住证申领")))
        card = turn.custom("guide_card")
    assert card is not None and "北仑" in str(card), turn.messages
