"""The hand-off and 好差评 actions on their own: duty hours, the queue notice, one rating per request.

The actions run as the service runs them (``DaofuAction.run_turn`` on a rasa-sdk ``Tracker``), with
the conversation records in a SQLite file; the whole conversation through Rasa is in tests/e2e.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rasa_sdk import Tracker

from bot.actions.leaving import ActionHumanHandoff
from bot.actions.rating import ActionGoodbye, ActionStoreRating
from daofu.config import Settings
from daofu.duty import CHINA, DAYS, parse_duty_hours
from daofu.followups import CALLBACK_BUTTON
from daofu.messages import HumanHandoff, RatingRequest, Text
from daofu.records import Expecting
from daofu.services import Services
from knowledge.db import create_engine_for


def tracker(sender: str, text: str, intent: str, entities: list[dict] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or [], "metadata": {"channel": "widget"}}
    return Tracker(sender, {"current_matter_code": "NBC-A-033"}, latest, [{"event": "user", "text": text}], False,
                   None, {}, "action_listen")  # fmt: skip


def services(tmp_path, **settings) -> Services:
    return Services(Settings(**settings), create_engine_for(f"sqlite:///{tmp_path / 'records.db'}"))


def off_duty_now() -> str:
    """A duty span on another weekday than today in Ningbo: now is outside every span."""
    tomorrow = (datetime.now(UTC).astimezone(CHINA) + timedelta(days=1)).weekday()
    return f"{DAYS[tomorrow]} 09:00-17:00"


def test_outside_duty_hours_nothing_is_queued_and_12345_and_a_callback_are_offered(tmp_path):
    shared = services(tmp_path, agent_duty_hours=parse_duty_hours(off_duty_now()))
    turn = ActionHumanHandoff(shared).run_turn(tracker("web-offduty-0000000001", "转人工", "human_handoff"))
    (said,) = turn.said
    assert isinstance(said, Text) and "12345" in said.text and "值班时间" in said.text
    assert said.buttons == (CALLBACK_BUTTON,)
    assert shared.records.handoffs("open") == []


def test_on_duty_the_queue_place_and_the_expected_wait_are_said_and_no_rating_is_asked(tmp_path):
    shared = services(tmp_path)
    shared.records.open_handoff("web-ahead-00000000001", "widget", "user_request", "…")
    turn = ActionHumanHandoff(shared).run_turn(tracker("web-second-0000000001", "转人工", "human_handoff"))
    assert [type(m) for m in turn.said] == [HumanHandoff]
    notice = turn.said[0]
    assert notice.position == 2 and notice.wait_minutes == 4  # 2 min per person before any measured wait
    assert "您前面还有 1 位" in notice.text and "预计等待约 4 分钟" in notice.text
    assert not any(isinstance(m, RatingRequest) for m in turn.said)


def test_a_rating_needs_an_open_request_and_a_request_takes_one_rating(tmp_path):
    shared = services(tmp_path)
    sender = "web-rater-00000000001"
    store = ActionStoreRating(shared)
    rate = tracker(sender, "非常满意", "rate_service", [{"entity": "rating", "value": "5"}])
    assert "感谢您的反馈" in store.run_turn(rate).said[0].text  # nobody asked: nothing stored
    assert shared.records.ratings(sender) == []
    goodbye = ActionGoodbye(shared).run_turn(tracker(sender, "再见", "goodbye"))
    assert isinstance(goodbye.said[-1], RatingRequest)
    shared.records.open_rating_request(sender, "widget", "goodbye")  # what the gate records for that request
    store.run_turn(rate)
    store.run_turn(rate)
    assert [r.rating for r in shared.records.ratings(sender)] == [5]
    # Rated now: another goodbye in the same conversation does not ask again.
    assert not any(
        isinstance(m, RatingRequest) for m in ActionGoodbye(shared).run_turn(tracker(sender, "再见", "goodbye")).said
    )


@pytest.mark.parametrize("level, follow_up", [(1, True), (2, True), (3, False), (4, False)])
def test_a_bad_rating_asks_why_once(tmp_path, level, follow_up):
    shared = services(tmp_path)
    sender = f"web-level{level}-000000000001"
    shared.records.open_rating_request(sender, "widget", "agent")
    turn = ActionStoreRating(shared).run_turn(
        tracker(sender, str(level), "rate_service", [{"entity": "rating", "value": str(level)}])
    )
    asked = any("哪方面" in m.text for m in turn.said)
    assert asked is follow_up
    expectation = shared.records.expectation(sender)
    assert (expectation is not None and expectation.kind == Expecting.RATING_REASON) is follow_up
