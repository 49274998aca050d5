"""The widget's renderer: typed bot messages (:mod:`daofu.messages`) in the shape its script draws.

The widget gets bot messages from two places — live from the dialogue, and later from Rasa's
tracker when a page reload rebuilds the conversation — and both arrive here as typed messages
already read and checked by :func:`daofu.messages.from_wire` (strings capped, links http(s) only).
The script receives one shape:

* ``{"from": "bot", "text": str, "buttons"?: [{"title", "payload"}]}``
* ``{"from": "bot", "custom": {"type", "text", …}}`` — the payload's fields, as in docs/messages.md
* ``{"from": "user", "text": str}``

Escaping is the script's job (it builds the page with ``textContent``, never with HTML).
"""

from __future__ import annotations

from typing import Any

from daofu.messages import MAX_TEXT_CHARS, BotMessage, Custom, Text, custom_json

WidgetMessage = dict[str, Any]


def widget_message(message: BotMessage) -> WidgetMessage:
    """One bot message for the widget's script."""
    if isinstance(message, Text):
        out: WidgetMessage = {"from": "bot", "text": message.text}
        if message.buttons:
            out["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
        return out
    assert isinstance(message, Custom)
    return {"from": "bot", "custom": custom_json(message)}


def widget_messages(messages: list[BotMessage]) -> list[WidgetMessage]:
    return [widget_message(message) for message in messages]


def user_message(text: str) -> WidgetMessage:
    return {"from": "user", "text": text[:MAX_TEXT_CHARS]}
