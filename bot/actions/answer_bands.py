"""After a search: show one guide, offer a few, ask for the district, or say nothing fits.

:func:`decide` makes that choice from the search scores alone, so it can be tested and tuned
without Rasa:

* one clear winner → its guide card (:attr:`Step.CARD`), or the district question first when the
  matter is implemented per district and the place is unknown (:attr:`Step.ASK_REGION`);
* several close candidates → "您要办的是哪一项？" (:attr:`Step.CHOOSE`);
* no match → say so plainly (:attr:`Step.NO_MATCH`).

Candidates count as "close" when their fused score is within :data:`CHOICE_MARGIN` of the best
one. On the development questions, a margin of 0.1 asks in about a third of the cases, with the
right matter among the options in nine of ten such cases, and shows a single card that is right
in about 95 % of the others (``daofu eval retrieval`` measures the search).
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


def best_name_match(text: str, names: list[str]) -> int | None:
    """The option whose name shares the most characters with ``text`` ("换领那个"), if one stands out."""
    if not text:
        return None
    scores = [sum(1 for char in set(text) if char in name) for name in names]
    best = max(scores, default=0)
    if best >= 2 and scores.count(best) == 1:
        return scores.index(best)
    return None
