"""The shared objects of one service process, built once by the composition root.

:func:`channels.app.create_app` opens one :class:`Services` and hands it to every channel and to
the custom actions, so the process has one database engine, one catalogue reader, one records
store and one search index, whatever part asks. The search index takes seconds to load; it is
loaded on first use (the service warms it up at start) under a lock, so questions that arrive
together wait for one load instead of starting several.

Example::

    services = Services.open(load_settings())
    services.searcher().search("社保卡丢了咋补办").hits[0].name
    services.close()
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from daofu.config import Settings
from daofu.records import ConversationRecords
from knowledge.db import create_engine_for
from knowledge.repository import Catalog

if TYPE_CHECKING:
    from indexer.search import Searcher

log = logging.getLogger(__name__)


class Services:
    """Settings, database engine, catalogue, conversation records and the searcher of one process."""

    def __init__(self, settings: Settings, engine: Engine, searcher: Searcher | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.catalog = Catalog(engine, settings)
        self.records = ConversationRecords(engine)
        self._searcher = searcher
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> Services:
        """Connect to ``settings.database_url`` (SQLite under ``var/`` by default)."""
        return cls(settings, create_engine_for(settings.database_url))

    def searcher(self) -> Searcher:
        """The search index, loaded on first use and checked against the live catalogue.

        Raises :class:`~indexer.errors.IndexError`-family errors (a :class:`~daofu.errors.DaofuError`)
        when the index is missing or was built from another catalogue.
        """
        if self._searcher is not None:
            return self._searcher
        with self._lock:
            if self._searcher is None:
                from indexer.search import Searcher

                self._searcher = Searcher.load(self.settings, catalog_checksum=self.catalog.catalog_checksum())
        return self._searcher

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for."""
        self.searcher()
        self.catalog.regions()

    def close(self) -> None:
        self.engine.dispose()
