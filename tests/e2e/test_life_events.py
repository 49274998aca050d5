"""一件事 through the real servers: a life event gets its matters in order, and each button opens a guide."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_dialogue import Conversation, Turn

pytestmark = pytest.mark.e2e

STEP_TITLE = re.compile(r"第(\d+)步 (.+)")


@pytest.fixture()
def chat(service) -> Conversation:
    return Conversation(service)


def steps(turn: Turn) -> list[tuple[int, str]]:
    """(step number, matter name) of the step buttons, in the order shown."""
    found = [STEP_TITLE.fullmatch(button["title"]) for button in turn.buttons]
    return [(int(match.group(1)), match.group(2)) for match in found if match]


def open_guide(chat: Conversation, turn: Turn, title: str) -> dict:
    """Press ``title``; answer the district question if the matter is run per district; the card."""
    turn = chat.press(turn.button(title))
    if turn.custom("guide_card") is None:
        turn = chat.press(turn.button("奉化区"))
    card = turn.custom("guide_card")
    assert card is not None, turn.messages
    return card


def test_opening_a_small_eatery_lists_the_licences_in_order_and_each_opens_its_guide(chat):
    turn = chat.say("打算在学校旁边开一家小面馆，需要办什么手续")
    assert turn.custom("guide_card") is None
    listed = steps(turn)
    assert listed, turn.messages
    numbers = [number for number, _ in listed]
    assert numbers == sorted(numbers) and numbers[0] == 1
    names = [name for _, name in listed]
    # The business licence comes before the food licences, which the text offers as alternatives.
    assert names[0] == "个体工商户设立登记"
    assert {"小餐饮店登记证核发", "食品经营许可证核发（新办）"} <= set(names)
    text = " ".join(turn.texts)
    assert "按顺序" in text and "小餐饮店登记证核发" in text

    card = open_guide(chat, turn, "第2步 小餐饮店登记证核发")
    assert card["name"] == "小餐饮店登记证核发"


def test_a_birth_offers_the_one_stop_matter_first_then_the_steps(chat):
    turn = chat.say("老婆上周生了个女儿，我们要去办些啥")
    titles = [button["title"] for button in turn.buttons]
    assert titles and titles[0] == "一次办：新生儿出生一件事", titles
    assert steps(turn)[0] == (1, "出生医学证明首次签发")
    card = open_guide(chat, turn, "一次办：新生儿出生一件事")
    assert card["name"] == "新生儿出生一件事"


def test_a_particular_need_inside_a_life_event_goes_to_the_search(chat):
    turn = chat.say("宝宝刚出生，报户口要带什么材料")
    assert steps(turn) == [], turn.messages
    card = turn.custom("guide_card") or {}
    seen = " ".join([*turn.texts, *(button["title"] for button in turn.buttons), card.get("name", "")])
    assert "出生登记" in seen, turn.messages


@pytest.mark.parametrize(
    ("situation", "first_step", "later_step"),
    [
        ("我的奶茶店不干了，要办哪些手续", "清税注销（一般流程）", "个体工商户注销登记"),
        ("被公司裁掉了，接下来要办哪些手续", "失业登记", "失业保险金申领"),
        ("我妈中风以后卧床不起，家里要办些什么", "长期护理保险待遇申请", "重度残疾人护理补贴申领"),
        ("老公在工地干活受了伤，要办哪些手续", "工伤认定申请", "劳动能力鉴定申请"),
        ("老家的房子塌了，全家要办些什么", "临时救助（急难型）", "最低生活保障对象认定"),
    ],
)
def test_situations_without_a_matter_name_list_their_steps(chat, situation, first_step, later_step):
    turn = chat.say(situation)
    listed = steps(turn)
    assert listed and listed[0] == (1, first_step), turn.messages
    assert later_step in [name for _, name in listed]


def test_selling_a_home_lists_the_transfer_steps(chat):
    turn = chat.say("爸妈的房子卖掉了，后面还要办什么")
    assert "第1步 契税申报（二手房交易）" in [button["title"] for button in turn.buttons], turn.messages


@pytest.mark.parametrize(
    ("message", "matter"),
    [
        # Told in Ningbo words, the situation (a child's birth) is recognised, but the person lost
        # one certificate, named by a word few matters use.
        ("阿拉屋里小人出生证明寻勿着了", "出生医学证明补发"),
        # "宝宝…出生" is the birth event's trigger, but here 出生 belongs to 出生证明.
        ("宝宝的出生证明被水泡烂了，能换一张新的吗", "出生医学证明换发"),
    ],
)
def test_a_certificate_named_inside_a_life_event_goes_to_the_search(chat, message, matter):
    turn = chat.say(message)
    assert steps(turn) == [], turn.messages
    card = turn.custom("guide_card")
    first = card["name"] if card is not None else turn.buttons[0]["title"].split(". ", 1)[1]
    assert first == matter, turn.messages


def test_the_event_alone_offers_nothing_beside_its_steps(chat):
    turn = chat.say("老婆上周生了个女儿，我们要去办些啥")
    assert not any(button["title"].startswith("也可能是") for button in turn.buttons), turn.messages
