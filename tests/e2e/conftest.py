"""Real servers for end-to-end tests: Rasa (Python 3.10) and the service, started once per session.

They are started the way ``daofu run`` starts them, on free ports, with a private runtime folder
whose read-only artefacts (embedding model, index, trained dialogue model) are links to the ones
the setup built under ``var/``, and whose databases are fresh copies, so a test run never touches
a developer's conversations.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from daofu.config import PROJECT_ROOT, Settings
from daofu.ports import free_port
from daofu.processes import ServerPair

SHARED_ARTEFACTS = ("models", "index", "rasa-models", "cache")
COPIED_FILES = ("knowledge.db",)


def make_runtime_dir(target: Path, source: Path = PROJECT_ROOT / "var") -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in SHARED_ARTEFACTS:
        if (source / name).exists():
            (target / name).symlink_to(source / name)
    for name in COPIED_FILES:
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPair]:
    runtime = make_runtime_dir(tmp_path_factory.mktemp("runtime"))
    settings = Settings(var_dir=runtime, port=free_port(), rasa_port=free_port())
    pair = ServerPair(settings)
    pair.start()
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture(scope="session")
def service(servers: ServerPair) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=servers.service_url, timeout=60) as client:
        yield client
