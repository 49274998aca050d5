"""Bot messages (docs/messages.md) rendered as one WeChat message, checked through wechatpy's parser."""

from __future__ import annotations

from wechatpy import parse_message as wechatpy_parse

from channels.wechat import rendering
from channels.wechat.messages import NewsOut, TextOut, reply_xml
from channels.wechat.rendering import MAX_TEXT_BYTES, Option, Rendered, truncate_bytes
from daofu.messages import read_turn


def render(raw: list) -> Rendered:
    """Render Rasa's REST output as the channel does: read into typed messages first."""
    return rendering.render(read_turn(raw))


CHOICE = {
    "recipient_id": "wx-o1",
    "text": "您要办理的是哪一种？",
    "buttons": [
        {"title": "居民身份证换领", "payload": '/choose_option{"guide_id":"NB-330212-NBC-A-020"}'},
        {"title": "居民身份证补领", "payload": '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'},
    ],
}
GUIDE_CARD = {
    "recipient_id": "wx-o1",
    "custom": {
        "type": "guide_card",
        "text": "居民身份证换领（鄞州区）\n承诺时限：即办\n收费：20元\n材料：居民身份证、户口簿",
        "guide_id": "NB-330212-NBC-A-020",
        "matter_code": "NBC-A-020",
        "name": "居民身份证换领",
        "region": "鄞州区",
        "department": "宁波市公安局鄞州分局",
        "promised_days": 0,
        "legal_days": 30,
        "fee": "20元",
        "address": "鄞州区惠风东路568号",
        "phone": "0574-12345678",
        "online": {"web": True, "mobile": True, "zero_visit": False, "max_visits": 1},
        "materials": ["居民身份证", "户口簿"],
        "form_url": "http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-330212-NBC-A-020",
        "demo": True,
    },
}
ASPECTS = {
    "recipient_id": "wx-o1",
    "text": "还想了解什么？",
    "buttons": [
        {"title": "材料", "payload": '/ask_aspect{"aspect":"materials"}'},
        {"title": "时限", "payload": '/ask_aspect{"aspect":"time_limit"}'},
        {"title": "去办理", "payload": "/go_apply"},
    ],
}
FORM_HANDOFF = {
    "recipient_id": "wx-o1",
    "custom": {
        "type": "form_handoff",
        "text": "点击前往办理：居民身份证换领 http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-330212-NBC-A-020",
        "guide_id": "NB-330212-NBC-A-020",
        "matter_code": "NBC-A-020",
        "name": "居民身份证换领",
        "region": "鄞州区",
        "form_url": "http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-330212-NBC-A-020&region=鄞州区&applicant_type=个人",
        "prefill": {"region": "鄞州区", "applicant_type": "个人", "matter": "居民身份证换领"},
    },
}
HUMAN_HANDOFF = {
    "recipient_id": "wx-o1",
    "custom": {
        "type": "human_handoff",
        "text": "已为您转接人工客服，请稍候。",
        "handoff_id": 17,
        "reason": "user_request",
        "matter_code": "NBC-A-020",
        "summary": "身份证到期了怎么换",
    },
}
RATING = {
    "recipient_id": "wx-o1",
    "custom": {
        "type": "rating_request",
        "text": "请对本次服务进行评价：",
        "options": [
            {"level": 5, "title": "非常满意", "payload": '/rate_service{"rating":5}'},
            {"level": 4, "title": "满意", "payload": '/rate_service{"rating":4}'},
            {"level": 3, "title": "基本满意", "payload": '/rate_service{"rating":3}'},
            {"level": 2, "title": "不满意", "payload": '/rate_service{"rating":2}'},
            {"level": 1, "title": "非常不满意", "payload": '/rate_service{"rating":1}'},
        ],
    },
}


def as_wechat_sees_it(outgoing):
    """Serialise as a passive reply and parse it with wechatpy, the way the client would read it."""
    return wechatpy_parse(reply_xml(outgoing, "o1", "gh_daofu", 1700000000))


def test_plain_text():
    rendered = render([{"recipient_id": "wx-o1", "text": "您好！我是甬导服。"}])
    assert as_wechat_sees_it(rendered.outgoing).content == "您好！我是甬导服。"
    assert rendered.options == ()


def test_buttons_become_numbered_options():
    rendered = render([CHOICE])
    assert as_wechat_sees_it(rendered.outgoing).content == (
        "您要办理的是哪一种？\n\n回复 1 居民身份证换领\n回复 2 居民身份证补领"
    )
    assert rendered.options == (
        Option("居民身份证换领", '/choose_option{"guide_id":"NB-330212-NBC-A-020"}'),
        Option("居民身份证补领", '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'),
    )


def test_guide_card_falls_back_to_its_text_with_the_link_and_keeps_the_aspect_buttons():
    rendered = render([GUIDE_CARD, ASPECTS])
    content = as_wechat_sees_it(rendered.outgoing).content
    assert content.startswith("居民身份证换领（鄞州区）\n承诺时限：即办")
    assert "在线办理：http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-330212-NBC-A-020" in content
    assert content.endswith("还想了解什么？\n\n回复 1 材料\n回复 2 时限\n回复 3 去办理")
    assert [option.payload for option in rendered.options] == [
        '/ask_aspect{"aspect":"materials"}',
        '/ask_aspect{"aspect":"time_limit"}',
        "/go_apply",
    ]


def test_guide_card_text_already_carrying_the_link_is_not_repeated():
    card = {
        "custom": dict(
            GUIDE_CARD["custom"], text="居民身份证换领 http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-330212-NBC-A-020"
        )
    }
    assert render([card]).outgoing.content.count("http://") == 1


def test_form_handoff_becomes_a_news_article():
    rendered = render([FORM_HANDOFF])
    assert isinstance(rendered.outgoing, NewsOut)
    item = as_wechat_sees_it(rendered.outgoing)._data["Articles"]["item"]
    assert item["Title"] == "前往办理：居民身份证换领"
    assert item["Url"] == FORM_HANDOFF["custom"]["form_url"]
    assert item["Description"] == "点击进入在线申报表单，已为您预填鄞州区、个人。"


def test_form_handoff_with_other_texts_puts_them_into_the_description():
    rendered = render([{"recipient_id": "wx-o1", "text": "好的，已为您准备好申报表。"}, FORM_HANDOFF, RATING])
    item = as_wechat_sees_it(rendered.outgoing)._data["Articles"]["item"]
    assert item["Description"].startswith("好的，已为您准备好申报表。\n\n请对本次服务进行评价：")
    assert item["Description"].endswith("回复 5 非常不满意")
    assert len(rendered.options) == 5


def test_form_handoff_without_a_usable_link_falls_back_to_text():
    broken = {"custom": dict(FORM_HANDOFF["custom"], form_url="")}
    rendered = render([broken])
    assert isinstance(rendered.outgoing, TextOut)
    assert rendered.outgoing.content.startswith("点击前往办理：居民身份证换领")


def test_human_handoff_is_its_text():
    assert as_wechat_sees_it(render([HUMAN_HANDOFF]).outgoing).content == "已为您转接人工客服，请稍候。"


def test_rating_request_numbers_its_levels():
    rendered = render([RATING])
    assert as_wechat_sees_it(rendered.outgoing).content == (
        "请对本次服务进行评价：\n\n回复 1 非常满意\n回复 2 满意\n回复 3 基本满意\n回复 4 不满意\n回复 5 非常不满意"
    )
    assert rendered.options[0] == Option("非常满意", '/rate_service{"rating":5}')
    assert rendered.options[4] == Option("非常不满意", '/rate_service{"rating":1}')


def test_options_from_several_messages_are_numbered_in_one_sequence():
    rendered = render([CHOICE, RATING])
    content = rendered.outgoing.content
    assert "回复 2 居民身份证补领" in content and "回复 3 非常满意" in content
    assert len(rendered.options) == 7


def test_unknown_custom_payloads_fall_back_to_text_and_junk_is_ignored():
    rendered = render(
        [
            {"custom": {"type": "map_card", "text": "办理地点：鄞州区行政服务中心"}},
            {"custom": "not a dict"},
            {"buttons": [{"title": "", "payload": "/x"}, {"title": "ok"}, "junk"]},
            "junk",
        ]
    )
    assert rendered.outgoing == TextOut("办理地点：鄞州区行政服务中心")
    assert rendered.options == ()


def test_nothing_to_say_renders_nothing():
    assert render([]).outgoing is None
    assert render([{"recipient_id": "wx-o1", "text": "  "}]).outgoing is None


def test_text_with_xml_special_characters_round_trips():
    text = "材料]]>清单 <身份证> & 户口簿"
    assert as_wechat_sees_it(render([{"text": text}]).outgoing).content == text


def test_long_text_is_cut_to_wechat_limit_but_keeps_the_choices():
    long = {"text": "很长的说明。" * 500, "buttons": CHOICE["buttons"]}
    content = render([long]).outgoing.content
    assert len(content.encode("utf-8")) <= MAX_TEXT_BYTES
    assert "…" in content
    assert content.endswith("回复 1 居民身份证换领\n回复 2 居民身份证补领")


def test_truncate_bytes_cuts_at_a_character_boundary():
    assert truncate_bytes("宁波" * 10, 10) == "宁波…"
    assert truncate_bytes("宁波", 6) == "宁波"
