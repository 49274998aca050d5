"""A conversation's history for the widget, rebuilt from Rasa's tracker.

The widget keeps nothing but its sender id; after a page reload it asks the service for the
conversation so far, and the service reads Rasa's tracker through the one dialogue client
(:meth:`channels.dialogue.DialogueClient.events`). The tracker is the single record of the
conversation, so the history cannot drift from what the bot knows.

Tracker ``user`` events carry the text the dialogue received — for a button that is its payload
(``/choose_option{…}``), which the person never saw. :func:`history_from_events` shows the
button's title instead, looked up in the bot messages that offered it.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.widget.messages import WidgetMessage, user_message, widget_message
from daofu.messages import choices_of, from_wire

log = logging.getLogger(__name__)

MAX_HISTORY = 200


def history_from_events(events: list[dict[str, Any]], limit: int = MAX_HISTORY) -> list[WidgetMessage]:
    """The user and bot messages of a tracker, oldest first, at most the last ``limit``.

    A user text that equals a payload offered earlier is shown as that choice's title.
    """
    messages: list[WidgetMessage] = []
    offered: dict[str, str] = {}
    for event in events:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "user":
            text = event.get("text")
            if not isinstance(text, str) or not text.strip():
                continue
            messages.append(user_message(offered.get(text, text)))
        elif kind == "bot":
            for message in from_wire(event):
                messages.append(widget_message(message))
                offered.update({choice.payload: choice.title for choice in choices_of(message)})
    return messages[-limit:]
