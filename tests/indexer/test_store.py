"""The persisted index loads only as written: every file's checksum, and no pickle."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from daofu.config import PROJECT_ROOT, Settings
from indexer.errors import IndexMismatchError
from indexer.search import load_searcher
from indexer.store import DATA_FILES


def private_copy(tmp_path: Path) -> Settings:
    source = PROJECT_ROOT / "var"
    (tmp_path / "models").symlink_to(source / "models")
    shutil.copytree(source / "index", tmp_path / "index", ignore=shutil.ignore_patterns("cache"))
    shutil.copy2(source / "knowledge.db", tmp_path / "knowledge.db")
    return Settings(var_dir=tmp_path)


@pytest.mark.parametrize("name", DATA_FILES)
def test_a_changed_or_missing_file_is_refused_with_the_fix(tmp_path, name):
    settings = private_copy(tmp_path)
    path = settings.index_dir / name
    with path.open("ab") as handle:
        handle.write(b"\n")
    with pytest.raises(IndexMismatchError, match="daofu index build --full"):
        load_searcher(settings)
    path.unlink()
    with pytest.raises(IndexMismatchError, match=name):
        load_searcher(settings)


def test_no_array_needs_pickle_to_load():
    index_dir = PROJECT_ROOT / "var" / "index"
    for name in ("lexical.npz", "dense.npz"):
        with np.load(index_dir / name, allow_pickle=False) as arrays:
            for key in arrays.files:
                assert arrays[key].dtype != object, f"{name}:{key}"
