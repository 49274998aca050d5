"""Refusing replayed and stale WeChat requests.

A WeChat signature covers the token, ``timestamp`` and ``nonce`` — in plain mode not the body. A
signed query string that leaks (a proxy log, a browser history) could otherwise be reused with any
body, and an old request could be sent again once the de-duplication store has forgotten it. Two
checks close both:

* the **timestamp window**: a request whose timestamp is more than ``max_skew`` seconds from now
  (or not a number) is refused, so nothing older than the window can be replayed at all; the
  window is shorter than the de-duplication TTL, so every request inside it is still known there;
* the **nonce cache**: within the window a ``(timestamp, nonce)`` pair belongs to one body. WeChat's
  own retries repeat the same request byte for byte and pass (the de-duplication store gives them
  the one answer); the same pair with another body is a forgery and is refused.

:class:`MemoryNonceCache` serves one service instance; :class:`RedisNonceCache` shares the cache
between instances (``SET NX`` with an expiry).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from daofu.errors import DaofuError


class ReplayRefused(DaofuError):
    """The request is outside the timestamp window, or reuses a nonce with another body."""


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def check_timestamp(timestamp: str, max_skew: float, now: float | None = None) -> None:
    """Raise :class:`ReplayRefused` unless ``timestamp`` is Unix seconds within ``max_skew`` of now."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise ReplayRefused("timestamp must be Unix seconds")
    skew = abs((time.time() if now is None else now) - int(timestamp))
    if skew > max_skew:
        raise ReplayRefused(f"timestamp is {skew:.0f} s away from now (at most {max_skew:.0f} s allowed)")


class NonceCache(Protocol):
    async def claim(self, timestamp: str, nonce: str, digest: str) -> None:
        """Remember the pair for ``digest``; :class:`ReplayRefused` if it was used with another body."""
        ...


class MemoryNonceCache:
    """Pairs seen in this process for ``ttl`` seconds, at most ``max_entries`` kept."""

    def __init__(self, ttl: float, max_entries: int = 200_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    async def claim(self, timestamp: str, nonce: str, digest: str) -> None:
        now = self._clock()
        while self._entries:
            key, (expires, _) = next(iter(self._entries.items()))
            if expires > now and len(self._entries) < self.max_entries:
                break
            del self._entries[key]
        key = f"{timestamp}:{nonce}"
        seen = self._entries.get(key)
        if seen is not None and seen[1] != digest:
            raise ReplayRefused("this nonce was already used with another message")
        if seen is None:
            self._entries[key] = (now + self.ttl, digest)


class RedisNonceCache:
    """Pairs in Redis, shared by every service instance of one official account."""

    def __init__(self, redis: Any, ttl: float, prefix: str = "daofu:wechat:nonce:") -> None:
        self.redis = redis
        self.ttl = ttl
        self.prefix = prefix

    async def claim(self, timestamp: str, nonce: str, digest: str) -> None:
        key = f"{self.prefix}{timestamp}:{nonce}"
        if await self.redis.set(key, digest, nx=True, px=max(int(self.ttl * 1000), 1)):
            return
        seen = await self.redis.get(key)
        if seen is not None and seen != digest:
            raise ReplayRefused("this nonce was already used with another message")
