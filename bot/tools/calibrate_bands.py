"""The answer bands on labelled questions and on the catalogue itself: the table behind the thresholds.

For each question set it runs the search and :func:`bot.actions.answer_bands.decide` as the
dialogue does, and prints per band the share of questions and how often the band is right:

* ``confident`` — a card is shown; precision: its matter is an expected one;
* ``plausible`` — options or the family question; right: an expected matter is offered;
* ``nothing`` — "没有找到"; for questions without an answer that is the right reply;
* with ``--scope``, instead: for each pair of margins of :mod:`bot.actions.scope`, the share of
  the needs that search would take over from an NLU that called them out of scope, and the share
  of the questions without an answer and of the NLU's own out-of-scope examples it would take
  over wrongly.

The catalogue set uses each matter's name, aliases and FAQ questions as pseudo-questions. They
are indexed texts, so it is an upper bound that shows whether the bands hold on the catalogue's
whole breadth (1,909 matters), not only on the few hundred the question files name.

    .venv/bin/python -m bot.tools.calibrate_bands --queries ../shared/data/dev_queries.jsonl \\
        --queries eval/written_questions.jsonl [--margin 0.1 --margin 0.15 --margin 0.2]
    .venv/bin/python -m bot.tools.calibrate_bands --scope --queries … [--scope-margin 0 --scope-margin 0.01 …]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from bot.actions.answer_bands import (
    CONFIDENT_MARGIN,
    DECISION_DEPTH,
    LONG_CONFIDENT_MARGIN,
    LONG_QUESTION_CHARS,
    Step,
    decide,
)
from bot.actions.scope import (
    EVENT_MARGIN,
    LONG_MESSAGE_CHARS,
    LONG_SCOPE_MARGIN,
    SCOPE_MARGIN,
    OutOfScopeExamples,
    event_contrast,
    scope_contrast,
)
from indexer.evaluate import LabelledQuery, read_queries
from indexer.life_events import load_life_events
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


def measure(
    searcher: Searcher, name: str, queries: list[LabelledQuery], margin: float, long_margin: float
) -> BandCounts:
    counts = BandCounts(name)
    for labelled in queries:
        counts.questions += 1
        result = searcher.search(labelled.query, top_k=DECISION_DEPTH)
        decision = decide(result, searcher.families, margin, long_margin)
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


@dataclass(frozen=True)
class ScopeCase:
    """One question as :func:`bot.actions.scope.overrides_out_of_scope` sees it."""

    plausible: bool  # search has a candidate and no no_match
    contrast: float  # catalogue similarity minus the nearest out-of-scope example's
    long: bool


def scope_cases(searcher: Searcher, texts: list[str], examples: OutOfScopeExamples, leave_out: bool) -> list[ScopeCase]:
    cases = []
    for text in tqdm(texts, desc="scope", unit="question", leave=False, mininterval=2.0):
        result = searcher.search(text, top_k=5)
        nearest, _ = examples.nearest(searcher.need_vector(text, without_places=True), text if leave_out else None)
        plausible = bool(result.hits) and not result.no_match and "question_best" in result.signals
        long = len(text.strip()) >= LONG_MESSAGE_CHARS
        cases.append(ScopeCase(plausible, scope_contrast(result, nearest), long))
    return cases


def searched_share(cases: list[ScopeCase], margin: float, long_margin: float) -> str:
    """The share of ``cases`` search would take over from the NLU's out-of-scope reading."""
    if not cases:
        return "-"
    searched = sum(c.plausible and c.contrast >= (long_margin if c.long else margin) for c in cases)
    return f"{searched / len(cases):.3f}"


def print_scope_table(
    searcher: Searcher,
    sets: list[tuple[str, list[LabelledQuery]]],
    margins: list[float],
    long_margins: list[float],
    event_margins: list[float],
) -> None:
    """Needs that would be searched vs requests without an answer that would be, per margin pair."""
    examples = OutOfScopeExamples.load(searcher_settings(), searcher)
    columns: list[tuple[str, list[ScopeCase]]] = []
    negatives: list[str] = []
    for name, queries in sets:
        needs = [q.query for q in queries if q.expected]
        columns.append((f"{name} needs", scope_cases(searcher, needs, examples, False)))
        negatives += [q.query for q in queries if not q.expected]
    columns.append(("negatives searched", scope_cases(searcher, negatives, examples, False)))
    columns.append(("oos examples searched", scope_cases(searcher, list(examples.texts), examples, True)))
    header = ["margin", "long"] + [f"{name} ({len(cases)})" for name, cases in columns]
    rows = [header]
    for margin in margins:
        for long_margin in long_margins:
            shares = [searched_share(cases, margin, long_margin) for _, cases in columns]
            rows.append([f"{margin:.3f}", f"{long_margin:.3f}", *shares])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print("out of scope overruled by search: share of each set that would be searched")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()
    needs = [q.query for _, queries in sets for q in queries if q.expected]
    print_event_table(searcher, examples, needs, negatives, event_margins)


def event_contrasts(searcher: Searcher, examples: OutOfScopeExamples, texts: list[str], leave_out: bool) -> list[float]:
    """For each text that names a life event by a trigger, :func:`bot.actions.scope.event_contrast`
    (what :meth:`bot.actions.scope.ScopeJudge.is_the_event` compares with its margin)."""
    events = load_life_events()
    contrasts = []
    for text in texts:
        found = events.match(text)
        if found is not None:
            contrast, _ = event_contrast(searcher, examples, text, found.event, text if leave_out else None)
            contrasts.append(contrast)
    return contrasts


def print_event_table(
    searcher: Searcher, examples: OutOfScopeExamples, needs: list[str], negatives: list[str], margins: list[float]
) -> None:
    """Of the texts that name a life event: needs that would be shown it vs refusals that would be."""
    columns = [
        ("needs", event_contrasts(searcher, examples, needs, False)),
        ("negatives", event_contrasts(searcher, examples, negatives, False)),
        ("oos examples", event_contrasts(searcher, examples, list(examples.texts), True)),
    ]
    print("out of scope, naming a life event: shown the event / naming one")
    print("event margin  " + "  ".join(name for name, _ in columns))
    for margin in margins:
        cells = [f"{sum(c >= margin for c in contrasts)}/{len(contrasts)}" for _, contrasts in columns]
        print(
            f"{margin:<12.3f}  "
            + "  ".join(cell.ljust(len(name)) for cell, (name, _) in zip(cells, columns, strict=True))
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.tools.calibrate_bands",
        description="Print the answer bands' shares and precision on question files and on the catalogue.",
    )
    parser.add_argument("--queries", type=Path, action="append", default=[], help="JSON-lines question file")
    parser.add_argument("--margin", type=float, action="append", help=f"confident margins (default {CONFIDENT_MARGIN})")
    parser.add_argument(
        "--long-question-margin",
        type=float,
        action="append",
        help=f"confident margins for messages of {LONG_QUESTION_CHARS}+ characters (default {LONG_CONFIDENT_MARGIN})",
    )
    parser.add_argument("--catalogue-sample", type=int, default=CATALOGUE_SAMPLE, help="pseudo-questions (0: none)")
    parser.add_argument(
        "--scope",
        action="store_true",
        help="instead of the bands: how often search would overrule the NLU's out-of-scope reading, per margin",
    )
    parser.add_argument(
        "--scope-margin", type=float, action="append", help=f"short-message margins (default {SCOPE_MARGIN})"
    )
    parser.add_argument(
        "--long-margin", type=float, action="append", help=f"long-message margins (default {LONG_SCOPE_MARGIN})"
    )
    parser.add_argument(
        "--event-margin", type=float, action="append", help=f"life-event margins (default {EVENT_MARGIN})"
    )
    args = parser.parse_args(argv)
    for path in args.queries:
        if not path.exists():
            parser.error(f"{path} does not exist")
    searcher = Searcher.load(searcher_settings())
    sets = [(path.stem, read_queries(path)) for path in args.queries]
    if args.catalogue_sample > 0:
        sets.append(("catalogue", catalogue_questions(searcher, args.catalogue_sample)))
    if args.scope:
        margins = args.scope_margin or [SCOPE_MARGIN]
        print_scope_table(
            searcher, sets, margins, args.long_margin or [LONG_SCOPE_MARGIN], args.event_margin or [EVENT_MARGIN]
        )
        return 0
    for margin in args.margin or [CONFIDENT_MARGIN]:
        for long_margin in args.long_question_margin or [LONG_CONFIDENT_MARGIN]:
            rows = [HEADER] + [measure(searcher, name, queries, margin, long_margin).row() for name, queries in sets]
            widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
            print(f"confident margin {margin}, for long messages {long_margin}")
            for row in rows:
                print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
