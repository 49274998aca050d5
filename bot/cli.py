"""``daofu bot``: train the dialogue model; evaluate the NLU on held-out examples. ``daofu eval dialogue``."""

from __future__ import annotations

import argparse
from pathlib import Path

from daofu.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    bot = subparsers.add_parser("bot", help="train or check the Rasa dialogue model")
    actions = bot.add_subparsers(dest="bot_command", metavar="ACTION", required=True)
    train = actions.add_parser(
        "train",
        help="train the Rasa model when config.yml, bot/domain.yml, bot/data or the dictionary changed",
        description="Train the dialogue model (var/rasa-models/daofu.tar.gz) with `rasa train` when any of its "
        "inputs changed: config.yml, bot/domain.yml, bot/data, bot/components, the jieba dictionary and the e5 "
        "model. Takes about three minutes on two cores; the log goes to var/logs/rasa-train.log.",
    )
    train.add_argument("--force", action="store_true", help="train even when nothing changed")
    train.set_defaults(handler=_train)
    evaluate = actions.add_parser(
        "evaluate-nlu",
        help="split bot/data 80/20 (seed 42), train an NLU model on 80 %% and score intents and places on the rest",
        description="Held-out NLU evaluation: rasa data split nlu, rasa train nlu with config.yml, rasa test nlu. "
        "Reports and logs go to var/rasa-eval/. Training and testing take about four minutes on two cores.",
    )
    evaluate.add_argument(
        "--config", type=Path, default=None, help="pipeline to evaluate instead of config.yml (to compare pipelines)"
    )
    evaluate.set_defaults(handler=_evaluate_nlu)

    from bot.evaluation.cli import register_dialogue

    register_dialogue(_eval_subcommands(subparsers))


def _eval_subcommands(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The ``daofu eval WHAT`` group that :mod:`indexer.cli` creates, so ``dialogue`` sits beside ``retrieval``."""
    evaluate = subparsers.choices["eval"]
    return next(action for action in evaluate._actions if isinstance(action, argparse._SubParsersAction))


def _train(args: argparse.Namespace) -> int:
    from bot.training import ensure_trained

    model = ensure_trained(load_settings(), force=args.force)
    print(f"dialogue model ready: {model}")
    return 0


def _evaluate_nlu(args: argparse.Namespace) -> int:
    from bot.nlu_evaluation import evaluate_nlu, format_summary

    print(format_summary(evaluate_nlu(load_settings(), config=args.config)))
    return 0
