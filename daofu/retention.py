"""Forgetting conversations after ``DAOFU_RETENTION_DAYS``: what people wrote is not kept for ever.

Everything that holds a person's own words or numbers is deleted once it is older than the
retention period: Rasa's tracker events (the conversations themselves), takeover transcripts,
call-back requests (phone numbers), rating reasons, unanswered questions, pending expectations and
the text of hand-off summaries and of the agents' lookup log. What the monthly report counts without
words — ratings, hand-offs, conversations and the matters they reached — stays, so earlier months
can still be reported on.

The service runs :func:`purge` at start and then once a day; ``daofu purge`` runs it by hand
(``--dry-run`` counts without deleting).

Example::

    counts = purge(settings, engine, days=180)    # {"tracker events": 1200, "handoff transcripts": 33, …}
"""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, MetaData, Table, delete, func, inspect, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from daofu.config import Settings, load_settings
from daofu.errors import DaofuError

log = logging.getLogger(__name__)

# (table, timestamp column, what it holds) — rows older than the period are deleted.
DELETED: tuple[tuple[str, str, str], ...] = (
    ("conversation_handoff_event", "created_at", "handoff transcripts"),
    ("conversation_callback", "created_at", "call-back requests"),
    ("conversation_rating_reason", "created_at", "rating reasons"),
    ("conversation_unanswered", "created_at", "unanswered questions"),
    ("conversation_expectation", "created_at", "pending expectations"),
)
# (table, timestamp column, text columns, what it holds) — rows stay for the counts, their words go.
BLANKED: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("conversation_handoff", "created_at", ("summary",), "handoff summaries"),
    ("agent_lookup", "created_at", ("query", "phone"), "agent lookup texts"),
)


class RetentionError(DaofuError):
    """A store could not be purged (unreachable, or not the schema expected)."""


def _table(connection: Connection, name: str) -> Table | None:
    if not inspect(connection).has_table(name):
        return None
    return Table(name, MetaData(), autoload_with=connection)


def purge_records(engine: Engine, cutoff: datetime, dry_run: bool = False) -> dict[str, int]:
    """Delete or blank the service's records older than ``cutoff``; counts per kind."""
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for name, column, label in DELETED:
            table = _table(connection, name)
            if table is None:
                continue
            old = table.c[column] < cutoff
            if dry_run:
                counts[label] = connection.scalar(select(func.count()).select_from(table).where(old)) or 0
            else:
                counts[label] = connection.execute(delete(table).where(old)).rowcount
        for name, column, texts, label in BLANKED:
            table = _table(connection, name)
            if table is None:
                continue
            old = (table.c[column] < cutoff) & (table.c[texts[0]].is_not(None)) & (table.c[texts[0]] != "")
            if dry_run:
                counts[label] = connection.scalar(select(func.count()).select_from(table).where(old)) or 0
            else:
                blank = {text: ("" if not table.c[text].nullable else None) for text in texts}
                counts[label] = connection.execute(update(table).where(old).values(**blank)).rowcount
    return counts


def purge_tracker(tracker_url: str, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete Rasa's tracker events older than ``cutoff`` (its SQL tracker store's ``events`` table)."""
    from knowledge.db import create_engine_for, sqlite_path

    path = sqlite_path(tracker_url)
    if path is not None and not path.exists():
        return 0  # no conversation yet
    engine = create_engine_for(tracker_url, create_directory=False)
    try:
        with engine.begin() as connection:
            table = _table(connection, "events")
            if table is None:
                return 0
            old = table.c["timestamp"] < cutoff.timestamp()
            if dry_run:
                return connection.scalar(select(func.count()).select_from(table).where(old)) or 0
            return connection.execute(delete(table).where(old)).rowcount
    except SQLAlchemyError as exc:
        raise RetentionError(
            f"the tracker store could not be purged ({type(exc).__name__}: {exc.orig or exc})"
        ) from None
    finally:
        engine.dispose()


def tracker_url(settings: Settings) -> str:
    """The tracker store's SQLAlchemy URL (SQLite under var/rasa/ unless DAOFU_TRACKER_DB_URL says)."""
    if settings.tracker_db_url:
        return settings.tracker_db_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{settings.var_dir / 'rasa' / 'tracker.db'}"


def purge(settings: Settings, engine: Engine, days: int | None = None, dry_run: bool = False) -> dict[str, int]:
    """Everything older than ``days`` (default ``DAOFU_RETENTION_DAYS``) forgotten; counts per kind."""
    days = settings.retention_days if days is None else days
    cutoff = datetime.now(UTC) - timedelta(days=days)
    counts = purge_records(engine, cutoff, dry_run)
    counts["tracker events"] = purge_tracker(tracker_url(settings), cutoff, dry_run)
    log.info(
        "retention (%d days): %s %s", days, "would forget" if dry_run else "forgot",
        ", ".join(f"{count} {label}" for label, count in counts.items()) or "nothing",
    )  # fmt: skip
    return counts


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "purge",
        help="forget conversations older than DAOFU_RETENTION_DAYS (the service does it daily)",
        description="Deletes Rasa's tracker events, transcripts, call-backs, reasons and unanswered questions "
        "older than the retention period and blanks the words of older hand-off summaries and lookups.",
    )
    command.add_argument("--days", type=int, help="the retention period in days (default: DAOFU_RETENTION_DAYS)")
    command.add_argument("--dry-run", action="store_true", help="count what would be forgotten, delete nothing")
    command.set_defaults(handler=_purge)


def _purge(args: argparse.Namespace) -> int:
    from knowledge.db import create_engine_for

    if args.days is not None and args.days < 1:
        raise SystemExit("daofu purge: --days must be at least 1")
    settings = load_settings()
    engine = create_engine_for(settings.database_url)
    try:
        counts = purge(settings, engine, args.days, args.dry_run)
    finally:
        engine.dispose()
    verb = "would forget" if args.dry_run else "forgot"
    for label, count in counts.items():
        print(f"{verb} {count:>7} {label}")
    return 0
