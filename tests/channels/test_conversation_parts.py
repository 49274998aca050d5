"""The pure parts of the conversation gate, the push, the takeover transcript, duty hours and follow-ups.

The whole gate runs against the real Rasa server in tests/e2e (test_rating_and_payloads.py, the
takeover tests in test_agent_console.py and test_wechat.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from channels.conversation import OfferedPayloads, find_phone, outcomes_of
from channels.dialogue import typed as typed_text
from channels.push import MAX_CONNECTIONS_PER_SENDER, LocalPush
from channels.takeover import transcript_of
from daofu.config import Settings, SettingsError
from daofu.duty import parse_duty_hours
from daofu.followups import expected_wait_minutes, read_service_payload, reason_question
from daofu.messages import AgentText, FormHandoff, GuideCard, HumanHandoff, Text, to_wire


@pytest.mark.parametrize(
    "typed, words",
    [('/rate_service{"rating":"5"}', 'rate_service{"rating":"5"}'), ("/human_handoff", "human_handoff"),
     ("  ／转人工 ", "转人工"), ("身份证怎么换", "身份证怎么换"), ("///", "")],
)  # fmt: skip
def test_typed_text_is_never_a_payload(typed, words):
    assert typed_text(typed) == words


def test_only_offered_payloads_are_allowed_per_sender_and_memory_is_bounded():
    offered = OfferedPayloads(max_senders=2, per_sender=3)
    offered.remember("a", ["/p1", "/p2"])
    assert offered.allows("a", "/p1") and not offered.allows("b", "/p1")
    offered.remember("a", ["/p3", "/p4"])
    assert not offered.allows("a", "/p1") and offered.allows("a", "/p4")  # the oldest went
    offered.remember("b", ["/x"])
    offered.remember("c", ["/y"])
    assert not offered.allows("a", "/p4") and offered.allows("c", "/y")  # the least recent sender went


@pytest.mark.parametrize(
    "text, phone",
    [("好的，13912345678", "13912345678"), ("电话 0574-87654321 谢谢", "0574-87654321"),
     ("１３９１２３４５６７８", "13912345678"), ("不用了", None), ("123", None)],
)  # fmt: skip
def test_a_phone_number_is_found_in_what_people_write(text, phone):
    assert find_phone(text) == phone


def test_outcomes_of_a_turn():
    card = GuideCard(text="卡", guide_id="g", matter_code="M1", name="n", region="r")
    form = FormHandoff(text="表", guide_id="g", matter_code="M1", name="n", region="r", form_url="https://x.example/f")
    outcomes, matters = outcomes_of([Text("好"), card, form, HumanHandoff(text="人", handoff_id=1, reason="r")])
    assert outcomes == {"guide", "form", "handoff"} and matters == [("guide", "M1"), ("form", "M1")]


def test_push_reaches_every_open_page_of_a_sender_and_routes_by_prefix():
    push = LocalPush()
    got: list[tuple[str, str]] = []

    def page(name: str):
        async def send(sender: str, messages: list) -> bool:
            got.append((name, messages[0].text))
            return True

        return send

    first = push.connect("web-1", page("tab1"))
    push.connect("web-1", page("tab2"))
    push.route("wx-", page("wechat"))
    assert asyncio.run(push.deliver("web-1", [Text("你好")])) is True
    assert asyncio.run(push.deliver("wx-o1", [Text("微信")])) is True
    assert asyncio.run(push.deliver("web-2", [Text("没人")])) is False
    assert got == [("tab1", "你好"), ("tab2", "你好"), ("wechat", "微信")]
    first()
    assert push.connected("web-1") == 1
    for _ in range(MAX_CONNECTIONS_PER_SENDER + 3):
        push.connect("web-3", page("many"))
    assert push.connected("web-3") == MAX_CONNECTIONS_PER_SENDER


def test_the_transcript_is_masked_shows_button_titles_and_marks_the_agent():
    choose = Text("哪个区？", ())
    region_button = {"title": "鄞州区", "payload": '/inform_region{"region":"鄞州区"}'}
    wire_choose = {"event": "bot", "text": "哪个区？", "data": {"buttons": [region_button]}}
    events = [
        {"event": "user", "text": "我电话13812345678", "timestamp": 1_750_000_000},
        wire_choose,
        {"event": "user", "text": '/inform_region{"region":"鄞州区"}'},
        {"event": "bot", "text": "您好", "data": {"custom": to_wire(AgentText(text="您好", agent="a1"))["custom"]}},
        {"event": "slot", "name": "region", "value": "鄞州区"},
    ]
    lines = transcript_of(events)
    assert [(line["from"], line["text"]) for line in lines] == [
        ("citizen", "我电话138****5678"), ("bot", choose.text), ("citizen", "鄞州区"), ("agent", "您好"),
    ]  # fmt: skip
    assert lines[0]["at"].startswith("2025-06-15")


def test_duty_hours_are_read_in_ningbo_time():
    hours = parse_duty_hours("mon-fri 08:30-17:30, sat 09:00-12:00")
    saturday_ten_in_ningbo = datetime(2025, 6, 7, 2, 0, tzinfo=UTC)
    sunday_ten_in_ningbo = datetime(2025, 6, 8, 2, 0, tzinfo=UTC)
    friday_eight_in_ningbo = datetime(2025, 6, 6, 0, 0, tzinfo=UTC)
    assert hours.on_duty(saturday_ten_in_ningbo) and not hours.on_duty(sunday_ten_in_ningbo)
    assert not hours.on_duty(friday_eight_in_ningbo)
    assert hours.describe() == "周一至周五 08:30-17:30，周六 09:00-12:00"
    assert parse_duty_hours("mon-sun 00:00-24:00").describe() == "全天"


@pytest.mark.parametrize(
    "raw, problem",
    [("weekdays 9-5", "not a duty span"), ("mon-fri 18:00-09:00", "ends before it starts"),
     ("fri-mon 08:00-12:00", "runs backwards"), ("mon 08:61-09:00", "not a time of day"), (" , ", "no duty span")],
)  # fmt: skip
def test_bad_duty_hours_stop_with_the_variable_named(raw, problem):
    with pytest.raises(SettingsError, match=rf"DAOFU_AGENT_DUTY_HOURS: .*{problem}"):
        Settings.from_env({"DAOFU_AGENT_DUTY_HOURS": raw})


def test_the_expected_wait_uses_recent_waits_once_there_are_enough():
    assert expected_wait_minutes(1, [], 120) == 2
    assert expected_wait_minutes(3, [30.0, 90.0], 120) == 6  # too few measured: the configured 2 min each
    assert expected_wait_minutes(2, [30.0, 60.0, 600.0], 120) == 2  # median 60 s × 2
    assert expected_wait_minutes(0, [], 1) == 1  # never less than a minute


def test_the_services_own_payloads_are_recognised_and_nothing_else():
    assert read_service_payload("/request_callback").kind == "callback"
    reason = reason_question().buttons[0]
    assert read_service_payload(reason.payload).category == "not_found"
    for other in ('/rating_reason{"category":"nonsense"}', "/rating_reason{bad", "/greet", "request_callback"):
        assert read_service_payload(other) is None
