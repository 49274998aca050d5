"""Questions the service asks and answers itself, never the dialogue: a call-back, a rating's reason.

Two follow-ups of a conversation are not for Rasa's intent classification:

* **a call-back** — outside duty hours, or when nobody took a hand-off in time, the assistant offers
  the 12345 hotline and a call-back; the person presses 预约回电, is asked for a number *with
  consent*, and the number goes to the call-back list (masked everywhere but for the agent who
  calls);
* **why a 差评** — after 不满意 / 非常不满意 the assistant asks one follow-up: a reason category
  (buttons) or the person's own words. The words are stored as the reason, not classified.

Both start with a button whose payload the service recognises (:func:`read_service_payload`); the
conversation gate (:mod:`channels.conversation`) handles them without a dialogue turn. The
actions (``bot/actions``) and the takeover desk offer the buttons, so the wording lives here once.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass

from daofu.messages import Button, RatingOption, RatingRequest, Text, payload
from daofu.records import RATING_LABELS, RATING_REASONS

CALLBACK_INTENT = "request_callback"
REASON_INTENT = "rating_reason"
HOTLINE = "12345"

CALLBACK_BUTTON = Button("预约工作人员回电", payload(CALLBACK_INTENT))
CALLBACK_CONSENT = (
    "为了回电，需要您的联系电话。号码只用于本次回电，工作人员以外的人看不到完整号码。"
    "同意请直接回复手机号（或带区号的固定电话）；不需要回电请回复“取消”。"
)
CALLBACK_NOT_A_NUMBER = "没有收到可用的电话号码，本次未登记回电。如需回电，可再点“预约工作人员回电”。"
CALLBACK_CANCELLED = "好的，已取消回电登记。您也可以随时拨打12345政务服务热线。"
CANCEL_WORDS = ("取消", "不用", "不需要", "算了", "不同意", "不要")
REASON_QUESTION = "很抱歉没能让您满意。请问主要是哪方面的问题？可以点选，也可以直接写下原因："
REASON_THANKS = "感谢您的反馈，我们会认真改进。如需继续办理，请直接告诉我您要办的事。"


def callback_registered(masked_phone: str, duty: str) -> str:
    return f"已为您登记回电：{masked_phone}。工作人员会在值班时间（{duty}）内与您联系。"


def off_duty_text(duty: str) -> str:
    return (
        f"现在不是人工客服值班时间（值班时间：{duty}）。您可以拨打{HOTLINE}政务服务热线（24小时），"
        "或预约工作人员在值班时间回电。"
    )


def timeout_text(minutes: int) -> str:
    return (
        f"抱歉，工作人员暂时都在忙，{minutes}分钟内没能接入。您可以拨打{HOTLINE}政务服务热线，"
        "或预约工作人员回电；也可以继续问我。"
    )


def off_duty_offer(duty: str) -> Text:
    return Text(off_duty_text(duty), (CALLBACK_BUTTON,))


def timeout_offer(minutes: int) -> Text:
    return Text(timeout_text(minutes), (CALLBACK_BUTTON,))


def reason_question() -> Text:
    buttons = tuple(Button(title, payload(REASON_INTENT, category=code)) for code, title in RATING_REASONS.items())
    return Text(REASON_QUESTION, buttons)


@dataclass(frozen=True)
class ServicePayload:
    """A button payload the service answers itself: ``callback``, or ``reason`` with its category."""

    kind: str
    category: str | None = None


def read_service_payload(text: str) -> ServicePayload | None:
    """The service's own payload in ``text`` (``/request_callback``, ``/rating_reason{…}``), else None."""
    if text == f"/{CALLBACK_INTENT}":
        return ServicePayload("callback")
    prefix = f"/{REASON_INTENT}"
    if not text.startswith(prefix):
        return None
    try:
        entities = json.loads(text[len(prefix) :] or "{}")
    except ValueError:
        return None
    category = entities.get("category") if isinstance(entities, dict) else None
    return ServicePayload("reason", category) if category in RATING_REASONS else None


def rating_request(elder: bool = False) -> RatingRequest:
    """好差评: five levels, best first (asked after the form opens, an agent leaves, or goodbye)."""
    options = tuple(
        RatingOption(level, label, payload("rate_service", rating=str(level)))
        for level, label in sorted(RATING_LABELS.items(), reverse=True)
    )
    text = "请给本次服务打个分：" if elder else "请对本次服务进行评价（好差评）："
    return RatingRequest(text=text, options=options)


def expected_wait_minutes(position: int, recent_waits: list[float], per_person_seconds: float) -> int:
    """Minutes a person at ``position`` in the queue may expect to wait (at least 1).

    With at least three recent waits, their median is the wait per person ahead; before that the
    configured ``per_person_seconds`` (``DAOFU_HANDOFF_WAIT_PER_PERSON``).
    """
    per_person = statistics.median(recent_waits) if len(recent_waits) >= 3 else per_person_seconds
    return max(1, math.ceil(max(position, 1) * per_person / 60))


def handoff_text(position: int, wait_minutes: int) -> str:
    ahead = f"您前面还有 {position - 1} 位，" if position > 1 else "您是下一位，"
    return (
        f"已为您转接人工客服。{ahead}预计等待约 {wait_minutes} 分钟，工作人员接入后会在这里直接回复您。"
        f"也可以拨打{HOTLINE}政务服务热线。"
    )
