"""When agents are on duty for takeovers: ``DAOFU_AGENT_DUTY_HOURS``, read in Ningbo time (UTC+8).

The value is one or more comma-separated spans, each ``DAYS HH:MM-HH:MM``, where ``DAYS`` is a day
(``mon`` … ``sun``) or a range of days (``mon-fri``); ``24:00`` ends a span at midnight. Outside
every span a request for a person is not queued: the assistant says when agents are back and offers
the 12345 hotline and a call-back. Standard library only (read by :mod:`daofu.config`).

Example::

    hours = parse_duty_hours("mon-fri 08:30-17:30, sat 09:00-12:00")
    hours.on_duty(datetime(2025, 6, 7, 2, 0, tzinfo=UTC))   # Saturday 10:00 in Ningbo → True
    hours.describe()                                         # '周一至周五 08:30-17:30，周六 09:00-12:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
ALWAYS = "mon-sun 00:00-24:00"
_SPAN = re.compile(r"(?P<days>[a-z]{3}(?:-[a-z]{3})?)\s+(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})")


@dataclass(frozen=True)
class DutySpan:
    days: tuple[int, ...]  # 0 = Monday
    start: int  # minutes after midnight
    end: int  # minutes after midnight, at most 24 * 60

    def covers(self, weekday: int, minute: int) -> bool:
        return weekday in self.days and self.start <= minute < self.end

    def describe(self) -> str:
        first, last = self.days[0], self.days[-1]
        days = DAY_NAMES[first] if first == last else f"{DAY_NAMES[first]}至{DAY_NAMES[last]}"
        return f"{days} {_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class DutyHours:
    spans: tuple[DutySpan, ...]

    @property
    def always(self) -> bool:
        return all(
            any(span.covers(day, 0) and span.end == 24 * 60 and span.start == 0 for span in self.spans)
            for day in range(7)
        )

    def on_duty(self, moment: datetime) -> bool:
        """Whether ``moment`` (any time zone) falls in a span, read in Ningbo time."""
        local = moment.astimezone(CHINA)
        minute = local.hour * 60 + local.minute
        return any(span.covers(local.weekday(), minute) for span in self.spans)

    def describe(self) -> str:
        return "全天" if self.always else "，".join(span.describe() for span in self.spans)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str, span: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError(f"{text!r} in {span!r} is not a time of day; write HH:MM from 00:00 to 24:00")
    return value


def parse_duty_hours(raw: str) -> DutyHours:
    """The spans of ``raw`` (see the module docstring), or ValueError saying what to write."""
    spans = []
    for part in (item.strip().lower() for item in raw.split(",")):
        if not part:
            continue
        match = _SPAN.fullmatch(part)
        if match is None:
            raise ValueError(f"{part!r} is not a duty span; write e.g. 'mon-fri 08:30-17:30' (days, then from-to)")
        first, _, last = match.group("days").partition("-")
        last = last or first
        if first not in DAYS or last not in DAYS:
            raise ValueError(f"{match.group('days')!r} in {part!r}: days are {', '.join(DAYS)}")
        start, end = _minutes(match.group("start"), part), _minutes(match.group("end"), part)
        if start >= end:
            raise ValueError(f"{part!r} ends before it starts; a span cannot cross midnight (split it in two)")
        low, high = DAYS.index(first), DAYS.index(last)
        if low > high:
            raise ValueError(f"{match.group('days')!r} in {part!r} runs backwards; write e.g. mon-fri")
        spans.append(DutySpan(tuple(range(low, high + 1)), start, end))
    if not spans:
        raise ValueError(f"no duty span given; write e.g. 'mon-fri 08:30-17:30', or {ALWAYS!r} for always")
    return DutyHours(tuple(spans))
