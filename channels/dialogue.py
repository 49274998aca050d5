"""Client for the Rasa server: one user message in, every bot message out; and the tracker's events.

All channel adapters talk to the dialogue through this one class (by way of the conversation gate,
:mod:`channels.conversation`), so the protocol details (the REST webhook, the HTTP API, time-outs,
the optional auth token) live in one place.

Rasa's tracker is the one record of a conversation, also while an agent holds it: the citizen's
and the agent's messages are appended as events (``POST /conversations/{id}/tracker/events``,
:meth:`DialogueClient.append`), and the tracker is paused meanwhile so that Rasa never answers for
the agent. On release it is resumed, and the assistant goes on with its context (slots) intact.

Several Rasa instances (``DAOFU_RASA_URL=http://a:5005,http://b:5005``) share one tracker store and
one lock store. Each conversation has a home instance, chosen by rendezvous hashing of its sender id
(:func:`rendezvous_order`): the same from every service instance, and when an instance is removed
only its own conversations move. When the home instance refuses the connection (it is down), the
turn goes to the next instance in the conversation's order; the shared tracker store means the
conversation goes on there with its slots. A turn that reached an instance and then failed is not
sent again (it may have been applied), it fails as :class:`DialogueUnavailable`.

Example::

    client = DialogueClient("http://127.0.0.1:5005")
    messages = await client.send("wx-oABC", "身份证到期了怎么换", metadata={"channel": "wechat"})
    # [Text("…", buttons=(…)), GuideCard(…)] — typed messages, see daofu.messages
"""

from __future__ import annotations

import asyncio
import hashlib
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


def rendezvous_order(urls: Sequence[str], sender: str) -> list[str]:
    """``urls`` in the order ``sender``'s conversation tries them: highest hash weight first.

    Rendezvous (highest random weight) hashing: every process computes the same order without
    sharing anything, and removing one instance moves only the conversations whose home it was,
    spread evenly over the rest.
    """

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}\0{sender}".encode(), digest_size=8).digest()

    return sorted(urls, key=weight, reverse=True)


# Failures that mean the request never reached the instance: the next one may take the turn.
NOT_REACHED = (httpx.ConnectError, httpx.ConnectTimeout)
# Failures after the request may have been sent: retried elsewhere only when the instance is gone.
BROKEN = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


# What every channel says while Rasa is away (crashed and being restarted, or too slow): one
# wording on the widget, WeChat and /api/chat, instead of silence or an error page.
BUSY_TEXT = "系统繁忙，请稍后再试。"


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
        base_url: str | Sequence[str],
        timeout: float = 30.0,
        token: str = "",
        embed: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        urls = base_url.split(",") if isinstance(base_url, str) else list(base_url)
        self.base_urls = tuple(url.strip().rstrip("/") for url in urls if url.strip())
        if not self.base_urls:
            raise ValueError("the dialogue client needs at least one Rasa address")
        self.base_url = self.base_urls[0]
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

    async def _request(self, sender: str, method: str, path: str, **options: Any) -> httpx.Response:
        """Send to ``sender``'s home instance, or to the next one while instances are down.

        An instance is passed over when it refuses the connection, or when the connection broke
        without an answer and the instance now refuses new ones (it died under the request: a
        kept-alive connection to a killed process fails this way). A request that broke while its
        instance still runs is not repeated elsewhere. Raises what the last attempt raised.
        """
        order = rendezvous_order(self.base_urls, sender) if len(self.base_urls) > 1 else list(self.base_urls)
        for number, base in enumerate(order, start=1):
            last = number == len(order)
            try:
                return await self._client.request(method, f"{base}{path}", **options)
            except NOT_REACHED as exc:
                if last:
                    raise
                log.warning("the dialogue server at %s cannot be reached (%s); trying the next", base, exc)
            except BROKEN as exc:
                if last or await self._reachable(base):
                    raise
                log.warning("the dialogue server at %s went away during a request (%r); trying the next", base, exc)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _reachable(self, base: str) -> bool:
        """Whether ``base`` accepts a connection now (any answer counts)."""
        try:
            await self._client.get(f"{base}/", timeout=2.0)
        except httpx.TransportError:
            return False
        return True

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]:
        """Every bot message of the turn, read and checked (:func:`daofu.messages.read_turn`)."""
        if not sender:
            raise ValueError("sender must be a non-empty conversation id")
        # Lone surrogates cannot be sent as UTF-8 JSON at all; control characters mean nothing here.
        text = clean_text(text)
        params = {"token": self.token} if self.token else None
        payload = {"sender": sender, "message": text, "metadata": await self._with_vector(text, metadata or {})}
        try:
            response = await self._request(sender, "POST", "/webhooks/rest/webhook", json=payload, params=params)
        except httpx.TimeoutException:
            raise DialogueUnavailable(f"the dialogue server at {self._shown(sender)} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"the dialogue server at {self._shown(sender)} is unreachable ({exc})") from None
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
        path = f"/conversations/{quote(sender, safe='')}/tracker/events"
        try:
            response = await self._request(sender, "POST", path, json=list(events), params=params)
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"the dialogue server at {self._shown(sender)} is unreachable ({exc})") from None
        if response.status_code != 200:
            raise DialogueUnavailable(f"the dialogue server refused the events with HTTP {response.status_code}")

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of ``sender``'s tracker, oldest first."""
        params = {"token": self.token} if self.token else None
        path = f"/conversations/{quote(sender, safe='')}/tracker"
        try:
            response = await self._request(sender, "GET", path, params=params)
        except httpx.HTTPError as exc:
            raise DialogueUnavailable(f"the dialogue server at {self._shown(sender)} is unreachable ({exc})") from None
        if response.status_code != 200:
            raise DialogueUnavailable(f"the dialogue server answered HTTP {response.status_code} for the tracker")
        try:
            events = response.json().get("events")
        except (ValueError, AttributeError):
            raise DialogueUnavailable("the dialogue server sent a tracker that is not JSON") from None
        return events if isinstance(events, list) else []

    def _shown(self, sender: str) -> str:
        """The instance(s) a failed request of ``sender`` went to, for the error message."""
        return " and ".join(rendezvous_order(self.base_urls, sender)) if len(self.base_urls) > 1 else self.base_url

    async def healthy(self) -> bool:
        """Whether at least one instance answers (a turn can be taken)."""
        for base in self.base_urls:
            try:
                response = await self._client.get(f"{base}/", timeout=2.0)
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return True
        return False

    async def close(self) -> None:
        await self._client.aclose()
