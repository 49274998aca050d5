"""Explicit limits: how much, how often and how many at once, with a clear 429 when exceeded.

* **Request bodies**: every route has a byte limit (:data:`BODY_LIMITS`, the rest
  :data:`DEFAULT_BODY_BYTES`); Sanic's own ceiling is set just above the largest, so nothing reads
  100 MB before saying no.
* **Per client address**: public routes allow ``DAOFU_RATE_LIMIT_PER_IP`` requests a minute
  (a token bucket, so short bursts pass). WeChat's requests all come from WeChat's servers and
  the agent API is authenticated, so those two are limited per user and per agent instead; the
  action endpoint is Rasa's and ``/health`` the load balancer's.
* **Per conversation**: ``DAOFU_RATE_LIMIT_TURNS`` dialogue turns a minute and at most
  ``DAOFU_TURNS_IN_FLIGHT`` at once for one sender, whatever the channel (:class:`TurnLimits`,
  applied by the conversation gate).

The buckets live in the process; with several service instances each enforces its own share
(nginx routes a client to one instance, so a client meets one set of buckets).

Example::

    limiter = RateLimiter(per_minute=60)
    wait = limiter.retry_after("203.0.113.9")   # None: go on; else seconds to wait
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from daofu.errors import DaofuError

KB = 1024
DEFAULT_BODY_BYTES = 64 * KB
# (method, path prefix) → the largest body that route accepts.
BODY_LIMITS: tuple[tuple[str, str, int], ...] = (
    ("POST", "/webhook", 2 * 1024 * KB),  # Rasa's action call carries the whole tracker
    ("POST", "/wechat", 256 * KB),
    ("POST", "/api/chat", 16 * KB),
    ("POST", "/api/agent/", 16 * KB),
    ("POST", "/forms/", 64 * KB),
)
SANIC_CEILING = max(limit for _, _, limit in BODY_LIMITS) + KB
# Routes with no per-address limit (see the module docstring).
UNLIMITED_PREFIXES = ("/health", "/webhook", "/actions", "/wechat", "/api/agent/")
MAX_KEYS = 100_000


def body_limit(method: str, path: str) -> int:
    for limit_method, prefix, limit in BODY_LIMITS:
        if method == limit_method and path.startswith(prefix):
            return limit
    return DEFAULT_BODY_BYTES


class TooManyTurns(DaofuError):
    """A conversation sends faster than a person can; ``retry_after`` says when to try again."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many messages; try again in {math.ceil(retry_after)} s")


class RateLimiter:
    """A token bucket per key: ``per_minute`` on average, bursts up to ``burst``."""

    def __init__(
        self, per_minute: int, burst: int | None = None, max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        if per_minute < 1:
            raise ValueError(f"per_minute must be at least 1, got {per_minute}")
        self.rate = per_minute / 60.0
        self.burst = float(burst or max(1, per_minute // 4))
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def retry_after(self, key: str) -> float | None:
        """Take one token for ``key``: None when allowed, else the seconds until one is free."""
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            wait = None
        else:
            self._buckets[key] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


@dataclass
class TurnLimits:
    """Turns per minute and turns in flight, per sender."""

    limiter: RateLimiter
    in_flight: int

    def __post_init__(self) -> None:
        self._running: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def turn(self, sender: str) -> AsyncIterator[None]:
        """Hold one of the sender's turn slots; :class:`TooManyTurns` when none is free."""
        if self._running.get(sender, 0) >= self.in_flight:
            raise TooManyTurns(1.0)
        wait = self.limiter.retry_after(sender)
        if wait is not None:
            raise TooManyTurns(wait)
        self._running[sender] = self._running.get(sender, 0) + 1
        try:
            yield
        finally:
            left = self._running[sender] - 1
            if left:
                self._running[sender] = left
            else:
                del self._running[sender]
            await asyncio.sleep(0)
