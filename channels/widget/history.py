"""A conversation's history for the widget, rebuilt from Rasa's tracker.

The widget keeps nothing but its sender id; after a page reload it asks the service for the
conversation so far, and the service reads Rasa's tracker store (``GET
/conversations/{sender}/tracker``, available because Rasa runs with ``--enable-api``). The tracker
is the single record of the conversation, so the history cannot drift from what the bot knows.

Tracker ``user`` events carry the text the dialogue received — for a button that is its payload
(``/choose_option{…}``), which the person never saw. :func:`history_from_events` shows the
button's title instead, looked up in the bot messages that offered it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from channels.widget.messages import WidgetMessage, user_message, widget_message
from daofu.errors import DaofuError
from daofu.messages import choices_of, from_wire

log = logging.getLogger(__name__)

MAX_HISTORY = 200


class TrackerUnavailable(DaofuError):
    """Rasa's tracker could not be read (down, starting, or refusing the token)."""


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


class TrackerClient:
    """Reads conversations from the Rasa server's HTTP API."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._client = httpx.AsyncClient(timeout=timeout)

    async def events(self, sender: str) -> list[dict[str, Any]]:
        params = {"token": self.token} if self.token else None
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        try:
            response = await self._client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise TrackerUnavailable(f"the dialogue server at {self.base_url} is unreachable ({exc})") from None
        if response.status_code != 200:
            raise TrackerUnavailable(f"the dialogue server answered HTTP {response.status_code} for the tracker")
        try:
            events = response.json().get("events")
        except (ValueError, AttributeError):
            raise TrackerUnavailable("the dialogue server sent a tracker that is not JSON") from None
        return events if isinstance(events, list) else []

    async def history(self, sender: str) -> list[WidgetMessage]:
        return history_from_events(await self.events(sender))

    async def close(self) -> None:
        await self._client.aclose()
