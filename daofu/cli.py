"""The ``daofu`` command.

Each part of the project registers its own subcommands (``knowledge.cli``, ``indexer.cli``,
``channels.cli``, ``daofu.runner``); this module only assembles them, sets up logging and turns
expected failures into one clear line on stderr with a non-zero exit code instead of a traceback.

Example::

    daofu --help
    daofu catalog stats
    daofu search "社保卡丢了咋补办" --region 鄞州区
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from daofu.config import SettingsError
from daofu.errors import DaofuError

# Modules that contribute subcommands through ``register(subparsers)``.
COMMAND_MODULES = (
    "daofu.settings_cli",
    "daofu.runner",
    "daofu.cluster.cli",
    "daofu.retention",
    "indexer.model_cli",
    "knowledge.cli",
    "indexer.cli",
    "channels.cli",
    "bot.cli",
    "daofu.report.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="daofu",
        description="甬导服 — Ningbo service-guidance assistant: catalogue, search, dialogue and channels.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def configure_logging(verbose: bool = False, quiet: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")
    for noisy in ("sentence_transformers", "transformers", "httpx", "urllib3", "jieba", "faiss"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    configure_logging(args.verbose, args.quiet)
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("daofu: interrupted", file=sys.stderr)
        return 130
    except SettingsError as exc:
        print(f"daofu {args.command}: configuration error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (``daofu … | head``): stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except DaofuError as exc:
        print(f"daofu {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
