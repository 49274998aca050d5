"""Pushing messages to a citizen outside a turn: an agent's words, a queue notice, a call-back offer.

A turn answers what the person just wrote; a takeover also needs the other direction — the agent
writes, and the citizen's open widget (or WeChat) shows it. :class:`Push` is that one operation,
keyed by the conversation's sender id, so the takeover desk does not know which channel a person
is on:

* the widget connects each open WebSocket (:meth:`LocalPush.connect`), and a message for its sender
  goes to every page that sender has open;
* a channel that reaches people without a connection registers one sender for a sender-id prefix
  (:meth:`LocalPush.route`): WeChat sends ``wx-…`` through its customer-service API.

:class:`LocalPush` lives in one service process (the embedded default). Behind a load balancer the
citizen's socket may be open on another instance than the one the agent's request reached:
:class:`RedisPush` (``DAOFU_REDIS_URL``) then publishes the messages on a Redis channel per sender,
which every instance holding an open socket of that sender subscribes to. ``create_app`` decides
which one the channels get, nothing else creates one.

Example::

    push = LocalPush()
    disconnect = push.connect("web-abc…", send_frame)     # the widget, while the socket is open
    await push.deliver("web-abc…", [AgentText(text="您好", agent="agent-1")])   # → True
    disconnect()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from redis.exceptions import RedisError

from channels.shared_state import ThrottledLog
from daofu.messages import BotMessage, from_wire, to_wire

log = logging.getLogger(__name__)

Deliver = Callable[[str, list[BotMessage]], Awaitable[bool]]
MAX_CONNECTIONS_PER_SENDER = 8
CHANNEL_PREFIX = "daofu:push:"
# How long the reader waits for a message before it looks at new or closed sockets again.
READ_INTERVAL = 0.2
RECONNECT_DELAY = 1.0
MAX_PUSHED_MESSAGES = 20


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

    async def to_connections(self, sender: str, batch: list[BotMessage]) -> bool:
        """Deliver to ``sender``'s connections open in this process."""
        delivered = False
        for send in list(self._connections.get(sender, [])):
            delivered = await send(sender, batch) or delivered
        return delivered

    async def to_routes(self, sender: str, batch: list[BotMessage]) -> bool:
        """Deliver through the channel routes whose prefix ``sender`` starts with."""
        delivered = False
        for prefix, send in self._routes.items():
            if sender.startswith(prefix):
                delivered = await send(sender, batch) or delivered
        return delivered

    async def deliver(self, sender: str, messages: Sequence[BotMessage]) -> bool:
        batch = list(messages)
        if not batch:
            return False
        delivered = await self.to_connections(sender, batch)
        delivered = await self.to_routes(sender, batch) or delivered
        if not delivered:
            log.info("push for a conversation with no open connection; it is kept in the history")
        return delivered


class RedisPush:
    """:class:`Push` across service instances: local delivery, plus Redis publish/subscribe per sender.

    Each instance subscribes to ``daofu:push:<sender>`` while it holds an open socket of that
    sender. :meth:`deliver` hands the messages to this instance's sockets and channel routes
    directly and publishes them for the others; Redis answers how many instances are subscribed,
    which tells whether a page is open anywhere. Subscriptions are changed by one reader task
    (:meth:`start`), which also reconnects and subscribes again after Redis was away. Without
    Redis the push still reaches pages open on this instance, and the log says so once a minute.
    """

    def __init__(self, redis: Any, prefix: str = CHANNEL_PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix
        self.instance = secrets.token_hex(8)
        self.local = LocalPush()
        self._wanted: set[str] = set()
        self._subscribed: set[str] = set()
        self._reader: asyncio.Task[None] | None = None
        self._trouble = ThrottledLog(log)

    def channel(self, sender: str) -> str:
        return self.prefix + sender

    def connect(self, sender: str, send: Deliver) -> Callable[[], None]:
        undo = self.local.connect(sender, send)
        self._wanted.add(sender)

        def disconnect() -> None:
            undo()
            if not self.local.connected(sender):
                self._wanted.discard(sender)

        return disconnect

    def route(self, prefix: str, send: Deliver) -> None:
        self.local.route(prefix, send)

    def connected(self, sender: str) -> int:
        return self.local.connected(sender)

    def listening(self, sender: str) -> bool:
        """Whether this instance is subscribed for ``sender`` (pushes from other instances reach it)."""
        return sender in self._subscribed

    async def deliver(self, sender: str, messages: Sequence[BotMessage]) -> bool:
        batch = list(messages)[:MAX_PUSHED_MESSAGES]
        if not batch:
            return False
        delivered = await self.local.to_connections(sender, batch)
        delivered = await self.local.to_routes(sender, batch) or delivered
        body = json.dumps({"from": self.instance, "messages": [to_wire(m) for m in batch]}, ensure_ascii=False)
        try:
            receivers = int(await self.redis.publish(self.channel(sender), body))
        except (RedisError, OSError) as exc:
            self._trouble.error("push: Redis is unavailable (%s); messages reach pages open on this instance only", exc)
            return delivered
        self._trouble.recovered("push: Redis is reachable again")
        others = receivers - (1 if sender in self._subscribed else 0)
        if not delivered and others <= 0:
            log.info("push for a conversation with no open connection; it is kept in the history")
        return delivered or others > 0

    async def start(self) -> None:
        """Start the reader (in the server's event loop)."""
        if self._reader is None:
            self._reader = asyncio.get_running_loop().create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        await self.redis.aclose()

    async def _read(self) -> None:
        pubsub: Any = None
        while True:
            try:
                if pubsub is None:
                    pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                    # The instance's own channel keeps the connection subscribed while no page is open.
                    await pubsub.subscribe(self.prefix + "instance:" + self.instance)
                    self._subscribed = set()
                await self._follow_sockets(pubsub)
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=READ_INTERVAL)
                if message is not None and message.get("type") == "message":
                    await self._received(str(message["channel"]), message["data"])
                self._trouble.recovered("push: Redis is reachable again")
            except asyncio.CancelledError:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
                raise
            except Exception as exc:  # Redis went away (or answered nonsense): listen again from scratch
                if isinstance(exc, RedisError | OSError):
                    self._trouble.error("push: cannot listen on Redis (%s); trying again every second", exc)
                else:
                    log.exception("push: the Redis listener failed; starting it again")
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
                pubsub, self._subscribed = None, set()
                await asyncio.sleep(RECONNECT_DELAY)

    async def _follow_sockets(self, pubsub: Any) -> None:
        """Subscribe for senders whose first socket opened here, unsubscribe for those all gone."""
        opened = self._wanted - self._subscribed
        if opened:
            await pubsub.subscribe(*(self.channel(sender) for sender in opened))
            self._subscribed |= opened
        closed = self._subscribed - self._wanted
        if closed:
            await pubsub.unsubscribe(*(self.channel(sender) for sender in closed))
            self._subscribed -= closed

    async def _received(self, channel: str, data: str) -> None:
        if not channel.startswith(self.prefix):
            return
        sender = channel[len(self.prefix) :]
        try:
            body = json.loads(data)
        except ValueError:
            log.warning("push: a message on Redis that is not JSON was ignored")
            return
        if not isinstance(body, dict) or body.get("from") == self.instance:
            return  # this instance delivered it already
        raw = body.get("messages")
        batch = [m for item in raw[:MAX_PUSHED_MESSAGES] for m in from_wire(item)] if isinstance(raw, list) else []
        if not batch:
            return
        try:
            await self.local.to_connections(sender, batch)
        except Exception:  # one page's failure must not stop the listener for every other page
            log.exception("push: a message from another instance could not be delivered here")
