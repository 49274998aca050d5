"""The widget's WebSocket frames and sender ids."""

from __future__ import annotations

import json

import pytest

from channels.widget.protocol import (
    FrameError,
    Ping,
    UserTurn,
    bot_frame,
    error_frame,
    parse_frame,
    typing_frame,
    valid_sender,
)


def frame(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_a_typed_message_goes_to_the_dialogue_as_typed_trimmed():
    turn = parse_frame(frame(type="message", text="  身份证到期  "))
    assert turn == UserTurn(text="身份证到期", elder_mode=False)
    assert turn.metadata == {"channel": "widget", "elder_mode": False}


def test_a_button_keeps_its_title_and_its_payload_verbatim():
    # The title goes on with the payload: the gate sends the title when it did not offer the payload.
    payload = '/choose_option{"guide_id":"NB-330212-NBC-A-020"}'
    turn = parse_frame(frame(type="message", text="居民身份证换领", payload=payload, elder_mode=True))
    assert turn == UserTurn(text="居民身份证换领", elder_mode=True, payload=payload)
    assert turn.metadata == {"channel": "widget", "elder_mode": True}


def test_elder_mode_must_be_exactly_true():
    assert parse_frame(frame(type="message", text="你好", elder_mode="yes")).elder_mode is False


def test_ping_and_bytes():
    assert isinstance(parse_frame('{"type":"ping"}'), Ping)
    assert parse_frame(frame(type="message", text="你好").encode()).text == "你好"


@pytest.mark.parametrize(
    "raw, problem",
    [
        (None, "为空"),
        (b"\xff\xfe", "UTF-8"),
        ("{nope", "格式"),
        ('{"type": "ping", "x": ' + "[" * 3500 + "]" * 3500 + "}", "格式"),
        ("[1, 2]", "格式"),
        (frame(type="upload"), "不支持"),
        (frame(type="message"), "请输入"),
        (frame(type="message", text="   "), "请输入"),
        (frame(type="message", text=5), "格式"),
        (frame(type="message", text="x", payload=""), "按钮"),
        (frame(type="message", text="x", payload=["/a"]), "按钮"),
        (frame(type="message", text="长" * 2001), "太长"),
        ("x" * 9000, "太长"),
    ],
)
def test_bad_frames_say_what_is_wrong_in_chinese(raw, problem):
    with pytest.raises(FrameError, match=problem):
        parse_frame(raw)


@pytest.mark.parametrize("sender", ["web-0123456789abcdef", "web-" + "a" * 64, "web-AbC_def-0123456789"])
def test_widget_sender_ids(sender):
    assert valid_sender(sender)


@pytest.mark.parametrize(
    "sender", [None, "", "web-short", "web-" + "a" * 65, "wx-0123456789abcdef", "web-0123456789abcdef/../x",
               "web-0123456789abcde\n", "WEB-0123456789abcdef", 42],
)  # fmt: skip
def test_other_ids_are_not_widget_senders(sender):
    assert not valid_sender(sender)


def test_outgoing_frames_keep_chinese_readable():
    assert typing_frame() == '{"type":"typing"}'
    assert error_frame("请稍后再试") == '{"type":"error","message":"请稍后再试"}'
    messages = [{"from": "bot", "text": "您好"}]
    assert bot_frame(messages) == '{"type":"bot","messages":[{"from":"bot","text":"您好"}]}'
