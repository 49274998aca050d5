"""Client for the Rasa server's REST channel: one user message in, every bot message out.

All channel adapters talk to the dialogue through this one class, so the protocol details (the
REST webhook, time-outs, the optional auth token) live in one place.

Example::

    client = DialogueClient("http://127.0.0.1:5005")
    messages = await client.send("wx-oABC", "身份证到期了怎么换", metadata={"channel": "wechat"})
    # [Text("…", buttons=(…)), GuideCard(…)] — typed messages, see daofu.messages
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from daofu.errors import DaofuError
from daofu.masking import clean_text
from daofu.messages import BotMessage, read_turn

log = logging.getLogger(__name__)


def typed(text: str) -> str:
    """What a person typed, made safe to send as text: never a Rasa payload.

    Rasa reads a message that starts with ``/`` as ``/intent{entities}`` and skips the NLU, so a
    typed "/rate_service{…}" would forge a rating and "/human_handoff" a hand-off. Only buttons the
    service itself rendered send payloads; typed text loses its leading slashes and is read as words.
    """
    return text.lstrip().lstrip("/")


class DialogueUnavailable(DaofuError):
    """Rasa did not answer (down, starting, or too slow)."""


class DialogueClient:
    def __init__(self, base_url: str, timeout: float = 30.0, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._client = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]:
        """Every bot message of the turn, read and checked (:func:`daofu.messages.read_turn`)."""
        if not sender:
            raise ValueError("sender must be a non-empty conversation id")
        # Lone surrogates cannot be sent as UTF-8 JSON at all; control characters mean nothing here.
        text = clean_text(text)
        params = {"token": self.token} if self.token else None
        payload = {"sender": sender, "message": text, "metadata": metadata or {}}
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

    async def healthy(self) -> bool:
        try:
            response = await self._client.get(f"{self.base_url}/", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def close(self) -> None:
        await self._client.aclose()
