"""Client for the Rasa server: one user message in, every bot message out; and the tracker's events.

All channel adapters talk to the dialogue through this one class (by way of the conversation gate,
:mod:`channels.conversation`), so the protocol details (the REST webhook, the HTTP API, time-outs,
the optional auth token) live in one place.

Rasa's tracker is the one record of a conversation, also while an agent holds it: the citizen's
and the agent's messages are appended as events (``POST /conversations/{id}/tracker/events``,
:meth:`DialogueClient.append`), and the tracker is paused meanwhile so that Rasa never answers for
the agent. On release it is resumed, and the assistant goes on with its context (slots) intact.

Example::

    client = DialogueClient("http://127.0.0.1:5005")
    messages = await client.send("wx-oABC", "身份证到期了怎么换", metadata={"channel": "wechat"})
    # [Text("…", buttons=(…)), GuideCard(…)] — typed messages, see daofu.messages
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np

from daofu.errors import DaofuError
from daofu.masking import clean_text
from daofu.messages import BotMessage, Custom, Text, read_turn, to_wire
from indexer.e5_onnx import VECTOR_METADATA_KEY, vector_to_text

log = logging.getLogger(__name__)


def typed(text: str) -> str:
    """What a person typed, made safe to send as text: never a Rasa payload.

    Rasa reads a message that starts with ``/`` as ``/intent{entities}`` and skips the NLU, so a
    typed "/rate_service{…}" would forge a rating and "/human_handoff" a hand-off. Only buttons the
    service itself rendered send payloads; typed text loses its leading slashes and is read as words.
    """
    return text.strip().lstrip("/／").strip()


class DialogueUnavailable(DaofuError):
    """Rasa did not answer (down, starting, or too slow)."""


# The intent of a user event appended by the service (a message to the agent, a reason, a number):
# not in the domain, so no rule fires on it, and the NLU never saw the text.
RELAYED_INTENT = "relayed_to_service"


def user_event(text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """A tracker ``user`` event for a message the service handled itself (never classified)."""
    text = clean_text(text)
    parse_data = {"intent": {"name": RELAYED_INTENT, "confidence": 1.0}, "entities": [], "text": text}
    return {"event": "user", "text": text, "parse_data": parse_data, "metadata": metadata or {}}


def bot_event(message: BotMessage) -> dict[str, Any]:
    """A tracker ``bot`` event for a message the service sent (an agent's words, a notice)."""
    wire = to_wire(message)
    if isinstance(message, Text):
        data = {"buttons": wire["buttons"]} if "buttons" in wire else {}
        return {"event": "bot", "text": message.text, "data": data}
    assert isinstance(message, Custom)
    return {"event": "bot", "text": message.text, "data": {"custom": wire["custom"]}}


PAUSE = {"event": "pause"}
RESUME = {"event": "resume"}


class DialogueClient:
    """``embed`` (text → its e5 vector) lets Rasa's featurizer use the vector the search computes
    anyway instead of embedding every message a second time (``bot/components/e5_featurizer.py``)."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        token: str = "",
        embed: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.embed = embed
        self._client = httpx.AsyncClient(timeout=timeout)

    async def _with_vector(self, text: str, metadata: dict[str, Any]) -> dict[str, Any]:
        """``metadata`` plus the e5 vector of ``text`` when the NLU will read it (not a payload)."""
        words = text.strip()
        if self.embed is None or not words or words.startswith("/"):
            return metadata
        try:
            vector = await asyncio.to_thread(self.embed, words)
        except Exception as exc:  # an optimisation only: without the vector, Rasa embeds the text itself
            log.warning("the message goes to Rasa without its vector: %s", exc)
            return metadata
        return {**metadata, VECTOR_METADATA_KEY: vector_to_text(vector)}

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]:
        """Every bot message of the turn, read and checked (:func:`daofu.messages.read_turn`)."""
        if not sender:
            raise ValueError("sender must be a non-empty conversation id")
        # Lone surrogates cannot be sent as UTF-8 JSON at all; control characters mean nothing here.
        text = clean_text(text)
        params = {"token": self.token} if self.token else None
        payload = {"sender": sender, "message": text, "metadata": await self._with_vector(text, metadata or {})}
        try:
            response = await self._client.post(f"{self.base_url}/webhooks/rest/webhook", json=payload, params=params)
        except httpx.TimeoutException:
            raise DialogueUnavailable(f"the dialogue server at {self.base_url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"the dialogue server at {self.base_url} is unreachable ({exc})") from None
        if response.status_code != 200:
            raise DialogueUnavailable(f"the dialogue server answered HTTP {response.status_code}")
        try:
            return read_turn(response.json())
        except ValueError:
            raise DialogueUnavailable("the dialogue server sent an answer that is not JSON") from None

    async def append(self, sender: str, events: Sequence[dict[str, Any]]) -> None:
        """Append ``events`` to ``sender``'s tracker (Rasa's HTTP API, ``--enable-api``)."""
        if not sender:
            raise ValueError("sender must be a non-empty conversation id")
        params = {"include_events": "NONE", **({"token": self.token} if self.token else {})}
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker/events"
        try:
            response = await self._client.post(url, json=list(events), params=params)
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"the dialogue server at {self.base_url} is unreachable ({exc})") from None
        if response.status_code != 200:
            raise DialogueUnavailable(f"the dialogue server refused the events with HTTP {response.status_code}")

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of ``sender``'s tracker, oldest first."""
        params = {"token": self.token} if self.token else None
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        try:
            response = await self._client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"the dialogue server at {self.base_url} is unreachable ({exc})") from None
        if response.status_code != 200:
            raise DialogueUnavailable(f"the dialogue server answered HTTP {response.status_code} for the tracker")
        try:
            events = response.json().get("events")
        except (ValueError, AttributeError):
            raise DialogueUnavailable("the dialogue server sent a tracker that is not JSON") from None
        return events if isinstance(events, list) else []

    async def healthy(self) -> bool:
        try:
            response = await self._client.get(f"{self.base_url}/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def close(self) -> None:
        await self._client.aclose()
