"""``daofu catalog …`` and ``daofu guide …``: build, import, inspect the catalogue.

The database is ``DAOFU_DATABASE_URL`` (default ``var/knowledge.db``). Bad input files and
missing guides end in one clear line and exit code 1 (validation problems are listed first).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from daofu.config import load_settings
from knowledge.errors import CatalogValidationError, NotFoundError
from knowledge.validation import GUIDE_ID

if TYPE_CHECKING:
    from sqlalchemy import Engine


def register(subparsers: argparse._SubParsersAction) -> None:
    catalog = subparsers.add_parser(
        "catalog",
        help="build, import and count the service-guide catalogue",
        description="The catalogue of service guides (办事指南) in the database named by DAOFU_DATABASE_URL "
        "(default var/knowledge.db).",
    )
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)

    build = actions.add_parser(
        "build",
        help="build the demo catalogue (31,224 guides) from knowledge/data and import it",
        description="Build the demo catalogue, write it as JSON lines (default var/catalog/ningbo-demo.jsonl) "
        "with a build report beside it, and import it, replacing the previous build (guides the new build "
        "no longer has are removed).",
    )
    build.add_argument("--output", type=Path, help="where to write the JSON-lines file")
    build.set_defaults(handler=_build)

    ensure = actions.add_parser(
        "ensure",
        help="build the demo catalogue only if it is missing or its inputs changed",
        description="What `daofu setup` runs: a no-op taking milliseconds when the catalogue is current.",
    )
    ensure.set_defaults(handler=_ensure)

    load = actions.add_parser(
        "import",
        help="validate a JSON-lines catalogue file and import it",
        description="Every record is validated first; if any is bad, nothing is written and each problem is "
        "listed as FILE:LINE: FIELD: PROBLEM. Importing the same file twice changes nothing. "
        "Format: docs/catalog-format.md.",
    )
    load.add_argument("file", type=Path, metavar="FILE", help="the catalogue file (JSON lines)")
    load.add_argument("--prune", action="store_true", help="remove guides that are in the database but not in FILE")
    load.add_argument("--dry-run", action="store_true", help="validate and report what would change; write nothing")
    load.add_argument("--json", action="store_true", help="print the result as JSON")
    load.set_defaults(handler=_import)

    stats = actions.add_parser(
        "stats",
        help="counts by level, district, type and service object; online shares beside the city's figures",
        description="Counts of guides by region level, district/county, matter type and service object, and "
        "the shares handled on the web, on mobile, with zero visits and on the spot, beside Ningbo's "
        "published figures.",
    )
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    stats.set_defaults(handler=_stats)

    guide = subparsers.add_parser("guide", help="show service guides", description="Read service guides.")
    guide_actions = guide.add_subparsers(dest="guide_command", metavar="ACTION", required=True)
    show = guide_actions.add_parser(
        "show",
        help="show one guide in Chinese, by id or by matter name and region",
        description="Show a guide: `daofu guide show NB-330212-NBC-A-020` or "
        "`daofu guide show --name 居民身份证换领 --region 鄞州区`.",
    )
    show.add_argument("guide_id", nargs="?", metavar="ID", help="guide id, e.g. NB-330212-NBC-A-020")
    show.add_argument("--name", help="matter name or alias (canonical names as in the catalogue)")
    show.add_argument("--region", help="region name: district, zone, town or station (e.g. 鄞州区, 南门街道)")
    show.add_argument("--json", action="store_true", help="print the guide as JSON")
    show.set_defaults(handler=_show, parser=show)


def _engine(create_directory: bool = True) -> Engine:
    from knowledge.db import create_engine_for

    return create_engine_for(load_settings().database_url, create_directory=create_directory)


def _build(args: argparse.Namespace) -> int:
    from knowledge.demo.build import build_and_import

    settings = load_settings()
    outcome = build_and_import(settings, output=args.output, progress=True)
    report, result = outcome.report, outcome.imported
    print(
        f"built {report.total_guides:,} guides ({report.total_matters:,} matters, {report.total_regions:,} regions) "
        f"in {outcome.build_seconds:.1f} s → {outcome.path} "
        f"({outcome.size / 1e6:.1f} MB, sha256 {outcome.sha256[:16]}…)"
    )
    for line in report.summary_lines():
        print(f"  {line}")
    print(f"build report: {outcome.report_path}")
    print(f"imported in {outcome.import_seconds:.1f} s:")
    for line in result.summary_lines():
        print(f"  {line}")
    total = outcome.build_seconds + outcome.write_seconds + outcome.import_seconds
    print(f"total {total:.1f} s")
    return 0


def _ensure(args: argparse.Namespace) -> int:
    from knowledge.setup import ensure_catalog

    ensure_catalog(load_settings())
    return 0


def _import(args: argparse.Namespace) -> int:
    from knowledge.importer import import_catalog

    engine = _engine(create_directory=False)  # the importer creates it once the file is valid
    try:
        result = import_catalog(
            args.file, engine, prune=args.prune, dry_run=args.dry_run, progress=True, display_name=str(args.file)
        )
    except CatalogValidationError as exc:
        for line in exc.report():
            print(line, file=sys.stderr)
        raise
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        for line in result.summary_lines():
            print(line)
    return 0


def _stats(args: argparse.Namespace) -> int:
    from knowledge.stats import compute_stats, stats_text

    engine = _engine(create_directory=False)
    try:
        stats = compute_stats(engine)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(stats.to_json(), ensure_ascii=False, indent=1))
    else:
        print(stats_text(stats))
    return 0


def _show(args: argparse.Namespace) -> int:
    from knowledge.render import guide_json, render_guide
    from knowledge.repository import Catalog

    guide_id, name = args.guide_id, args.name
    if guide_id and not name and not GUIDE_ID.match(guide_id):
        guide_id, name = None, guide_id  # a matter name given where the id goes
    if bool(guide_id) == bool(name):
        args.parser.error("give either a guide ID or --name NAME (with --region REGION)")
    engine = _engine(create_directory=False)
    try:
        catalog = Catalog(engine)
        if guide_id:
            guide = catalog.guide(guide_id)
            if guide is None:
                close = catalog.close_guide_ids(guide_id)
                hint = f"; close ids: {', '.join(close)}" if close else "; ids look like NB-330212-NBC-A-020"
                raise NotFoundError(f"no guide with id {guide_id!r}{hint}")
        else:
            guide = catalog.find_guide(name, args.region)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(guide_json(guide), ensure_ascii=False, indent=1))
    else:
        print(render_guide(guide))
    return 0
