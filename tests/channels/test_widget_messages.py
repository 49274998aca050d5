"""Bot messages in the widget's one shape: strings where strings belong, links only http(s)."""

from __future__ import annotations

import pytest

from channels.widget.messages import MAX_BUTTONS, bot_message, from_rest, safe_url, user_message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-1&region=鄞州区", "https://zwfw.zj.gov.cn/apply"]
)
def test_http_links_are_kept(url):
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
     "//evil.example/x", "/forms/NBC-A-020", "http://", "ftp://example.com/x", "", None, 5, ["http://x.example"],
     "http://" + "a" * 3000],
)  # fmt: skip
def test_other_links_are_dropped(url):
    assert safe_url(url) is None


def test_rest_output_becomes_bot_messages_without_recipient_ids():
    messages = from_rest([
        {"recipient_id": "web-1", "text": "您在哪个区？",
         "buttons": [{"title": "鄞州区", "payload": "/inform_region"}]},
        {"recipient_id": "web-1", "custom": {"type": "guide_card", "text": "…", "name": "居民身份证换领",
                                             "materials": ["居民身份证"], "online": {"web": True}}},
    ])  # fmt: skip
    assert messages == [
        {"from": "bot", "text": "您在哪个区？", "buttons": [{"title": "鄞州区", "payload": "/inform_region"}]},
        {"from": "bot", "custom": {"type": "guide_card", "text": "…", "name": "居民身份证换领",
                                   "materials": ["居民身份证"], "online": {"web": True}}},
    ]  # fmt: skip


def test_unsafe_links_in_custom_payloads_are_removed_and_the_rest_kept():
    (message,) = from_rest([{"custom": {"type": "form_handoff", "text": "去办理", "url": "javascript:alert(1)"}}])
    assert message == {"from": "bot", "custom": {"type": "form_handoff", "text": "去办理"}}


def test_malformed_parts_are_left_out():
    assert bot_message(text=5, buttons="no", custom={"no": "type"}) is None
    assert from_rest(["text", None, {"recipient_id": "x"}, {"text": "   "}]) == []
    message = bot_message(
        text="请选择", buttons=[{"title": "A", "payload": "/a"}, {"title": "", "payload": "/b"}, {"title": "C"}, "D"]
    )
    assert message == {"from": "bot", "text": "请选择", "buttons": [{"title": "A", "payload": "/a"}]}


def test_custom_payloads_without_text_get_an_empty_fallback():
    message = bot_message(custom={"type": "human_handoff"})
    assert message == {"from": "bot", "custom": {"type": "human_handoff", "text": ""}}


def test_sizes_are_bounded():
    many = [{"title": f"选项{i}", "payload": f"/p{i}"} for i in range(50)]
    assert len(bot_message(buttons=many)["buttons"]) == MAX_BUTTONS
    nested: dict = {"type": "guide_card"}
    node = nested
    for _ in range(10):
        node["next"] = {}
        node = node["next"]
    custom = bot_message(custom=nested)["custom"]
    depth = 0
    while isinstance(custom, dict) and "next" in custom:
        custom, depth = custom["next"], depth + 1
    assert depth <= 5


def test_user_messages_keep_their_text_verbatim():
    assert user_message("<img src=x onerror=alert(1)>") == {"from": "user", "text": "<img src=x onerror=alert(1)>"}
