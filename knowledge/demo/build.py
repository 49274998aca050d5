"""``daofu catalog build``: build the demo catalogue, write it, and import it.

:func:`build_and_import` builds the records (:mod:`knowledge.demo.catalog`), writes
``var/catalog/ningbo-demo.jsonl`` and the build report beside it, then imports that file through
the same validating importer as any external catalogue, pruning what the new build no longer has.
The import stores the builder's stamp with the catalogue (:data:`STAMP_KEY`), which is how the
setup step (:mod:`knowledge.setup`) tells a current demo catalogue from a stale one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from daofu.config import Settings
from knowledge.db import create_engine_for
from knowledge.demo.catalog import CATALOG_FILE, BuildReport, build_records, builder_stamp, write_catalog, write_report
from knowledge.importer import ImportResult, import_catalog

log = logging.getLogger(__name__)

# The catalogue fact that holds the stamp of the builder that made it.
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
