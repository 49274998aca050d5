"""``daofu eval dialogue``: the simulated citizen over a question file, through the real servers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from daofu.config import load_settings
from daofu.errors import DaofuError


class DialogueEvalInputError(DaofuError):
    """An option of ``daofu eval dialogue`` is out of range."""


def register_dialogue(eval_actions: argparse._SubParsersAction) -> None:
    """Add ``dialogue`` beside ``daofu eval retrieval``."""
    dialogue = eval_actions.add_parser(
        "dialogue",
        help="a simulated citizen asks every question through Rasa and the service and follows the replies",
        description="For each question (JSON lines: query, expected matter names — empty when nothing answers "
        "it —, optional region and kind), a fresh /api/chat conversation: answer the district question with "
        "the question's region (the first district when none), press the expected matter when it is offered, "
        "and count a success when a guide card or an aspect answer names an expected matter. Reports success "
        "within 1, 2 and 3 replies, wrong guide, right one not offered, in-scope refused, no guide found, "
        "negatives handled, and the misses. Without --url it starts Rasa and the service on free ports over a "
        "scratch copy of var/ and stops them afterwards (about a minute to start).",
    )
    dialogue.add_argument("--queries", type=Path, required=True, help="JSON-lines file of labelled questions")
    dialogue.add_argument(
        "--url", help="a running service (e.g. http://127.0.0.1:8000) instead of starting one; must serve /api/chat"
    )
    dialogue.add_argument("--token", help="API token for --url when the service sets DAOFU_API_TOKENS")
    dialogue.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    dialogue.add_argument("--concurrency", type=int, default=4, help="conversations at a time (1–32, default 4)")
    dialogue.add_argument(
        "--max-replies", type=int, default=3, help="assistant replies a citizen reads (1–10, default 3)"
    )
    dialogue.add_argument(
        "--json", action="store_true", help="print the figures, the misses and every conversation's steps as JSON"
    )
    dialogue.add_argument("--no-misses", action="store_true", help="print the figures only (no misses, no steps)")
    dialogue.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")
    dialogue.set_defaults(handler=_dialogue)


def _dialogue(args: argparse.Namespace) -> int:
    from bot.evaluation.replies import MatterLookup
    from bot.evaluation.report import format_report, summarise
    from bot.evaluation.run import local_servers, run_conversations
    from bot.evaluation.simulate import read_questions
    from knowledge.db import create_engine_for

    if not 1 <= args.concurrency <= 32:
        raise DialogueEvalInputError(f"--concurrency must be between 1 and 32, got {args.concurrency}")
    if not 1 <= args.max_replies <= 10:
        raise DialogueEvalInputError(f"--max-replies must be between 1 and 10, got {args.max_replies}")
    if args.limit is not None and args.limit < 1:
        raise DialogueEvalInputError(f"--limit must be a positive number of questions, got {args.limit}")
    settings = load_settings()
    engine = create_engine_for(settings.database_url, create_directory=False)
    try:
        lookup = MatterLookup.load(engine)
    finally:
        engine.dispose()
    questions = read_questions(args.queries, lookup)[: args.limit]
    options = {
        "token": args.token,
        "concurrency": args.concurrency,
        "max_replies": args.max_replies,
        "progress": not args.no_progress and sys.stderr.isatty(),
    }
    if args.url:
        conversations = run_conversations(args.url.rstrip("/"), questions, lookup, **options)
    else:
        with local_servers(settings) as url:
            conversations = run_conversations(url, questions, lookup, **options)
    report = summarise(conversations, args.max_replies)
    if args.json:
        payload = report.to_json()
        if args.no_misses:
            payload.pop("misses")
            payload.pop("conversations")
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(format_report(report, show_misses=not args.no_misses))
    return 0
