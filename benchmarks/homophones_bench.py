"""What correcting typing slips by sound costs a search, beside baselines measured in the same run.

Figures, per question of a question file (each question's embedding already cached, so the search
figure is the part of a search that is not the model):

* the colloquial rewrite alone (the baseline, what search did before slips by sound were corrected);
* the rewrite plus :class:`indexer.homophones.HomophoneCorrector` (what search does now);
* the whole search with its vector cached;

and once, building the corrector beside loading the whole searcher.

    .venv/bin/python benchmarks/homophones_bench.py --queries eval/written_questions.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from tqdm import tqdm

from daofu.config import load_settings
from indexer.search import Searcher, build_homophones
from indexer.text import normalize


def per_question(texts: list[str], run, repeats: int) -> float:
    """Milliseconds per question of ``run`` over ``texts``, the best of ``repeats`` passes."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for text in texts:
            run(text)
        best = min(best, time.perf_counter() - started)
    return best / max(len(texts), 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, required=True, help="JSON-lines question file (a 'query' per line)")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the questions; the best counts")
    args = parser.parse_args()
    if not args.queries.exists():
        parser.error(f"{args.queries} does not exist")
    texts = [json.loads(line)["query"] for line in args.queries.read_text(encoding="utf-8").splitlines() if line]

    started = time.perf_counter()
    searcher = Searcher.load(load_settings())
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    build_homophones(searcher.data, searcher.analyzer, searcher.resolver)
    build_seconds = time.perf_counter() - started

    for text in tqdm(texts, desc="warming the vector cache", unit="question"):
        searcher.search(text)
    rewrite = per_question(texts, lambda text: searcher.rewriter.rewrite(normalize(text)), args.repeats)
    corrected = per_question(texts, searcher.plain, args.repeats)
    search = per_question(texts, searcher.search, args.repeats)
    print(f"{len(texts)} questions, best of {args.repeats} passes, ms per question")
    print(f"  baseline: colloquial rewrite alone     {rewrite:8.3f}")
    print(f"  rewrite + slips by sound               {corrected:8.3f}  (+{corrected - rewrite:.3f})")
    print(f"  whole search, vector cached            {search:8.3f}")
    print(f"building the corrector {build_seconds:.2f} s; loading the whole searcher (baseline) {load_seconds:.2f} s")


if __name__ == "__main__":
    main()
