"""Pushes across service instances through a real Redis, and what happens while Redis is away.

Two :class:`RedisPush` objects on two connections stand for two service instances; a "page" is a
function that collects what reaches it, as the widget's socket handler does with its frames.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

import pytest

from channels.push import RedisPush
from channels.shared_state import ThrottledLog, redis_client
from daofu.messages import AgentText, BotMessage, Text


class Page:
    """What one open widget page received."""

    def __init__(self) -> None:
        self.received: list[BotMessage] = []

    async def __call__(self, sender: str, messages: list[BotMessage]) -> bool:
        self.received.extend(messages)
        return True


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.02)


def sender() -> str:
    return f"web-{uuid.uuid4().hex}"


def test_an_agents_words_reach_a_page_open_on_the_other_instance(redis_url):
    async def scenario() -> None:
        first, second = RedisPush(redis_client(redis_url)), RedisPush(redis_client(redis_url))
        await first.start()
        await second.start()
        try:
            citizen, page = sender(), Page()
            disconnect = second.connect(citizen, page)
            await until(lambda: second.listening(citizen))
            words = [AgentText(text="您好，我是12345的工作人员", agent="agent-1")]
            assert await first.deliver(citizen, words) is True  # the page is open, on the other instance
            await until(lambda: bool(page.received))
            assert page.received == words
            assert await first.deliver(sender(), [Text("没有人在")]) is False  # nobody has that page open
            disconnect()
            await until(lambda: not second.listening(citizen))
            assert await first.deliver(citizen, words) is False
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())


def test_without_redis_pages_on_the_same_instance_still_get_pushes_and_it_heals(redis_server, caplog):
    async def scenario() -> None:
        first, second = RedisPush(redis_client(redis_server.url)), RedisPush(redis_client(redis_server.url))
        await first.start()
        await second.start()
        try:
            here, there = sender(), sender()
            local_page, remote_page = Page(), Page()
            first.connect(here, local_page)
            second.connect(there, remote_page)
            await until(lambda: second.listening(there))
            # Pushes at once: the client keeps several connections, all cut when Redis goes away.
            at_once = await asyncio.gather(*(first.deliver(there, [Text("先通")]) for _ in range(3)))
            assert at_once == [True, True, True]
            await until(lambda: len(remote_page.received) == 3)
            remote_page.received.clear()

            redis_server.stop()
            assert await first.deliver(here, [Text("本实例的页面")]) is True
            assert await first.deliver(there, [Text("另一实例的页面")]) is False
            assert len(local_page.received) == 1 and remote_page.received == []
            errors = [
                r for r in caplog.records if r.levelno == logging.ERROR and "push: Redis is unavailable" in r.message
            ]
            assert len(errors) == 1  # once a minute, not once per push

            redis_server.start()  # same port: both instances find it again and subscribe anew
            await until(lambda: second.listening(there), timeout=20)
            assert await first.deliver(there, [Text("又通了")]) is True
            await until(lambda: bool(remote_page.received))
            assert remote_page.received == [Text("又通了")]
        finally:
            await first.close()
            await second.close()

    with caplog.at_level(logging.WARNING, logger="channels.push"):
        asyncio.run(scenario())


def test_a_recurring_problem_is_logged_once_a_minute_with_a_count(caplog):
    now = [0.0]
    trouble = ThrottledLog(logging.getLogger("test.throttled"), clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.throttled"):
        assert trouble.error("redis down (%s)", "refused") is True
        now[0] = 30.0
        assert trouble.error("redis down (%s)", "refused") is False
        assert trouble.error("redis down (%s)", "refused") is False
        now[0] = 61.0
        assert trouble.error("redis down (%s)", "refused") is True
        trouble.recovered("redis back")
        trouble.recovered("redis back")  # said once
        assert trouble.error("redis down (%s)", "again") is True  # a new outage is reported at once
    assert [r.getMessage() for r in caplog.records] == [
        "redis down (refused)",
        "redis down (refused) (and 2 more times since the last report)",
        "redis back",
        "redis down (again)",
    ]


@pytest.mark.parametrize("bad", ["not json", '{"from": "x", "messages": "nope"}', '["list"]'])
def test_garbage_on_the_push_channel_is_ignored(redis_url, bad):
    async def scenario() -> None:
        push = RedisPush(redis_client(redis_url))
        await push.start()
        try:
            citizen, page = sender(), Page()
            push.connect(citizen, page)
            await until(lambda: push.listening(citizen))
            await push.redis.publish(push.channel(citizen), bad)
            other = RedisPush(redis_client(redis_url))
            assert await other.deliver(citizen, [Text("正常消息")]) is True
            await until(lambda: bool(page.received))
            assert page.received == [Text("正常消息")]
            await other.close()
        finally:
            await push.close()

    asyncio.run(scenario())
