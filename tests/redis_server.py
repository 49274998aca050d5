"""A throw-away redis-server from Debian on a free port, for the tests of the shared state.

No persistence, loopback only. :meth:`RedisServer.stop` and :meth:`RedisServer.start` take it
away and bring it back on the same port, for the tests of what the service does without Redis.
Without the binary the fixture fails saying what to install: these tests do not skip silently.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from daofu.ports import free_port

REDIS_SERVER = Path("/usr/bin/redis-server")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        if not REDIS_SERVER.exists():
            pytest.fail(
                f"{REDIS_SERVER} is missing: the shared state is tested against a real Redis. "
                "Install it with `apt-get install redis-server` (./scripts/test.sh does it)."
            )
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        import redis

        command = [
            str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.workdir),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 20
        try:
            while True:
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"redis-server did not start on port {self.port} (exit code {self.process.poll()})")
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
