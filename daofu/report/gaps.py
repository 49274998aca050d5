"""Knowledge gaps: the questions the assistant could not answer, grouped by similarity.

A month holds many wordings of the same missing matter ("宠物狗怎么办证", "养狗要办证吗"). They are
grouped greedily by the overlap of their character bigrams (Jaccard), the most frequent wording
first, so the report lists each gap once with how often it was asked. No model is needed: the
questions are short and the grouping must be the same every time the report is made.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SIMILAR = 0.34  # Jaccard overlap of character bigrams from which two questions are one gap
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Gap:
    question: str  # the most frequent wording
    count: int  # how often the gap was asked, all wordings
    examples: tuple[str, ...]  # other wordings, most frequent first


def normalise(text: str) -> str:
    """Letters, digits and CJK characters only, lower-cased (punctuation and emoji do not count)."""
    return "".join(ch.lower() for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())


def bigrams(text: str) -> frozenset[str]:
    core = normalise(text)
    if len(core) < 2:
        return frozenset({core}) if core else frozenset()
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def group_questions(questions: Iterable[str], top: int = 10) -> list[Gap]:
    """The ``top`` gaps by how often they were asked (see the module docstring)."""
    counts = Counter(q.strip() for q in questions if q and q.strip())
    groups: list[tuple[frozenset[str], list[tuple[str, int]]]] = []
    for question, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        grams = bigrams(question)
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
