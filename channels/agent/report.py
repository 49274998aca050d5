"""The monthly report: what the hotline looked up, sent and handed over in one month (Ningbo time).

Months are calendar months in China Standard Time (UTC+8, no daylight saving), because that is
the month the hotline reports on; the log stores UTC.

:func:`summarise` is pure (lookups in, report out) so the arithmetic is tested without a
database; the hand-offs and ratings the dialogue recorded come from
:meth:`daofu.records.ConversationRecords.month_counts`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from channels.agent.lookup_log import ACTIONS, Lookup
from daofu.errors import DaofuError

CHINA = timezone(timedelta(hours=8), "CST")
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
TOP = 10


class ReportError(DaofuError):
    """A month that is not YYYY-MM."""


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


def summarise(
    month: Month,
    lookups: Iterable[Lookup],
    guide_name: Callable[[str], str | None] = lambda guide_id: None,
    conversations: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report for ``month`` from its lookups (and the dialogue's counts, when given)."""
    by_action: Counter[str] = Counter()
    by_agent: dict[str, Counter[str]] = defaultdict(Counter)
    queries: Counter[str] = Counter()
    guides: Counter[str] = Counter()
    no_result = 0
    for lookup in lookups:
        by_action[lookup.action] += 1
        by_agent[lookup.agent_id][lookup.action] += 1
        if lookup.action == "search":
            if lookup.query:
                queries[lookup.query] += 1
            if lookup.hits == 0:
                no_result += 1
        elif lookup.guide_id:
            guides[lookup.guide_id] += 1
    agents = [
        {"agent_id": agent, "total": sum(counts.values()), **{action: counts[action] for action in ACTIONS}}
        for agent, counts in sorted(by_agent.items())
    ]
    return {
        "month": month.label,
        "timezone": "UTC+8",
        "lookups": {"total": sum(by_action.values()), **{action: by_action[action] for action in ACTIONS}},
        "searches_without_result": no_result,
        "agents": agents,
        "top_queries": [{"query": query, "count": count} for query, count in queries.most_common(TOP)],
        "top_guides": [
            {"guide_id": guide_id, "name": guide_name(guide_id), "count": count}
            for guide_id, count in guides.most_common(TOP)
        ],
        "links_sent": by_action["send_link"],
        **(conversations or {}),
    }
