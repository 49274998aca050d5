"""How long the demo catalogue takes to build and import, against a naive ORM import.

Measures, on a fresh SQLite database in a temporary directory (or ``--database-url``):

1. build: the demo catalogue's records, written as JSON lines;
2. import of that file (validation + bulk inserts, one transaction);
3. re-import of the same file (nothing changes, so nothing is written);
4. baseline: the same validated records inserted the naive way — one ORM object per guide and per
   material, flushed row by row — into another fresh database.

Prints the times and the peak resident memory after each step. Nothing is asserted: the figures
are for reading (and for comparing machines, e.g. under ``taskset -c 0,1`` for two cores).

    .venv/bin/python benchmarks/catalog_bench.py
    .venv/bin/python benchmarks/catalog_bench.py --skip-baseline
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from knowledge.db import create_engine_for, create_schema, session_factory
from knowledge.demo.catalog import build_records, write_catalog
from knowledge.importer import import_catalog
from knowledge.models import Department, Guide, GuideMaterial, Matter, Region
from knowledge.records import CatalogRecords, content_hash, regions_parents_first
from knowledge.validation import read_catalog

T = TypeVar("T")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = action()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.2f} s   peak RSS {peak_rss_mb():7.0f} MB", flush=True)
    return value, seconds


def naive_import(path: Path, url: str) -> int:
    """The baseline: validate the same file, then add ORM objects one by one, flushing each guide."""
    records: CatalogRecords = read_catalog(path)
    engine = create_engine_for(url)
    create_schema(engine)
    with session_factory(engine)() as session:
        for code in regions_parents_first(records.regions):
            region = records.regions[code]
            session.add(
                Region(code=region.code, name=region.name, level=region.level, parent_code=region.parent,
                       aliases=list(region.aliases), content_sha256=content_hash(region.to_json()))
            )  # fmt: skip
            session.flush()
        for matter in records.matters.values():
            session.add(
                Matter(code=matter.code, name=matter.name, aliases=list(matter.aliases), item_type=matter.item_type,
                       service_object=list(matter.service_object), theme=matter.theme, levels=list(matter.levels),
                       legal_basis=matter.legal_basis, faq=[entry.to_json() for entry in matter.faq],
                       content_sha256=content_hash(matter.to_json()), checksum="")
            )  # fmt: skip
            session.flush()
        departments: dict[str, Department] = {}
        for guide in records.guides.values():
            department = departments.get(guide.department)
            if department is None:
                department = departments[guide.department] = Department(name=guide.department)
                session.add(department)
            row = Guide(
                id=guide.id, matter_code=guide.matter, region_code=guide.region, department=department,
                conditions=guide.conditions, steps=list(guide.steps), legal_days=guide.legal_days,
                promised_days=guide.promised_days, fee=guide.fee, address=guide.address, hours=guide.hours,
                phone=guide.phone, web=guide.online.web, mobile=guide.online.mobile,
                zero_visit=guide.online.zero_visit, max_visits=guide.online.max_visits, form_code=guide.form_code,
                content_sha256=content_hash(guide.to_json()),
                materials=[GuideMaterial(position=i, **m.to_json()) for i, m in enumerate(guide.materials)],
            )  # fmt: skip
            session.add(row)
            session.flush()
        session.commit()
    engine.dispose()
    return len(records.guides)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time the demo catalogue's build, import and re-import, against a naive row-by-row ORM import."
    )
    parser.add_argument("--workdir", type=Path, help="where to put the files (default: a temporary directory)")
    parser.add_argument(
        "--database-url", help="import into this database instead of a fresh SQLite file (it should be empty)"
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the naive ORM import")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="catalog-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"catalogue benchmark — Python {sys.version.split()[0]}, {cpus} CPU(s) available, work in {workdir}")
        jsonl = workdir / "ningbo-demo.jsonl"

        (records, _report), build_seconds = timed("build records", build_records)
        sha, write_seconds = timed("write JSON lines", lambda: write_catalog(records, jsonl))
        print(f"  {len(records.guides):,} guides, {jsonl.stat().st_size / 1e6:.1f} MB, sha256 {sha[:16]}…")

        url = args.database_url or f"sqlite:///{workdir / 'bulk.db'}"
        engine = create_engine_for(url)
        result, import_seconds = timed("import (validate + bulk insert)", lambda: import_catalog(jsonl, engine))
        print(f"  {len(result.added):,} guides added")
        again, reimport_seconds = timed("re-import, nothing changed", lambda: import_catalog(jsonl, engine))
        print(f"  {len(again.unchanged):,} unchanged, anything written: {again.changed_anything}")
        engine.dispose()

        baseline_seconds = None
        if not args.skip_baseline:
            baseline_url = f"sqlite:///{workdir / 'naive.db'}"
            _, baseline_seconds = timed(
                "baseline: naive ORM import, row by row", lambda: naive_import(jsonl, baseline_url)
            )

        print()
        summary = [
            ("build (records + JSON lines)", build_seconds + write_seconds),
            ("build + import (what `daofu catalog build` does)", build_seconds + write_seconds + import_seconds),
            ("import", import_seconds),
            ("re-import, no change", reimport_seconds),
        ]
        if baseline_seconds is not None:
            summary.append(("baseline: naive ORM import", baseline_seconds))
        for label, seconds in summary:
            print(f"{label:<50} {seconds:7.2f} s")
        if baseline_seconds is not None:
            print(f"{'bulk import speed-up over the baseline':<50} {baseline_seconds / import_seconds:7.1f} ×")
        print(f"{'peak RSS':<50} {peak_rss_mb():7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
