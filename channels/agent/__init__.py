"""The 12345 hotline agent console: ``/agent`` and its API under ``/api/agent`` (docs/agent-console.md).

Modules:

* :mod:`~channels.agent.config` — agent tokens from ``DAOFU_AGENT_TOKENS``;
* :mod:`~channels.agent.masking` — phone and ID numbers masked before anything is stored;
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
import os

from sanic import Sanic

from channels.agent.config import ENV_NAME, load_agent_directory
from channels.agent.lookup_log import LookupLog
from channels.agent.routes import AgentBackend, api_blueprint, page_blueprint
from daofu.config import Settings
from knowledge.db import create_engine_for
from knowledge.repository import Catalog

log = logging.getLogger(__name__)

__all__ = ["install"]


def _services_searcher():
    from bot.actions import services

    return services.searcher()


def _services_records():
    from bot.actions import services

    return services.records()


def install(app: Sanic, settings: Settings, backend: AgentBackend | None = None) -> None:
    """Add ``/agent`` and ``/api/agent``; the lookup table is created when the server starts.

    ``backend`` replaces the shared searcher and records (tests pass their own).
    """
    directory = load_agent_directory()
    if backend is None:
        engine = create_engine_for(settings.database_url)
        backend = AgentBackend(
            directory=directory,
            catalog=Catalog(engine, settings),
            searcher=_services_searcher,
            records=_services_records,
            lookups=LookupLog(engine),
        )
    app.blueprint(page_blueprint())
    app.blueprint(api_blueprint(backend))

    @app.before_server_start
    async def prepare_agent_console(app: Sanic) -> None:
        if not backend.directory.configured:
            # Unset is a choice (INFO); set but unusable is a mistake to fix (ERROR).
            level = logging.ERROR if os.environ.get(ENV_NAME, "").strip() else logging.INFO
            log.log(level, "agent console off: %s", backend.directory.problem)
            return
        await asyncio.get_running_loop().run_in_executor(None, backend.lookups.create)
        log.info("agent console on: %d agents", len(backend.directory.tokens))
