"""Numbered choices: remember each user's last options and read replies like "1", "２", "第一个".

WeChat text has no buttons, so the choices of the last answer are numbered and kept per user for a
while. When the user's next message is just a number within range, the option's payload goes to
the dialogue instead of the text, as if the button had been pressed. Any other message clears
nothing: the options stay until the next answer replaces them or they expire.

Two stores: :class:`MemoryOptionStore` (one service instance) and :class:`RedisOptionStore`
(several instances behind one official account, where a user's next message may reach another
instance).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from channels.wechat.rendering import Option

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHOICE = re.compile(r"^(?:第|选|选择|选第)?([0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3})(?:个|项|条|号|种)?$")
_SPLIT_NUMBER = re.compile(r"\d\s+\d")
_EDGE_PUNCTUATION = " \t\r\n.,!?;:。，！？；：、~～"


def _chinese_number(text: str) -> int | None:
    """Small Chinese numerals: 一 … 九十九 (enough for a list of choices)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    value = (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
    return value


def parse_choice(text: str) -> int | None:
    """The 1-based number a reply stands for ("1", "２", "第一个", "选3"), or ``None``."""
    normalized = unicodedata.normalize("NFKC", text).strip(_EDGE_PUNCTUATION)
    if _SPLIT_NUMBER.search(normalized):  # "1 2" is not 12
        return None
    match = _CHOICE.match(re.sub(r"\s+", "", normalized))
    if not match:
        return None
    number = _chinese_number(match.group(1))
    return number if number and number > 0 else None


def choose(text: str, options: tuple[Option, ...]) -> Option | None:
    """The option a reply picks, when it is a number within range."""
    number = parse_choice(text)
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
    """Per-user options in Redis (one key per user with a TTL), shared by every service instance."""

    def __init__(self, redis: Any, ttl: float, prefix: str = "daofu:wechat:options:") -> None:
        self.redis = redis
        self.ttl = ttl
        self.prefix = prefix

    async def remember(self, user: str, options: tuple[Option, ...]) -> None:
        key = self.prefix + user
        if not options:
            await self.redis.delete(key)
            return
        value = json.dumps([[option.title, option.payload] for option in options], ensure_ascii=False)
        await self.redis.set(key, value, px=max(int(self.ttl * 1000), 1))

    async def recall(self, user: str) -> tuple[Option, ...]:
        raw = await self.redis.get(self.prefix + user)
        if not raw:
            return ()
        try:
            return tuple(Option(str(title), str(payload)) for title, payload in json.loads(raw))
        except (ValueError, TypeError):
            return ()
