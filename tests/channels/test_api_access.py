"""The plain APIs serve this machine by default, and named systems with a token."""

from __future__ import annotations

import asyncio
import itertools

import httpx

from channels.app import create_app
from daofu.config import Settings
from tests.channels.conftest import asgi_lifespan, services_for

_names = itertools.count()
CHAT = ("/api/chat", {"sender": "partner-1", "message": "你好"})


def post(settings: Settings, client: tuple[str, int], headers: dict[str, str] | None = None) -> httpx.Response:
    app = create_app(settings, services_for(settings), name=f"api_access_{next(_names)}")
    app.config.TOUCHUP = False

    async def scenario() -> httpx.Response:
        async with asgi_lifespan(app):
            transport = httpx.ASGITransport(app=app, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://s") as http:
                return await http.post(CHAT[0], json=CHAT[1], headers=headers or {})

    return asyncio.run(scenario())


def test_without_tokens_only_this_machine_may_chat(tmp_path):
    settings = Settings(var_dir=tmp_path, channels=("forms",), rasa_port=1)
    assert post(settings, ("203.0.113.9", 5000)).status_code == 403
    allowed = post(settings, ("127.0.0.1", 5000))  # the dialogue is not running here: "busy", not a 5xx
    assert allowed.status_code == 200 and allowed.json()["busy"] is True
    assert allowed.json()["messages"] == [{"text": "系统繁忙，请稍后再试。"}]
    assert allowed.headers["Retry-After"] == "10"


def test_with_tokens_a_system_must_name_itself(tmp_path):
    settings = Settings(var_dir=tmp_path, channels=("forms",), rasa_port=1, api_tokens="partner-token-0123456789")
    outside = ("203.0.113.9", 5000)
    assert post(settings, outside).status_code == 401
    assert post(settings, outside, {"Authorization": "Bearer wrong-token"}).status_code == 401
    named = post(settings, outside, {"Authorization": "Bearer partner-token-0123456789"})
    assert named.status_code == 200 and named.json()["busy"] is True
