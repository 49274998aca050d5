"""The setup step for the catalogue: make sure there is one, and that a demo catalogue is current.

:func:`ensure_catalog` is what ``daofu setup`` (and ``daofu catalog ensure``) runs: it builds the
demo catalogue (:func:`knowledge.demo.build.build_and_import`) only when the database has no
catalogue or the builder's inputs — the data files and the builder's own code — changed since the
last build (their hash is stored with the catalogue). Otherwise it logs "up to date" and returns in
a few milliseconds. A catalogue imported from elsewhere is never overwritten by it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from daofu.config import Settings
from knowledge.db import create_engine_for, create_schema, has_schema, read_meta
from knowledge.demo.build import STAMP_KEY, build_and_import
from knowledge.demo.catalog import CATALOG_NAME, builder_stamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogStatus:
    needs_build: bool
    reason: str


def catalog_status(settings: Settings, engine: Engine | None = None) -> CatalogStatus:
    """Whether the demo catalogue needs building, and why (or why not)."""
    own_engine = engine is None
    engine = engine or create_engine_for(settings.database_url, create_directory=False)
    try:
        if not has_schema(engine):
            return CatalogStatus(True, "the database has no catalogue yet")
        create_schema(engine)  # an older database gets the columns added since
        with engine.connect() as connection:
            meta = read_meta(connection)
    finally:
        if own_engine:
            engine.dispose()
    name = meta.get("name")
    if not name:
        return CatalogStatus(True, "the database has no catalogue yet")
    if name != CATALOG_NAME:
        return CatalogStatus(
            False, f"the database holds the imported catalogue {name!r}; the demo is not built over it"
        )
    if meta.get(STAMP_KEY) != builder_stamp():
        return CatalogStatus(True, "the builder's data files or code changed since the last build")
    return CatalogStatus(False, "catalogue up to date")


def ensure_catalog(settings: Settings) -> None:
    """Build the demo catalogue if it is missing or stale; otherwise log that it is up to date."""
    started = time.monotonic()
    status = catalog_status(settings)
    if not status.needs_build:
        log.info("%s (checked in %.0f ms)", status.reason, 1000 * (time.monotonic() - started))
        return
    log.info("building the demo catalogue: %s", status.reason)
    outcome = build_and_import(settings)
    log.info("catalogue ready: %s guides in %.1f s", outcome.report.total_guides, time.monotonic() - started)
