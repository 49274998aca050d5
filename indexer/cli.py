"""``daofu index``, ``daofu search`` and ``daofu eval retrieval``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from daofu.config import load_settings
from daofu.errors import DaofuError


class SearchInputError(DaofuError):
    """A search request or batch file is malformed."""


def register(subparsers: argparse._SubParsersAction) -> None:
    index = subparsers.add_parser("index", help="build the search index from the catalogue")
    actions = index.add_subparsers(dest="index_command", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="(re)build the index; only texts that changed since the last build are embedded",
        description="Reads the catalogue, writes var/index/ (dictionary, BM25, FAISS vectors, manifest).",
    )
    build.add_argument("--full", action="store_true", help="forget cached embeddings and embed everything again")
    build.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    build.set_defaults(handler=_build)
    show = actions.add_parser("show", help="print the index manifest")
    show.set_defaults(handler=_show)

    search = subparsers.add_parser(
        "search",
        help="find guides for a question, or for every line of a JSON-lines file",
        description='Examples: daofu search "社保卡丢了咋补办" --region 鄞州区 ; '
        "daofu search --batch questions.jsonl --json (lines with id, query and optional region)",
    )
    search.add_argument("query", nargs="?", help="the question, in the asker's words")
    search.add_argument("--region", help="district, county, zone or town the asker is in (else found in the text)")
    search.add_argument("--top", type=int, default=5, help="how many guides (1–50, default 5)")
    search.add_argument("--json", action="store_true", help="print JSON instead of a table")
    search.add_argument("--batch", type=Path, metavar="FILE", help="JSON lines with id, query, optional region")
    search.set_defaults(handler=_search)

    evaluate = subparsers.add_parser(
        "eval", help="measure search (retrieval) and conversation (dialogue) quality on labelled questions"
    )
    eval_actions = evaluate.add_subparsers(dest="eval_command", metavar="WHAT", required=True)
    retrieval = eval_actions.add_parser(
        "retrieval",
        help="top-1, recall@5, MRR, region accuracy, no-match quality and latency; hybrid vs. baselines",
        description="The question file has one JSON object per line: query, expected (list of matter names, "
        "empty = no answer exists), region (optional).",
    )
    retrieval.add_argument("--queries", type=Path, required=True, help="JSON-lines file of labelled questions")
    retrieval.add_argument("--json", action="store_true", help="print the metrics as JSON")
    retrieval.set_defaults(handler=_eval)


def _build(args: argparse.Namespace) -> int:
    from indexer.build import build_index

    report = build_index(load_settings(), full=args.full, progress=not args.no_progress and sys.stderr.isatty())
    print(report.summary())
    return 0


def _show(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from indexer.store import IndexManifest

    print(json.dumps(asdict(IndexManifest.read(load_settings().index_dir)), ensure_ascii=False, indent=2))
    return 0


def _search(args: argparse.Namespace) -> int:
    from indexer.questions import question_rows
    from indexer.search import UnknownRegionError, load_searcher

    if (args.query is None) == (args.batch is None):
        raise SearchInputError('give either a question ("…") or --batch FILE, not both or neither')
    if not 1 <= args.top <= 50:
        raise SearchInputError(f"--top must be between 1 and 50, got {args.top}")
    searcher = load_searcher(load_settings())
    if args.batch is not None:
        for number, row in question_rows(args.batch, required=("id",)):
            try:
                result = searcher.search(row["query"], region=row.get("region"), top_k=args.top)
            except UnknownRegionError as exc:
                raise SearchInputError(f"{args.batch}:{number}: {exc}") from None
            hits = [
                {
                    "guide_id": h.guide_id,
                    "matter_code": h.matter_code,
                    "name": h.name,
                    "region": h.region,
                    "score": round(h.score, 4),
                }
                for h in result.hits
            ]
            print(json.dumps({"id": row["id"], "no_match": result.no_match, "hits": hits}, ensure_ascii=False))
        return 0
    try:
        result = searcher.search(args.query, region=args.region, top_k=args.top)
    except UnknownRegionError as exc:
        raise SearchInputError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    place = f"{result.place.name}（{result.place_source}）" if result.place else "未识别"
    print(f"问题: {args.query}\n地区: {place}   用时 {result.seconds * 1000:.1f} ms")
    if result.no_match:
        print("没有找到匹配的办事指南（以下为最接近的结果，仅供参考）")
    for rank, hit in enumerate(result.hits, start=1):
        flag = "  需确认所在区县" if hit.needs_region else ""
        print(f"{rank}. {hit.name} — {hit.region} {hit.department} [{hit.guide_id}] {hit.score:.3f}{flag}")
        if hit.why:
            print(f"   匹配词: {'、'.join(hit.why)}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from indexer.evaluate import compare, format_table, read_queries
    from indexer.search import load_searcher

    queries = read_queries(args.queries)
    searcher = load_searcher(load_settings())
    results = compare(searcher, queries)
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2))
    else:
        print(format_table(results))
    return 0
