"""The assistant as ``./scripts/run.sh`` starts it: it heals a killed Rasa, and SIGTERM stops everything.

One start for the module (Rasa takes the better part of a minute to load on two cores): the
README's run command on free ports, with a private runtime folder. The first test kills Rasa with
SIGKILL in the middle of a conversation; while Rasa is away the service answers "系统繁忙，请稍后再试"
on /api/chat, the widget socket and WeChat; ``daofu run`` starts Rasa again and the conversation
goes on from the tracker store with its slots. The second test sends SIGTERM to the process the
script started: the service stops before Rasa, and no server is left running. The third runs
``daofu run`` with an external Rasa and a service that keeps crashing: it gives up in one line.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import websockets
from wechatpy import parse_message

from channels.dialogue import BUSY_TEXT
from channels.wechat.crypto import sign
from daofu.config import PROJECT_ROOT, Settings
from daofu.ports import free_port, port_is_free
from daofu.secrets import rasa_token
from tests.e2e.conftest import make_runtime_dir

pytestmark = pytest.mark.e2e

START_TIMEOUT = 300.0
WECHAT_TOKEN = "lifecycle-wechat-token"


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the parent id follows it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def command_of(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Assistant:
    process: subprocess.Popen
    settings: Settings
    output: list[str] = field(default_factory=list)

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def server_pid(self, name: str) -> int:
        """The pid of ``rasa`` or ``service`` among the supervisor's children."""
        marker = "/.venv-rasa/bin/" if name == "rasa" else "/.venv/bin/daofu serve"
        pids = [pid for pid in children_of(self.process.pid) if marker in command_of(pid)]
        assert len(pids) == 1, (name, [(pid, command_of(pid)) for pid in children_of(self.process.pid)])
        return pids[0]

    def text(self) -> str:
        return "".join(self.output)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    runtime = make_runtime_dir(tmp_path_factory.mktemp("lifecycle") / "var")
    settings = Settings(var_dir=runtime, port=free_port(), rasa_port=free_port())
    env = dict(
        os.environ,
        DAOFU_VAR_DIR=str(runtime),
        DAOFU_PORT=str(settings.port),
        DAOFU_RASA_PORT=str(settings.rasa_port),
        DAOFU_RATE_LIMIT_TURNS="1000",
        DAOFU_WECHAT_TOKEN=WECHAT_TOKEN,  # plain mode: no AES key
        DAOFU_WECHAT_APPID="wxlifecycle0123456",
    )
    process = subprocess.Popen(
        [str(PROJECT_ROOT / "scripts" / "run.sh")],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assistant = Assistant(process, settings)
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            assistant.output.append(line)
            if "press Ctrl-C" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(START_TIMEOUT):
            pytest.fail(f"./scripts/run.sh did not get ready:\n{assistant.text()}")
        yield assistant
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        reader.join(timeout=10)


def chat(assistant: Assistant, sender: str, message: str, payload: str | None = None) -> dict:
    body = {"sender": sender, "message": message, **({"payload": payload} if payload else {})}
    reply = httpx.post(f"{assistant.service_url}/api/chat", json=body, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def texts(reply: dict) -> str:
    return " ".join(m.get("text") or "" for m in reply["messages"])


def button(reply: dict, title_part: str) -> dict:
    for message in reply["messages"]:
        for option in message.get("buttons") or []:
            if title_part in option["title"]:
                return option
    raise AssertionError(f"no button with {title_part!r} in {reply['messages']}")


def widget_reply(assistant: Assistant, text: str) -> dict:
    """The frame that answers one widget message (after the typing frame)."""

    async def exchange() -> dict:
        url = f"ws://127.0.0.1:{assistant.settings.port}/widget/ws?sender=web-{uuid.uuid4().hex}"
        async with websockets.connect(url, open_timeout=10) as socket:
            await socket.send(json.dumps({"type": "message", "text": text}))
            assert json.loads(await socket.recv()) == {"type": "typing"}
            return json.loads(await asyncio.wait_for(socket.recv(), timeout=30))

    return asyncio.run(exchange())


def wechat_reply(assistant: Assistant, text: str) -> str:
    """The passive reply to one signed plaintext WeChat message, read with wechatpy."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
    params = {"timestamp": timestamp, "nonce": nonce, "signature": sign(WECHAT_TOKEN, timestamp, nonce)}
    body = (
        f"<xml><ToUserName>gh_lifecycle</ToUserName><FromUserName>oLife{uuid.uuid4().hex[:12]}</FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType>text</MsgType><Content>{text}</Content>"
        f"<MsgId>{uuid.uuid4().int % 10**16}</MsgId></xml>"
    )
    reply = httpx.post(f"{assistant.service_url}/wechat", params=params, content=body.encode(), timeout=30)
    assert reply.status_code == 200, reply.text
    return parse_message(reply.text).content


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.5)


def dialogue_up(assistant: Assistant) -> bool:
    try:
        return httpx.get(f"{assistant.service_url}/health", timeout=5).json()["dialogue"] == "up"
    except httpx.HTTPError:
        return False


def test_a_killed_rasa_is_restarted_and_the_conversation_goes_on(assistant):
    sender = f"heal-{uuid.uuid4().hex[:10]}"
    reply = chat(assistant, sender, "孩子明年上小学，怎么报名")
    if not any(b["title"] == "鄞州区" for m in reply["messages"] for b in m.get("buttons") or []):
        reply = chat(assistant, sender, *_choice(reply, "小学一年级新生入学报名"))
    reply = chat(assistant, sender, *_choice(reply, "鄞州区"))
    card = next(m["custom"] for m in reply["messages"] if (m.get("custom") or {}).get("type") == "guide_card")
    assert card["region"] == "鄞州区"

    rasa = assistant.server_pid("rasa")
    service = assistant.server_pid("service")
    os.kill(rasa, signal.SIGKILL)
    wait_for(lambda: not alive(rasa), 10, "Rasa's exit")
    busy = chat(assistant, sender, "那要带什么材料？")
    assert BUSY_TEXT in texts(busy)
    assert widget_reply(assistant, "你好") == {"type": "error", "message": BUSY_TEXT}
    assert wechat_reply(assistant, "你好") == BUSY_TEXT

    wait_for(lambda: dialogue_up(assistant), START_TIMEOUT, "Rasa's restart")
    assert assistant.server_pid("rasa") != rasa
    assert assistant.server_pid("service") == service  # the service was never restarted
    answer = texts(chat(assistant, sender, "那要带什么材料？"))
    assert "小学一年级新生入学报名" in answer and "需要准备" in answer
    tracker = httpx.get(
        f"http://127.0.0.1:{assistant.settings.rasa_port}/conversations/api-{sender}/tracker",
        params={"token": rasa_token(assistant.settings)},
        timeout=30,
    ).json()
    assert tracker["slots"]["region"] == "鄞州区"
    assert "rasa exited with code -9; restarting it in 1 s" in assistant.text()


def _choice(reply: dict, title: str) -> tuple[str, str]:
    chosen = button(reply, title)
    return chosen["title"], chosen["payload"]


def test_sigterm_to_the_run_script_stops_the_service_then_rasa(assistant):
    servers = {name: assistant.server_pid(name) for name in ("service", "rasa")}
    assistant.process.send_signal(signal.SIGTERM)  # the script's pid: it handed over to `daofu run`
    assert assistant.process.wait(timeout=90) == 0, assistant.text()
    wait_for(lambda: not any(alive(pid) for pid in servers.values()), 30, "both servers' exit")
    assert port_is_free("127.0.0.1", assistant.settings.port)
    assert port_is_free("127.0.0.1", assistant.settings.rasa_port)
    output = assistant.text()
    assert output.index("stopping service") < output.index("stopping rasa"), output


def test_a_server_that_keeps_crashing_ends_daofu_run_with_one_line(tmp_path):
    """A crash loop is for a person to look at: the third crash within the window ends ``daofu run`` (exit 1).

    Rasa is external here (``DAOFU_RASA_URL``), so ``daofu run`` supervises the service alone and
    the test needs no Rasa start; the service is killed each time it comes back.
    """
    runtime = make_runtime_dir(tmp_path / "var")
    port = free_port()
    env = dict(
        os.environ,
        DAOFU_VAR_DIR=str(runtime),
        DAOFU_PORT=str(port),
        DAOFU_RASA_URL=f"http://127.0.0.1:{free_port()}",  # nobody there: the service says 系统繁忙
        DAOFU_RESTART_LIMIT="3",
    )
    process = subprocess.Popen(
        [str(PROJECT_ROOT / ".venv" / "bin" / "daofu"), "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = []
        while not any("press Ctrl-C" in line for line in banner):  # ready: supervision has begun
            line = process.stdout.readline()
            assert line, "".join(banner) + process.stderr.read()
            banner.append(line)
        assert _service_healthy(port)
        killed: set[int] = set()
        while process.poll() is None and len(killed) < 5:
            children = [
                pid for pid in children_of(process.pid) if pid not in killed and "daofu serve" in command_of(pid)
            ]
            for pid in children:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            time.sleep(0.1)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    out = "".join(banner) + out
    assert process.returncode == 1, out + err
    assert len(killed) == 3, out + err  # started, restarted twice; the third crash ends it
    reason = err.strip().splitlines()[-1]
    assert reason.startswith("daofu run: error: service crashed 3 times within 600 s"), err
    assert "giving up" in reason and "exit code -9" in reason and "service.log" in reason
    assert "stopped the service" in out
    assert port_is_free("127.0.0.1", port)
    assert not any(alive(pid) for pid in killed)


def _service_healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
