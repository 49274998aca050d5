"""Faults on the production profile, for real: a process killed, a database restarted, Redis gone.

One cluster for the module (``conftest.py``), reached through nginx as the public reaches it.
Each test says which component it breaks; a killed Rasa or service is started again in the
background, and the last test kills nginx, brings it back with ``daofu cluster up`` and checks that
everything is healthy and that nothing that ran was restarted. No timing is asserted: waits
have generous deadlines and only say how long recovery may take at most.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from channels.dialogue import BUSY_TEXT, rendezvous_order
from tests.channels.wechat_api_stub import WeChatApiStub
from tests.cluster.conftest import RunningCluster
from tests.e2e.test_wechat import WeChatServer, new_msg_id, new_openid, text_xml

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.cluster]

# Needs as a person would put them (not from any evaluation file).
QUESTIONS = (
    "身份证快到期了怎么换",
    "社保卡丢了怎么补办",
    "想开个小吃店要办什么证",
    "公积金怎么提取",
    "孩子上学怎么报名",
)
SERVICES = ("service-1", "service-2")
UNTOUCHED: dict[str, int] = {}  # component → pid at the start, for the last test


def wait_for(condition: Callable[[], object], timeout: float, interval: float = 1.0) -> object:
    """Poll ``condition`` until it returns something true; that value, or None after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def chat(public: httpx.Client, sender: str, message: str, payload: str | None = None) -> httpx.Response:
    """A turn through nginx's /api/chat, sticky by the X-Daofu-Sender header."""
    body = {"sender": sender, "message": message, **({"payload": payload} if payload else {})}
    return public.post("/api/chat", json=body, headers={"X-Daofu-Sender": sender})


def answered(response: httpx.Response) -> bool:
    """An /api/chat turn the dialogue answered (not the 系统繁忙 reply given while a part is down)."""
    return response.status_code == 200 and not response.json().get("busy") and bool(response.json()["messages"])


def tracker(cluster: RunningCluster, rasa: str, sender: str) -> dict:
    """``sender``'s tracker as the Rasa instance ``rasa`` reads it from the shared tracker store."""
    url = f"http://127.0.0.1:{cluster.port(rasa)}/conversations/{sender}/tracker"
    response = httpx.get(url, params={"token": cluster.rasa_token}, timeout=30)
    response.raise_for_status()
    return response.json()


def live_rasa(cluster: RunningCluster) -> str:
    """A Rasa instance that answers (an earlier test may have killed the other, still loading again)."""

    def answering() -> str | None:
        rows = {row.name: row for row in cluster.control().status()}
        return next((name for name in ("rasa-1", "rasa-2") if rows[name].healthy), None)

    name = wait_for(answering, timeout=120)
    assert isinstance(name, str), "no Rasa instance answered within 120 s"
    return name


def test_status_shows_every_component_healthy(cluster: RunningCluster) -> None:
    result = cluster.command("status")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    for name in ("postgres", "redis", "service-1", "service-2", "rasa-1", "rasa-2", "nginx"):
        assert "healthy" in lines[name] and "unhealthy" not in lines[name], result.stdout
    assert "dialogue up" in lines["service-1"]
    UNTOUCHED.update({row.name: row.pid for row in cluster.control().status()})


def test_nginx_keeps_a_conversation_on_one_instance_and_hides_the_action_endpoint(
    cluster: RunningCluster, public: httpx.Client
) -> None:
    for _ in range(3):
        sender = "web-" + uuid.uuid4().hex
        instances = {
            public.get("/widget/history", params={"sender": sender}).headers["X-Daofu-Instance"] for _ in range(4)
        }
        assert len(instances) == 1 and instances <= set(SERVICES)
    assert public.post("/webhook", json={}).status_code == 404
    assert public.get("/actions").status_code == 404
    assert public.get("/nginx-health").text == "ok\n"


# --- a service instance killed under traffic -------------------------------------------------------


@dataclass
class WidgetClient:
    """One widget page: sends its questions one after the other, reconnecting when the socket drops."""

    url: str
    sender: str = field(default_factory=lambda: "web-" + uuid.uuid4().hex)
    acknowledged: list[str] = field(default_factory=list)
    instances: list[str] = field(default_factory=list)
    reconnects: int = 0
    errors: int = 0

    async def connect(self) -> websockets.ClientConnection:
        for attempt in range(60):
            try:
                socket = await websockets.connect(f"{self.url}/widget/ws?sender={self.sender}", open_timeout=10)
            except (OSError, InvalidStatus, TimeoutError):
                await asyncio.sleep(min(0.2 * (attempt + 1), 2.0))
                continue
            self.instances.append(socket.response.headers.get("X-Daofu-Instance", ""))
            return socket
        raise AssertionError(f"{self.sender} could not reconnect through nginx")

    async def talk(self, turns: int, started: asyncio.Event, max_messages: int = 12) -> None:
        """Send until ``turns`` answers came back; a turn is acknowledged by its ``bot`` frame."""
        socket = await self.connect()
        sent = 0
        while len(self.acknowledged) < turns and sent < max_messages:
            text = QUESTIONS[sent % len(QUESTIONS)]
            sent += 1
            try:
                await socket.send(json.dumps({"type": "message", "text": text}))
                while True:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=90))
                    if frame["type"] == "bot":
                        self.acknowledged.append(text)
                        started.set()
                        break
                    if frame["type"] == "error":
                        self.errors += 1
                        break
            except ConnectionClosed:
                self.reconnects += 1
                socket = await self.connect()
        await socket.close()


def history_texts(public: httpx.Client, sender: str) -> list[str]:
    response = public.get("/widget/history", params={"sender": sender})
    assert response.status_code == 200, response.text
    return [message["text"] for message in response.json()["messages"] if message["from"] == "user"]


def is_subsequence(wanted: list[str], found: list[str]) -> bool:
    remaining = iter(found)
    return all(any(text == candidate for candidate in remaining) for text in wanted)


def test_a_service_killed_under_traffic_loses_no_acknowledged_turn(
    cluster: RunningCluster, public: httpx.Client
) -> None:
    clients = [WidgetClient(cluster.url.replace("http://", "ws://")) for _ in range(10)]
    killed: list[str] = []

    async def run() -> None:
        started = asyncio.Event()
        talks = [asyncio.ensure_future(client.talk(4, started)) for client in clients]
        await started.wait()  # traffic flows: kill the instance that holds the most sockets, mid-turn
        await asyncio.sleep(0.3)
        first = [client.instances[0] for client in clients]
        victim = max(SERVICES, key=first.count)
        killed.append(victim)
        cluster.kill(victim)
        await asyncio.gather(*talks)

    asyncio.run(run())
    victim = killed[0]
    survivor = next(name for name in SERVICES if name != victim)
    moved = [client for client in clients if client.instances[0] == victim]
    assert moved, "no socket was on the killed instance"
    for client in moved:
        assert client.reconnects >= 1 and client.instances[-1] == survivor, client
    for client in clients:
        assert len(client.acknowledged) == 4, client
        found = history_texts(public, client.sender)
        assert is_subsequence(client.acknowledged, found), (client.acknowledged, found)
    assert cluster.pid(survivor) == UNTOUCHED[survivor]
    # Back in the background, while the next tests run (the last test checks it is healthy).
    cluster.control().start(victim, say=lambda _line: None, wait=False)


# --- a Rasa instance killed between two turns -------------------------------------------------------


def test_a_rasa_killed_mid_conversation_the_other_answers_with_the_slots_intact(
    cluster: RunningCluster, public: httpx.Client
) -> None:
    sender = "cluster-" + uuid.uuid4().hex[:12]
    conversation = f"api-{sender}"
    first = chat(public, sender, "我在鄞州区，身份证快到期了要换领")
    assert answered(first), first.text
    buttons = [button for message in first.json()["messages"] for button in message.get("buttons", [])]
    assert buttons, first.text  # the assistant offers the matters it found, for 鄞州区
    chosen = next((button for button in buttons if "换领" in button["title"]), buttons[0])
    urls = {f"http://127.0.0.1:{cluster.port(name)}": name for name in ("rasa-1", "rasa-2")}
    home = urls[rendezvous_order(list(urls), conversation)[0]]
    other = next(name for name in urls.values() if name != home)
    slots_before = tracker(cluster, home, conversation)["slots"]
    assert slots_before.get("region") == "鄞州区", slots_before

    cluster.kill(home)
    second = chat(public, sender, chosen["title"], payload=chosen["payload"])
    assert answered(second), second.text
    cards = [m["custom"] for m in second.json()["messages"] if m.get("custom", {}).get("type") == "guide_card"]
    assert cards and cards[0]["region"] == "鄞州区", second.text  # the region of the first turn is still known
    after = tracker(cluster, other, conversation)
    assert len([event for event in after["events"] if event["event"] == "user"]) == 2
    assert after["slots"]["region"] == "鄞州区" and after["slots"]["current_guide_id"] in chosen["payload"]
    assert UNTOUCHED[other] == cluster.pid(other)
    cluster.control().start(home, say=lambda _line: None, wait=False)  # loads while the next tests run


# --- PostgreSQL restarted -----------------------------------------------------------------------------


def test_postgres_restarted_clear_errors_while_down_and_recovery_without_restarts(
    cluster: RunningCluster, public: httpx.Client
) -> None:
    # A service that starts while PostgreSQL is down stops (it reads the catalogue at start): let
    # the instance an earlier test started again finish loading first. Rasa waits for its database.
    cluster.control().wait(("service-1", "service-2"))
    before = {row.name: row.pid for row in cluster.control().status()}
    assert all(before.values()), before
    sender = "pg-" + uuid.uuid4().hex[:12]
    assert answered(chat(public, sender, "你好"))
    control = cluster.control()
    assert control.stop("postgres", say=lambda _line: None)
    try:
        down = chat(public, sender, "社保卡丢了怎么补办")
        assert down.status_code == 200 and down.json()["busy"], down.text
        assert [message.get("text") for message in down.json()["messages"]] == [BUSY_TEXT]
        assert public.get("/health").status_code == 200
    finally:
        control.start("postgres", timeout=120, say=lambda _line: None)
    recovered = wait_for(lambda: answered(chat(public, sender, "社保卡丢了怎么补办")), timeout=60)
    assert recovered, "the dialogue did not recover within 60 s of PostgreSQL's restart"
    after = {row.name: row.pid for row in cluster.control().status()}
    for name in ("service-1", "service-2", "rasa-1", "rasa-2", "nginx", "redis"):
        assert after[name] == before[name], f"{name} was restarted"


# --- Redis gone ----------------------------------------------------------------------------------------


def test_redis_down_degrades_safely_without_double_wechat_answers(
    cluster: RunningCluster, public: httpx.Client, wechat_stub: WeChatApiStub
) -> None:
    before = {row.name: row.pid for row in cluster.control().status()}
    wechat = WeChatServer(cluster.url)
    cluster.kill("redis")
    try:
        openid, msg_id = new_openid(), new_msg_id()
        xml = text_xml(openid, "你好", msg_id)
        # WeChat delivers a message up to three times when it gets no answer in time.
        responses = [wechat.post(xml, params={"openid": openid}) for _ in range(3)]
        replies = [wechat.read(response) for response in responses]
        # Without the shared de-duplication no turn runs: every delivery is told 系统繁忙, none answered twice.
        assert [reply.content if reply else None for reply in replies] == [BUSY_TEXT] * 3
        events = tracker(cluster, live_rasa(cluster), f"wx-{openid}")["events"]
        assert [event for event in events if event["event"] == "user"] == []
        time.sleep(2)  # a late answer would have been pushed by now
        assert [m for m in wechat_stub.accepted_messages() if m.get("touser") == openid] == []
        assert public.get("/health").status_code == 200
    finally:
        cluster.control().start("redis", timeout=60, say=lambda _line: None)
    after = {row.name: row.pid for row in cluster.control().status()}
    for name in ("service-1", "service-2", "nginx", "postgres"):
        assert after[name] == before[name], f"{name} crashed or was restarted while Redis was down"

    def answered() -> bool:
        openid = new_openid()
        reply = wechat.read(wechat.post(text_xml(openid, "你好", new_msg_id()), params={"openid": openid}))
        return reply is not None and reply.content != BUSY_TEXT

    assert wait_for(answered, timeout=60), "WeChat was not answered again after Redis came back"


def test_up_brings_back_what_died_and_leaves_the_rest(cluster: RunningCluster, public: httpx.Client) -> None:
    cluster.kill("nginx")
    before = {row.name: row.pid for row in cluster.control().status()}
    assert before["nginx"] is None
    result = cluster.command("up")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "starting nginx" in result.stdout
    after = {row.name: (row.pid, row.healthy) for row in cluster.control().status()}
    assert all(healthy for _pid, healthy in after.values()), after
    for name, pid in before.items():
        if pid is not None:
            assert after[name][0] == pid, f"{name} was restarted although it ran"
    assert answered(chat(public, "after-" + uuid.uuid4().hex[:12], "你好"))
