"""The cluster's private PostgreSQL: one server, two databases, the catalogue imported into one.

* ``daofu`` — the catalogue and the conversation records (``DAOFU_DATABASE_URL`` of the services);
* ``rasa`` — Rasa's tracker store, shared by both Rasa instances.

The server is Debian's PostgreSQL 15 (``/usr/lib/postgresql/15/bin``, or ``DAOFU_PG_BIN``), with
its data under the state folder, bound to 127.0.0.1 on its own port and its Unix socket in the
state folder too, so it never meets the system's own PostgreSQL. PostgreSQL refuses to run as
root; as root the server runs as the unprivileged ``nobody``. The catalogue is imported from the
file the setup built (``var/catalog/ningbo-demo.jsonl``) through the validating importer, and only
when the database does not hold the same catalogue already.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

from daofu.cluster.daemons import alive, last_lines, wait_until
from daofu.cluster.layout import ClusterError, Layout, State
from daofu.config import Settings

log = logging.getLogger(__name__)

SERVER_USER = "nobody"
SUPERUSER = "daofu"
CATALOG_DB = "daofu"
TRACKER_DB = "rasa"


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], what: str, timeout: float = 120) -> str:
    try:
        result = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClusterError(f"{what} failed: {exc}") from None
    if result.returncode != 0:
        raise ClusterError(f"{what} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def sqlalchemy_url(state: State, database: str = CATALOG_DB) -> str:
    return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{state.ports['postgres']}/{database}"


def tracker_url(state: State) -> str:
    """The tracker store's URL as Rasa's SQL tracker store reads it (psycopg2 in Rasa's environment)."""
    return f"postgresql://{SUPERUSER}@127.0.0.1:{state.ports['postgres']}/{TRACKER_DB}"


def _give_to_server_user(path: Path) -> None:
    """As root, the server (``nobody``) must own its folders and reach them through their parents."""
    if os.geteuid() != 0:
        return
    shutil.chown(path, SERVER_USER)
    probe = subprocess.run(["runuser", "-u", SERVER_USER, "--", "test", "-w", str(path)], capture_output=True)
    if probe.returncode != 0:
        raise ClusterError(
            f"PostgreSQL runs as {SERVER_USER} and cannot reach {path}: a folder above it is not open to other "
            "users; choose a state folder under an open path with --state-dir (e.g. /srv/daofu-cluster)"
        )


def initialise(layout: Layout, bin_dir: Path) -> None:
    """``initdb`` once; a data folder that exists is kept as it is."""
    if (layout.pg_data / "PG_VERSION").exists():
        return
    initdb = bin_dir / "initdb"
    if not initdb.exists():
        raise ClusterError(
            f"PostgreSQL is not installed ({initdb} is missing): apt-get install postgresql, "
            "or point DAOFU_PG_BIN at its bin folder"
        )
    base = layout.pg_data.parent
    base.mkdir(parents=True, exist_ok=True)
    layout.pg_sockets.mkdir(parents=True, exist_ok=True)
    _give_to_server_user(base)
    _give_to_server_user(layout.pg_sockets)
    log.info("creating the PostgreSQL cluster in %s", layout.pg_data)
    _run(
        [str(initdb), "-D", str(layout.pg_data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale"],
        "initdb",
    )


def pid(layout: Layout) -> int | None:
    """The postmaster's id from ``postmaster.pid`` (None when the server is not running)."""
    try:
        first = (layout.pg_data / "postmaster.pid").read_text().splitlines()[0]
        number = int(first)
    except (OSError, IndexError, ValueError):
        return None
    return number if alive(number, "postgres") else None


def start(layout: Layout, state: State, bin_dir: Path) -> int:
    """Start the server (waits until it accepts connections); its process id."""
    initialise(layout, bin_dir)
    log_path = layout.log("postgres")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        log_path.touch()
        shutil.chown(log_path, SERVER_USER)
    options = f"-c listen_addresses=127.0.0.1 -p {state.ports['postgres']} -k {layout.pg_sockets}"
    command = [str(bin_dir / "pg_ctl"), "-D", str(layout.pg_data), "-l", str(log_path), "-o", options]
    try:
        _run([*command, "-w", "-t", "60", "start"], "starting PostgreSQL")
    except ClusterError as exc:
        raise ClusterError(f"{exc} (log: {log_path}: {last_lines(log_path)})") from None
    number = pid(layout)
    if number is None:
        raise ClusterError(f"PostgreSQL started but wrote no process id (log: {log_path})")
    return number


def stop(layout: Layout, bin_dir: Path) -> bool:
    """Stop the server (fast: open connections are closed); True if it was running."""
    if pid(layout) is None:
        return False
    command = [str(bin_dir / "pg_ctl"), "-D", str(layout.pg_data), "-m", "fast", "-w", "-t", "60", "stop"]
    _run(command, "stopping PostgreSQL")
    return True


def healthy(state: State) -> bool:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", port=state.ports["postgres"], user=SUPERUSER, dbname="postgres", connect_timeout=2
        ) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def create_databases(state: State) -> None:
    """Create the catalogue's and the tracker store's databases if they are missing."""
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=state.ports["postgres"], user=SUPERUSER, dbname="postgres", autocommit=True
    ) as connection:
        existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for name in (CATALOG_DB, TRACKER_DB):
            if name not in existing:
                connection.execute(f'CREATE DATABASE "{name}"')
                log.info("created the database %s", name)


def import_catalogue(state: State, settings: Settings) -> None:
    """The catalogue the setup built, imported into PostgreSQL when it is not there already."""
    from knowledge.db import create_engine_for
    from knowledge.demo.build import catalog_path
    from knowledge.errors import CatalogMissingError
    from knowledge.importer import import_catalog
    from knowledge.repository import Catalog

    source = catalog_path(settings)
    if not source.exists():
        raise ClusterError(f"the catalogue file {source} is missing; run `daofu setup` first")
    built = create_engine_for(settings.database_url, create_directory=False)
    target = create_engine_for(sqlalchemy_url(state))
    try:
        wanted = Catalog(built, settings).catalog_checksum()
        try:
            present = Catalog(target, settings).catalog_checksum()
        except CatalogMissingError:
            present = None  # an empty database: the importer creates the tables
        if present == wanted:
            log.info("the catalogue in PostgreSQL is up to date")
        else:
            started = time.monotonic()
            log.info("importing the catalogue into PostgreSQL (about a minute)")
            import_catalog(source, target, prune=True, progress=True)
            log.info("catalogue imported into PostgreSQL in %.0f s", time.monotonic() - started)
    finally:
        built.dispose()
        target.dispose()


def ready(state: State, timeout: float = 60) -> bool:
    return wait_until(lambda: healthy(state), timeout, interval=0.5)
