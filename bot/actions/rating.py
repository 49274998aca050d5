"""好差评 as the 好差评 system does it: asked when a service ends, one rating per request, a reason for a 差评.

* **When**: after the application form opens (``showing.py``), after an agent gives the
  conversation back (the takeover desk), and on goodbye — never right after asking for a person.
* **One per request**: the conversation gate records each rating request the service makes
  (:meth:`~daofu.records.ConversationRecords.open_rating_request`); a rating is stored only against
  an unanswered request, which it then closes. A rating payload reaches the dialogue only from a
  button the service offered (the gate drops typed ``/rate_service{…}``), and typed words such as
  “非常满意” count only while a request is open.
* **Why**: after 不满意 / 非常不满意 one follow-up question (reason categories and free text,
  :func:`daofu.followups.reason_question`); the gate stores the answer, which never goes to intent
  classification.

The rating is stored with the conversation twice over: as a slot in Rasa's tracker (the
conversation's own record) and as a row in the records store for the monthly report.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from rasa_sdk.events import SlotSet

from bot.actions.base import DaofuAction, Turn
from daofu.followups import rating_request, reason_question
from daofu.messages import Text
from daofu.records import CONVERSATION_GAP, DISSATISFIED_LEVELS, RATING_LABELS, Expecting

log = logging.getLogger(__name__)

# Longest first: 非常不满意 must not be read as 满意.
RATING_WORDS = sorted(
    [(label, level) for level, label in RATING_LABELS.items()]
    + [("很满意", 5), ("五星", 5), ("5星", 5), ("一般", 3), ("还行", 3), ("很差", 1), ("太差", 1), ("差评", 1)],
    key=lambda pair: -len(pair[0]),
)
NO_REQUEST = "感谢您的反馈！本次服务结束时会请您评价。还有其他要办的事吗？"

__all__ = ["ActionAskRating", "ActionGoodbye", "ActionStoreRating", "ActionThank", "parse_rating", "rating_request"]


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
        records = turn.services.records
        turn.keep_state = False
        request = records.pending_rating_request(state.sender_id)
        if request is None:
            log.info("a rating without an open request was not stored")
            turn.say(Text(NO_REQUEST))
            return
        level = parse_rating(state.entities.get("rating"), state.user_text or state.text)
        if level is None:
            turn.say(Text("没有看懂您的评价，请点选下面的一项："), rating_request(state.elder))
            return
        rating = records.add_rating(
            state.sender_id, level, channel=state.channel, matter_code=state.matter_code or request.matter_code,
            guide_id=state.guide_id, request_id=request.id,
        )  # fmt: skip
        log.info("rating %d (%s) stored for request %d (%s)", level, rating.label, request.id, request.occasion)
        turn.extra_events.append(SlotSet("rating", float(level)))
        if level in DISSATISFIED_LEVELS:
            records.expect(state.sender_id, Expecting.RATING_REASON, rating.id)
            turn.say(Text(f"您的评价：{rating.label}。"), reason_question())
            return
        turn.say(Text(f"您的评价：{rating.label}。感谢您的评价！"))


def rated_lately(turn: Turn) -> bool:
    """Whether this conversation already gave a rating (within one conversation's gap)."""
    ratings = turn.services.records.ratings(turn.state.sender_id)
    return bool(ratings) and ratings[-1].created_at >= datetime.now(UTC) - CONVERSATION_GAP


class ActionGoodbye(DaofuAction):
    action_name = "action_goodbye"

    def decide(self, turn: Turn) -> None:
        turn.keep_state = False
        turn.say(Text("再见，祝您办事顺利！"))
        if not rated_lately(turn):
            turn.say(rating_request(turn.state.elder))


class ActionThank(DaofuAction):
    action_name = "action_thank"

    def decide(self, turn: Turn) -> None:
        turn.keep_state = False
        turn.say(Text("不客气！还有其他要办的事吗？"))
