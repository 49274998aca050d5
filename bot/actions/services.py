"""The catalogue, the searcher and the conversation records, loaded once per process.

Actions are instantiated by rasa-sdk's executor, not by us, so they reach these shared objects
through the functions below. The service calls :func:`warm_up` at start so the first question
does not pay for loading the index (a few seconds).
"""

from __future__ import annotations

import threading
from functools import cache

from bot.records import ConversationRecords
from daofu.config import Settings, load_settings
from indexer.search import Searcher, load_searcher
from knowledge.db import create_engine_for
from knowledge.repository import Catalog

_lock = threading.Lock()


@cache
def settings() -> Settings:
    return load_settings()


@cache
def _searcher() -> Searcher:
    return load_searcher(settings())


def searcher() -> Searcher:
    with _lock:  # one load even when the first questions arrive together
        return _searcher()


@cache
def catalog() -> Catalog:
    return Catalog(create_engine_for(settings().database_url), settings())


@cache
def records() -> ConversationRecords:
    return ConversationRecords.open(settings().database_url)


def warm_up() -> None:
    searcher()
    catalog().regions()
    records()
