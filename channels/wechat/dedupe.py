"""One dialogue turn per WeChat message, however often WeChat delivers it.

WeChat re-sends a message when it gets no answer within 5 s (three deliveries in all). Each
delivery must not become another dialogue turn, and every delivery should carry the same answer.
A store here runs the turn once per key (MsgId, or sender + CreateTime for events) and lets every
delivery of that key wait for the one answer.

The answer must reach the user exactly once, either as a passive reply or, when the dialogue is
slower than the reply deadline, pushed later through the customer-service API. The store decides
which, with one state per key:

``pending``   the turn is running; deliveries wait for it (each until its own deadline);
``answered``  the turn finished while a delivery was still waiting: that delivery and any later
              retry reply with the answer passively;
``pushing``   a delivery's deadline passed first: it replied "success", the answer is pushed by
              the turn's owner when it is ready, and later retries also just reply "success".

Every transition is atomic (a single asyncio thread here, Lua scripts in Redis), so a turn that
finishes at the very moment a deadline passes is either replied or pushed, never both or neither.

:class:`MemoryTurnStore` serves one service instance; :class:`RedisTurnStore` shares the state
between instances (``SET NX`` claims the turn, the answer is stored under the same key).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.wechat.messages import Outgoing, outgoing_from_json, outgoing_to_json

log = logging.getLogger(__name__)

Produce = Callable[[], Awaitable[Outgoing | None]]
Late = Callable[[Outgoing | None], Awaitable[None]]

PENDING, ANSWERED, PUSHING = "pending", "answered", "pushing"


class TurnStore(Protocol):
    async def answer(self, key: str, produce: Produce, wait: float, late: Late) -> Outgoing | None:
        """The answer for ``key`` if it is ready within ``wait`` seconds, else ``None``.

        ``produce`` runs at most once per key (within the store's TTL); when it finishes after
        the first deadline has passed, ``late`` receives its answer instead.
        """
        ...

    async def close(self) -> None: ...


class _BackgroundTasks:
    """Turns run as tasks of their own, so that a dropped HTTP request does not cancel them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Let running turns (and their pushes) finish, then cancel what is left."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _deliver_late(key: str, late: Late, answer: Outgoing | None) -> None:
    try:
        await late(answer)
    except Exception:
        # ``late`` reports the expected failures itself; this is a bug, logged with its traceback.
        log.exception("wechat turn %s: delivering the late answer failed", key)


async def _produce_safely(key: str, produce: Produce) -> Outgoing | None:
    try:
        return await produce()
    except Exception:
        # ``produce`` handles the expected failures itself; this is a bug, logged with its traceback.
        log.exception("wechat turn %s failed", key)
        return None


@dataclass
class _Entry:
    future: asyncio.Future[Outgoing | None]
    state: str = PENDING
    answer: Outgoing | None = None
    expires_at: float = field(default=float("inf"))


class MemoryTurnStore:
    """In-process store: asyncio futures for waiting, a TTL so that late retries still match."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._expiry: deque[tuple[float, str]] = deque()
        self._tasks = _BackgroundTasks()

    def __len__(self) -> int:
        return len(self._entries)

    def _prune(self) -> None:
        now = self._clock()
        while self._expiry and self._expiry[0][0] <= now:
            _, key = self._expiry.popleft()
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at <= now:
                del self._entries[key]

    async def answer(self, key: str, produce: Produce, wait: float, late: Late) -> Outgoing | None:
        self._prune()
        entry = self._entries.get(key)
        if entry is None:
            entry = _Entry(asyncio.get_running_loop().create_future())
            self._entries[key] = entry
            self._tasks.start(self._run(key, entry, produce, late))
        elif entry.state == ANSWERED:
            return entry.answer
        elif entry.state == PUSHING:
            return None
        try:
            await asyncio.wait_for(asyncio.shield(entry.future), timeout=max(wait, 0.0))
        except TimeoutError:
            if entry.state == PENDING:
                entry.state = PUSHING
        return entry.answer if entry.state == ANSWERED else None

    async def _run(self, key: str, entry: _Entry, produce: Produce, late: Late) -> None:
        answer = await _produce_safely(key, produce)
        entry.answer = answer
        entry.expires_at = self._clock() + self.ttl
        self._expiry.append((entry.expires_at, key))
        if entry.state == PENDING:
            entry.state = ANSWERED
        entry.future.set_result(answer)
        if entry.state == PUSHING:
            await _deliver_late(key, late, answer)

    async def close(self) -> None:
        await self._tasks.drain()


# KEYS[1] = the turn's key; ARGV[1] = the answer (JSON); ARGV[2] = TTL in ms.
_FINISH = """
local state = redis.call('GET', KEYS[1])
if state == 'pushing' then
  redis.call('SET', KEYS[1], 'pushed', 'PX', ARGV[2])
  return 'push'
end
redis.call('SET', KEYS[1], 'answered:' .. ARGV[1], 'PX', ARGV[2])
return 'answered'
"""
# A delivery whose deadline passed: hand the answer over to the push, unless it is already there.
_GIVE_UP = """
local state = redis.call('GET', KEYS[1])
if state == 'pending' then
  redis.call('SET', KEYS[1], 'pushing', 'KEEPTTL')
  return 'pushing'
end
return state
"""


class RedisTurnStore:
    """Store shared by several service instances through Redis.

    The instance whose ``SET NX`` succeeds runs the turn; deliveries that reach other instances
    poll the key until the answer is stored or their deadline passes.
    """

    def __init__(
        self,
        redis: Any,
        ttl: float,
        prefix: str = "daofu:wechat:turn:",
        pending_ttl: float = 120.0,
        poll_interval: float = 0.05,
    ) -> None:
        self.redis = redis
        self.ttl_ms = max(int(ttl * 1000), 1)
        # A claim whose instance died mid-turn must not block the key for the whole TTL.
        self.pending_ttl_ms = max(int(min(pending_ttl, ttl) * 1000), 1)
        self.prefix = prefix
        self.poll_interval = poll_interval
        self._local: dict[str, asyncio.Future[None]] = {}
        self._tasks = _BackgroundTasks()

    @staticmethod
    def _decode(state: Any) -> tuple[str | None, Outgoing | None]:
        if state is None:
            return None, None
        if isinstance(state, bytes):
            state = state.decode("utf-8")
        if state.startswith("answered:"):
            return ANSWERED, outgoing_from_json(state[len("answered:") :])
        if state in ("pushing", "pushed"):
            return PUSHING, None
        return state, None

    async def answer(self, key: str, produce: Produce, wait: float, late: Late) -> Outgoing | None:
        redis_key = self.prefix + key
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait, 0.0)
        if await self.redis.set(redis_key, PENDING, nx=True, px=self.pending_ttl_ms):
            finished: asyncio.Future[None] = loop.create_future()
            self._local[key] = finished
            self._tasks.start(self._run(key, redis_key, produce, late, finished))
        while True:
            state, answer = self._decode(await self.redis.get(redis_key))
            if state == ANSWERED:
                return answer
            if state == PUSHING:
                return None
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            local = self._local.get(key)
            if local is not None:
                await asyncio.wait({local}, timeout=remaining)
            else:
                await asyncio.sleep(min(self.poll_interval, remaining))
        state, answer = self._decode(await self.redis.eval(_GIVE_UP, 1, redis_key))
        return answer if state == ANSWERED else None

    async def _run(
        self, key: str, redis_key: str, produce: Produce, late: Late, finished: asyncio.Future[None]
    ) -> None:
        try:
            answer = await _produce_safely(key, produce)
            try:
                verdict = await self.redis.eval(_FINISH, 1, redis_key, outgoing_to_json(answer), self.ttl_ms)
            except Exception:
                # The waiting deliveries cannot read Redis either; pushing is the only way left.
                log.exception("wechat turn %s: could not store the answer in Redis; pushing it", key)
                verdict = "push"
            if isinstance(verdict, bytes):
                verdict = verdict.decode()
            if not finished.done():
                finished.set_result(None)
            if verdict == "push":
                await _deliver_late(key, late, answer)
        finally:
            self._local.pop(key, None)
            if not finished.done():
                finished.set_result(None)

    async def close(self) -> None:
        await self._tasks.drain()
