"""One real cluster for the fault tests: PostgreSQL, Redis, two Rasa, two services and nginx.

It is started the way an operator starts it (``daofu cluster up`` as a separate process), in a
private folder whose read-only artefacts (embedding model, index, dialogue model, catalogue file)
are links to the ones the setup built, on free ports, and stopped and deleted afterwards
(``daofu cluster down --purge``). Starting it takes a few minutes on two cores, so the whole
module shares one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from daofu.cluster.control import Cluster
from daofu.cluster.daemons import alive, wait_until
from daofu.config import PROJECT_ROOT, Settings
from daofu.ports import free_port
from daofu.secrets import rasa_token
from tests.channels.wechat_api_stub import WeChatApiStub
from tests.e2e.conftest import SERVICE_TEST_ENV, make_runtime_dir

DAOFU = PROJECT_ROOT / ".venv" / "bin" / "daofu"
# The catalogue file the cluster imports into PostgreSQL (besides what the e2e runtime links).
EXTRA_ARTEFACTS = ("catalog",)


@dataclass
class RunningCluster:
    """A started cluster and what the tests do to it: read its state, kill a process, run the command."""

    base: Path
    var_dir: Path
    state_dir: Path
    url: str
    env: dict[str, str]

    def command(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(DAOFU), "cluster", "--state-dir", str(self.state_dir), *args],
            env=self.env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def state(self) -> dict:
        return json.loads((self.state_dir / "state.json").read_text())

    def control(self) -> Cluster:
        """The cluster's Python interface, for stopping and starting one component."""
        return Cluster(Settings(var_dir=self.var_dir), self.state_dir, env=self.env)

    @property
    def rasa_token(self) -> str:
        """The token of both Rasa instances' HTTP API (a local secret of the cluster's runtime folder)."""
        return rasa_token(Settings(var_dir=self.var_dir))

    def pid(self, name: str) -> int | None:
        return {row.name: row.pid for row in self.control().status()}[name]

    def port(self, name: str) -> int:
        return self.state()["ports"][name]

    def kill(self, name: str) -> int:
        """kill -9 one component's main process, as a crash would, and wait until it is gone; its id."""
        pid = self.pid(name)
        assert pid is not None, f"{name} is not running"
        os.kill(pid, signal.SIGKILL)
        assert wait_until(lambda: not alive(pid), 30), f"{name} (pid {pid}) still runs after SIGKILL"
        return pid


@pytest.fixture(scope="module")
def wechat_stub() -> Iterator[WeChatApiStub]:
    with WeChatApiStub(SERVICE_TEST_ENV["DAOFU_WECHAT_APPID"], SERVICE_TEST_ENV["DAOFU_WECHAT_SECRET"]) as stub:
        yield stub


@pytest.fixture(scope="module")
def cluster(wechat_stub: WeChatApiStub) -> Iterator[RunningCluster]:
    # Under /tmp and open to others: PostgreSQL runs as `nobody` when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="daofu-cluster-"))
    os.chmod(base, 0o755)
    var_dir = make_runtime_dir(base / "var")
    for name in EXTRA_ARTEFACTS:
        if (PROJECT_ROOT / "var" / name).exists():
            (var_dir / name).symlink_to(PROJECT_ROOT / "var" / name)
    port = free_port()
    env = {
        **os.environ,
        **SERVICE_TEST_ENV,
        "DAOFU_VAR_DIR": str(var_dir),
        "DAOFU_WECHAT_API_BASE": wechat_stub.url,
    }
    running = RunningCluster(base, var_dir, base / "cluster", f"http://127.0.0.1:{port}", env)
    try:
        result = running.command("up", "--port", str(port))
        if result.returncode != 0:
            pytest.fail(f"daofu cluster up failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        yield running
    finally:
        running.command("down", "--purge", timeout=180)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def public(cluster: RunningCluster) -> Iterator[httpx.Client]:
    """A client of the cluster's public address (nginx)."""
    with httpx.Client(base_url=cluster.url, timeout=60) as client:
        yield client
