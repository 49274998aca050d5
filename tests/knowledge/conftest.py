"""Fixtures for the catalogue tests.

The full demo catalogue is built and imported once per session (about ten seconds) into a SQLite
file under a temporary directory; tests that change it work on a copy. Bad-record tests use small
hand-written catalogues (:func:`small_catalog`) so that each one takes milliseconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from daofu.config import Settings
from knowledge.db import create_engine_for
from knowledge.demo.build import BuildOutcome, build_and_import


@dataclass(frozen=True)
class DemoBuild:
    settings: Settings
    outcome: BuildOutcome

    @property
    def db_path(self) -> Path:
        return self.settings.var_dir / "knowledge.db"

    @property
    def jsonl(self) -> Path:
        return self.outcome.path


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    """The demo catalogue, built and imported once for the whole session."""
    var_dir = tmp_path_factory.mktemp("demo-var")
    settings = Settings(var_dir=var_dir, database_url_override="")
    outcome = build_and_import(settings)
    return DemoBuild(settings, outcome)


@pytest.fixture(scope="session")
def demo_engine(demo: DemoBuild) -> Iterator[Engine]:
    """A read-only engine on the session's demo database (tests must not write through it)."""
    engine = create_engine_for(demo.settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_copy(demo: DemoBuild, tmp_path: Path) -> Path:
    """A private copy of the demo database, for tests that change it."""
    target = tmp_path / "var" / "knowledge.db"
    target.parent.mkdir(parents=True)
    shutil.copyfile(demo.db_path, target)
    return target


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the daofu command at a private var/ directory (and its SQLite database)."""
    var_dir = tmp_path / "var"
    var_dir.mkdir(exist_ok=True)
    monkeypatch.setenv("DAOFU_VAR_DIR", str(var_dir))
    monkeypatch.delenv("DAOFU_DATABASE_URL", raising=False)
    return var_dir
