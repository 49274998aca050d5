"""Leaving the assistant: to the application form, or to a person.

The form hand-off carries what the conversation knows (matter, region, applicant type) so the
form opens pre-filled. The human hand-off is recorded (``bot/records.py``) so the agent console
can list it, and is announced with a ``human_handoff`` payload the channels can route; both end
with the 好差评 rating request.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.actions.finding import take_applicant, utter_all
from bot.actions.presenting import show_matter
from bot.actions.rating import rating_request
from bot.actions.state import PENDING_APPLY, ConversationState

log = logging.getLogger(__name__)

SUMMARY_MESSAGES = 5


class ActionStartApplication(Action):
    def name(self) -> str:
        return "action_start_application"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        take_applicant(state)
        if state.matter_code is None:
            if state.user_text.strip():
                # "我想申请…" with no matter yet names the need itself: find it first.
                from bot.actions.finding import ActionFindService

                return ActionFindService().run(dispatcher, tracker, domain)
            dispatcher.utter_message(text="请先告诉我您要办理什么事情，我帮您找到对应的申请入口。")
            return state.events()
        utter_all(dispatcher, show_matter(state, state.matter_code, PENDING_APPLY))
        return state.events()


def conversation_summary(tracker: Tracker, limit: int = SUMMARY_MESSAGES) -> str:
    """The asker's last few messages, for the agent who takes over."""
    said = [
        event.get("text") or "" for event in tracker.events
        if event.get("event") == "user" and event.get("text") and not str(event.get("text")).startswith("/")
    ]
    return " / ".join(text[:100] for text in said[-limit:]) or "（用户直接要求人工服务）"


class ActionHumanHandoff(Action):
    def name(self) -> str:
        return "action_human_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        reason = "no_match" if state.offer == "handoff" else "user_request"
        handoff = services.records().open_handoff(
            state.sender_id,
            channel=state.channel,
            reason=reason,
            summary=conversation_summary(tracker),
            matter_code=state.matter_code,
            guide_id=state.guide_id,
            region=state.region,
        )
        log.info("hand-off %d opened for %s (%s)", handoff.id, state.sender_id, reason)
        text = "已为您转接人工客服，请稍候，工作人员会尽快回复您。也可以拨打12345政务服务热线。"
        dispatcher.utter_message(
            json_message={
                "type": "human_handoff",
                "text": text,
                "handoff_id": handoff.id,
                "reason": reason,
                "matter_code": state.matter_code,
                "summary": handoff.summary,
            }
        )
        state.offer = None
        utter_all(dispatcher, rating_request(state.elder))
        return [*state.events(), SlotSet("handoff_id", float(handoff.id))]
