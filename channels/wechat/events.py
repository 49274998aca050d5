"""What each kind of WeChat message means for the dialogue.

* a text message is the user's words (or a numbered choice, resolved later in the turn);
* a voice message with WeChat's speech recognition (``Recognition``) is the recognised words;
* ``subscribe`` (following the account, also through a QR code) greets: ``/greet``;
* a menu ``CLICK`` sends the payload of its key from :data:`MENU_PAYLOADS`;
* ``unsubscribe`` and the other events (``VIEW``, ``SCAN``, ``LOCATION``, template receipts …)
  need no answer: no dialogue turn, the reply is "success";
* images, voice, video, locations, links … get a polite note that only text is understood.

The menu keys are configured in the official account's custom menu (see docs/wechat.md); the
payloads use Rasa's ``/intent`` syntax, so no NLU is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.dialogue import BUSY_TEXT
from channels.wechat.messages import IncomingMessage, TextOut

SUBSCRIBE_PAYLOAD = "/greet"

# Menu key (EventKey of a CLICK button) → what the dialogue receives.
MENU_PAYLOADS: dict[str, str] = {
    "DAOFU_START": "/greet",
    "DAOFU_HUMAN": "/human_handoff",
    "DAOFU_RATE": "/request_rating",
}

# Longest user text passed to the dialogue (WeChat itself allows about 2048 bytes).
MAX_TEXT_CHARS = 2000

ONLY_TEXT = TextOut(
    "抱歉，目前只能看懂文字消息（语音需能转成文字）。请用文字告诉我您想办什么事，例如“身份证快到期了怎么换”。"
)
EMPTY_TEXT = TextOut("请用文字告诉我您想办什么事，例如“开小吃店要办什么证”。")
UNKNOWN_MENU = TextOut("抱歉，这个菜单项暂时不可用。您可以直接用文字告诉我您想办什么事。")
TOO_FAST = TextOut("您发送得太快了，请稍等片刻再发。")
DIALOGUE_DOWN = TextOut(BUSY_TEXT)


@dataclass(frozen=True)
class DialogueInput:
    """Send ``text`` to the dialogue; ``typed`` is true for the user's own words (may be a number)."""

    text: str
    typed: bool


@dataclass(frozen=True)
class DirectReply:
    """Answer without a dialogue turn; ``None`` means reply "success" (nothing to say)."""

    outgoing: TextOut | None
    reason: str


def interpret(message: IncomingMessage) -> DialogueInput | DirectReply:
    """Decide what a message means; see the module docstring."""
    if message.msg_type == "text":
        text = message.content.strip()
        if not text:
            return DirectReply(EMPTY_TEXT, "empty text")
        return DialogueInput(text[:MAX_TEXT_CHARS], typed=True)
    if message.msg_type == "voice" and message.recognition.strip():
        return DialogueInput(message.recognition.strip()[:MAX_TEXT_CHARS], typed=True)
    if not message.is_event:
        return DirectReply(ONLY_TEXT, f"unsupported message type {message.msg_type}")
    event = message.event.lower()
    if event == "subscribe":
        return DialogueInput(SUBSCRIBE_PAYLOAD, typed=False)
    if event == "click":
        payload = MENU_PAYLOADS.get(message.event_key)
        if payload is None:
            return DirectReply(UNKNOWN_MENU, f"unknown menu key {message.event_key!r}")
        return DialogueInput(payload, typed=False)
    return DirectReply(None, f"event {event}")
