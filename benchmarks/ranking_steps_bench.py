"""What the search's extra steps cost, each beside a baseline timed on the same questions in the same run.

Figures (single-question latency p50/p95, one encoder thread, no embedding cache):

* the search as shipped (homophone slips put right, qualifiers favoured, five hits) against the
  same search without those two steps (the baseline) — the two alternate question by question, so
  a busy machine slows both alike;
* the dialogue's twenty hits (``bot.actions.answer_bands.DECISION_DEPTH``) against five;
* the slip correction alone, per question.

Reads the index under ``var/`` and writes nothing.

    .venv/bin/python benchmarks/ranking_steps_bench.py --queries …/dev_queries.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentiles(samples_ms: list[float]) -> str:
    p50, p95 = np.percentile(samples_ms, [50, 95])
    return f"p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"


def alternate(questions: list[str], first: Callable[[str], None], second: Callable[[str], None]):
    """Time ``first`` and ``second`` on each question, in alternating order."""
    times: tuple[list[float], list[float]] = ([], [])
    for number, question in enumerate(questions):
        order = ((0, first), (1, second)) if number % 2 else ((1, second), (0, first))
        for slot, run in order:
            started = time.perf_counter()
            run(question)
            times[slot].append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, required=True, help="JSON lines with a 'query' field")
    parser.add_argument("--limit", type=int, default=400, help="questions to time (default 400)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import logging

    logging.basicConfig(level=logging.WARNING)
    from bot.actions.answer_bands import DECISION_DEPTH
    from daofu.config import load_settings
    from indexer.encoder import QueryEncoder
    from indexer.qualifiers import Qualifiers
    from indexer.search import Searcher

    lines = args.queries.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["query"] for line in lines if line.strip()][: args.limit]
    print(f"{len(questions)} questions from {args.queries}\n")
    settings = load_settings()
    searcher = Searcher.load(settings)
    searcher.encoder = QueryEncoder(settings.model_dir, threads=1, cache_size=0)
    bare = Searcher(searcher.data, searcher.analyzer, searcher.encoder, searcher.weights)
    bare.typos.correct = lambda text: text  # type: ignore[method-assign]
    bare.qualifiers = Qualifiers(())
    for question in questions[:10]:
        searcher.search(question)

    shipped, baseline = alternate(questions, lambda q: searcher.search(q), lambda q: bare.search(q))
    print("== the search's extra steps ==")
    print(f"as shipped: slips put right, qualifiers   {percentiles(shipped)}")
    print(f"baseline: without those two steps          {percentiles(baseline)}")

    deep, five = alternate(
        questions, lambda q: searcher.search(q, top_k=DECISION_DEPTH), lambda q: searcher.search(q, top_k=5)
    )
    print("\n== hits read per question ==")
    print(f"{DECISION_DEPTH} hits (the dialogue's decision)          {percentiles(deep)}")
    print(f"baseline: 5 hits                           {percentiles(five)}")

    started = time.perf_counter()
    for question in questions:
        searcher.typos.correct(question)
    each = (time.perf_counter() - started) * 1000 / max(len(questions), 1)
    print(f"\nslip correction alone: {each:.3f} ms per question")
    return 0


if __name__ == "__main__":
    sys.exit(main())
