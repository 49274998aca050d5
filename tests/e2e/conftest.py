"""Real servers for end-to-end tests: Rasa (Python 3.10) and the service, started once per session.

They are started the way ``daofu run`` starts them, on free ports, with a private runtime folder
whose read-only artefacts (embedding model, index, trained dialogue model) are links to the ones
the setup built under ``var/``, and whose databases are fresh copies, so a test run never touches
a developer's conversations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from daofu.config import PROJECT_ROOT, Settings
from daofu.ports import free_port
from daofu.processes import ServerPair
from daofu.processes import make_runtime_dir as make_scratch_runtime
from daofu.secrets import rasa_token
from tests.channels.wechat_api_stub import WeChatApiStub

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

# Agents of the console under test: agent id → token (test credentials only).
AGENT_TOKENS: dict[str, str] = {"agent-e2e-1": "e2e-agent-token-0001", "agent-e2e-2": "e2e-agent-token-0002"}
# Headless Chromium from Debian (``apt-get install chromium chromium-driver fonts-noto-cjk``).
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=zh-CN",
)  # fmt: skip
BROWSER_WINDOW = (1366, 768)
# Screenshots of the browser tests (git-ignored).
ARTIFACTS_DIR = PROJECT_ROOT / "tests" / "artifacts"

# Extra environment for the service under test (test credentials only, never real ones).
SERVICE_TEST_ENV: dict[str, str] = {
    "DAOFU_WECHAT_TOKEN": "e2e-wechat-token",
    "DAOFU_WECHAT_APPID": "wxe2e0123456789abc",
    "DAOFU_WECHAT_AES_KEY": "ZTJlLXdlY2hhdC1hZXMta2V5LTMyLWJ5dGVzLWxvbmc",
    "DAOFU_WECHAT_SECRET": "e2e-wechat-secret",
    "DAOFU_WECHAT_TEST_HOOKS": "1",  # lets a test lower the reply deadline per request
    # The suite sends thousands of requests from one address; the limits themselves are tested in
    # tests/channels/test_limits.py.
    "DAOFU_RATE_LIMIT_PER_IP": "1000000",
    "DAOFU_RATE_LIMIT_TURNS": "100000",
    "DAOFU_AGENT_TOKENS": ",".join(f"{agent}:{token}" for agent, token in AGENT_TOKENS.items()),
    # Hand-offs left open by one test must not time out under another (test_bad_input checks that no
    # stored hand-off changes); the timeout has its own service in test_rating_and_payloads.py.
    "DAOFU_HANDOFF_TIMEOUT": "86400",
}
# Window sizes people look at: the console on a 1280×900 desk screen, the widget on a phone.
CONSOLE_WINDOW = (1280, 900)
PHONE_WINDOW = (390, 844)


def make_runtime_dir(target: Path, source: Path = PROJECT_ROOT / "var") -> Path:
    return make_scratch_runtime(target, source)


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


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One headless Chromium for the whole session (starting one costs seconds on two cores)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: the browser tests drive Debian's Chromium. Install it with "
            "`apt-get install chromium chromium-driver fonts-noto-cjk` (./scripts/test.sh does it)."
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={BROWSER_WINDOW[0]},{BROWSER_WINDOW[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def rasa_auth(servers: ServerPair) -> dict[str, str]:
    """Query parameters that authenticate a test's own calls to Rasa's HTTP API (it always has a token)."""
    return {"token": rasa_token(servers.settings)}


def save_screenshot(driver: WebDriver, name: str) -> Path:
    """Keep what the browser showed, as tests/artifacts/<name>.png, for people to look at."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
