"""The widget's routes in an in-process app: files, the demo page, history errors, origins, and the
WebSocket when the dialogue is down.

The WebSocket is driven through the app's ASGI interface (no port). The dialogue client is the real
one pointed at a port where nothing listens, so "unavailable" is a real connection failure. Whole
conversations with the real Rasa are in tests/e2e/test_widget_browser.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sanic import Sanic

import channels.widget
from channels.dialogue import DialogueClient
from daofu.config import Settings
from daofu.ports import free_port
from knowledge import DEMO_NOTICE
from tests.channels.conftest import asgi_lifespan, services_for

SENDER = "web-0123456789abcdef0123"
_names = itertools.count()


@asynccontextmanager
async def running_app() -> AsyncIterator[Sanic]:
    """An app with only the widget, started through the ASGI lifespan; no dialogue answers."""
    settings = Settings.from_env(rasa_port=free_port())
    app = Sanic(f"widget_routes_{next(_names)}")
    app.config.TOUCHUP = False
    channels.widget.install(app, services_for(settings))
    app.ctx.dialogue = DialogueClient(settings.rasa_url, timeout=5)
    async with asgi_lifespan(app):
        try:
            yield app
        finally:
            await app.ctx.dialogue.close()


def http(*requests: tuple[str, dict[str, Any]]) -> list[httpx.Response]:
    async def scenario() -> list[httpx.Response]:
        async with running_app() as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
                return [await client.get(path, **options) for path, options in requests]

    return asyncio.run(scenario())


class Socket:
    """One WebSocket connection to the app, spoken in ASGI events."""

    def __init__(self, app: Sanic, query: str, headers: list[tuple[bytes, bytes]]) -> None:
        scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws",
            "path": "/widget/ws", "raw_path": b"/widget/ws", "query_string": query.encode(),
            "headers": [(b"host", b"service"), *headers], "client": ("127.0.0.1", 50000),
            "server": ("service", 80), "subprotocols": [],
        }  # fmt: skip
        self.incoming: asyncio.Queue = asyncio.Queue()
        self.outgoing: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.create_task(app(scope, self.incoming.get, self.outgoing.put))

    async def open(self) -> dict[str, Any]:
        await self.incoming.put({"type": "websocket.connect"})
        return await self.event()

    async def event(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.outgoing.get(), 15)

    async def send(self, text: str) -> None:
        await self.incoming.put({"type": "websocket.receive", "text": text})

    async def frame(self) -> dict[str, Any]:
        event = await self.event()
        assert event["type"] == "websocket.send", event
        return json.loads(event["text"])

    async def close(self) -> None:
        await self.incoming.put({"type": "websocket.disconnect", "code": 1000})
        await asyncio.wait_for(self.task, 15)


def socket_scenario(query: str, frames: list[str], headers: list[tuple[bytes, bytes]] | None = None) -> list[Any]:
    """Connect, send ``frames`` one by one, collect what comes back (frames, or the close event)."""

    async def scenario() -> list[Any]:
        async with running_app() as app:
            socket = Socket(app, query, headers or [])
            accepted = await socket.open()
            out: list[Any] = [accepted["type"]]
            if accepted["type"] != "websocket.accept":
                await asyncio.wait_for(socket.task, 15)
                return out
            for raw in frames:
                await socket.send(raw)
                reply = await socket.frame()
                out.append(reply)
                if reply["type"] == "typing":
                    out.append(await socket.frame())
            if not frames:  # the server is expected to end the connection by itself
                await asyncio.wait_for(socket.task, 15)
                while not socket.outgoing.empty():
                    event = socket.outgoing.get_nowait()
                    out.append(json.loads(event["text"]) if event["type"] == "websocket.send" else event)
                return out
            await socket.close()
            return out

    return asyncio.run(scenario())


# --- files and the demo page ------------------------------------------------------------------------


def test_the_script_and_style_are_served_as_utf8_with_etags():
    script, style, again, missing = http(
        ("/widget/daofu-widget.js", {}), ("/widget/daofu-widget.css", {}),
        ("/widget/daofu-widget.js", {"headers": {"If-None-Match": "placeholder"}}), ("/widget/other.js", {}),
    )  # fmt: skip
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert style.headers["content-type"] == "text/css; charset=utf-8"
    assert "DaofuWidget" in script.text and ".dw-elder" in style.text
    assert script.headers["etag"] and script.headers["access-control-allow-origin"] == "*"
    assert again.status_code == 200 and missing.status_code == 404
    (cached,) = http(("/widget/daofu-widget.js", {"headers": {"If-None-Match": script.headers["etag"]}}))
    assert cached.status_code == 304 and cached.content == b""


def test_nothing_is_loaded_from_outside_the_service():
    script, style, page, portal_style = http(
        ("/widget/daofu-widget.js", {}), ("/widget/daofu-widget.css", {}), ("/", {}), ("/widget/portal.css", {})
    )
    for body in (style.text, portal_style.text):
        assert "@import" not in body and "url(" not in body and "@font-face" not in body
    addresses = set(re.findall(r"https?://[^\s\"'<>]*", script.text))
    # The usage comment, and the SVG namespace (a name, not something fetched).
    assert addresses == {"https://SERVICE/widget/daofu-widget.js", "https://SERVICE", "http://www.w3.org/2000/svg"}
    assert 'src="/widget/daofu-widget.js"' in page.text and 'href="/widget/portal.css"' in page.text


def test_the_demo_portal_is_marked_as_a_demo():
    (page,) = http(("/", {}))
    assert page.status_code == 200
    assert "演示页面" in page.text and DEMO_NOTICE in page.text and "不是宁波市人民政府" in page.text


# --- history ----------------------------------------------------------------------------------------


def test_history_checks_the_sender_and_reports_an_unreachable_dialogue():
    bad, down = http(
        ("/widget/history", {"params": {"sender": "wx-123"}}), ("/widget/history", {"params": {"sender": SENDER}})
    )
    assert bad.status_code == 400 and "web-" in bad.json()["error"]
    assert down.status_code == 503 and "unavailable" in down.json()["error"]
    assert down.headers["access-control-allow-origin"] == "*"  # a portal page can read the error too


def test_only_listed_origins_may_read_history(monkeypatch):
    monkeypatch.setenv("DAOFU_WIDGET_ORIGINS", "https://portal.example")
    foreign, listed = http(
        ("/widget/history", {"params": {"sender": SENDER}, "headers": {"Origin": "https://evil.example"}}),
        ("/widget/history", {"params": {"sender": "x"}, "headers": {"Origin": "https://portal.example"}}),
    )
    assert foreign.status_code == 403
    assert listed.status_code == 400 and listed.headers["access-control-allow-origin"] == "https://portal.example"


# --- the WebSocket ----------------------------------------------------------------------------------


def test_a_message_while_the_dialogue_is_down_gets_typing_then_system_busy():
    accepted, typing, error, pong = socket_scenario(
        f"sender={SENDER}", [json.dumps({"type": "message", "text": "你好"}), json.dumps({"type": "ping"})]
    )
    assert accepted == "websocket.accept"
    assert typing == {"type": "typing"}
    assert error == {"type": "error", "message": "系统繁忙，请稍后再试。"}
    assert pong == {"type": "pong"}  # the connection survives


def test_a_bad_frame_gets_an_error_and_the_connection_stays():
    _, error, pong = socket_scenario(f"sender={SENDER}", ["{not json", json.dumps({"type": "ping"})])
    assert error["type"] == "error" and "格式" in error["message"]
    assert pong == {"type": "pong"}


# Sanic's ASGI websocket ignores close codes; the codes themselves (4400) are checked against the real
# server in tests/e2e/test_widget_browser.py. Here: the server says why, then ends the connection.


@pytest.mark.parametrize("query", ["", "sender=", "sender=wx-0123456789abcdef0123", "sender=web-1"])
def test_a_bad_sender_is_told_and_the_connection_ended(query):
    accepted, error = socket_scenario(query, [])
    assert accepted == "websocket.accept"
    assert error["type"] == "error" and "会话标识" in error["message"]


def test_a_page_from_an_unlisted_origin_is_ended_without_a_word(monkeypatch):
    monkeypatch.setenv("DAOFU_WIDGET_ORIGINS", "https://portal.example")
    assert socket_scenario(f"sender={SENDER}", [], headers=[(b"origin", b"https://evil.example")]) == [
        "websocket.accept"
    ]
