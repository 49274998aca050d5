"""Connecting to the catalogue database: any SQLAlchemy URL, SQLite by default.

The default is ``var/knowledge.db`` (``daofu.config.Settings.database_url``); ``DAOFU_DATABASE_URL``
points it elsewhere, e.g. ``postgresql+psycopg://user@host/daofu``. SQLite gets foreign-key
enforcement switched on so it refuses the same things PostgreSQL refuses, and runs in WAL mode
with a busy timeout: readers never block the writer, and a writer that meets another waits up to
:data:`SQLITE_BUSY_SECONDS` instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, insert, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from knowledge.errors import CatalogError
from knowledge.models import TABLES, Base, CatalogMeta


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


SQLITE_BUSY_SECONDS = 15


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def create_engine_for(url: str, *, create_directory: bool = True) -> Engine:
    """An engine for ``url``. For a SQLite file, its directory is created unless told otherwise
    (a dry run must not leave anything behind)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CatalogError(f"database URL {url!r} is not a SQLAlchemy URL (e.g. sqlite:///var/knowledge.db)") from None
    path = sqlite_path(url)
    if path is not None and create_directory:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # JSON columns keep Chinese readable (and a third the size) instead of \u escapes.
        options: dict[str, Any] = {"json_serializer": _json_dumps}
        if parsed.get_backend_name() == "sqlite":
            options["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
        else:
            options["pool_pre_ping"] = True  # a restarted PostgreSQL is reconnected, not an error per request
        engine = create_engine(parsed, **options)
    except NoSuchModuleError:
        raise CatalogError(f"no database driver for {parsed.drivername!r} in DAOFU_DATABASE_URL") from None
    except ModuleNotFoundError as exc:
        raise CatalogError(f"the driver for {parsed.drivername!r} is not installed ({exc.name})") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (the catalogue is read far more than written)."""
    return sessionmaker(engine, expire_on_commit=False)


def create_tables(metadata: MetaData, engine: Engine, attempts: int = 3) -> None:
    """Create ``metadata``'s missing tables, tolerating another process creating them at the same time.

    Two service instances starting on one database both see a table missing and both issue
    ``CREATE TABLE``; the loser gets "already exists" (SQLite) or a duplicate-type error
    (PostgreSQL). Trying again is safe: ``create_all`` then finds the table and skips it.
    """
    for attempt in range(1, attempts + 1):
        try:
            metadata.create_all(engine)
            return
        except DatabaseError:
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


def create_schema(engine: Engine) -> None:
    """Create the catalogue tables that are missing; existing tables are left as they are.

    For a SQLite file, its directory is created first.
    """
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    create_tables(Base.metadata, engine)
    add_missing_columns(engine)


# Columns added after the first release, with the DDL that adds them to an existing table (the
# same statement works on SQLite and PostgreSQL). Existing rows get the default.
ADDED_COLUMNS: dict[tuple[str, str], str] = {
    ("matter", "high_frequency"): "ALTER TABLE matter ADD COLUMN high_frequency BOOLEAN NOT NULL DEFAULT FALSE",
}


def add_missing_columns(engine: Engine) -> list[str]:
    """Bring an older catalogue database up to date without touching its data."""
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    added = []
    with engine.begin() as connection:
        for (table, column), ddl in ADDED_COLUMNS.items():
            if column not in {c["name"] for c in inspector.get_columns(table)}:
                connection.execute(text(ddl))
                added.append(f"{table}.{column}")
    return added


def read_meta(connection: Connection) -> dict[str, str]:
    """The catalogue's key/value facts (empty before the first import)."""
    return {key: value for key, value in connection.execute(select(CatalogMeta.key, CatalogMeta.value))}


def write_meta(connection: Connection, values: dict[str, str]) -> list[str]:
    """Store the facts that differ from what is there; return the keys written."""
    current = read_meta(connection)
    written = []
    for key, value in sorted(values.items()):
        if key not in current:
            connection.execute(insert(CatalogMeta).values(key=key, value=value))
        elif current[key] != value:
            connection.execute(update(CatalogMeta).where(CatalogMeta.key == key).values(value=value))
        else:
            continue
        written.append(key)
    return written


def has_schema(engine: Engine) -> bool:
    """Whether the catalogue tables exist (without creating a SQLite file that is not there)."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None and not path.exists():
        return False
    existing = set(inspect(engine).get_table_names())
    return all(table in existing for table in TABLES)
