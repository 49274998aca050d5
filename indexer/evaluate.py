"""Retrieval evaluation on labelled questions (``daofu eval retrieval``).

A question file is JSON lines with ``query``, ``expected`` (acceptable canonical matter names,
empty when nothing in the catalogue answers it) and an optional ``region`` (the district or
county the asker is in — an answer key: the searcher must find the place in the text itself).

Region accuracy isolates the choice of guide: among questions with a region whose first hit is
an expected matter, the share whose guide is in that district.

A result counts as correct when the hit's matter is expected and, where a region is given, the
hit's guide is that district's or one of its towns' or zones'. Hits are one per matter, so
recall@5 counts five distinct candidates, as a person reads them. A "no match" answer to a
question that has an answer counts as a miss.

The hybrid ranking and both baselines (BM25 alone, dense alone) run in the same process on the
same questions, so the comparison is fair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from indexer.questions import QuestionFileError, question_rows
from indexer.search import FusionWeights, Searcher


class EvaluationInputError(QuestionFileError):
    """The question file's labels are malformed."""


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    query: str
    expected: tuple[str, ...]
    region: str | None


@dataclass
class RetrievalMetrics:
    name: str
    questions: int
    answerable: int
    top1: float
    recall5: float
    mrr: float
    region_accuracy: float
    region_questions: int
    negatives_rejected: float
    negatives: int
    false_no_match: float
    latency_p50_ms: float
    latency_p95_ms: float

    def row(self) -> list[str]:
        return [
            self.name,
            f"{self.top1:.3f}",
            f"{self.recall5:.3f}",
            f"{self.mrr:.3f}",
            f"{self.region_accuracy:.3f}",
            f"{self.negatives_rejected:.3f}",
            f"{self.false_no_match:.3f}",
            f"{self.latency_p50_ms:.1f}",
            f"{self.latency_p95_ms:.1f}",
        ]


HEADER = ["ranking", "top-1", "recall@5", "MRR", "region acc", "neg rejected", "false no-match", "p50 ms", "p95 ms"]


def read_queries(path: Path) -> list[LabelledQuery]:
    queries: list[LabelledQuery] = []
    for number, row in question_rows(path):
        expected = row.get("expected", [])
        if not isinstance(expected, list) or not all(isinstance(e, str) for e in expected):
            raise EvaluationInputError(f"{path}:{number}: 'expected' must be a list of matter names")
        queries.append(LabelledQuery(str(row.get("id", number)), row["query"], tuple(expected), row.get("region")))
    if not queries:
        raise EvaluationInputError(f"{path} has no questions")
    return queries


def evaluate(searcher: Searcher, queries: list[LabelledQuery], name: str) -> RetrievalMetrics:
    districts = {p.name: p.code for p in searcher.districts()}
    top1 = recall = mrr = 0.0
    region_ok = region_total = 0
    negatives = rejected = false_no_match = 0
    latencies: list[float] = []
    for labelled in queries:
        started = time.perf_counter()
        result = searcher.search(labelled.query, top_k=5)
        latencies.append((time.perf_counter() - started) * 1000)
        if not labelled.expected:
            negatives += 1
            rejected += result.no_match
            continue
        if result.no_match:
            false_no_match += 1
            continue
        wanted_district = districts.get(labelled.region) if labelled.region else None

        flags = [
            hit.name in labelled.expected
            and (wanted_district is None or _in_district(searcher, hit.region_code, wanted_district))
            for hit in result.hits
        ]
        top1 += bool(flags and flags[0])
        recall += any(flags[:5])
        mrr += next((1 / (rank + 1) for rank, ok in enumerate(flags) if ok), 0.0)
        if wanted_district and result.hits and result.hits[0].name in labelled.expected:
            region_total += 1
            region_ok += _in_district(searcher, result.hits[0].region_code, wanted_district)
    answerable = len(queries) - negatives
    times = np.asarray(latencies)
    return RetrievalMetrics(
        name=name,
        questions=len(queries),
        answerable=answerable,
        top1=top1 / max(answerable, 1),
        recall5=recall / max(answerable, 1),
        mrr=mrr / max(answerable, 1),
        region_accuracy=region_ok / max(region_total, 1),
        region_questions=region_total,
        negatives_rejected=rejected / max(negatives, 1),
        negatives=negatives,
        false_no_match=false_no_match / max(answerable, 1),
        latency_p50_ms=float(np.percentile(times, 50)),
        latency_p95_ms=float(np.percentile(times, 95)),
    )


def _in_district(searcher: Searcher, region_code: str, district_code: str) -> bool:
    place = searcher.resolver.by_code.get(region_code)
    return place is not None and place.district_code == district_code


def compare(searcher: Searcher, queries: list[LabelledQuery]) -> list[RetrievalMetrics]:
    """Hybrid and both baselines, on the same loaded index."""
    hybrid = searcher.weights
    results = []
    for name, weights in (
        ("hybrid", hybrid),
        ("bm25 only", replace(hybrid, mode="lexical")),
        ("dense only", replace(hybrid, mode="dense")),
    ):
        searcher.weights = weights
        searcher.encoder.clear_cache()  # every ranking pays for its own question embeddings
        results.append(evaluate(searcher, queries, name))
    searcher.weights = hybrid
    return results


def format_table(results: list[RetrievalMetrics]) -> str:
    rows = [HEADER] + [r.row() for r in results]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    first = results[0]
    lines.append(
        f"{first.questions} questions: {first.answerable} answerable, {first.negatives} without an answer, "
        f"{first.region_questions} with a region"
    )
    return "\n".join(lines)


__all__ = ["FusionWeights", "compare", "evaluate", "format_table", "read_queries"]
