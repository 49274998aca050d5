"""The catalogue on a real PostgreSQL: the same import, validation and reads as on SQLite.

A private PostgreSQL 15 server is started for the session (initdb + pg_ctl, loopback only, on a
free port, socket in a temporary directory) and stopped afterwards. As root, the server runs as
the unprivileged ``nobody`` user. Without the PostgreSQL binaries the fixture fails with a message
saying what to install: this test does not skip silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from daofu.ports import free_port
from knowledge.db import create_engine_for
from knowledge.errors import CatalogValidationError
from knowledge.importer import import_catalog
from knowledge.repository import Catalog
from knowledge.stats import compute_stats
from tests.knowledge.conftest import DemoBuild
from tests.knowledge.samples import database_fingerprint, small_catalog, write_jsonl

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PG_BIN = Path(os.environ.get("DAOFU_PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "nobody"


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; run it as an unprivileged user when we are root."""
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not initdb.exists() or not pg_ctl.exists():
        pytest.fail(
            f"PostgreSQL binaries not found in {PG_BIN}: install PostgreSQL 15 (Debian: apt install postgresql) "
            "or point DAOFU_PG_BIN at its bin directory"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.fail("running as root needs `runuser` to start PostgreSQL as an unprivileged user")
    base = Path(tempfile.mkdtemp(prefix="daofu-pg-"))  # under /tmp, reachable by the server user
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, SERVER_USER)
        shutil.chown(sockets, SERVER_USER)
    port = free_port()
    started = False
    try:
        _run([str(initdb), "-D", str(data), "-U", "daofu", "--auth=trust", "-E", "UTF8", "--no-locale"], "initdb")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        _run([str(pg_ctl), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"], "pg_ctl start")
        started = True
        yield f"postgresql+psycopg://daofu@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(
                _as_server_user([str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True, timeout=120,
            )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url)
    with engine.begin() as connection:  # a clean schema for each test
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    yield engine
    engine.dispose()


def test_small_catalogue_round_trip(pg_engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "small.jsonl", small_catalog())
    first = import_catalog(path, pg_engine)
    assert len(first.added) == 5
    again = import_catalog(path, pg_engine)
    assert not again.changed_anything and again.catalog_checksum == first.catalog_checksum

    before = database_fingerprint(pg_engine)
    lines = small_catalog()
    lines[-1]["promised_days"] = 99
    with pytest.raises(CatalogValidationError, match="promised_days"):
        import_catalog(write_jsonl(tmp_path / "bad.jsonl", lines), pg_engine)
    assert database_fingerprint(pg_engine) == before

    lines = [line for line in small_catalog() if line.get("id") != "NB-3302-T-002"]
    pruned = import_catalog(write_jsonl(tmp_path / "fewer.jsonl", lines), pg_engine, prune=True)
    assert pruned.removed == ("NB-3302-T-002",)
    assert Catalog(pg_engine).guide("NB-3302-T-002") is None


def test_demo_catalogue_on_postgres(pg_engine: Engine, demo: DemoBuild) -> None:
    result = import_catalog(demo.jsonl, pg_engine)
    assert len(result.added) == 31_224
    # the same content gives the same checksum on either database
    assert result.catalog_checksum == demo.outcome.imported.catalog_checksum
    catalog = Catalog(pg_engine)
    guide = catalog.guide("NB-330212-NBC-A-001")
    assert guide is not None and guide.department == "宁波市公安局鄞州分局"
    assert sum(1 for _ in catalog.iter_guides()) == 31_224
    stats = compute_stats(pg_engine)
    assert stats.guides == 31_224 and stats.demo
    assert not import_catalog(demo.jsonl, pg_engine).changed_anything
