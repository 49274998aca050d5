"""``/wechat`` wired into an app by ``install``: unconfigured and misconfigured channels, and two
service instances sharing a real Redis.

The apps run in-process through their ASGI interface (lifespan included, so the start-up
listeners run as in the real server). The dialogue is a recording stand-in here; the real Rasa is
exercised in tests/e2e/test_wechat.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sanic import Sanic, response
from wechatpy import parse_message as wechatpy_parse

import channels.wechat
from channels.wechat.crypto import sign
from daofu.config import SettingsError
from daofu.messages import BotMessage, read_turn
from tests.channels.conftest import asgi_lifespan, services_for

_names = itertools.count()
TOKEN = "route-test-token"
CHOICES = [
    {
        "recipient_id": "wx-o1",
        "text": "您要办理的是哪一种？",
        "buttons": [
            {"title": "居民身份证换领", "payload": '/choose_option{"guide_id":"NB-330212-NBC-A-020"}'},
            {"title": "居民身份证补领", "payload": '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'},
        ],
    }
]


class Dialogue:
    """Stands in for :class:`channels.dialogue.DialogueClient`; records every turn."""

    def __init__(self, replies: list[dict[str, Any]], delay: float = 0.0) -> None:
        self.replies = replies
        self.delay = delay
        self.turns: list[tuple[str, str]] = []

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        self.turns.append((sender, text))
        await asyncio.sleep(self.delay)
        return read_turn(self.replies)


def make_app(dialogue: Dialogue | None = None) -> Sanic:
    """A bare app with the WeChat channel and one other route."""
    app = Sanic(f"wechat_routes_{next(_names)}")
    app.config.TOUCHUP = False  # several apps start in this one process

    @app.get("/other")
    async def other(_request: Any) -> response.HTTPResponse:
        return response.text("fine")

    if dialogue is not None:
        app.ctx.dialogue = dialogue
    channels.wechat.install(app, services_for())
    return app


@contextlib.asynccontextmanager
async def running(*apps: Sanic) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Start ``apps`` through the ASGI lifespan; one HTTP client per app."""
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(asgi_lifespan(app))
        clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") for app in apps]
        try:
            yield clients
        finally:
            for client in clients:
                await client.aclose()


def serve(requests: list[tuple[str, str, dict, bytes]]) -> list[httpx.Response]:
    """Answer ``requests`` in order with one fresh app."""

    async def scenario() -> list[httpx.Response]:
        async with running(make_app()) as (client,):
            return [
                await client.request(method, path, params=params, content=body)
                for method, path, params, body in requests
            ]

    return asyncio.run(scenario())


def signed() -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
    return {"timestamp": timestamp, "nonce": nonce, "signature": sign(TOKEN, timestamp, nonce)}


def text_xml(openid: str, content: str, msg_id: str) -> bytes:
    return (
        f"<xml><ToUserName>gh_test</ToUserName><FromUserName>{openid}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType>"
        f"<Content>{content}</Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("TOKEN", "APPID", "AES_KEY", "SECRET", "API_BASE", "REPLY_DEADLINE", "REDIS_URL", "TEST_HOOKS"):
        monkeypatch.delenv(f"DAOFU_WECHAT_{name}", raising=False)
    monkeypatch.delenv("DAOFU_REDIS_URL", raising=False)
    return monkeypatch


def test_without_credentials_wechat_answers_503_and_the_rest_works(clean_env):
    get, post, other = serve(
        [
            ("GET", "/wechat", {"echostr": "1"}, b""),
            ("POST", "/wechat", {}, b"<xml/>"),
            ("GET", "/other", {}, b""),
        ]
    )
    assert get.status_code == post.status_code == 503
    assert "not configured" in post.text and "DAOFU_WECHAT_TOKEN" in post.text
    assert other.status_code == 200 and other.text == "fine"


def test_a_wrong_aes_key_stops_the_service_at_start_naming_the_variable(clean_env):
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    clean_env.setenv("DAOFU_WECHAT_APPID", "wx123")
    clean_env.setenv("DAOFU_WECHAT_AES_KEY", "too-short")
    with pytest.raises(SettingsError) as error:
        make_app(Dialogue([]))
    assert error.value.variable == "DAOFU_WECHAT_AES_KEY" and "43" in str(error.value)


def test_a_token_without_an_appid_stops_the_service_at_start(clean_env):
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    with pytest.raises(SettingsError) as error:
        make_app(Dialogue([]))
    assert error.value.variable == "DAOFU_WECHAT_APPID"


def test_plain_mode_without_an_aes_key_verifies_but_cannot_read_encrypted_messages(clean_env):
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    clean_env.setenv("DAOFU_WECHAT_APPID", "wx123")
    verify, forged, encrypted = serve(
        [
            ("GET", "/wechat", {**signed(), "echostr": "abc"}, b""),
            ("GET", "/wechat", {**signed(), "signature": "0" * 40, "echostr": "abc"}, b""),
            (
                "POST",
                "/wechat",
                {**signed(), "encrypt_type": "aes", "msg_signature": "x"},
                b"<xml><Encrypt>abc</Encrypt></xml>",
            ),
        ]
    )
    assert verify.status_code == 200 and verify.text == "abc"
    assert forged.status_code == 403
    assert encrypted.status_code == 503 and "DAOFU_WECHAT_AES_KEY" in encrypted.text


def test_two_instances_sharing_redis_make_one_turn_and_share_numbered_options(clean_env, redis_url):
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    clean_env.setenv("DAOFU_WECHAT_APPID", "wx123")
    clean_env.setenv("DAOFU_WECHAT_REDIS_URL", redis_url)
    dialogue = Dialogue(CHOICES, delay=0.3)
    openid, msg_id = f"oRoute{uuid.uuid4().hex[:12]}", str(uuid.uuid4().int % 10**16)

    async def scenario() -> tuple[list[httpx.Response], httpx.Response]:
        async with running(make_app(dialogue), make_app(dialogue)) as (first, second):
            xml = text_xml(openid, "身份证", msg_id)
            # One delivery to each instance, and WeChat's retry to the first again.
            deliveries = await asyncio.gather(
                first.post("/wechat", params=signed(), content=xml),
                second.post("/wechat", params=signed(), content=xml),
                first.post("/wechat", params=signed(), content=xml),
            )
            # The user answers "2"; this time the message reaches the other instance.
            choice = await second.post("/wechat", params=signed(), content=text_xml(openid, "2", msg_id + "1"))
            return list(deliveries), choice

    deliveries, choice = asyncio.run(scenario())
    contents = {wechatpy_parse(response.text).content for response in deliveries}
    assert [response.status_code for response in deliveries] == [200, 200, 200]
    assert contents == {"您要办理的是哪一种？\n\n回复 1 居民身份证换领\n回复 2 居民身份证补领"}
    assert choice.status_code == 200
    assert dialogue.turns == [
        (f"wx-{openid}", "身份证"),
        (f"wx-{openid}", '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'),
    ]


def test_without_redis_every_delivery_is_answered_busy_and_no_turn_runs(clean_env, redis_server, caplog):
    """Without the shared de-duplication a retry could be answered twice: no turn runs until Redis is back."""
    clean_env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    clean_env.setenv("DAOFU_WECHAT_APPID", "wx123")
    clean_env.setenv("DAOFU_REDIS_URL", redis_server.url)  # the service-wide setting; WeChat follows it
    dialogue = Dialogue(CHOICES)
    openid, msg_id = f"oDown{uuid.uuid4().hex[:12]}", str(uuid.uuid4().int % 10**16)

    async def scenario() -> tuple[list[httpx.Response], httpx.Response]:
        async with running(make_app(dialogue), make_app(dialogue)) as (first, second):
            redis_server.stop()
            xml = text_xml(openid, "身份证", msg_id)
            retries = [
                await first.post("/wechat", params=signed(), content=xml),
                await second.post("/wechat", params=signed(), content=xml),
                await first.post("/wechat", params=signed(), content=xml),
            ]
            redis_server.start()
            later = await second.post("/wechat", params=signed(), content=text_xml(openid, "身份证", msg_id + "9"))
            return retries, later

    with caplog.at_level(logging.ERROR, logger="channels.wechat.routes"):
        retries, later = asyncio.run(scenario())
    assert [response.status_code for response in retries] == [200, 200, 200]
    assert {wechatpy_parse(response.text).content for response in retries} == {"系统繁忙，请稍后再试。"}
    assert len([r for r in caplog.records if "shared store (Redis) is unavailable" in r.getMessage()]) == 1
    assert later.status_code == 200 and "回复 1 居民身份证换领" in wechatpy_parse(later.text).content
    assert dialogue.turns == [(f"wx-{openid}", "身份证")]  # only the message sent after Redis came back
