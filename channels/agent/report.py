"""The console's monthly report: what the hotline looked up, sent and handed over in one month (Ningbo time).

Months are calendar months in China Standard Time (UTC+8, no daylight saving), because that is
the month the hotline reports on (:mod:`daofu.report.month`); the log stores UTC.

:func:`summarise` is pure (lookups in, report out) so the arithmetic is tested without a
database; the hand-offs and ratings the dialogue recorded come from
:meth:`daofu.records.ConversationRecords.month_counts`, and the service report — the same figures
as ``daofu report`` — from :func:`daofu.report.figures.month_figures`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from channels.agent.lookup_log import ACTIONS, Lookup
from daofu.report.month import CHINA, Month, ReportError, parse_month

TOP = 10
__all__ = ["CHINA", "Month", "ReportError", "parse_month", "summarise"]


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
