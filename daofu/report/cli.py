"""``daofu report --month YYYY-MM``: the monthly service report as Markdown with PNG charts."""

from __future__ import annotations

import argparse
from pathlib import Path

from daofu.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report",
        help="the monthly service report: conversations, resolution, hand-offs, 好差评, top matters, knowledge gaps",
        description=(
            "Writes REPORT-DIR/daofu-report-YYYY-MM.md and its PNG charts from the conversation records "
            "(DAOFU_DATABASE_URL). Months are calendar months in Ningbo time (UTC+8)."
        ),
    )
    report.add_argument("--month", help="YYYY-MM (default: the current month in Ningbo)")
    report.add_argument("--out", type=Path, help="folder for the report (default: var/reports/YYYY-MM)")
    report.add_argument("--no-charts", action="store_true", help="Markdown only (no matplotlib, no CJK font needed)")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from daofu.records import ConversationRecords
    from daofu.report.charts import draw_charts
    from daofu.report.figures import month_figures
    from daofu.report.markdown import render_markdown
    from daofu.report.month import parse_month
    from knowledge.db import create_engine_for
    from knowledge.errors import CatalogError
    from knowledge.repository import Catalog

    settings = load_settings()
    month = parse_month(args.month)
    engine = create_engine_for(settings.database_url)
    records = ConversationRecords(engine)
    catalog = Catalog(engine, settings)

    def matter_name(code: str) -> str | None:
        """The matter's name; its code alone when the database holds no catalogue (records only)."""
        try:
            matter = catalog.matter(code)
        except CatalogError:
            return None
        return matter.name if matter else None

    figures = month_figures(records, month, matter_name)
    folder = args.out or settings.var_dir / "reports" / month.label
    folder.mkdir(parents=True, exist_ok=True)
    charts = [] if args.no_charts else draw_charts(figures, folder)
    path = folder / f"daofu-report-{month.label}.md"
    path.write_text(render_markdown(figures, charts), encoding="utf-8")
    print(f"{month.label}: {figures.conversations} conversations, {figures.rated} ratings → {path}")
    for chart in charts:
        print(f"  chart {chart}")
    return 0
