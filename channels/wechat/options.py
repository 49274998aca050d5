"""Numbered choices: remember each user's last options and read replies like "1", "２", "第一个".

WeChat text has no buttons, so the choices of the last answer are numbered and kept per user for a
while. When the user's next message is just a number within range (read by
:func:`daofu.choices.reply_number`), the option's payload goes to
the dialogue instead of the text, as if the button had been pressed. Any other message clears
nothing: the options stay until the next answer replaces them or they expire.

Two stores: :class:`MemoryOptionStore` (one service instance) and :class:`RedisOptionStore`
(several instances behind one official account, where a user's next message may reach another
instance).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from redis.exceptions import RedisError

from channels.shared_state import ThrottledLog
from channels.wechat.rendering import Option
from daofu.choices import reply_number

log = logging.getLogger(__name__)


def choose(text: str, options: tuple[Option, ...]) -> Option | None:
    """The option a reply picks, when it is a number within range."""
    number = reply_number(text)
    if number is None or number > len(options):
        return None
    return options[number - 1]


class OptionStore(Protocol):
    async def remember(self, user: str, options: tuple[Option, ...]) -> None: ...

    async def recall(self, user: str) -> tuple[Option, ...]: ...


class MemoryOptionStore:
    """Per-user options in this process, expiring after ``ttl`` seconds, at most ``max_users`` kept."""

    def __init__(self, ttl: float, max_users: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, tuple[Option, ...]]] = OrderedDict()

    async def remember(self, user: str, options: tuple[Option, ...]) -> None:
        self._entries.pop(user, None)
        if not options:
            return
        self._entries[user] = (self._clock() + self.ttl, options)
        while len(self._entries) > self.max_users:
            self._entries.popitem(last=False)

    async def recall(self, user: str) -> tuple[Option, ...]:
        entry = self._entries.get(user)
        if entry is None:
            return ()
        expires_at, options = entry
        if self._clock() >= expires_at:
            del self._entries[user]
            return ()
        return options


class RedisOptionStore:
    """Per-user options in Redis (one key per user with a TTL), shared by every service instance.

    The options are a convenience: while Redis is away they are forgotten (a reply "1" is read as
    words) rather than failing a turn whose answer is already there.
    """

    def __init__(self, redis: Any, ttl: float, prefix: str = "daofu:wechat:options:") -> None:
        self.redis = redis
        self.ttl = ttl
        self.prefix = prefix
        self._trouble = ThrottledLog(log)

    async def remember(self, user: str, options: tuple[Option, ...]) -> None:
        key = self.prefix + user
        try:
            if not options:
                await self.redis.delete(key)
                return
            value = json.dumps([[option.title, option.payload] for option in options], ensure_ascii=False)
            await self.redis.set(key, value, px=max(int(self.ttl * 1000), 1))
        except RedisError as exc:
            self._trouble.error("wechat options: Redis is unavailable (%s); numbered choices are not kept", exc)

    async def recall(self, user: str) -> tuple[Option, ...]:
        try:
            raw = await self.redis.get(self.prefix + user)
        except RedisError as exc:
            self._trouble.error("wechat options: Redis is unavailable (%s); a number is read as words", exc)
            return ()
        if not raw:
            return ()
        try:
            return tuple(Option(str(title), str(payload)) for title, payload in json.loads(raw))
        except (ValueError, TypeError):
            return ()
