"""The 12345 hotline agent console: ``/agent`` and its API under ``/api/agent`` (docs/agent-console.md).

Modules:

* :mod:`~channels.agent.config` — agent tokens from ``DAOFU_AGENT_TOKENS``;
* :mod:`~channels.agent.sms` — the SMS text (at most 300 characters);
* :mod:`~channels.agent.lookup_log` — the log of agent lookups (own table);
* :mod:`~channels.agent.report` — the monthly report;
* :mod:`~channels.agent.views` — guides, hits and hand-offs as JSON;
* :mod:`~channels.agent.routes` — the page and the API;
* ``static/`` — the console page (plain JS and CSS, no build step).
"""

from __future__ import annotations

import asyncio
import logging

from sanic import Sanic

from channels.agent.config import load_agent_directory
from channels.agent.lookup_log import LookupLog
from channels.agent.routes import AgentBackend, api_blueprint, page_blueprint
from channels.conversation import gate_of
from channels.takeover import TakeoverDesk
from daofu.services import Services

log = logging.getLogger(__name__)

__all__ = ["install"]


def install(app: Sanic, services: Services, backend: AgentBackend | None = None) -> None:
    """Add ``/agent`` and ``/api/agent``; the lookup table is created when the server starts.

    ``backend`` replaces what the console reads and writes (tests pass their own).
    """
    if backend is None:
        desk = getattr(app.ctx, "desk", None) or TakeoverDesk(gate_of(app, services))
        backend = AgentBackend(
            directory=load_agent_directory(services.settings),
            catalog=services.catalog,
            searcher=services.searcher,
            records=services.records,
            lookups=LookupLog(services.engine),
            desk=desk,
        )
    app.blueprint(page_blueprint())
    app.blueprint(api_blueprint(backend))

    @app.before_server_start
    async def prepare_agent_console(app: Sanic) -> None:
        if not backend.directory.configured:
            log.info("agent console off: %s", backend.directory.problem)
            return
        await asyncio.to_thread(backend.lookups.create)
        log.info("agent console on: %d agents", len(backend.directory.tokens))
