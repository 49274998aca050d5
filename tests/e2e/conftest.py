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
from tests.channels.wechat_api_stub import WeChatApiStub

SHARED_ARTEFACTS = ("models", "index", "rasa-models", "cache")
COPIED_FILES = ("knowledge.db",)

# Extra environment for the service under test (test credentials only, never real ones).
SERVICE_TEST_ENV: dict[str, str] = {
    "DAOFU_WECHAT_TOKEN": "e2e-wechat-token",
    "DAOFU_WECHAT_APPID": "wxe2e0123456789abc",
    "DAOFU_WECHAT_AES_KEY": "ZTJlLXdlY2hhdC1hZXMta2V5LTMyLWJ5dGVzLWxvbmc",
    "DAOFU_WECHAT_SECRET": "e2e-wechat-secret",
    "DAOFU_WECHAT_TEST_HOOKS": "1",  # lets a test lower the reply deadline per request
}


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
def wechat_api() -> Iterator[WeChatApiStub]:
    """A local stand-in for WeChat's token and customer-service APIs, recording what it receives."""
    with WeChatApiStub(SERVICE_TEST_ENV["DAOFU_WECHAT_APPID"], SERVICE_TEST_ENV["DAOFU_WECHAT_SECRET"]) as stub:
        yield stub


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, wechat_api: WeChatApiStub) -> Iterator[ServerPair]:
    runtime = make_runtime_dir(tmp_path_factory.mktemp("runtime"))
    settings = Settings(var_dir=runtime, port=free_port(), rasa_port=free_port())
    pair = ServerPair(settings, extra_env={**SERVICE_TEST_ENV, "DAOFU_WECHAT_API_BASE": wechat_api.url})
    pair.start()
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture(scope="session")
def service(servers: ServerPair) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=servers.service_url, timeout=60) as client:
        yield client
