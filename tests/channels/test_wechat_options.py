"""Numbered replies ("1", "２", "第一个") and the per-user option stores (in memory and in real Redis)."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio

from channels.wechat.options import MemoryOptionStore, RedisOptionStore, choose
from channels.wechat.rendering import Option
from daofu.choices import reply_number as parse_choice

OPTIONS = tuple(Option(f"选项{n}", f'/choose_option{{"n":{n}}}') for n in range(1, 13))


@pytest.mark.parametrize(
    "text, number",
    [
        ("1", 1),
        (" 2 ", 2),
        ("２", 2),
        ("①", 1),
        ("第一个", 1),
        ("第2个", 2),
        ("第３项", 3),
        ("选3", 3),
        ("三", 3),
        ("第十个", 10),
        ("十一", 11),
        ("第十二条", 12),
        ("二十", 20),
        ("1。", 1),
        ("2!", 2),
        ("两个", 2),
        ("12", 12),
        ("第 1 个", 1),
    ],
)
def test_choices_are_understood(text, number):
    assert parse_choice(text) == number


@pytest.mark.parametrize(
    "text", ["", "0", "零", "第零个", "100", "1 2", "一二", "身份证", "我选第一个吧", "十十", "1a", "2023年", "1️⃣"]
)
def test_other_texts_are_not_choices(text):
    assert parse_choice(text) is None


def test_choose_maps_a_number_to_its_option_within_range():
    assert choose("1", OPTIONS) == OPTIONS[0]
    assert choose("第十二个", OPTIONS) == OPTIONS[11]
    assert choose("13", OPTIONS) is None
    assert choose("1", ()) is None
    assert choose("身份证", OPTIONS) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_store_remembers_per_user_and_forgets_after_the_ttl():
    async def scenario() -> None:
        clock = FakeClock()
        store = MemoryOptionStore(ttl=60, clock=clock)
        await store.remember("o1", OPTIONS[:2])
        await store.remember("o2", OPTIONS[2:3])
        assert await store.recall("o1") == OPTIONS[:2]
        assert await store.recall("o2") == OPTIONS[2:3]
        await store.remember("o1", ())  # an answer without choices clears them
        assert await store.recall("o1") == ()
        clock.now += 61
        assert await store.recall("o2") == ()

    asyncio.run(scenario())


def test_memory_store_keeps_a_bounded_number_of_users():
    async def scenario() -> None:
        store = MemoryOptionStore(ttl=60, max_users=3)
        for user in ("a", "b", "c", "d"):
            await store.remember(user, OPTIONS[:1])
        assert await store.recall("a") == ()
        assert await store.recall("d") == OPTIONS[:1]

    asyncio.run(scenario())


def test_redis_store_shares_options_between_instances(redis_url):
    async def scenario() -> None:
        first, second = redis.asyncio.from_url(redis_url), redis.asyncio.from_url(redis_url, decode_responses=True)
        try:
            one = RedisOptionStore(first, ttl=60, prefix="test:options:")
            other = RedisOptionStore(second, ttl=60, prefix="test:options:")
            with_markup = (Option("非常满意]]>", '/rate_service{"rating":5}'),)
            await one.remember("o1", OPTIONS[:3])
            await one.remember("o2", with_markup)
            assert await other.recall("o1") == OPTIONS[:3]
            assert await other.recall("o2") == with_markup
            await other.remember("o1", ())
            assert await one.recall("o1") == ()
            short = RedisOptionStore(first, ttl=0.2, prefix="test:options:")
            await short.remember("o3", OPTIONS[:1])
            assert await other.recall("o3") == OPTIONS[:1]
            await asyncio.sleep(0.4)
            assert await other.recall("o3") == ()
        finally:
            await first.aclose()
            await second.aclose()

    asyncio.run(scenario())
