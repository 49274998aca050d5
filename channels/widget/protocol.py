"""The widget's WebSocket frames and sender ids.

In (JSON text frames)::

    {"type": "message", "text": "鄞州区", "payload": "/inform_region{…}"?, "elder_mode": true?}
    {"type": "ping"}
    {"type": "form_opened"}                  the person opened the application form (the 好差评 follows)

``text`` is what the person typed, or the title of the button they chose; ``payload`` (a button's
payload, docs/messages.md) is what the dialogue receives instead when present.

``payload`` is used only when the service offered that button to this conversation (the
conversation gate checks); otherwise ``text`` goes to the dialogue as typed words. Typed text that
starts with ``/`` is never a payload.

Out::

    {"type": "typing"}                       the dialogue is working on an answer
    {"type": "bot", "messages": [...]}       the answer (see channels.widget.messages); empty while an agent
                                             holds the conversation
    {"type": "push", "messages": [...]}      not an answer: an agent's words, a queue notice, a call-back offer
    {"type": "error", "message": "…"}        a problem to show, in Chinese
    {"type": "pong"}

Sender ids are made by the browser (random, ``web-`` prefix) and are the only key to a
conversation, so they must be long enough not to be guessed; the prefix keeps the widget from
reading or writing conversations of other channels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from channels.dialogue import typed
from daofu.errors import DaofuError

MAX_MESSAGE_CHARS = 2000
MAX_FRAME_CHARS = 8000
SENDER_PATTERN = re.compile(r"web-[A-Za-z0-9_-]{16,64}")


class FrameError(DaofuError):
    """A frame from the browser that cannot be used; the message is shown to the person."""


def valid_sender(sender: Any) -> bool:
    return isinstance(sender, str) and SENDER_PATTERN.fullmatch(sender) is not None


@dataclass(frozen=True)
class UserTurn:
    """One message: what the person typed (or the chosen button's title), the button's payload, elder mode."""

    text: str
    elder_mode: bool
    payload: str | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        return {"channel": "widget", "elder_mode": self.elder_mode}


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class FormOpened:
    """The person clicked the link to the application form."""

    elder_mode: bool = False

    @property
    def metadata(self) -> dict[str, Any]:
        return {"channel": "widget", "elder_mode": self.elder_mode}


def parse_frame(raw: str | bytes | None) -> UserTurn | Ping | FormOpened:
    """The meaning of one frame, or :class:`FrameError` saying (in Chinese) what was wrong."""
    if raw is None:
        raise FrameError("消息为空")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("消息不是 UTF-8 文本") from None
    if len(raw) > MAX_FRAME_CHARS:
        raise FrameError(f"消息太长，请控制在 {MAX_MESSAGE_CHARS} 字以内")
    try:
        frame = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        raise FrameError("消息格式不正确") from None
    if not isinstance(frame, dict):
        raise FrameError("消息格式不正确")
    kind = frame.get("type")
    if kind == "ping":
        return Ping()
    if kind == "form_opened":
        return FormOpened(elder_mode=frame.get("elder_mode") is True)
    if kind != "message":
        raise FrameError("不支持的消息类型")
    text, payload = frame.get("text"), frame.get("payload")
    if payload is not None and (not isinstance(payload, str) or not payload.strip()):
        raise FrameError("按钮内容不正确")
    if text is not None and not isinstance(text, str):
        raise FrameError("消息格式不正确")
    if not (text or "").strip() and payload is None:
        raise FrameError("请输入要咨询的内容")
    if len(payload or "") > MAX_MESSAGE_CHARS or len(text or "") > MAX_MESSAGE_CHARS:
        raise FrameError(f"消息太长，请控制在 {MAX_MESSAGE_CHARS} 字以内")
    shown = (text or "").strip()
    if payload is None:
        shown = typed(shown).strip()  # typed text is never a payload
        if not shown:
            raise FrameError("请输入要咨询的内容")
    return UserTurn(text=shown, elder_mode=frame.get("elder_mode") is True, payload=payload)


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


def typing_frame() -> str:
    return encode({"type": "typing"})


def bot_frame(messages: list[dict[str, Any]]) -> str:
    return encode({"type": "bot", "messages": messages})


def push_frame(messages: list[dict[str, Any]]) -> str:
    return encode({"type": "push", "messages": messages})


def error_frame(message: str) -> str:
    return encode({"type": "error", "message": message})


def pong_frame() -> str:
    return encode({"type": "pong"})
