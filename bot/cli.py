"""``daofu bot``: train the dialogue model."""

from __future__ import annotations

import argparse

from daofu.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    bot = subparsers.add_parser("bot", help="train or check the Rasa dialogue model")
    actions = bot.add_subparsers(dest="bot_command", metavar="ACTION", required=True)
    train = actions.add_parser(
        "train",
        help="train the Rasa model when config.yml, bot/domain.yml, bot/data or the dictionary changed",
    )
    train.add_argument("--force", action="store_true", help="train even when nothing changed")
    train.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    from bot.training import ensure_trained

    model = ensure_trained(load_settings(), force=args.force)
    print(f"dialogue model ready: {model}")
    return 0
