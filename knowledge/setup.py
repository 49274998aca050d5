"""Building the demo catalogue into the database, and keeping it current.

:func:`build_and_import` is ``daofu catalog build``: build the records, write
``var/catalog/ningbo-demo.jsonl`` and the build report, then import that file through the same
validating importer as any external catalogue (pruning what the new build no longer has).

:func:`ensure_catalog` is the setup step: it rebuilds only when the database has no catalogue or
the builder's inputs — the data files and the builder's own code — changed since the last build
(their hash is stored with the catalogue). Otherwise it logs "up to date" and returns in a few
milliseconds. A catalogue imported from elsewhere is never overwritten by it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from daofu.config import Settings
from knowledge.catalog import (
    CATALOG_FILE,
    CATALOG_NAME,
    BuildReport,
    build_records,
    builder_stamp,
    write_catalog,
    write_report,
)
from knowledge.db import create_engine_for, create_schema, has_schema, read_meta
from knowledge.importer import ImportResult, import_catalog

log = logging.getLogger(__name__)

STAMP_KEY = "builder_stamp"


@dataclass(frozen=True)
class BuildOutcome:
    path: Path
    sha256: str
    size: int
    report: BuildReport
    report_path: Path
    imported: ImportResult
    build_seconds: float
    write_seconds: float
    import_seconds: float


def catalog_path(settings: Settings) -> Path:
    return settings.var_dir / "catalog" / CATALOG_FILE


def build_and_import(
    settings: Settings, *, output: Path | None = None, engine: Engine | None = None, progress: bool = False
) -> BuildOutcome:
    """Build the demo catalogue, write it and its report, and import it (see the module doc)."""
    stamp = builder_stamp()
    started = time.monotonic()
    log.info("building the demo catalogue from knowledge/data")
    records, report = build_records()
    built = time.monotonic()
    log.info(
        "built %d guides for %d matters in %d regions in %.1f s",
        len(records.guides), len(records.matters), len(records.regions), built - started,
    )  # fmt: skip
    path = output or catalog_path(settings)
    sha = write_catalog(records, path)
    report.output, report.output_sha256 = str(path), sha
    report_path, _ = write_report(report, path.parent)
    written = time.monotonic()
    log.info("wrote %s (%.1f MB) and %s", path, path.stat().st_size / 1e6, report_path)
    own_engine = engine is None
    engine = engine or create_engine_for(settings.database_url)
    try:
        result = import_catalog(path, engine, prune=True, progress=progress, extra_meta={STAMP_KEY: stamp})
    finally:
        if own_engine:
            engine.dispose()
    return BuildOutcome(
        path=path,
        sha256=sha,
        size=path.stat().st_size,
        report=report,
        report_path=report_path,
        imported=result,
        build_seconds=built - started,
        write_seconds=written - built,
        import_seconds=time.monotonic() - written,
    )


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
