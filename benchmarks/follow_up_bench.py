"""How long answering a follow-up from the guide's own text takes, and how often the guide answers.

For ``--guides`` guides (one per matter, drawn with a fixed seed) and a fixed list of follow-up
questions written for this benchmark (not taken from any evaluation set), measures in one run:

1. ``answer_from_guide`` — fields, sentence retrieval (tokenizer, idf, e5 for FAQ paraphrases);
2. baseline: ``aspect_answer`` — the fixed aspect answer the assistant gave before, same guides;

and prints p50/p95 per question for both, then what the answers rest on (a field, a quoted
sentence, or "the guide does not say"), and how many yes/no questions got a yes or a no first.
Nothing is asserted: the figures are for reading (e.g. under ``taskset -c 0,1`` for two cores).

    .venv/bin/python benchmarks/follow_up_bench.py
    .venv/bin/python benchmarks/follow_up_bench.py --guides 100
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter

from tqdm import tqdm

from bot.actions.follow_up import ranker_of
from bot.actions.guide_messages import aspect_answer
from bot.actions.guide_questions import answer_from_guide
from bot.actions.yes_no import is_yes_no
from daofu.config import load_settings
from daofu.services import Services

QUESTIONS = (
    "周六能去办吗",
    "可以让家里人帮我去办吗",
    "网上能不能办",
    "要不要交钱",
    "我是外地户口，在这边能办吗",
    "要带户口本吗",
    "老人走不动怎么办",
    "当天能拿到吗",
    "一个人去可以吗",
    "办好了能寄给我吗",
    "一次都不用跑可以吗",
    "晚上下班后还能办吗",
)
BASELINE_ASPECTS = ("location", "online", "fee", "time")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guides", type=int, default=200, help="guides to ask (one per matter; default 200)")
    parser.add_argument("--seed", type=int, default=9, help="seed for drawing the guides")
    args = parser.parse_args()
    services = Services.open(load_settings())
    searcher = services.searcher()
    ranker = ranker_of(searcher)
    codes = sorted({entry.matter_code for entry in searcher.data.guides})
    random.Random(args.seed).shuffle(codes)
    guides = []
    for code in codes[: args.guides]:
        entry, _ = searcher.guide_for_place(code, None)
        guide = services.catalog.guide(entry.guide_id)
        if guide is not None:
            guides.append(guide)
    # Warm the encoder's cache for the questions, as a running service would have it.
    answer_from_guide(guides[0], QUESTIONS[0], ranker)

    ours: list[float] = []
    baseline: list[float] = []
    bases: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for guide in tqdm(guides, desc="guides", unit="guide"):
        for question in QUESTIONS:
            started = time.perf_counter()
            reply = answer_from_guide(guide, question, ranker)
            ours.append(time.perf_counter() - started)
            bases[reply.basis.value] += 1
            if is_yes_no(question):
                verdicts["yes" if reply.verdict else "no" if reply.verdict is False else "none"] += 1
        for aspect in BASELINE_ASPECTS:
            started = time.perf_counter()
            aspect_answer(guide, aspect)
            baseline.append(time.perf_counter() - started)

    asked = len(guides) * len(QUESTIONS)
    print(f"{len(guides)} guides × {len(QUESTIONS)} questions = {asked} answers")
    for name, values in (("answer_from_guide", ours), ("baseline aspect_answer", baseline)):
        print(
            f"{name:24s} p50 {1000 * statistics.median(values):6.2f} ms   "
            f"p95 {1000 * percentile(values, 0.95):6.2f} ms   max {1000 * max(values):6.2f} ms"
        )
    print("what the answers rest on: " + ", ".join(f"{k} {v} ({v / asked:.0%})" for k, v in bases.most_common()))
    total = sum(verdicts.values())
    print("yes/no questions: " + ", ".join(f"{k} {v} ({v / total:.0%})" for k, v in verdicts.most_common()))
    services.close()


if __name__ == "__main__":
    main()
