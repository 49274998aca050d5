"""The setup step: build when missing or stale, otherwise a quick "up to date"."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from daofu.config import Settings
from knowledge import setup
from knowledge.db import create_engine_for
from knowledge.importer import import_catalog
from knowledge.setup import catalog_status, ensure_catalog
from tests.knowledge.samples import file_sha256, small_catalog, write_jsonl


def _recorder(calls: list[Settings]):  # type: ignore[no-untyped-def]
    """A stand-in for the (ten-second) build that records what it was asked to build."""

    def build(settings: Settings, **_: object) -> SimpleNamespace:
        calls.append(settings)
        return SimpleNamespace(report=SimpleNamespace(total_guides=0))

    return build


def test_up_to_date_catalogue_is_left_alone(demo_copy: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(var_dir=demo_copy.parent, database_url_override="")
    before = file_sha256(demo_copy)
    with caplog.at_level(logging.INFO, logger="knowledge.setup"):
        ensure_catalog(settings)
    assert "catalogue up to date" in caplog.text
    assert file_sha256(demo_copy) == before


def test_changed_inputs_trigger_a_rebuild(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(var_dir=demo_copy.parent, database_url_override="")
    monkeypatch.setattr(setup, "builder_stamp", lambda: "a-different-stamp")
    status = catalog_status(settings)
    assert status.needs_build and "changed" in status.reason
    calls: list[Settings] = []
    monkeypatch.setattr(setup, "build_and_import", _recorder(calls))
    ensure_catalog(settings)
    assert calls == [settings]


def test_missing_database_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(var_dir=tmp_path / "var", database_url_override="")
    assert catalog_status(settings).needs_build
    assert not (tmp_path / "var").exists()  # asking does not create anything
    calls: list[Settings] = []
    monkeypatch.setattr(setup, "build_and_import", _recorder(calls))
    ensure_catalog(settings)
    assert calls == [settings]


def test_an_imported_catalogue_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(var_dir=tmp_path / "var", database_url_override="")
    engine = create_engine_for(settings.database_url)
    import_catalog(write_jsonl(tmp_path / "small.jsonl", small_catalog()), engine)
    engine.dispose()
    status = catalog_status(settings)
    assert not status.needs_build and "imported catalogue 'small'" in status.reason
    monkeypatch.setattr(setup, "build_and_import", lambda *a, **kw: pytest.fail("must not build"))
    ensure_catalog(settings)
