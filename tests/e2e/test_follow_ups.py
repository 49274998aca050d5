"""Follow-up questions stay on the guide on screen; stale buttons are answered as such (real Rasa + service).

Each test plays a whole conversation through ``POST /api/chat`` the way a channel does and checks
what a person would read: which guide an answer is about, whether it starts with a yes or a no,
the guide sentence it quotes, and that nothing switches matter unless the words name another need.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_dialogue import Conversation, Turn, card

pytestmark = pytest.mark.e2e


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def answer(turn: Turn) -> str:
    assert turn.custom("guide_card") is None, f"expected an answer, not another card: {turn.messages}"
    return "\n".join(turn.texts)


def start_on(chat: Conversation, words: str, name: str, region: str) -> dict:
    shown = card(chat.reach_card(chat.say(words), name))
    assert (shown["name"], shown["region"]) == (name, region)
    return shown


def test_questions_about_the_card_are_answered_from_its_text_with_yes_or_no_first(chat):
    shown = start_on(chat, "我在海曙，社保卡弄丢了想补一张", "社会保障卡补领", "海曙区")

    reply = answer(chat.say("让我女儿拿着我的证件去帮我办，可以不"))
    assert reply.startswith("可以") and shown["name"] in reply
    assert "委托他人" in reply  # the material note it relies on is quoted

    reply = answer(chat.say("星期六去窗口办行不行"))
    assert reply.startswith("不能") and "周一至周五" in reply and shown["name"] in reply

    reply = answer(chat.say("用手机能不能弄"))
    assert reply.startswith("可以") and "浙里办" in reply and shown["name"] in reply


def test_what_the_guide_does_not_say_is_said_so_with_the_phone_never_a_guessed_yes(chat):
    shown = start_on(chat, "我在江北区，要办居民身份证换领", "居民身份证换领", "江北区")
    reply = answer(chat.say("我爸年纪大了走不动，能叫我替他去换吗"))
    assert "没有写到" in reply and shown["phone"] in reply
    assert not reply.startswith(("可以", "能"))
    # Still the same guide: the next question is answered for it.
    reply = answer(chat.say("那网上可以申请不"))
    assert shown["name"] in reply and reply.startswith("可以")


def test_a_question_the_faq_answers_in_other_words_stays_on_the_card(chat):
    shown = start_on(chat, "我在江北区，要办居民身份证换领", "居民身份证换领", "江北区")
    reply = answer(chat.say("我户籍是河南的，在这边也能办吗"))
    assert reply.startswith("可以") and "外省户籍人员" in reply and shown["name"] in reply


def test_words_naming_another_need_switch_and_unclear_ones_are_confirmed_first(chat):
    start_on(chat, "我在江北区，要办居民身份证换领", "居民身份证换领", "江北区")
    turn = chat.say("另外家里孩子上学的事想咨询下")
    # Not clear enough to switch: one line asks, the card's matter stays until the answer.
    asked = answer(turn)
    assert asked.startswith("您是想改问「") and "居民身份证换领" in asked
    assert [b["title"] for b in turn.buttons] == ["是", "不是"]
    turn = chat.press(turn.button("不是"))
    assert "居民身份证换领" in answer(turn)
    reply = answer(chat.say("要带户口本吗"))
    assert "居民身份证换领" in reply and "居民户口簿" in reply

    turn = chat.say("还有个事，想开家卖早点的小吃店要办什么证")
    names = [turn.custom("guide_card")["name"]] if turn.custom("guide_card") else [b["title"] for b in turn.buttons]
    assert any("餐饮" in name or "食品" in name for name in names), names


def test_a_button_of_an_earlier_card_is_answered_as_such_never_replayed(chat):
    first = start_on(chat, "我在江北区，要办居民身份证换领", "居民身份证换领", "江北区")
    first_turn_buttons = chat.say("要带什么材料").buttons
    old_apply = next(b for b in first_turn_buttons if b["title"] == "去办理")
    old_fee = next(b for b in first_turn_buttons if b["title"] == "收费标准")

    turn = chat.say("另外我驾驶证也快到期了，想换个新的")
    second = turn.custom("guide_card") or card(chat.press(turn.button("驾驶证")))
    assert second["name"] != first["name"]

    # 去办理 under the first card must not open the second matter's form (nor the first's silently).
    turn = chat.press(old_apply)
    assert turn.custom("form_handoff") is None and turn.custom("rating_request") is None
    said = answer(turn)
    assert "之前" in said and first["name"] in said and second["name"] in said
    back = turn.button(f"回到「{first['name']}」")

    turn = chat.press(old_fee)
    assert "之前" in answer(turn) and "20元" not in answer(turn)

    # The way back is explicit, and then the first card's own answers apply again.
    shown = card(chat.press(back))
    assert shown["guide_id"] == first["guide_id"]
    turn = chat.say("收费多少")
    assert first["name"] in answer(turn) and "20元" in answer(turn)
    handoff = chat.press(turn.button("去办理")).custom("form_handoff")
    assert handoff is not None and handoff["guide_id"] == first["guide_id"]


def test_an_answered_confirmation_pressed_again_changes_nothing(chat):
    start_on(chat, "我在江北区，要办居民身份证换领", "居民身份证换领", "江北区")
    turn = chat.say("另外家里孩子上学的事想咨询下")
    yes = turn.button("是")
    moved = chat.press(yes)
    assert moved.custom("guide_card") is not None or moved.buttons, moved.messages
    turn = chat.press(yes)
    assert "已经过去" in answer(turn)


def test_with_a_card_on_screen_a_worry_about_it_is_answered_and_an_unrelated_request_is_not(chat):
    shown = start_on(chat, "我在海曙，社保卡弄丢了想补一张", "社会保障卡补领", "海曙区")
    reply = answer(chat.say("我妈腿脚不方便出不了门，这个怎么办"))
    assert shown["name"] in reply and "不在政务服务范围" not in reply
    turn = chat.say("顺便帮我订一张去北京的机票")
    said = "\n".join(turn.texts)
    assert turn.custom("guide_card") is None and shown["name"] not in said and "没有写到" not in said
