"""好差评: asking for a five-level rating after a hand-off or goodbye, and storing it.

The rating is stored with the conversation twice over: as a slot in Rasa's tracker (the
conversation's own record) and as a row in ``conversation_rating`` for the monthly report.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import services
from bot.actions.cards import payload
from bot.actions.state import ConversationState
from bot.records import RATING_LABELS

log = logging.getLogger(__name__)

# Longest first: 非常不满意 must not be read as 满意.
RATING_WORDS = sorted(
    [(label, level) for level, label in RATING_LABELS.items()]
    + [("很满意", 5), ("五星", 5), ("5星", 5), ("一般", 3), ("还行", 3), ("很差", 1), ("太差", 1), ("差评", 1)],
    key=lambda pair: -len(pair[0]),
)


def rating_request(elder: bool = False) -> list[dict]:
    options = [
        {"level": level, "title": label, "payload": payload("rate_service", rating=str(level))}
        for level, label in sorted(RATING_LABELS.items(), reverse=True)
    ]
    text = "请给本次服务打个分：" if elder else "请对本次服务进行评价（好差评）："
    return [{"custom": {"type": "rating_request", "text": text, "options": options}}]


def parse_rating(entity: str | None, text: str) -> int | None:
    if entity is not None:
        digits = "".join(ch for ch in entity if ch.isdigit())
        if digits and 1 <= int(digits) <= 5:
            return int(digits)
    for word, level in RATING_WORDS:
        if word in text:
            return level
    digits = [int(ch) for ch in text if ch.isdigit()]
    if len(digits) == 1 and 1 <= digits[0] <= 5:
        return digits[0]
    return None


class ActionAskRating(Action):
    def name(self) -> str:
        return "action_ask_rating"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        for message in rating_request(state.elder):
            dispatcher.utter_message(json_message=message["custom"])
        return []


class ActionStoreRating(Action):
    def name(self) -> str:
        return "action_store_rating"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        level = parse_rating(state.entities.get("rating"), state.user_text)
        if level is None:
            dispatcher.utter_message(text="没有看懂您的评价，请点选下面的一项：")
            for message in rating_request(state.elder):
                dispatcher.utter_message(json_message=message["custom"])
            return []
        rating = services.records().add_rating(
            state.sender_id, level, channel=state.channel, matter_code=state.matter_code, guide_id=state.guide_id
        )
        log.info("rating %d (%s) stored for %s", level, rating.label, state.sender_id)
        thanks = "感谢您的评价！" if level >= 3 else "感谢您的评价，我们会改进服务。如需帮助可转人工客服。"
        dispatcher.utter_message(text=f"您的评价：{rating.label}。{thanks}")
        return [SlotSet("rating", float(level))]


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        state = ConversationState.from_tracker(tracker)
        dispatcher.utter_message(text="再见，祝您办事顺利！")
        if tracker.get_slot("rating") is None:
            for message in rating_request(state.elder):
                dispatcher.utter_message(json_message=message["custom"])
        return []


class ActionThank(Action):
    def name(self) -> str:
        return "action_thank"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        dispatcher.utter_message(text="不客气！还有其他要办的事吗？")
        return []
