"""Search speed and memory, each beside a baseline measured in the same run.

Figures:

* single-question latency p50/p95/p99 on one thread (and with two threads for one question, as
  the service runs it) — hybrid search, and as baselines BM25 alone
  and the hybrid with the question embedded by PyTorch (sentence-transformers) instead of ONNX;
* questions per second with two threads searching at once;
* full index build time (every text embedded, empty cache) and the rebuild after one matter
  changed (cache warm) — the baseline for the rebuild is the full build;
* resident memory of a process holding the searcher, before and after loading it.

Runs on a private copy of the catalogue and index under a temporary folder; ``var/`` is only read.

    .venv/bin/python benchmarks/search_bench.py --queries knowledge/data/…/questions.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(samples_ms: list[float]) -> str:
    p50, p95, p99 = np.percentile(samples_ms, [50, 95, 99])
    return f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms"


def read_questions(path: Path, limit: int) -> list[str]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            questions.append(json.loads(line)["query"])
    return questions[:limit]


def latency(search, questions: list[str], warmup: int = 10) -> list[float]:
    for question in questions[:warmup]:
        search(question)
    samples = []
    for question in questions:
        started = time.perf_counter()
        search(question)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def throughput(search, questions: list[str], threads: int) -> float:
    chunks = [questions[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=lambda c=c: [search(q) for q in c]) for c in chunks]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(questions) / (time.perf_counter() - started)


def private_settings(scratch: Path, copy_index: bool):
    from daofu.config import PROJECT_ROOT, Settings

    source = PROJECT_ROOT / "var"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "models").symlink_to(source / "models")
    shutil.copy2(source / "knowledge.db", scratch / "knowledge.db")
    if copy_index:
        shutil.copytree(source / "index", scratch / "index")
    return Settings(var_dir=scratch)


def change_one_matter(settings) -> str:
    """Edit one matter's FAQ through the importer, as a catalogue update would."""
    from knowledge.importer import import_catalog

    source = ROOT / "var" / "catalog" / "ningbo-demo.jsonl"
    changed = settings.var_dir / "changed.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        record = json.loads(line)
        if record.get("kind") == "matter" and record.get("faq"):
            record["faq"][0]["q"] = record["faq"][0]["q"] + "（基准测试修改）"
            lines[number] = json.dumps(record, ensure_ascii=False)
            code = record["code"]
            break
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from knowledge.db import create_engine_for

    engine = create_engine_for(settings.database_url)
    try:
        import_catalog(changed, engine)
    finally:
        engine.dispose()
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, required=True, help="JSON lines with a 'query' field")
    parser.add_argument("--limit", type=int, default=400, help="questions to time (default 400)")
    parser.add_argument("--skip-build", action="store_true", help="skip the full-build timing (~2 minutes)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import logging

    logging.basicConfig(level=logging.WARNING)
    import torch

    from indexer.build import build_index
    from indexer.encoder import QueryEncoder
    from indexer.model import load_model
    from indexer.search import Searcher

    questions = read_questions(args.queries, args.limit)
    print(f"{len(questions)} questions from {args.queries}\n")

    with tempfile.TemporaryDirectory(prefix="daofu-bench-") as scratch_name:
        scratch = Path(scratch_name)
        settings = private_settings(scratch / "warm", copy_index=True)
        before = rss_mb()
        started = time.perf_counter()
        searcher = Searcher.load(settings)
        load_seconds = time.perf_counter() - started
        after = rss_mb()

        print("== latency, one thread ==")
        searcher.encoder = QueryEncoder(settings.model_dir, threads=1, cache_size=0)
        torch.set_num_threads(1)
        hybrid = latency(lambda q: searcher.search(q), questions)
        print(f"hybrid (ONNX question encoder)        {percentiles(hybrid)}")
        searcher.encoder = QueryEncoder(settings.model_dir, threads=2, cache_size=0)
        two_threads = latency(lambda q: searcher.search(q), questions)
        print(f"hybrid, 2 threads for one question    {percentiles(two_threads)}   (the service's default)")
        searcher.encoder = QueryEncoder(settings.model_dir, threads=1, cache_size=0)
        lexical_searcher = Searcher(
            searcher.data, searcher.analyzer, searcher.encoder, replace(searcher.weights, mode="lexical")
        )
        print(f"baseline: BM25 alone                  {percentiles(latency(lexical_searcher.search, questions))}")
        model = load_model(settings.model_dir)

        class TorchEncoder:
            def encode(self, text: str) -> np.ndarray:
                return model.encode_query([text], normalize_embeddings=True, show_progress_bar=False)[0]

        torch_searcher = Searcher(searcher.data, searcher.analyzer, TorchEncoder(), searcher.weights)
        print(f"baseline: hybrid, PyTorch encoder     {percentiles(latency(torch_searcher.search, questions))}")

        print("\n== throughput ==")
        one = throughput(searcher.search, questions, 1)
        searcher.encoder = QueryEncoder(settings.model_dir, threads=1, cache_size=0)
        two = throughput(searcher.search, questions, 2)
        print(f"1 thread   {one:6.1f} questions/s   (baseline)")
        print(f"2 threads  {two:6.1f} questions/s   ({two / one:.2f}× the baseline)")

        print("\n== memory ==")
        print(
            f"before loading {before:7.0f} MB   after loading the searcher {after:7.0f} MB   "
            f"(+{after - before:.0f} MB, loaded in {load_seconds:.1f} s)"
        )

        print("\n== index build ==")
        code = change_one_matter(settings)
        started = time.perf_counter()
        report = build_index(settings, progress=False)
        incremental = time.perf_counter() - started
        print(
            f"rebuild after one changed matter ({code}): {incremental:6.1f} s "
            f"({report.embedded} texts embedded, {report.reused} from cache)"
        )
        if not args.skip_build:
            cold = private_settings(scratch / "cold", copy_index=False)
            started = time.perf_counter()
            report = build_index(cold, progress=False)
            full = time.perf_counter() - started
            print(f"baseline: full build, empty cache:        {full:6.1f} s ({report.embedded} texts embedded)")
            print(f"the rebuild took {incremental / full:.1%} of a full build")
    return 0


if __name__ == "__main__":
    sys.exit(main())
