"""Stale and replayed WeChat requests are refused; WeChat's own retries still get their one answer."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
import redis.asyncio

from channels.wechat.crypto import MessageCrypto, sign
from channels.wechat.replay import MemoryNonceCache, RedisNonceCache, ReplayRefused, check_timestamp
from tests.channels.test_wechat_routes import CHOICES, TOKEN, Dialogue, make_app, running, text_xml

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx123"


@pytest.mark.parametrize(
    "timestamp", [str(int(time.time()) - 86_400), str(int(time.time()) + 10 * 365 * 86_400), "abc", "", "１７", "-5"]
)
def test_timestamps_outside_the_window_or_not_numbers_are_refused(timestamp):
    with pytest.raises(ReplayRefused):
        check_timestamp(timestamp, max_skew=240)


def test_a_timestamp_inside_the_window_passes():
    check_timestamp(str(int(time.time()) - 100), max_skew=240)


def caches(redis_url: str):
    return [MemoryNonceCache(ttl=60), RedisNonceCache(redis.asyncio.from_url(redis_url, decode_responses=True), 60)]


def test_a_nonce_belongs_to_one_body_in_memory_and_in_redis(redis_url):
    async def scenario() -> None:
        for cache in caches(redis_url):
            nonce = uuid.uuid4().hex
            await cache.claim("1700000000", nonce, "digest-a")
            await cache.claim("1700000000", nonce, "digest-a")  # WeChat's retry: the same request again
            with pytest.raises(ReplayRefused, match="another message"):
                await cache.claim("1700000000", nonce, "digest-b")
            await cache.claim("1700000001", nonce, "digest-b")  # another timestamp is another pair

    asyncio.run(scenario())


def test_the_memory_cache_forgets_after_its_ttl():
    now = [0.0]
    cache = MemoryNonceCache(ttl=10, clock=lambda: now[0])

    async def scenario() -> None:
        await cache.claim("1", "n", "a")
        now[0] = 11
        await cache.claim("1", "n", "b")

    asyncio.run(scenario())


def configure(env: pytest.MonkeyPatch, **extra: str) -> None:
    for name in ("AES_KEY", "SECRET", "API_BASE", "REPLY_DEADLINE", "REDIS_URL", "TEST_HOOKS", "ALLOW_PLAINTEXT"):
        env.delenv(f"DAOFU_WECHAT_{name}", raising=False)
    env.setenv("DAOFU_WECHAT_TOKEN", TOKEN)
    env.setenv("DAOFU_WECHAT_APPID", APPID)
    for name, value in extra.items():
        env.setenv(f"DAOFU_WECHAT_{name}", value)


def signed_at(timestamp: int, nonce: str | None = None) -> dict[str, str]:
    nonce = nonce or uuid.uuid4().hex[:8]
    return {"timestamp": str(timestamp), "nonce": nonce, "signature": sign(TOKEN, str(timestamp), nonce)}


def encrypted_request(xml: bytes, timestamp: int, nonce: str) -> tuple[dict[str, str], bytes]:
    crypto = MessageCrypto(TOKEN, AES_KEY, APPID)
    encrypt = crypto.encrypt(xml.decode())
    params = {
        **signed_at(timestamp, nonce), "encrypt_type": "aes",
        "msg_signature": sign(TOKEN, str(timestamp), nonce, encrypt),
    }  # fmt: skip
    return params, f"<xml><ToUserName>gh_test</ToUserName><Encrypt>{encrypt}</Encrypt></xml>".encode()


def post_all(dialogue: Dialogue, requests: list[tuple[dict, bytes]], pause: float = 0.0) -> list[httpx.Response]:
    async def scenario() -> list[httpx.Response]:
        async with running(make_app(dialogue)) as (client,):
            responses = []
            for params, body in requests:
                responses.append(await client.post("/wechat", params=params, content=body))
                await asyncio.sleep(pause)
            return responses

    return asyncio.run(scenario())


def test_a_signed_query_reused_with_another_body_is_refused(monkeypatch):
    configure(monkeypatch)
    dialogue = Dialogue(CHOICES)
    params = signed_at(int(time.time()))
    first, forged = post_all(
        dialogue, [(params, text_xml("oA", "身份证", "101")), (params, text_xml("oA", "转人工", "102"))]
    )
    assert first.status_code == 200 and forged.status_code == 403 and "replayed" in forged.text
    assert [text for _, text in dialogue.turns] == ["身份证"]


def test_stale_and_future_requests_are_refused_before_the_dialogue(monkeypatch):
    configure(monkeypatch)
    dialogue = Dialogue(CHOICES)
    now = int(time.time())
    old, future, junk = post_all(
        dialogue,
        [
            (signed_at(now - 86_400), text_xml("oA", "身份证", "201")),
            (signed_at(now + 10 * 365 * 86_400), text_xml("oA", "身份证", "202")),
            ({"timestamp": "abc", "nonce": "n", "signature": sign(TOKEN, "abc", "n")}, text_xml("oA", "x", "203")),
        ],
    )
    assert [r.status_code for r in (old, future, junk)] == [403, 403, 403]
    assert dialogue.turns == []


def test_a_signature_that_is_not_ascii_is_a_403_not_a_crash(monkeypatch):
    configure(monkeypatch)
    params = {**signed_at(int(time.time())), "signature": "签名" * 20}
    (response,) = post_all(Dialogue(CHOICES), [(params, text_xml("oA", "x", "301"))])
    assert response.status_code == 403


def test_with_an_aes_key_a_plaintext_request_is_refused(monkeypatch):
    configure(monkeypatch, AES_KEY=AES_KEY)
    dialogue = Dialogue(CHOICES)
    (response,) = post_all(dialogue, [(signed_at(int(time.time())), text_xml("oA", "身份证", "401"))])
    assert response.status_code == 403 and "safe mode" in response.text and dialogue.turns == []


def test_plaintext_can_be_allowed_explicitly_during_a_migration(monkeypatch):
    configure(monkeypatch, AES_KEY=AES_KEY, ALLOW_PLAINTEXT="1")
    dialogue = Dialogue(CHOICES)
    (response,) = post_all(dialogue, [(signed_at(int(time.time())), text_xml("oA", "身份证", "402"))])
    assert response.status_code == 200 and dialogue.turns == [("wx-oA", "身份证")]


def test_an_encrypted_request_replayed_after_the_dedupe_ttl_runs_no_second_turn(monkeypatch):
    # A short window and TTL stand in for the defaults (240 s and 300 s).
    configure(monkeypatch, AES_KEY=AES_KEY, DEDUPE_TTL="2.5", MAX_CLOCK_SKEW="2")
    dialogue = Dialogue(CHOICES)
    params, body = encrypted_request(text_xml("oB", "身份证", "501"), int(time.time()), "nonce501")
    retry, replay = post_all(dialogue, [(params, body), (params, body)], pause=0.2), None
    assert [r.status_code for r in retry] == [200, 200]  # WeChat's retry: the same answer, one turn
    time.sleep(3.5)
    (replay,) = post_all(dialogue, [(params, body)])
    assert replay.status_code == 403 and "stale" in replay.text
    assert dialogue.turns == [("wx-oB", "身份证")]


def test_a_voice_message_is_answered_from_its_recognition(monkeypatch):
    configure(monkeypatch)
    dialogue = Dialogue(CHOICES)
    xml = (
        "<xml><ToUserName>gh_test</ToUserName><FromUserName>oC</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>voice</MsgType><MediaId>m</MediaId>"
        "<Format>amr</Format><MsgId>601</MsgId><Recognition>身份证到期了</Recognition></xml>"
    ).encode()
    (response,) = post_all(dialogue, [(signed_at(int(time.time())), xml)])
    assert response.status_code == 200 and dialogue.turns == [("wx-oC", "身份证到期了")]
