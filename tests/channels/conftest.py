"""Fixtures for the channel tests: a real redis-server on a free port, the WeChat API stub, services."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sanic import Sanic

from daofu.config import Settings
from daofu.services import Services
from knowledge.db import create_engine_for
from tests.channels.wechat_api_stub import WeChatApiStub
from tests.redis_server import RedisServer


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
    """A throw-away redis-server (no persistence) shared by the session's Redis-backed store tests."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, which the test may stop and start again."""
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def api_stub() -> Iterator[WeChatApiStub]:
    with WeChatApiStub(appid="wx-test-appid", secret="test-secret") as stub:
        yield stub


@asynccontextmanager
async def asgi_lifespan(app: Sanic) -> AsyncIterator[Sanic]:
    """Run ``app``'s start-up and shutdown through the ASGI lifespan, as a server would, around the block."""
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: asyncio.Queue = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        yield app
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan
