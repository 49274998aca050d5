"""Pushing messages to a citizen outside a turn: an agent's words, a queue notice, a call-back offer.

A turn answers what the person just wrote; a takeover also needs the other direction — the agent
writes, and the citizen's open widget (or WeChat) shows it. :class:`Push` is that one operation,
keyed by the conversation's sender id, so the takeover desk does not know which channel a person
is on:

* the widget connects each open WebSocket (:meth:`LocalPush.connect`), and a message for its sender
  goes to every page that sender has open;
* a channel that reaches people without a connection registers one sender for a sender-id prefix
  (:meth:`LocalPush.route`): WeChat sends ``wx-…`` through its customer-service API.

:class:`LocalPush` lives in one service process. Several service instances need a shared
implementation (Redis publish/subscribe keyed by sender) behind the same :class:`Push` interface;
``create_app`` decides which one the channels get, nothing else creates one.

Example::

    push = LocalPush()
    disconnect = push.connect("web-abc…", send_frame)     # the widget, while the socket is open
    await push.deliver("web-abc…", [AgentText(text="您好", agent="agent-1")])   # → True
    disconnect()
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from daofu.messages import BotMessage

log = logging.getLogger(__name__)

Deliver = Callable[[str, list[BotMessage]], Awaitable[bool]]
MAX_CONNECTIONS_PER_SENDER = 8


class Push(Protocol):
    """Deliver messages to a conversation's citizen, wherever they are connected."""

    def connect(self, sender: str, send: Deliver) -> Callable[[], None]:
        """Register one open connection of ``sender``; the returned function unregisters it."""
        ...

    def route(self, prefix: str, send: Deliver) -> None:
        """Deliver to every sender id starting with ``prefix`` through ``send`` (a channel's API)."""
        ...

    async def deliver(self, sender: str, messages: Sequence[BotMessage]) -> bool:
        """True when at least one connection or channel took the messages."""
        ...


class LocalPush:
    """:class:`Push` within one process: open connections by sender, channel routes by prefix."""

    def __init__(self) -> None:
        self._connections: dict[str, list[Deliver]] = {}
        self._routes: dict[str, Deliver] = {}

    def connect(self, sender: str, send: Deliver) -> Callable[[], None]:
        connections = self._connections.setdefault(sender, [])
        if len(connections) >= MAX_CONNECTIONS_PER_SENDER:
            connections.pop(0)  # the oldest page of this sender stops getting pushes
        connections.append(send)

        def disconnect() -> None:
            current = self._connections.get(sender, [])
            if send in current:
                current.remove(send)
            if not current:
                self._connections.pop(sender, None)

        return disconnect

    def route(self, prefix: str, send: Deliver) -> None:
        if not prefix:
            raise ValueError("a route needs a sender-id prefix such as 'wx-'")
        self._routes[prefix] = send

    def connected(self, sender: str) -> int:
        """How many open connections ``sender`` has."""
        return len(self._connections.get(sender, []))

    async def deliver(self, sender: str, messages: Sequence[BotMessage]) -> bool:
        batch = list(messages)
        if not batch:
            return False
        delivered = False
        for send in list(self._connections.get(sender, [])):
            delivered = await send(sender, batch) or delivered
        for prefix, send in self._routes.items():
            if sender.startswith(prefix):
                delivered = await send(sender, batch) or delivered
        if not delivered:
            log.info("push for a conversation with no open connection; it is kept in the history")
        return delivered
