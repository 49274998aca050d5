"""From search results to the next step of the conversation.

After a search the assistant can: show the one guide that fits (a card), offer the few close
candidates as options, ask for the district when the matter is implemented per district and the
place is unknown, or say plainly that nothing fits. :func:`decide` makes that choice from the
scores alone, so it can be tested and tuned without Rasa.

Candidates count as "close" when their fused score is within :data:`CHOICE_MARGIN` of the best
one. On the development questions, a margin of 0.1 asks in about a third of the cases, with the
right matter among the options in nine of ten such cases, and shows a single card that is right
in about 95 % of the others (``benchmarks/`` and ``daofu eval retrieval`` measure the search).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from indexer.search import SearchHit, SearchResult

CHOICE_MARGIN = 0.1
MAX_OPTIONS = 5


class Step(Enum):
    CARD = "card"
    CHOOSE = "choose"
    ASK_REGION = "ask_region"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Decision:
    step: Step
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def top(self) -> SearchHit:
        return self.hits[0]


def decide(result: SearchResult, margin: float = CHOICE_MARGIN) -> Decision:
    if result.no_match or not result.hits:
        return Decision(Step.NO_MATCH, list(result.hits))
    best = result.hits[0]
    close = [hit for hit in result.hits if hit.score >= best.score - margin][:MAX_OPTIONS]
    if len(close) >= 2:
        return Decision(Step.CHOOSE, close)
    if best.needs_region:
        return Decision(Step.ASK_REGION, [best])
    return Decision(Step.CARD, [best])


ORDINALS = {
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
    "1": 1, "2": 2, "3": 3, "4": 4, "5": 5,
    "１": 1, "２": 2, "３": 3, "４": 4, "５": 5,
}


def ordinal_in(text: str, count: int) -> int | None:
    """The option number a text names (第二个, 选2, 最后一个), as a 0-based index, or None."""
    if not text or count <= 0:
        return None
    if "最后" in text:
        return count - 1
    for position, char in enumerate(text):
        number = ORDINALS.get(char)
        if number is None:
            continue
        before = text[max(0, position - 1) : position]
        after = text[position + 1 : position + 2]
        # "第二", "选2", "2号", a bare "2": a position, not a count like "两个人".
        if before in ("第", "选") or after in ("个", "号", "项", "条") or text.strip() == char:
            if after == "个" and before not in ("第", "选") and char in ("两",):
                continue
            return number - 1 if number <= count else None
    return None


def best_name_match(text: str, names: list[str]) -> int | None:
    """The option whose name shares the most characters with ``text`` ("换领那个"), if one stands out."""
    if not text:
        return None
    scores = []
    for name in names:
        shared = sum(1 for char in set(text) if char in name)
        scores.append(shared)
    best = max(scores, default=0)
    if best >= 2 and scores.count(best) == 1:
        return scores.index(best)
    return None
