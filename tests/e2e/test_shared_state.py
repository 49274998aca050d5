"""Two real service instances sharing one Redis: an agent's reply through one reaches a page on the other.

Behind nginx a citizen's widget socket and the agent's console requests land on whichever instance
the balancer picks. Here instance A takes the hand-off and sends the agent's words; the citizen's
socket is open on instance B. Both are ``daofu serve`` processes started as ``daofu run`` starts
the service, on one SQLite database (the hand-off queue) and one redis-server. Rasa is not needed
for the push: its tracker writes fail and are logged, which the desk tolerates by design.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import websockets

from daofu.config import PROJECT_ROOT, Settings
from daofu.ports import free_port
from daofu.processes import ManagedProcess, make_runtime_dir, service_command, wait_until_healthy
from daofu.records import ConversationRecords
from knowledge.db import create_engine_for
from tests.e2e.conftest import AGENT_TOKENS
from tests.redis_server import RedisServer

pytestmark = pytest.mark.e2e

AGENT, AGENT_TOKEN = next(iter(AGENT_TOKENS.items()))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer) -> Iterator[tuple[str, str, Path]]:
    """Two service instances on one database and one Redis: their base URLs and the database."""
    runtime = make_runtime_dir(tmp_path_factory.mktemp("shared"), PROJECT_ROOT / "var")
    processes = []
    for name in ("a", "b"):
        port = free_port()
        env = dict(
            os.environ,
            DAOFU_VAR_DIR=str(runtime),
            DAOFU_PORT=str(port),
            DAOFU_RASA_PORT=str(free_port()),  # no Rasa: the push does not need it
            DAOFU_REDIS_URL=redis_server.url,
            DAOFU_AGENT_TOKENS=",".join(f"{agent}:{token}" for agent, token in AGENT_TOKENS.items()),
            DAOFU_CHANNELS="widget,agent",
            DAOFU_HANDOFF_TIMEOUT="86400",
            OMP_NUM_THREADS="1",
        )
        log = runtime / "logs" / f"service-{name}.log"
        health = f"http://127.0.0.1:{port}/health"
        processes.append(ManagedProcess(f"service-{name}", service_command(Settings()), health, log, env, PROJECT_ROOT))
    try:
        for process in processes:
            process.start()
        wait_until_healthy(processes, timeout=180)
        first, second = (process.health_url.removesuffix("/health") for process in processes)
        yield first, second, runtime / "knowledge.db"
    finally:
        for process in processes:
            process.stop()


AUTH = {"Authorization": f"Bearer {AGENT_TOKEN}"}


async def subscribed(redis_server: RedisServer, citizen: str, timeout: float = 20.0) -> None:
    """Wait until an instance listens on Redis for ``citizen`` (its socket is open there)."""
    channel = f"daofu:push:{citizen}"
    client = redis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not dict(client.pubsub_numsub(channel))[channel.encode()]:
            assert asyncio.get_running_loop().time() < deadline, f"nobody subscribed to {channel}"
            await asyncio.sleep(0.05)
    finally:
        client.close()


def open_handoff(database: Path, citizen: str) -> int:
    engine = create_engine_for(f"sqlite:///{database}")
    try:
        return ConversationRecords(engine).open_handoff(citizen, "widget", "asked", "想问问社保卡补办").id
    finally:
        engine.dispose()


def test_an_agents_reply_through_one_instance_reaches_a_widget_on_the_other(instances, redis_server):
    first, second, database = instances
    citizen = f"web-{uuid.uuid4().hex}"
    handoff_id = open_handoff(database, citizen)
    auth = AUTH

    async def scenario() -> tuple[list[dict], dict]:
        ws_url = second.replace("http://", "ws://") + f"/widget/ws?sender={citizen}"
        async with websockets.connect(ws_url, open_timeout=10) as socket:
            await subscribed(redis_server, citizen)
            async with httpx.AsyncClient(base_url=first, headers=auth, timeout=30) as agent:
                taken = await agent.post(f"/api/agent/handoffs/{handoff_id}", json={"status": "taken"})
                assert taken.status_code == 200, taken.text
                said = await agent.post(f"/api/agent/handoffs/{handoff_id}/messages", json={"text": "您好，我来帮您"})
                assert said.status_code == 200, said.text
            frames = [json.loads(await asyncio.wait_for(socket.recv(), timeout=15)) for _ in range(2)]
            return frames, said.json()

    frames, said = asyncio.run(scenario())
    assert said["live"] is True  # instance A knows a page is open, on another instance
    assert [frame["type"] for frame in frames] == ["push", "push"]
    joined, words = (frame["messages"][0]["custom"] for frame in frames)
    assert joined["type"] == "agent_joined" and AGENT in joined["text"]
    assert words == {"type": "agent_text", "text": "您好，我来帮您", "agent": AGENT}


def test_without_redis_both_instances_keep_serving_and_pushes_cross_again_once_it_is_back(instances, redis_server):
    """Redis away: no crash, the agent's words still land (in the record, and on a page on the same
    instance); back: the instances subscribe again by themselves and pushes cross once more."""
    first, second, database = instances
    citizen = f"web-{uuid.uuid4().hex}"
    handoff_id = open_handoff(database, citizen)

    async def scenario() -> tuple[dict, dict, list[dict]]:
        ws_url = second.replace("http://", "ws://") + f"/widget/ws?sender={citizen}"
        async with websockets.connect(ws_url, open_timeout=10) as socket:
            await subscribed(redis_server, citizen)
            async with httpx.AsyncClient(base_url=first, headers=AUTH, timeout=30) as agent:
                taken = await agent.post(f"/api/agent/handoffs/{handoff_id}", json={"status": "taken"})
                assert taken.status_code == 200, taken.text
                joined = json.loads(await asyncio.wait_for(socket.recv(), timeout=15))
                redis_server.stop()
                alone = await agent.post(f"/api/agent/handoffs/{handoff_id}/messages", json={"text": "Redis 不在"})
                assert alone.status_code == 200, alone.text
                for url in (first, second):
                    assert (await agent.get(f"{url}/health")).status_code == 200
                redis_server.start()
                await subscribed(redis_server, citizen)
                back = await agent.post(f"/api/agent/handoffs/{handoff_id}/messages", json={"text": "又通了"})
                assert back.status_code == 200, back.text
                assert back.json()["live"] is True, (alone.json(), back.json())
            frames = [json.loads(await asyncio.wait_for(socket.recv(), timeout=15))]
            return alone.json(), back.json(), [joined, *frames]

    alone, back, frames = asyncio.run(scenario())
    assert alone["live"] is False  # recorded for the transcript, but no page on instance A and no Redis
    assert back["live"] is True
    texts = [frame["messages"][0]["custom"]["text"] for frame in frames]
    assert "已接入" in texts[0] and texts[1:] == ["又通了"]  # the words sent without Redis did not cross
