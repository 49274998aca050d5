"""The three answer bands, sibling families and long or colloquial questions, through the real servers.

Wordings here are the project's own (not from any evaluation file). Each test reads what a person
sees: a guide card, the "您是不是要办" options, a family's question, or "没有找到" with 12345.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_dialogue import Conversation, Turn, card

pytestmark = pytest.mark.e2e

OUT_OF_SCOPE = "不在政务服务范围"


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def text_of(turn: Turn) -> str:
    return " ".join(turn.texts)


def titles(turn: Turn) -> list[str]:
    return [b["title"] for b in turn.buttons]


def card_after_region(chat: Conversation, turn: Turn, district: str = "江北区") -> dict:
    """The card, answering the district question first when the matter is run per district."""
    if turn.custom("guide_card") is None and any(t == district for t in titles(turn)):
        turn = chat.press(turn.button(district))
    return card(turn)


def test_a_confident_match_in_ningbo_words_goes_straight_to_its_guide(chat):
    turn = chat.say("我屋里厢囡囡的社保卡寻勿着了，好补办伐")
    assert OUT_OF_SCOPE not in text_of(turn) and "您是不是要办" not in text_of(turn)
    assert card_after_region(chat, turn)["name"] == "社会保障卡补领"


def test_plausible_candidates_are_offered_and_one_can_be_picked(chat):
    turn = chat.say("社保卡怎么弄")
    assert turn.custom("guide_card") is None
    assert "您是不是要办" in text_of(turn)
    offered = titles(turn)
    assert 2 <= len(offered) <= 7 and sum("社会保障卡" in t for t in offered) >= 2, offered
    wanted = next(t for t in offered if "申领" in t)
    shown = card_after_region(chat, chat.press(turn.button(wanted)))
    assert shown["name"] == wanted.split(". ", 1)[1]


def test_siblings_ask_the_distinguishing_question_with_every_case(chat):
    turn = chat.say("户口迁移要怎么办")
    assert turn.custom("guide_card") is None
    assert "「户口迁移」" in text_of(turn)
    offered = titles(turn)
    # Every case of the family is offered in a person's words, not only the cases search ranked.
    assert len(offered) >= 12, offered
    assert any("投靠子女" in t for t in offered) and any("投靠父母" in t for t in offered)
    assert any("跨省" in t or "外省" in t for t in offered)
    shown = card_after_region(chat, chat.press(turn.button("投靠子女")))
    assert shown["name"] == "户口迁移（父母投靠子女）"


def test_a_family_question_keeps_close_matters_outside_the_family_on_offer(chat):
    turn = chat.say("公积金的钱怎么拿出来用")
    assert turn.custom("guide_card") is None
    assert "「住房公积金提取」" in text_of(turn)
    offered = titles(turn)
    # The likeliest cases in a person's words, then the best matters that are no case of it.
    assert 3 <= len(offered) <= 7, offered
    outside = [t for t in offered if "贷款" in t]
    assert outside, offered
    shown = card_after_region(chat, chat.press(turn.button(outside[0])))
    assert shown["name"] == outside[0].split(". ", 1)[1]


def test_when_every_candidate_is_a_case_every_case_is_offered(chat):
    # Search ranks the common 公积金 cases above the illness one; all of them lead the candidates,
    # so the question offers the whole family and the rare case is still one tap away.
    turn = chat.say("我得了尿毒症要长期透析，住房公积金里的钱能不能拿出来用")
    assert "「住房公积金提取」" in text_of(turn)
    offered = titles(turn)
    assert len(offered) >= 8, offered
    illness = next(t for t in offered if "大病" in t)
    assert card_after_region(chat, chat.press(turn.button(illness)))["name"] == "住房公积金提取（重大疾病）"


def test_a_case_can_be_chosen_by_number(chat):
    turn = chat.say("公积金怎么取出来")
    assert "「住房公积金提取」" in text_of(turn)
    first = titles(turn)[0]
    shown = card_after_region(chat, chat.say("1"))
    assert shown["name"].startswith("住房公积金提取（"), (first, shown["name"])


def test_nothing_plausible_says_so_with_rephrasing_hot_matters_12345_and_a_person(chat):
    turn = chat.say("我想申请成为宇航员")
    said = text_of(turn)
    assert "没有找到" in said and "换个说法" in said and "12345" in said
    assert OUT_OF_SCOPE not in said
    offered = titles(turn)
    assert any("转人工" in t for t in offered) and len(offered) >= 2, offered


def test_a_request_clearly_outside_government_services_is_still_refused(chat):
    turn = chat.say("帮我订一张下周去北京的机票")
    said = text_of(turn)
    assert OUT_OF_SCOPE in said or "没有找到" in said, said
    assert turn.custom("guide_card") is None


def test_a_long_story_with_background_reaches_the_need_instead_of_a_refusal(chat):
    turn = chat.say(
        "我在宁波打工十几年了，老家在江西，前两天钱包被偷了，里面的身份证也没了，下礼拜还要坐火车回去，现在该怎么办"
    )
    said = text_of(turn)
    assert OUT_OF_SCOPE not in said and "没有找到" not in said, said
    shown = turn.custom("guide_card")
    names = [shown["name"]] if shown else [t.split(". ", 1)[-1] for t in titles(turn)]
    assert any(name in ("居民身份证补领", "临时居民身份证申领") for name in names), names


def test_an_older_persons_question_with_background_is_searched(chat):
    turn = chat.say("阿拉姆妈今年七十五岁了，脚骨勿好走勿动，伊格身份证到期了，好寻人上门来办伐")
    said = text_of(turn)
    assert OUT_OF_SCOPE not in said and "没有找到" not in said, said
    shown = turn.custom("guide_card")
    names = [shown["name"]] if shown else [t.split(". ", 1)[-1] for t in titles(turn)]
    assert "居民身份证换领" in names, names
