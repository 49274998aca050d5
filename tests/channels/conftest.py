"""Fixtures for the channel tests: a real redis-server on a free port, the WeChat API stub, services."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daofu.config import Settings
from daofu.ports import free_port
from daofu.services import Services
from knowledge.db import create_engine_for
from tests.channels.wechat_api_stub import WeChatApiStub

REDIS_SERVER = Path("/usr/bin/redis-server")


def services_for(settings: Settings | None = None) -> Services:
    """The shared objects a channel is installed with, on an empty database of their own.

    A SQLite file, not ``sqlite://``: the records are written from worker threads, and an in-memory
    SQLite database is one per thread. ``settings`` default to the environment
    (``Settings.from_env()``), as the service reads it.
    """
    path = Path(tempfile.mkdtemp(prefix="daofu-channel-")) / "service.db"
    return Services(settings or Settings.from_env(), create_engine_for(f"sqlite:///{path}"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away redis-server (no persistence); the Redis-backed stores are tested against it."""
    if not REDIS_SERVER.exists():
        pytest.fail(
            f"{REDIS_SERVER} is missing: the Redis-backed WeChat stores are tested against a real server. "
            "Install it with `apt-get install redis-server` (./scripts/test.sh does it)."
        )
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            str(REDIS_SERVER),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port} (exit code {process.poll()})")
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, 9)
            process.wait(timeout=5)


@pytest.fixture
def api_stub() -> Iterator[WeChatApiStub]:
    with WeChatApiStub(appid="wx-test-appid", secret="test-secret") as stub:
        yield stub
