"""Calendar months in China Standard Time (UTC+8, no daylight saving): the month the hotline reports on.

The records store UTC; a month's bounds are its first instants in Ningbo, as UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from daofu.errors import DaofuError

CHINA = timezone(timedelta(hours=8), "CST")
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class ReportError(DaofuError):
    """A month that is not YYYY-MM, or a report that cannot be made (e.g. no CJK font for charts)."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        """First instant of the month in Ningbo, as UTC."""
        return datetime(self.year, self.month, 1, tzinfo=CHINA).astimezone(UTC)

    @property
    def end(self) -> datetime:
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(year, month, 1, tzinfo=CHINA).astimezone(UTC)


def parse_month(text: str | None, now: datetime | None = None) -> Month:
    """``"2025-06"`` → that month; empty → the current month in Ningbo."""
    if not text:
        current = (now or datetime.now(UTC)).astimezone(CHINA)
        return Month(current.year, current.month)
    match = MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise ReportError(f"month must be YYYY-MM between 2000-01 and 2999-12 (e.g. 2025-06), got {text[:20]!r}")
    return Month(int(match.group(1)), int(match.group(2)))
