"""The takeover desk: an agent takes a hand-off, talks with the citizen, and gives the conversation back.

What the agent does in the console arrives here (``channels/agent/routes.py``); what the citizen
writes meanwhile arrives through the conversation gate (:mod:`channels.conversation`). Each step
is recorded (:class:`~daofu.records.ConversationRecords`: who took it, when, every message), written
to Rasa's tracker as events (the tracker is paused while the agent holds it and resumed on release,
so the assistant never answers for the agent and goes on with its context afterwards), and pushed
to the citizen (:mod:`channels.push`: the open widget, or WeChat's customer-service API).

A watch (:meth:`TakeoverDesk.watch`) closes hand-offs nobody took within ``DAOFU_HANDOFF_TIMEOUT``
and offers the citizen the 12345 hotline and a call-back instead.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from channels.conversation import ConversationGate
from channels.dialogue import PAUSE, RELAYED_INTENT, RESUME, DialogueUnavailable, bot_event
from daofu.followups import rating_request, timeout_offer
from daofu.masking import mask_pii
from daofu.messages import AgentJoined, AgentLeft, AgentText, BotMessage, from_wire
from daofu.records import Handoff, HandoffConflict, HandoffEvent, HandoffEventKind, HandoffStatus

log = logging.getLogger(__name__)

MAX_AGENT_TEXT_CHARS = 1000
MAX_TRANSCRIPT = 200
WATCH_SECONDS = 5.0


def joined_text(agent_id: str) -> str:
    return f"12345热线工作人员（{agent_id}）已接入，正在为您服务。"


AGENT_LEFT_TEXT = "工作人员已结束本次服务，智能导服继续为您服务。"


def transcript_of(events: Sequence[Any], limit: int = MAX_TRANSCRIPT) -> list[dict[str, Any]]:
    """The conversation as the agent reads it: who said what, when; personal numbers masked.

    Button payloads (``/choose_option{…}``) are shown as the title of the button that offered them.
    """
    lines: list[dict[str, Any]] = []
    offered: dict[str, str] = {}
    for event in events:
        if not isinstance(event, dict) or event.get("event") not in ("user", "bot"):
            continue
        at = event.get("timestamp")
        when = datetime.fromtimestamp(at, UTC).isoformat() if isinstance(at, int | float) else None
        if event["event"] == "user":
            text = event.get("text")
            if isinstance(text, str) and text.strip():
                lines.append({"from": "citizen", "text": mask_pii(offered.get(text, text)), "at": when})
            continue
        for message in from_wire(event):
            for option in getattr(message, "buttons", ()) or ():
                offered[option.payload] = option.title
            for option in getattr(message, "options", ()) or ():
                offered[option.payload] = option.title
            author = "agent" if isinstance(message, AgentText) else "bot"
            if isinstance(message, AgentJoined | AgentLeft):
                author = "notice"
            if message.text.strip():
                lines.append({"from": author, "text": mask_pii(message.text), "at": when})
    return lines[-limit:]


class TakeoverDesk:
    """Takes, speaks in and releases conversations for agents; see the module docstring."""

    def __init__(self, gate: ConversationGate, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.gate = gate
        self.records = gate.records
        self.settings = gate.settings
        self.clock = clock

    async def _db(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(partial(call, *args))

    async def _reach(
        self, handoff: Handoff, messages: list[BotMessage], before: Sequence[dict] = (), after: Sequence[dict] = ()
    ) -> bool:
        """Write ``messages`` to the tracker, then push them to the citizen; True when pushed live."""
        try:
            await self.gate.dialogue.append(handoff.sender_id, [*before, *(bot_event(m) for m in messages), *after])
        except DialogueUnavailable as exc:
            log.error("hand-off %d: the tracker could not record the takeover: %s", handoff.id, exc)
        return await self.gate.push.deliver(handoff.sender_id, messages)

    async def take(self, handoff_id: int, agent_id: str) -> Handoff:
        """``agent_id`` takes a waiting hand-off; the citizen is told a person has joined."""
        before = await self._db(self.records.handoff, handoff_id)
        handoff = await self._db(self.records.take_handoff, handoff_id, agent_id)
        if before is not None and before.status == HandoffStatus.OPEN:
            await self._reach(handoff, [AgentJoined(text=joined_text(agent_id), agent=agent_id)], before=[PAUSE])
            await self._db(self.records.mark_conversation, handoff.sender_id, "agent")
            log.info("agent %s took hand-off %d", agent_id, handoff_id)
        return handoff

    async def _held_by(self, handoff_id: int, agent_id: str) -> Handoff:
        handoff = await self._db(self.records.handoff, handoff_id)
        if handoff is None:
            raise LookupError(f"no hand-off with id {handoff_id}")
        if handoff.status != HandoffStatus.TAKEN or handoff.taken_by != agent_id:
            raise HandoffConflict(f"hand-off {handoff_id} is not held by {agent_id}; take it first")
        return handoff

    async def say(self, handoff_id: int, agent_id: str, text: str) -> tuple[HandoffEvent, bool]:
        """The agent's words to the citizen; (the recorded message, whether it reached an open page)."""
        clean = text.strip()
        if not clean:
            raise ValueError("the message is empty")
        if len(clean) > MAX_AGENT_TEXT_CHARS:
            raise ValueError(f"the message is longer than {MAX_AGENT_TEXT_CHARS} characters")
        handoff = await self._held_by(handoff_id, agent_id)
        event = await self._db(self.records.add_handoff_message, handoff_id, HandoffEventKind.AGENT, clean, agent_id)
        live = await self._reach(handoff, [AgentText(text=clean, agent=agent_id)])
        return event, live

    async def release(self, handoff_id: int, agent_id: str) -> Handoff:
        """Give the conversation back to the assistant and ask for the 好差评 of this service."""
        await self._held_by(handoff_id, agent_id)
        handoff = await self._db(self.records.end_handoff, handoff_id, HandoffEventKind.RELEASED, agent_id)
        messages: list[BotMessage] = [AgentLeft(text=AGENT_LEFT_TEXT, agent=agent_id), rating_request()]
        await self._reach(handoff, messages, after=[RESUME])
        await self.gate.after_turn(handoff.sender_id, handoff.channel, messages, count=False, occasion="agent")
        log.info("agent %s released hand-off %d", agent_id, handoff_id)
        return handoff

    async def close(self, handoff_id: int, agent_id: str) -> Handoff:
        """End a hand-off from the queue: a held one is released, a waiting one closed without a word."""
        handoff = await self._db(self.records.handoff, handoff_id)
        if handoff is None:
            raise LookupError(f"no hand-off with id {handoff_id}")
        if handoff.status == HandoffStatus.TAKEN:
            return await self.release(handoff_id, agent_id)
        return await self._db(self.records.end_handoff, handoff_id, HandoffEventKind.CLOSED, None)

    async def transcript(self, handoff: Handoff) -> list[dict[str, Any]]:
        """The whole conversation so far (from Rasa's tracker), masked for the agent."""
        events = await self.gate.dialogue.events(handoff.sender_id)
        return transcript_of(events)

    async def expire_overdue(self) -> list[Handoff]:
        """Close hand-offs nobody took within the timeout; offer 12345 and a call-back instead."""
        timeout = self.settings.handoff_timeout
        overdue = await self._db(self.records.waiting_since, self.clock() - timedelta(seconds=timeout))
        expired = []
        for waiting in overdue:
            try:
                handoff = await self._db(self.records.end_handoff, waiting.id, HandoffEventKind.TIMEOUT, None)
            except HandoffConflict:
                continue  # taken meanwhile
            offer = timeout_offer(max(1, math.ceil(timeout / 60)))
            await self._reach(handoff, [offer])
            await self.gate.after_turn(handoff.sender_id, handoff.channel, [offer], count=False)
            log.info("hand-off %d timed out after %.0f s in the queue", handoff.id, timeout)
            expired.append(handoff)
        return expired

    async def watch(self, interval: float = WATCH_SECONDS) -> None:
        """Run :meth:`expire_overdue` every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.expire_overdue()
            except DialogueUnavailable as exc:
                log.warning("hand-off watch: %s", exc)
            except (OperationalError, InterfaceError) as exc:
                log.warning("hand-off watch: the database is unavailable (%s); trying again", exc.orig)
            except Exception:
                log.exception("hand-off watch failed; trying again")
            await asyncio.sleep(interval)


__all__ = ["RELAYED_INTENT", "TakeoverDesk", "transcript_of"]
