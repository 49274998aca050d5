"""Import semantics: idempotent, changes reported, removal only with --prune, dry runs write nothing,
one transaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from daofu.cli import main
from knowledge import importer
from knowledge.db import create_engine_for
from knowledge.errors import CatalogError
from knowledge.importer import import_catalog
from knowledge.repository import Catalog
from tests.knowledge.conftest import DemoBuild
from tests.knowledge.samples import database_fingerprint, file_sha256, small_catalog, write_jsonl


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'db' / 'knowledge.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Engine:
    """The engine with the small catalogue imported."""
    result = import_catalog(write_jsonl(tmp_path / "v1.jsonl", small_catalog()), engine)
    assert len(result.added) == 5 and len(result.matters_added) == 2 and len(result.regions_added) == 4
    return engine


def _db_file(engine: Engine) -> Path:
    return Path(engine.url.database or "")


def test_reimport_changes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before_rows, before_file = database_fingerprint(loaded), file_sha256(_db_file(loaded))
    checksum = Catalog(loaded).catalog_checksum()
    result = import_catalog(write_jsonl(tmp_path / "again.jsonl", small_catalog()), loaded)
    assert not result.changed_anything
    assert result.added == result.changed == result.removed == result.absent == ()
    assert len(result.unchanged) == 5 and result.matters_affected == ()
    assert result.catalog_checksum == checksum
    assert database_fingerprint(loaded) == before_rows
    assert file_sha256(_db_file(loaded)) == before_file


def test_changed_guide_is_reported(loaded: Engine, tmp_path: Path) -> None:
    checksums = Catalog(loaded).matter_checksums()
    lines = small_catalog()
    target = next(line for line in lines if line.get("id") == "NB-330212-T-001")
    target["fee"] = "工本费20元"
    target["materials"].append(
        {"name": "户口簿", "form": "原件", "copies": 1, "required": False, "e_license": True, "note": ""}
    )
    result = import_catalog(write_jsonl(tmp_path / "v2.jsonl", lines), loaded)
    assert result.changed == ("NB-330212-T-001",)
    assert result.added == result.removed == ()
    assert len(result.unchanged) == 4
    assert result.matters_changed == () and result.matters_affected == ("T-001",)
    catalog = Catalog(loaded)
    guide = catalog.guide("NB-330212-T-001")
    assert guide is not None and guide.fee == "工本费20元" and len(guide.materials) == 3
    after = catalog.matter_checksums()
    assert after["T-001"] != checksums["T-001"] and after["T-002"] == checksums["T-002"]


def test_changed_matter_is_reported_without_touching_guides(loaded: Engine, tmp_path: Path) -> None:
    lines = small_catalog()
    next(line for line in lines if line.get("code") == "T-002")["aliases"] = ["社团登记"]
    result = import_catalog(write_jsonl(tmp_path / "v2.jsonl", lines), loaded)
    assert result.matters_changed == ("T-002",) and result.matters_affected == ("T-002",)
    assert result.changed == () and len(result.unchanged) == 5
    assert Catalog(loaded).matter_by_name("社团登记").code == "T-002"


def test_absent_guides_are_kept_without_prune(loaded: Engine, tmp_path: Path) -> None:
    lines = [line for line in small_catalog() if line.get("id") != "NB-3302-T-002"]
    result = import_catalog(write_jsonl(tmp_path / "fewer.jsonl", lines), loaded)
    assert result.absent == ("NB-3302-T-002",) and result.removed == ()
    assert Catalog(loaded).guide("NB-3302-T-002") is not None
    assert "--prune" in "\n".join(result.summary_lines())


def test_prune_removes_exactly_what_it_reports(loaded: Engine, tmp_path: Path) -> None:
    lines = [
        line for line in small_catalog()
        if line.get("matter") != "T-002" and line.get("code") != "T-002" and line.get("id") != "NB-330203001-T-001"
        and line.get("code") != "330203001"
    ]  # fmt: skip
    before = {guide.id: guide for guide in Catalog(loaded).iter_guides()}
    result = import_catalog(write_jsonl(tmp_path / "pruned.jsonl", lines), loaded, prune=True)
    assert result.removed == tuple(sorted(["NB-330203001-T-001", "NB-330212-T-002", "NB-3302-T-002"]))
    assert result.matters_removed == ("T-002",) and result.regions_removed == ("330203001",)
    assert set(result.matters_affected) == {"T-001", "T-002"}
    after = {guide.id: guide for guide in Catalog(loaded).iter_guides()}
    assert set(after) == set(before) - set(result.removed)
    for guide_id, guide in after.items():
        assert guide == before[guide_id] or guide.matter.checksum != before[guide_id].matter.checksum
    assert Catalog(loaded).matter("T-002") is None


def test_dry_run_writes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before_rows, before_file = database_fingerprint(loaded), file_sha256(_db_file(loaded))
    lines = [line for line in small_catalog() if line.get("id") != "NB-3302-T-002"]
    next(line for line in lines if line.get("id") == "NB-330212-T-001")["fee"] = "10元"
    result = import_catalog(write_jsonl(tmp_path / "dry.jsonl", lines), loaded, prune=True, dry_run=True)
    assert result.dry_run and result.changed == ("NB-330212-T-001",) and result.removed == ("NB-3302-T-002",)
    assert "dry run: nothing was written" in result.summary_lines()
    assert database_fingerprint(loaded) == before_rows
    assert file_sha256(_db_file(loaded)) == before_file


def test_dry_run_creates_no_database(tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cli_env).rmdir()
    good = write_jsonl(tmp_path / "good.jsonl", small_catalog())
    assert main(["catalog", "import", str(good), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "guides 5 to add, 0 to change, 0 to remove, 0 unchanged" in out and "nothing was written" in out
    assert not cli_env.exists()


def test_new_id_for_a_stored_matter_and_region_needs_prune(loaded: Engine, tmp_path: Path) -> None:
    before = database_fingerprint(loaded)
    lines = small_catalog()
    next(line for line in lines if line.get("id") == "NB-330212-T-001")["id"] = "RENAMED-1"
    path = write_jsonl(tmp_path / "renamed.jsonl", lines)
    with pytest.raises(CatalogError, match=r"RENAMED-1.*NB-330212-T-001.*--prune"):
        import_catalog(path, loaded)
    assert database_fingerprint(loaded) == before
    result = import_catalog(path, loaded, prune=True)
    assert result.added == ("RENAMED-1",) and result.removed == ("NB-330212-T-001",)


def test_a_failure_half_way_leaves_the_database_as_it_was(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_rows = database_fingerprint(loaded)
    lines = small_catalog()
    for line in lines:
        if line.get("kind") == "guide":
            line["fee"] = "改了"
    calls = 0
    original = importer._material_rows

    def failing(record):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls > 3:
            raise RuntimeError("disk full")
        return original(record)

    monkeypatch.setattr(importer, "_material_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_catalog(write_jsonl(tmp_path / "v2.jsonl", lines), loaded)
    assert database_fingerprint(loaded) == before_rows


def test_reimporting_the_demo_changes_nothing(demo: DemoBuild, demo_copy: Path) -> None:
    engine = create_engine_for(f"sqlite:///{demo_copy}")
    before = file_sha256(demo_copy)
    result = import_catalog(demo.jsonl, engine)
    assert not result.changed_anything and len(result.unchanged) == 31_224
    assert file_sha256(demo_copy) == before
    engine.dispose()


def test_import_command_json_result(tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", small_catalog())
    assert main(["catalog", "import", str(good), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["added"]) == 5 and result["matters_affected"] == ["T-001", "T-002"]
    assert main(["catalog", "import", str(good), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["added"] == [] and again["unchanged"] == 5 and again["matters_affected"] == []
