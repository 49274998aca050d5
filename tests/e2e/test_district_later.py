"""What to prepare before where to go, through the real servers.

A matter run by each district, asked about without saying where: when every district's guide asks
the same, the first reply already tells what to bring (a card marked ``district_pending``, or the
aspect asked about) and the district question asks only where to go; the district's own card
follows the answer. The place itself, and the application form, still wait for the district.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_dialogue import Conversation, Turn, card

pytestmark = pytest.mark.e2e

DISTRICTS = ("海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "象山县", "宁海县", "余姚市", "慈溪市")


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def district_buttons(turn: Turn) -> list[str]:
    return [b["title"] for b in turn.buttons if b["title"] in DISTRICTS]


def test_a_card_for_every_district_comes_first_and_the_districts_own_card_after(chat):
    turn = chat.say("我的社保卡丢了要补办")
    shown = card(turn)
    assert shown["name"] == "社会保障卡补领"
    assert shown["district_pending"] is True
    assert shown["materials"], "what to bring is told before the district"
    assert shown["promised_days"] or shown["legal_days"]
    # Nothing that depends on the district is shown yet.
    assert not shown["region"] and not shown["department"] and not shown["address"] and not shown["phone"]
    assert not shown.get("form_url")
    assert "各区县相同" in shown["text"]
    assert district_buttons(turn) == list(DISTRICTS)
    assert any("办理部门、地点和电话各区县不同" in text for text in turn.texts)

    local = card(chat.press(turn.button("余姚市")))
    assert local["name"] == "社会保障卡补领" and local["region"] == "余姚市"
    assert local["district_pending"] is False
    assert local["address"] and local["phone"] and "余姚" in local["department"]
    assert local["form_url"] and local["materials"] == shown["materials"]


def test_materials_asked_without_a_district_are_answered_at_once(chat):
    turn = chat.say("身份证过期了换新的要准备哪些材料")
    answer = " ".join(turn.texts)
    assert "「居民身份证换领」（各区县相同）" in answer and "需要准备" in answer
    assert district_buttons(turn) == list(DISTRICTS)
    local = card(chat.press(turn.button("慈溪市")))
    assert local["name"] == "居民身份证换领" and local["region"] == "慈溪市"


def test_where_to_go_waits_for_the_district(chat):
    turn = chat.say("身份证到期换证要去哪里办")
    assert turn.custom("guide_card") is None or turn.custom("guide_card")["district_pending"] is True
    assert district_buttons(turn) == list(DISTRICTS)
    # No office or address before the district is known.
    assert "行政服务中心" not in " ".join(turn.texts)
    after = chat.press(turn.button("北仑区"))
    told = " ".join(after.texts)
    assert "北仑区" in told and ("办理地点" in told or after.custom("guide_card") is not None)


def test_the_form_waits_for_the_district(chat):
    first = chat.say("我的社保卡丢了要补办")
    assert card(first)["district_pending"] is True
    turn = chat.say("我要在网上申请")
    assert turn.custom("form_handoff") is None
    assert district_buttons(turn) == list(DISTRICTS)
    handed = chat.press(turn.button("镇海区")).custom("form_handoff")
    assert handed is not None and handed["region"] == "镇海区" and handed["name"] == "社会保障卡补领"
