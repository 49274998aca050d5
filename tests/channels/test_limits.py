"""Explicit limits: body size per route, requests per address, turns per conversation — each a clear 4xx."""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest

from channels.app import create_app
from channels.limits import RateLimiter, TooManyTurns, TurnLimits, body_limit
from daofu.config import Settings
from tests.channels.conftest import asgi_lifespan, services_for

_names = itertools.count()


def test_a_bucket_allows_bursts_then_one_request_per_interval():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, None]
    wait = limiter.retry_after("a")
    assert wait is not None and 0.9 <= wait <= 1.0
    assert limiter.retry_after("b") is None  # another address has its own bucket
    now[0] += 1.0
    assert limiter.retry_after("a") is None


def test_the_limiter_forgets_the_oldest_keys_beyond_its_bound():
    limiter = RateLimiter(per_minute=60, max_keys=10)
    for key in range(100):
        limiter.retry_after(str(key))
    assert len(limiter._buckets) == 10


def test_turns_in_flight_and_per_minute_are_bounded_per_sender():
    async def scenario() -> None:
        limits = TurnLimits(RateLimiter(per_minute=600, burst=10), in_flight=1)
        async with limits.turn("web-a"):
            with pytest.raises(TooManyTurns):
                async with limits.turn("web-a"):
                    pass
            async with limits.turn("web-b"):  # another conversation is not held up
                pass
        async with limits.turn("web-a"):  # the slot is free again
            pass
        slow = TurnLimits(RateLimiter(per_minute=1, burst=1), in_flight=5)
        async with slow.turn("web-c"):
            pass
        with pytest.raises(TooManyTurns) as error:
            async with slow.turn("web-c"):
                pass
        assert error.value.retry_after > 30

    asyncio.run(scenario())


def test_every_route_has_a_body_limit():
    assert body_limit("POST", "/webhook") == 2 * 1024 * 1024
    assert body_limit("POST", "/api/chat") == 16 * 1024
    assert body_limit("GET", "/anything") == 64 * 1024


def serve(settings: Settings, requests: list[tuple[str, str, bytes | None]]) -> list[httpx.Response]:
    app = create_app(settings, services_for(settings), name=f"limits_{next(_names)}")
    app.config.TOUCHUP = False

    async def scenario() -> list[httpx.Response]:
        async with (
            asgi_lifespan(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client,
        ):
            return [await client.request(m, p, content=b) for m, p, b in requests]

    return asyncio.run(scenario())


def test_an_address_beyond_its_limit_gets_429_with_retry_after(tmp_path):
    settings = Settings(var_dir=tmp_path, rate_limit_per_ip=4, channels=("forms",))
    responses = serve(settings, [("GET", "/forms/static/forms.css", None)] * 6 + [("GET", "/health", None)])
    codes = [response.status_code for response in responses]
    assert codes[:1] == [200] and 429 in codes[1:6]
    refused = next(r for r in responses if r.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1 and "wait" in refused.json()["error"]
    assert codes[6] == 200  # /health is the load balancer's, never limited


def test_a_body_beyond_the_routes_limit_gets_413(tmp_path):
    settings = Settings(var_dir=tmp_path, channels=("forms",))
    (response,) = serve(settings, [("POST", "/api/chat", b'{"sender":"x","message":"' + b"a" * 20_000 + b'"}')])
    assert response.status_code == 413 and "16 KB" in response.json()["error"]
