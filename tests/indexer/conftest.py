"""The searcher over the built index, shared by the tests that only read it."""

from __future__ import annotations

import pytest

from daofu.config import load_settings
from indexer.search import Searcher, load_searcher


@pytest.fixture(scope="session")
def searcher() -> Searcher:
    """Loaded once (about a gigabyte and a few seconds); tests must not change it."""
    return load_searcher(load_settings())
