"""Leaving the assistant: to the application form, or to a person.

The form hand-off carries what the conversation knows (matter, region, applicant type) so the
form opens pre-filled (:mod:`knowledge.forms`). The human hand-off is recorded
(:class:`daofu.records.ConversationRecords`) so the agent console can list it, and is announced
with a ``human_handoff`` message that tells the person their place in the queue and the expected
wait. Outside agents' duty hours (``DAOFU_AGENT_DUTY_HOURS``) nothing is queued: the assistant says
when agents are there and offers the 12345 hotline and a call-back (:mod:`daofu.followups`). The
好差评 is asked when the service ends (the agent releases the conversation), not here.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.actions.base import DaofuAction, Turn
from bot.actions.find_matter import find_service, take_applicant
from bot.actions.showing import show_matter
from bot.actions.stale_buttons import is_stale, say_stale
from bot.actions.state import PENDING_APPLY
from daofu.followups import expected_wait_minutes, handoff_text, off_duty_offer
from daofu.masking import mask_pii
from daofu.messages import HumanHandoff, Text

log = logging.getLogger(__name__)

SUMMARY_MESSAGES = 5


class ActionStartApplication(DaofuAction):
    action_name = "action_start_application"

    def decide(self, turn: Turn) -> None:
        state = turn.state
        if is_stale(turn):
            # 去办理 under an earlier guide: never the form of whatever is on screen now.
            say_stale(turn, "去办理")
            return
        take_applicant(turn)
        if state.matter_code is None:
            if state.user_text.strip():
                # "我想申请…" with no matter yet names the need itself: find it first.
                find_service(turn)
                return
            turn.say(Text("请先告诉我您要办理什么事情，我帮您找到对应的申请入口。"))
            return
        show_matter(turn, state.matter_code, PENDING_APPLY)


def conversation_summary(tracker: Tracker, limit: int = SUMMARY_MESSAGES) -> str:
    """The asker's last few messages, for the agent who takes over, personal numbers masked."""
    said = [
        event.get("text") or ""
        for event in tracker.events
        if event.get("event") == "user" and event.get("text") and not str(event.get("text")).startswith("/")
    ]
    return " / ".join(mask_pii(text)[:100] for text in said[-limit:]) or "（用户直接要求人工服务）"


def hand_to_person(turn: Turn) -> None:
    """Queue the request for a person and say where in the queue it is; off duty, offer 12345 and a call-back."""
    state = turn.state
    settings, records = turn.services.settings, turn.services.records
    reason = "no_match" if state.offer == "handoff" else "user_request"
    state.offer = None
    if not settings.agent_duty_hours.on_duty(datetime.now(UTC)):
        log.info("a person was asked for outside duty hours; 12345 and a call-back offered")
        turn.say(off_duty_offer(settings.agent_duty_hours.describe()))
        return
    handoff = records.open_handoff(
        state.sender_id,
        channel=state.channel,
        reason=reason,
        summary=conversation_summary(turn.tracker),
        matter_code=state.matter_code,
        guide_id=state.guide_id,
        region=state.region,
    )
    position = records.queue_position(handoff.id)
    wait = expected_wait_minutes(position, records.recent_waits(), settings.handoff_wait_per_person)
    log.info("hand-off %d opened (%s), place %d in the queue", handoff.id, reason, position)
    turn.say(
        HumanHandoff(
            text=handoff_text(position, wait),
            handoff_id=handoff.id,
            reason=reason,
            matter_code=state.matter_code,
            summary=handoff.summary,
            position=position,
            wait_minutes=wait,
        )
    )
    turn.extra_events.append(SlotSet("handoff_id", float(handoff.id)))


class ActionHumanHandoff(DaofuAction):
    action_name = "action_human_handoff"

    def decide(self, turn: Turn) -> None:
        hand_to_person(turn)
