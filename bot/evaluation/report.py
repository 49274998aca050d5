"""The figures of a ``daofu eval dialogue`` run and the list of misses.

Rates of in-scope questions are over the questions that have an expected matter; the negatives
(nothing answers them) have their own rate. "Within k replies" counts the assistant's replies: 1 is
the answer to the question itself, 2 the answer to the citizen's first button or district.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.evaluation.simulate import Conversation, Outcome

IN_SCOPE_OUTCOMES = (
    Outcome.SUCCESS, Outcome.WRONG_GUIDE, Outcome.NOT_OFFERED, Outcome.OUT_OF_SCOPE, Outcome.NO_MATCH,
    Outcome.NO_DISTRICT, Outcome.STUCK, Outcome.ERROR,
)  # fmt: skip
NEGATIVE_OUTCOMES = (
    Outcome.NEGATIVE_REFUSED, Outcome.NEGATIVE_TALK, Outcome.NEGATIVE_GUIDE, Outcome.NEGATIVE_CHOICES, Outcome.ERROR,
)  # fmt: skip
LABELS = {
    Outcome.SUCCESS: "success",
    Outcome.WRONG_GUIDE: "wrong guide shown",
    Outcome.NOT_OFFERED: "right one not offered",
    Outcome.OUT_OF_SCOPE: "in-scope told out-of-scope",
    Outcome.NO_MATCH: "no guide found (in scope)",
    Outcome.NO_DISTRICT: "district not offered",
    Outcome.STUCK: "no guide in time / other reply",
    Outcome.ERROR: "service error",
    Outcome.NEGATIVE_REFUSED: "out of scope or no match",
    Outcome.NEGATIVE_TALK: "small talk answered, nothing offered",
    Outcome.NEGATIVE_GUIDE: "a guide shown",
    Outcome.NEGATIVE_CHOICES: "matters offered to choose",
}


@dataclass
class GroupFigures:
    """Success of one ``kind`` of question (all questions of a file when it has no kinds)."""

    questions: int
    success: float


@dataclass
class DialogueReport:
    questions: int
    in_scope: int
    negatives: int
    max_replies: int
    success: float  # in-scope questions whose expected guide was on screen within max_replies
    within: dict[int, float]  # replies → share of in-scope questions successful within that many
    in_scope_outcomes: dict[str, float]  # outcome → share of in-scope questions
    negatives_handled: float  # no guide shown and no matter offered
    negative_outcomes: dict[str, float]  # outcome → share of negatives
    by_kind: dict[str, GroupFigures] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[dict[str, Any]] = field(default_factory=list)  # every question: outcome, replies, steps

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def summarise(conversations: list[Conversation], max_replies: int) -> DialogueReport:
    in_scope = [c for c in conversations if not c.question.negative]
    negatives = [c for c in conversations if c.question.negative]
    scope_counts = Counter(c.outcome for c in in_scope)
    negative_counts = Counter(c.outcome for c in negatives)
    successes = [c for c in in_scope if c.outcome is Outcome.SUCCESS]
    kinds: dict[str, list[Conversation]] = {}
    for conversation in conversations:
        if conversation.question.kind:
            kinds.setdefault(conversation.question.kind, []).append(conversation)
    return DialogueReport(
        questions=len(conversations),
        in_scope=len(in_scope),
        negatives=len(negatives),
        max_replies=max_replies,
        success=_share(len(successes), len(in_scope)),
        within={k: _share(sum(c.replies <= k for c in successes), len(in_scope)) for k in range(1, max_replies + 1)},
        in_scope_outcomes={o.value: _share(scope_counts[o], len(in_scope)) for o in IN_SCOPE_OUTCOMES},
        negatives_handled=_share(sum(c.success for c in negatives), len(negatives)),
        negative_outcomes={o.value: _share(negative_counts[o], len(negatives)) for o in NEGATIVE_OUTCOMES},
        by_kind={
            kind: GroupFigures(len(group), _share(sum(c.success for c in group), len(group)))
            for kind, group in sorted(kinds.items())
        },
        misses=[_trace(c) for c in conversations if not c.success],
        conversations=[_trace(c) for c in conversations],
    )


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _trace(conversation: Conversation) -> dict[str, Any]:
    question = conversation.question
    return {
        "id": question.id,
        "query": question.query,
        "expected": list(question.expected),
        "region": question.region,
        "outcome": conversation.outcome.value,
        "replies": conversation.replies,
        "shown": conversation.shown,
        "steps": conversation.steps,
    }


def format_report(report: DialogueReport, show_misses: bool = True) -> str:
    """The figures as aligned text, then one block per miss."""
    lines = [
        f"{report.questions} questions: {report.in_scope} in scope, {report.negatives} negatives; "
        f"the citizen reads up to {report.max_replies} replies",
        "",
        f"in scope ({report.in_scope})",
        f"  {'success':<42}{_percent(report.success)}",
    ]
    lines += [
        f"    {f'within {k} repl' + ('y' if k == 1 else 'ies'):<40}{_percent(v)}" for k, v in report.within.items()
    ]
    for outcome in IN_SCOPE_OUTCOMES[1:]:
        share = report.in_scope_outcomes[outcome.value]
        if share or outcome in (Outcome.WRONG_GUIDE, Outcome.NOT_OFFERED, Outcome.OUT_OF_SCOPE, Outcome.NO_MATCH):
            lines.append(f"  {LABELS[outcome]:<42}{_percent(share)}")
    lines += ["", f"negatives ({report.negatives})"]
    if report.negatives:
        lines.append(f"  {'handled (no guide, no matter offered)':<42}{_percent(report.negatives_handled)}")
    for outcome in NEGATIVE_OUTCOMES if report.negatives else ():
        share = report.negative_outcomes[outcome.value]
        if share or outcome is not Outcome.ERROR:
            lines.append(f"    {LABELS[outcome]:<40}{_percent(share)}")
    if report.by_kind:
        lines += ["", "success by kind"]
        lines += [f"  {kind:<20}{g.questions:>5}  {_percent(g.success)}" for kind, g in report.by_kind.items()]
    if show_misses and report.misses:
        lines += ["", f"misses ({len(report.misses)})"]
        for miss in report.misses:
            expected = "、".join(miss["expected"]) or "（无：应答“不在范围/没有找到”）"
            lines.append(f"- [{miss['id']}] {miss['query']}")
            lines.append(f"    expected: {expected}   outcome: {LABELS[Outcome(miss['outcome'])]}")
            lines += [f"    {step}" for step in miss["steps"]]
    return "\n".join(lines)


def _percent(share: float) -> str:
    return f"{share * 100:6.1f} %"
