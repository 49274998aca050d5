"""``/wechat`` when the channel is not (or wrongly) configured: 503 with the reason, the app unaffected.

The app runs in-process through its ASGI interface (lifespan included, so the start-up listeners
run as in the real server); nothing here needs the dialogue.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid

import httpx
import pytest
from sanic import Sanic, response

import channels.wechat
from channels.wechat.crypto import sign
from daofu.config import Settings

_names = itertools.count()
TOKEN = "route-test-token"


async def _call(app: Sanic, requests: list[tuple[str, str, dict, bytes]]) -> list[httpx.Response]:
    inbox: asyncio.Queue = asyncio.Queue()
    outbox: asyncio.Queue = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
            return [
                await client.request(method, path, params=params, content=body)
                for method, path, params, body in requests
            ]
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await lifespan


def serve(requests: list[tuple[str, str, dict, bytes]]) -> list[httpx.Response]:
    """A bare app with the WeChat channel and one other route, answering ``requests`` in order."""
    app = Sanic(f"wechat_routes_{next(_names)}")
    app.config.TOUCHUP = False  # several apps start in this one process

    @app.get("/other")
    async def other(_request) -> response.HTTPResponse:
        return response.text("fine")

    channels.wechat.install(app, Settings())
    return asyncio.run(_call(app, requests))


def signed() -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
    return {"timestamp": timestamp, "nonce": nonce, "signature": sign(TOKEN, timestamp, nonce)}


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("TOKEN", "APPID", "AES_KEY", "SECRET", "API_BASE", "REPLY_DEADLINE", "REDIS_URL", "TEST_HOOKS"):
        monkeypatch.delenv(f"DAOFU_WECHAT_{name}", raising=False)
    return monkeypatch


def test_without_credentials_wechat_answers_503_and_the_rest_works(clean_env):
    get, post, other = serve([
        ("GET", "/wechat", {"echostr": "1"}, b""),
        ("POST", "/wechat", {}, b"<xml/>"),
        ("GET", "/other", {}, b""),
    ])
    assert get.status_code == post.status_code == 503
    assert "not configured" in post.text and "DAOFU_WECHAT_TOKEN" in post.text
    assert other.status_code == 200 and other.text == "fine"


def test_a_wrong_aes_key_is_reported_as_the_reason(clean_env):
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    clean_env.setenv("DAOFU_WECHAT_APPID", "wx123")
    clean_env.setenv("DAOFU_WECHAT_AES_KEY", "too-short")
    (post,) = serve([("POST", "/wechat", signed(), b"<xml/>")])
    assert post.status_code == 503 and "DAOFU_WECHAT_AES_KEY" in post.text


def test_plain_mode_without_an_aes_key_verifies_but_cannot_read_encrypted_messages(clean_env):
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    clean_env.setenv("DAOFU_WECHAT_APPID", "wx123")
    verify, forged, encrypted = serve([
        ("GET", "/wechat", {**signed(), "echostr": "abc"}, b""),
        ("GET", "/wechat", {**signed(), "signature": "0" * 40, "echostr": "abc"}, b""),
        ("POST", "/wechat", {**signed(), "encrypt_type": "aes", "msg_signature": "x"},
         b"<xml><Encrypt>abc</Encrypt></xml>"),
    ])
    assert verify.status_code == 200 and verify.text == "abc"
    assert forged.status_code == 403
    assert encrypted.status_code == 503 and "DAOFU_WECHAT_AES_KEY" in encrypted.text
