"""Leaving the assistant: to the application form, or to a person.

The form hand-off carries what the conversation knows (matter, region, applicant type) so the
form opens pre-filled (:mod:`knowledge.forms`). The human hand-off is recorded
(:class:`daofu.records.ConversationRecords`) so the agent console can list it, and is announced
with a ``human_handoff`` message the channels can route.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.actions.base import DaofuAction, Turn
from bot.actions.find_matter import find_service, take_applicant
from bot.actions.rating import rating_request
from bot.actions.showing import show_matter
from bot.actions.state import PENDING_APPLY
from daofu.masking import mask_pii
from daofu.messages import HumanHandoff, Text

log = logging.getLogger(__name__)

SUMMARY_MESSAGES = 5


class ActionStartApplication(DaofuAction):
    action_name = "action_start_application"

    def decide(self, turn: Turn) -> None:
        state = turn.state
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
    """Record the request for a person and say so."""
    state = turn.state
    reason = "no_match" if state.offer == "handoff" else "user_request"
    handoff = turn.services.records.open_handoff(
        state.sender_id,
        channel=state.channel,
        reason=reason,
        summary=conversation_summary(turn.tracker),
        matter_code=state.matter_code,
        guide_id=state.guide_id,
        region=state.region,
    )
    log.info("hand-off %d opened (%s)", handoff.id, reason)
    turn.say(
        HumanHandoff(
            text="已为您转接人工客服，请稍候，工作人员会尽快回复您。也可以拨打12345政务服务热线。",
            handoff_id=handoff.id,
            reason=reason,
            matter_code=state.matter_code,
            summary=handoff.summary,
        ),
        rating_request(state.elder),
    )
    state.offer = None
    turn.extra_events.append(SlotSet("handoff_id", float(handoff.id)))


class ActionHumanHandoff(DaofuAction):
    action_name = "action_human_handoff"

    def decide(self, turn: Turn) -> None:
        hand_to_person(turn)
