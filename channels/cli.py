"""``daofu serve``: run the service in the foreground (``daofu run`` starts it together with Rasa)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the service alone (channels, APIs, action endpoint); Rasa must run separately",
        description="Binds DAOFU_HOST:DAOFU_PORT (default 127.0.0.1:8000) and expects Rasa at DAOFU_RASA_URL.",
    )
    serve.add_argument("--host", help="address to bind (default: DAOFU_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind (default: DAOFU_PORT or 8000)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from channels.app import serve
    from daofu.config import load_settings
    from daofu.ports import ensure_ports_free

    settings = load_settings()
    if args.host:
        settings = settings.replace(host=args.host)
    if args.port:
        settings = settings.replace(port=args.port)
    ensure_ports_free(settings, include_rasa=False)
    serve(settings)
    return 0
