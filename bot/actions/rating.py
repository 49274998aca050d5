"""好差评: asking for a five-level rating after a hand-off or goodbye, and storing it.

The rating is stored with the conversation twice over: as a slot in Rasa's tracker (the
conversation's own record) and as a row in the records store for the monthly report.
"""

from __future__ import annotations

import logging

from rasa_sdk.events import SlotSet

from bot.actions.base import DaofuAction, Turn
from daofu.messages import RatingOption, RatingRequest, Text, payload
from daofu.records import RATING_LABELS

log = logging.getLogger(__name__)

# Longest first: 非常不满意 must not be read as 满意.
RATING_WORDS = sorted(
    [(label, level) for level, label in RATING_LABELS.items()]
    + [("很满意", 5), ("五星", 5), ("5星", 5), ("一般", 3), ("还行", 3), ("很差", 1), ("太差", 1), ("差评", 1)],
    key=lambda pair: -len(pair[0]),
)


def rating_request(elder: bool = False) -> RatingRequest:
    options = tuple(
        RatingOption(level, label, payload("rate_service", rating=str(level)))
        for level, label in sorted(RATING_LABELS.items(), reverse=True)
    )
    text = "请给本次服务打个分：" if elder else "请对本次服务进行评价（好差评）："
    return RatingRequest(text=text, options=options)


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


class ActionAskRating(DaofuAction):
    action_name = "action_ask_rating"

    def decide(self, turn: Turn) -> None:
        turn.say(rating_request(turn.state.elder))
        turn.keep_state = False


class ActionStoreRating(DaofuAction):
    action_name = "action_store_rating"

    def decide(self, turn: Turn) -> None:
        state = turn.state
        turn.keep_state = False
        level = parse_rating(state.entities.get("rating"), state.user_text)
        if level is None:
            turn.say(Text("没有看懂您的评价，请点选下面的一项："), rating_request(state.elder))
            return
        rating = turn.services.records.add_rating(
            state.sender_id, level, channel=state.channel, matter_code=state.matter_code, guide_id=state.guide_id
        )
        log.info("rating %d (%s) stored", level, rating.label)
        thanks = "感谢您的评价！" if level >= 3 else "感谢您的评价，我们会改进服务。如需帮助可转人工客服。"
        turn.say(Text(f"您的评价：{rating.label}。{thanks}"))
        turn.extra_events.append(SlotSet("rating", float(level)))


class ActionGoodbye(DaofuAction):
    action_name = "action_goodbye"

    def decide(self, turn: Turn) -> None:
        turn.keep_state = False
        turn.say(Text("再见，祝您办事顺利！"))
        if turn.tracker.get_slot("rating") is None:
            turn.say(rating_request(turn.state.elder))


class ActionThank(DaofuAction):
    action_name = "action_thank"

    def decide(self, turn: Turn) -> None:
        turn.keep_state = False
        turn.say(Text("不客气！还有其他要办的事吗？"))
