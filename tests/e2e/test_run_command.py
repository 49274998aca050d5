"""``daofu run`` — what the README's run command ends with — reaches "ready" and stops cleanly."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import httpx
import pytest

from daofu.config import PROJECT_ROOT
from daofu.ports import free_port, port_is_free
from tests.e2e.conftest import make_runtime_dir

pytestmark = pytest.mark.e2e


def test_run_reaches_ready_and_ctrl_c_stops_both_servers(tmp_path):
    runtime = make_runtime_dir(tmp_path / "var")
    service_port, rasa_port = free_port(), free_port()
    env = dict(os.environ, DAOFU_VAR_DIR=str(runtime), DAOFU_PORT=str(service_port), DAOFU_RASA_PORT=str(rasa_port))
    env.pop("DAOFU_AGENT_TOKENS", None)  # the embedded default: no agents named
    process = subprocess.Popen(
        [sys.executable, "-m", "daofu.cli", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            if "press Ctrl-C" in line:  # the last line of the banner that follows "ready:"
                break
        assert any(line.startswith("ready:") for line in output), "".join(output)
        assert httpx.get(f"http://127.0.0.1:{service_port}/health").status_code == 200
        rasa_status = f"http://127.0.0.1:{rasa_port}/status"
        assert httpx.get(rasa_status).status_code == 401  # Rasa's API always has a token, made on the first run
        rasa_token = (runtime / "secrets" / "rasa-token").read_text().strip()
        assert stat.S_IMODE((runtime / "secrets" / "rasa-token").stat().st_mode) == 0o600
        assert httpx.get(rasa_status, params={"token": rasa_token}).status_code == 200
        banner = "".join(output)
        assert f"http://127.0.0.1:{service_port}/" in banner and "/agent" in banner
        # The console works on the first run: a local token, readable only by its owner, named in the banner.
        token_file = runtime / "secrets" / "agent-token"
        assert f"log in as local-agent with the token in {token_file}" in banner
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text().strip()
        me = httpx.get(f"http://127.0.0.1:{service_port}/api/agent/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json() == {"agent_id": "local-agent"}
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "stopped the service, then Rasa" in rest
    assert port_is_free("127.0.0.1", service_port) and port_is_free("127.0.0.1", rasa_port)
