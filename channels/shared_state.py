"""Redis for the state that several service instances share, and how each part degrades without it.

With ``DAOFU_REDIS_URL`` set, the service keeps in Redis what must be the same on every instance
behind the load balancer: the push to a citizen's open widget (:class:`channels.push.RedisPush`),
and the WeChat channel's de-duplication, replay nonces and numbered options
(:mod:`channels.wechat`). Unset, all of it lives in the process (the embedded default).

Redis can go away while the service runs. Every user of it then degrades in a way that is safe for
its job and says so in the log — once a minute, not once per request (:class:`ThrottledLog`):

* a widget push still reaches pages open on the same instance;
* WeChat answers "系统繁忙，请稍后再试" without a dialogue turn, since without the shared
  de-duplication a turn could run twice for WeChat's retries;
* numbered options are forgotten (a reply "1" is read as words).

The clients made here time out quickly, so a Redis that does not answer costs a request about a
second, well inside WeChat's five-second budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

# Seconds to connect to Redis and to wait for one reply before a call counts as failed.
CONNECT_TIMEOUT = 1.0
REPLY_TIMEOUT = 2.0
LOG_INTERVAL = 60.0


def redis_client(url: str) -> Any:
    """An asyncio Redis client for ``url`` (strings in and out, short time-outs).

    A command that fails on a broken connection is tried once more on a fresh one: after Redis
    restarts, every connection the client kept from before is broken, and only the retry tells a
    stale connection from a Redis that is still away. Time-outs are not retried.
    """
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return redis.asyncio.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=REPLY_TIMEOUT,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
    )


class ThrottledLog:
    """Log a recurring problem at most once per ``interval`` seconds, with how often it happened meanwhile."""

    def __init__(
        self, logger: logging.Logger, interval: float = LOG_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.logger = logger
        self.interval = interval
        self._clock = clock
        self._last: float | None = None
        self._suppressed = 0

    def error(self, message: str, *args: Any) -> bool:
        """Log ``message`` unless one was logged within the interval; True when it was logged."""
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            self._suppressed += 1
            return False
        if self._suppressed:
            message += f" (and {self._suppressed} more times since the last report)"
        self._last, self._suppressed = now, 0
        self.logger.error(message, *args)
        return True

    def recovered(self, message: str, *args: Any) -> None:
        """Say once that the problem is over; the next failure is logged at once."""
        if self._last is not None:
            self.logger.warning(message, *args)
        self._last, self._suppressed = None, 0
