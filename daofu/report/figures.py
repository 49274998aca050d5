"""The figures of one month, read from the conversation records (:class:`~daofu.records.ConversationRecords`).

* **conversations** — a person's turns with less than an hour of silence between them, by channel;
* **resolved** — the share of conversations that ended with a guide, an application form or an agent;
* **hand-off rate** — the share of conversations that asked for a person; of those, how many an agent
  took, how many timed out in the queue;
* **agents** — the wait from asking to being taken, and the agent's first response after taking
  (median, 90th percentile, longest, in seconds);
* **好差评** — the ratings by level, the satisfied share (满意 and 非常满意), the reasons given for a
  差评 (categories and the people's own words);
* **top matters** — the matters whose guides and forms were shown most;
* **knowledge gaps** — the unanswered questions grouped by similarity (:mod:`daofu.report.gaps`).

:func:`month_figures` returns plain data (:class:`MonthFigures`), the same for the Markdown, the
charts and the console page.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from daofu.records import RATING_LABELS, RATING_REASONS, ConversationRecords, HandoffEventKind
from daofu.report.gaps import Gap, group_questions
from daofu.report.month import Month
from daofu.report.safe_text import quoted

TOP = 10
MAX_REASON_QUOTES = 10
CHANNEL_NAMES = {"widget": "网页", "wechat": "微信", "api": "接口", "agent": "热线"}


@dataclass(frozen=True)
class Timing:
    """Seconds: how many measured, median, 90th percentile and longest (None when nothing measured)."""

    count: int
    median: float | None
    p90: float | None
    longest: float | None


def timing(values: list[float]) -> Timing:
    if not values:
        return Timing(0, None, None, None)
    ordered = sorted(values)

    def rank(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))], 1)

    return Timing(len(ordered), rank(0.5), rank(0.9), round(ordered[-1], 1))


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    name: str
    conversations: int
    resolved: int
    resolved_share: float | None
    handoffs: int
    handoff_rate: float | None
    ratings: int
    satisfied_share: float | None


@dataclass(frozen=True)
class MonthFigures:
    month: str
    timezone: str
    conversations: int
    turns: int
    resolved: int
    resolved_share: float | None
    resolved_by: dict[str, int]  # guide, form, agent (a conversation may count for several)
    handoff_conversations: int
    handoff_rate: float | None
    handoffs: dict[str, int]  # asked, taken, timeout, closed, waiting
    wait: Timing
    first_response: Timing
    rating_requests: int
    ratings: dict[str, int]  # label → count, best first
    rated: int
    satisfied_share: float | None
    reasons: dict[str, int]  # category label → count
    reason_quotes: list[str]
    top_matters: list[dict[str, Any]]
    unanswered: int
    gaps: list[Gap]
    channels: list[ChannelFigures] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def month_figures(
    records: ConversationRecords, month: Month, matter_name: Callable[[str], str | None] = lambda code: None
) -> MonthFigures:
    """Every figure of ``month`` (see the module docstring)."""
    start, end = month.start, month.end
    conversations = records.conversations_between(start, end)
    timings = records.handoff_timings_between(start, end)
    ratings = records.ratings_between(start, end)
    reasons = records.rating_reasons_between(start, end)
    requests = records.rating_requests_between(start, end)
    matters = records.matters_between(start, end)
    unanswered = records.unanswered_between(start, end)

    resolved = [c for c in conversations if c.resolved]
    with_handoff = [c for c in conversations if c.handoff]
    outcomes = Counter(t.outcome or "waiting" for t in timings)
    waits = [(t.taken_at - t.created_at).total_seconds() for t in timings if t.taken_at]
    firsts = [(t.first_response_at - t.taken_at).total_seconds() for t in timings if t.taken_at and t.first_response_at]
    levels = Counter(r.rating for r in ratings)
    satisfied = levels[5] + levels[4]

    by_matter: dict[str, Counter[str]] = defaultdict(Counter)
    for _channel, kind, code in matters:
        by_matter[code][kind] += 1
    top = sorted(by_matter.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:TOP]

    channels = []
    for channel in sorted({c.channel for c in conversations}):
        mine = [c for c in conversations if c.channel == channel]
        rated_here = [r for r in ratings if r.channel == channel]
        good = sum(1 for r in rated_here if r.rating >= 4)
        channels.append(
            ChannelFigures(
                channel=channel,
                name=CHANNEL_NAMES.get(channel, channel),
                conversations=len(mine),
                resolved=sum(c.resolved for c in mine),
                resolved_share=share(sum(c.resolved for c in mine), len(mine)),
                handoffs=sum(c.handoff for c in mine),
                handoff_rate=share(sum(c.handoff for c in mine), len(mine)),
                ratings=len(rated_here),
                satisfied_share=share(good, len(rated_here)),
            )
        )
    return MonthFigures(
        month=month.label,
        timezone="UTC+8",
        conversations=len(conversations),
        turns=sum(c.turns for c in conversations),
        resolved=len(resolved),
        resolved_share=share(len(resolved), len(conversations)),
        resolved_by={
            "guide": sum(c.guide for c in conversations),
            "form": sum(c.form for c in conversations),
            "agent": sum(c.agent for c in conversations),
        },
        handoff_conversations=len(with_handoff),
        handoff_rate=share(len(with_handoff), len(conversations)),
        handoffs={
            "asked": len(timings),
            "taken": sum(1 for t in timings if t.taken_at),
            "timeout": outcomes[HandoffEventKind.TIMEOUT],
            "closed": outcomes[HandoffEventKind.CLOSED],
            "waiting": outcomes["waiting"],
        },
        wait=timing(waits),
        first_response=timing(firsts),
        rating_requests=len(requests),
        ratings={RATING_LABELS[level]: levels[level] for level in sorted(RATING_LABELS, reverse=True)},
        rated=len(ratings),
        satisfied_share=share(satisfied, len(ratings)),
        reasons={label: sum(1 for r in reasons if r.category == code) for code, label in RATING_REASONS.items()}
        | {"（只写了原因）": sum(1 for r in reasons if r.category is None)},
        reason_quotes=[quoted(r.text) for r in reasons if r.text][:MAX_REASON_QUOTES],
        top_matters=[
            {"matter_code": code, "name": matter_name(code) or code, "guides": kinds["guide"], "forms": kinds["form"]}
            for code, kinds in top
        ],
        unanswered=len(unanswered),
        gaps=[
            Gap(quoted(g.question), g.count, tuple(quoted(e) for e in g.examples))
            for g in group_questions([u.question for u in unanswered], TOP)
        ],
        channels=channels,
    )
