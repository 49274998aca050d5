"""The answer bands on labelled questions and on the catalogue itself: the table behind the thresholds.

For each question set it runs the search and :func:`bot.actions.answer_bands.decide` as the
dialogue does, and prints per band the share of questions and how often the band is right:

* ``confident`` — a card is shown; precision: its matter is an expected one;
* ``plausible`` — options or the family question; right: an expected matter is offered;
* ``nothing`` — "没有找到"; for questions without an answer that is the right reply;
* ``oos kept`` — of the NLU's own out-of-scope examples (``bot/data/nlu.yml``), the share that
  stays out of scope (search does not overrule it).

The catalogue set uses each matter's name, aliases and FAQ questions as pseudo-questions. They
are indexed texts, so it is an upper bound that shows whether the bands hold on the catalogue's
whole breadth (1,909 matters), not only on the few hundred the question files name.

    .venv/bin/python -m bot.tools.calibrate_bands --queries ../shared/data/dev_queries.jsonl \\
        --queries eval/written_questions.jsonl [--margin 0.1 --margin 0.15 --margin 0.2]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.actions.answer_bands import CONFIDENT_MARGIN, DECISION_DEPTH, Step, decide, overrides_out_of_scope
from indexer.evaluate import LabelledQuery, read_queries
from indexer.search import Searcher

CATALOGUE_SAMPLE = 600


@dataclass
class BandCounts:
    name: str
    questions: int = 0
    answerable: int = 0
    confident: int = 0
    confident_right: int = 0
    plausible: int = 0
    plausible_right: int = 0
    family: int = 0
    nothing: int = 0
    negatives: int = 0
    negatives_nothing: int = 0
    negatives_confident: int = 0

    def row(self) -> list[str]:
        answerable = max(self.answerable, 1)
        return [
            self.name,
            str(self.questions),
            f"{self.confident / answerable:.2f}",
            f"{self.confident_right / max(self.confident, 1):.3f}",
            f"{self.plausible / answerable:.2f}",
            f"{self.plausible_right / max(self.plausible, 1):.3f}",
            f"{self.family / answerable:.2f}",
            f"{self.nothing / answerable:.3f}",
            f"{self.negatives_nothing / max(self.negatives, 1):.3f}" if self.negatives else "-",
            f"{self.negatives_confident / max(self.negatives, 1):.3f}" if self.negatives else "-",
        ]


HEADER = [
    "set", "questions", "confident", "precision", "plausible", "offered right", "family q",
    "nothing (needs)", "negatives nothing", "negatives card",
]  # fmt: skip


def offered(decision, searcher: Searcher) -> list[str]:
    if decision.step is Step.FAMILY and decision.family is not None:
        return [member.name for member in decision.cases] + [hit.name for hit in decision.others]
    return [hit.name for hit in decision.hits]


def measure(searcher: Searcher, name: str, queries: list[LabelledQuery], margin: float) -> BandCounts:
    counts = BandCounts(name)
    for labelled in queries:
        counts.questions += 1
        decision = decide(searcher.search(labelled.query, top_k=DECISION_DEPTH), searcher.families, margin)
        card = decision.step in (Step.CARD, Step.ASK_REGION)
        if not labelled.expected:
            counts.negatives += 1
            counts.negatives_nothing += decision.step is Step.NO_MATCH
            counts.negatives_confident += card
            continue
        counts.answerable += 1
        if card:
            counts.confident += 1
            counts.confident_right += decision.top.name in labelled.expected
        elif decision.step is Step.NO_MATCH:
            counts.nothing += 1
        else:
            counts.plausible += 1
            counts.family += decision.step is Step.FAMILY
            counts.plausible_right += any(n in labelled.expected for n in offered(decision, searcher))
    return counts


def catalogue_questions(searcher: Searcher, sample: int, seed: int = 0) -> list[LabelledQuery]:
    """Names, aliases and FAQ questions of the catalogue, each labelled with its own matter."""
    from knowledge.db import create_engine_for
    from knowledge.repository import Catalog

    rows: list[LabelledQuery] = []
    settings = searcher_settings()
    engine = create_engine_for(settings.database_url)
    try:
        for matter in Catalog(engine, settings).iter_matters():
            for text in (matter.name, *matter.aliases, *(entry.q for entry in matter.faq)):
                rows.append(LabelledQuery(f"{matter.code}:{len(rows)}", text, (matter.name,), None))
    finally:
        engine.dispose()
    random.Random(seed).shuffle(rows)
    return rows[:sample]


def searcher_settings():
    from daofu.config import load_settings

    return load_settings()


def out_of_scope_kept(searcher: Searcher) -> tuple[int, int]:
    """(kept, total) over the NLU's out-of-scope examples."""
    from bot.tools.check_nlu import load_examples

    examples = [e.text for e in load_examples() if e.intent == "out_of_scope"]
    kept = 0
    for text in examples:
        result = searcher.search(text, top_k=5)
        hits = result.hits
        kept += not (hits and overrides_out_of_scope(result, searcher.name_words(hits[0].matter_code)))
    return kept, len(examples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.tools.calibrate_bands",
        description="Print the answer bands' shares and precision on question files and on the catalogue.",
    )
    parser.add_argument("--queries", type=Path, action="append", default=[], help="JSON-lines question file")
    parser.add_argument("--margin", type=float, action="append", help=f"confident margins (default {CONFIDENT_MARGIN})")
    parser.add_argument("--catalogue-sample", type=int, default=CATALOGUE_SAMPLE, help="pseudo-questions (0: none)")
    args = parser.parse_args(argv)
    for path in args.queries:
        if not path.exists():
            parser.error(f"{path} does not exist")
    searcher = Searcher.load(searcher_settings())
    sets = [(path.stem, read_queries(path)) for path in args.queries]
    if args.catalogue_sample > 0:
        sets.append(("catalogue", catalogue_questions(searcher, args.catalogue_sample)))
    for margin in args.margin or [CONFIDENT_MARGIN]:
        rows = [HEADER] + [measure(searcher, name, queries, margin).row() for name, queries in sets]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
        print(f"confident margin {margin}")
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        print()
    kept, total = out_of_scope_kept(searcher)
    print(f"NLU out-of-scope examples kept out of scope: {kept}/{total} ({kept / max(total, 1):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
