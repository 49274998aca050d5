"""The message contract (daofu.messages): every shape survives the wire; untrusted input is cut down to it."""

from __future__ import annotations

import pytest

from channels.widget.messages import user_message, widget_messages
from daofu.messages import (
    CUSTOM_TYPES,
    MAX_BUTTONS,
    MAX_TEXT_CHARS,
    AgentJoined,
    AgentLeft,
    AgentText,
    Button,
    FormHandoff,
    GuideCard,
    HumanHandoff,
    Online,
    RatingOption,
    RatingRequest,
    Text,
    from_wire,
    read_turn,
    safe_link,
    to_wire,
)

FORM = "http://127.0.0.1:8000/forms/NBC-A-020?guide=NB-1&region=鄞州区"
EXAMPLES = [
    Text("您在哪个区？", (Button("鄞州区", '/inform_region{"region":"鄞州区"}'),)),
    Text("好的。"),
    GuideCard(
        text="【居民身份证换领】鄞州区", guide_id="NB-330212-NBC-A-020", matter_code="NBC-A-020", name="居民身份证换领",
        region="鄞州区", department="宁波市公安局鄞州分局", promised_days=0, legal_days=30, fee="20元",
        address="鄞州区…", phone="0574-…", online=Online(True, True, False, 1), materials=("居民身份证", "照片"),
        form_url=FORM, demo=True,
    ),
    FormHandoff(
        text="去办理", guide_id="NB-1", matter_code="NBC-A-020", name="居民身份证换领", region="鄞州区",
        form_url=FORM, prefill={"region": "鄞州区", "applicant_type": "个人"},
    ),
    RatingRequest(text="请评价：", options=(RatingOption(5, "非常满意", '/rate_service{"rating":"5"}'),)),
    HumanHandoff(text="已为您转接", handoff_id=17, reason="user_request", matter_code="NBC-A-020", summary="…"),
    AgentJoined(text="工作人员已接入", agent="agent-1"),
    AgentText(text="您好，我是12345的工作人员", agent="agent-1"),
    AgentLeft(text="工作人员已离开，智能导服继续为您服务", agent="agent-1"),
]  # fmt: skip


def test_every_custom_type_has_an_example():
    assert {type(example) for example in EXAMPLES} >= set(CUSTOM_TYPES.values())


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_shape_survives_the_wire(message):
    assert from_wire(to_wire(message)) == [message]
    # A tracker bot event carries the same under "data".
    wire = to_wire(message)
    event = {"event": "bot", "text": wire.get("text"), "data": {k: v for k, v in wire.items() if k != "text"}}
    assert from_wire(event) == [message]


@pytest.mark.parametrize("url", [FORM, "https://zwfw.zj.gov.cn/apply"])
def test_http_links_are_kept(url):
    assert safe_link(url) == url


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
     "//evil.example/x", "/forms/NBC-A-020", "http://", "ftp://example.com/x", "", None, 5, ["http://x.example"],
     "http://" + "a" * 3000, "http://a.example/\nx"],
)  # fmt: skip
def test_other_links_are_dropped(url):
    assert safe_link(url) is None


def test_an_unsafe_link_is_removed_and_a_handoff_without_a_link_falls_back_to_its_text():
    (card,) = from_wire({"custom": {**to_wire(EXAMPLES[2])["custom"], "form_url": "javascript:alert(1)"}})
    assert isinstance(card, GuideCard) and card.form_url is None
    assert from_wire({"custom": {"type": "form_handoff", "text": "去办理", "form_url": "javascript:x"}}) == [
        Text("去办理")
    ]


def test_malformed_parts_are_left_out():
    assert read_turn(["text", None, {"recipient_id": "x"}, {"text": "   "}, {"custom": {"no": "type"}}]) == []
    (message,) = from_wire(
        {
            "text": "请选择",
            "buttons": [{"title": "A", "payload": "/a"}, {"title": "", "payload": "/b"}, {"title": "C"}, "D"],
        }
    )
    assert message == Text("请选择", (Button("A", "/a"),))
    card = from_wire(
        {"custom": {"type": "guide_card", "text": 5, "guide_id": ["x"], "online": "yes", "materials": "x"}}
    )
    assert card == [GuideCard(text="", guide_id="", matter_code="", name="", region="")]


def test_an_unknown_type_shows_its_text():
    assert from_wire({"custom": {"type": "carousel", "text": "看看这些"}}) == [Text("看看这些")]
    assert from_wire({"custom": {"type": "carousel"}}) == []


def test_sizes_are_bounded():
    many = [{"title": f"选项{i}", "payload": f"/p{i}"} for i in range(50)]
    (message,) = from_wire({"text": "x" * (MAX_TEXT_CHARS * 3), "buttons": many})
    assert len(message.buttons) == MAX_BUTTONS and len(message.text) == MAX_TEXT_CHARS
    (handoff,) = from_wire({"custom": {**to_wire(EXAMPLES[5])["custom"], "handoff_id": 2**63}})
    assert handoff.handoff_id == 0


def test_the_widget_gets_one_shape_per_message():
    rendered = widget_messages([EXAMPLES[0], EXAMPLES[3]])
    button = {"title": "鄞州区", "payload": '/inform_region{"region":"鄞州区"}'}
    assert rendered[0] == {"from": "bot", "text": "您在哪个区？", "buttons": [button]}
    assert rendered[1]["from"] == "bot" and rendered[1]["custom"]["type"] == "form_handoff"
    assert rendered[1]["custom"]["form_url"] == FORM


def test_user_messages_keep_their_text_verbatim():
    assert user_message("<img src=x onerror=alert(1)>") == {"from": "user", "text": "<img src=x onerror=alert(1)>"}
