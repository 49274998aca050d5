"""Knowledge gaps: the questions the assistant could not answer, grouped by similarity.

A month holds many wordings of the same missing matter ("宠物狗怎么办证", "养狗要办证吗"). Filler
words (怎么, 需要, 在哪, 吗 …) and digits (masked numbers) are dropped; two wordings are one gap when
their characters and character pairs overlap enough (the mean of both overlap coefficients, each
the shared part of the smaller set). Groups are built greedily, the most frequent wording first, so
the report lists each gap once with how often it was asked. No model is needed: the questions are
short and the grouping must be the same every time the report is made.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SIMILAR = 0.45  # overlap from which two questions are one gap
MAX_EXAMPLES = 3
FILLERS = ("请问", "怎么", "怎样", "如何", "需要", "什么", "在哪里", "在哪", "哪里", "可以", "能不能", "是不是", "办理",
           "我想", "我要", "一下", "吗", "呢", "吧", "的", "了", "要", "我")  # fmt: skip


@dataclass(frozen=True)
class Gap:
    question: str  # the most frequent wording
    count: int  # how often the gap was asked, all wordings
    examples: tuple[str, ...]  # other wordings, most frequent first


def normalise(text: str) -> str:
    """The words that carry the need: letters and CJK characters, lower-cased, without fillers or digits."""
    core = "".join(ch.lower() for ch in unicodedata.normalize("NFKC", text) if ch.isalpha())
    for filler in FILLERS:
        core = core.replace(filler, "")
    return core


@dataclass(frozen=True)
class Shape:
    chars: frozenset[str]
    pairs: frozenset[str]


def shape(text: str) -> Shape:
    core = normalise(text)
    return Shape(frozenset(core), frozenset(core[i : i + 2] for i in range(len(core) - 1)))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def similarity(a: Shape, b: Shape) -> float:
    """0 (nothing shared) … 1 (one is contained in the other)."""
    return (_overlap(a.chars, b.chars) + _overlap(a.pairs, b.pairs)) / 2


def group_questions(questions: Iterable[str], top: int = 10) -> list[Gap]:
    """The ``top`` gaps by how often they were asked (see the module docstring)."""
    counts = Counter(q.strip() for q in questions if q and q.strip())
    groups: list[tuple[Shape, list[tuple[str, int]]]] = []
    for question, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        grams = shape(question)
        best = max(groups, key=lambda group: similarity(grams, group[0]), default=None)
        if best is not None and similarity(grams, best[0]) >= SIMILAR:
            best[1].append((question, count))
        else:
            groups.append((grams, [(question, count)]))
    gaps = [
        Gap(members[0][0], sum(c for _, c in members), tuple(q for q, _ in members[1 : 1 + MAX_EXAMPLES]))
        for _, members in groups
    ]
    gaps.sort(key=lambda gap: (-gap.count, gap.question))
    return gaps[:top]
