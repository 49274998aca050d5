"""One dialogue turn per message across WeChat's retries: the in-memory store and the Redis store.

The Redis store is run against a real redis-server, with two store objects on two connections
standing for two service instances behind one official account.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from channels.wechat.dedupe import MemoryTurnStore, RedisTurnStore
from channels.wechat.messages import Outgoing, TextOut

ANSWER = TextOut("您好！我是甬导服。]]>")


class Turn:
    """A stand-in for the dialogue turn: counts its runs, takes ``delay`` seconds."""

    def __init__(self, delay: float = 0.0, answer: Outgoing | None = ANSWER, fail: bool = False) -> None:
        self.delay = delay
        self.answer = answer
        self.fail = fail
        self.runs = 0
        self.pushed: list[Outgoing | None] = []

    async def produce(self) -> Outgoing | None:
        self.runs += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the turn broke")
        return self.answer

    async def late(self, outgoing: Outgoing | None) -> None:
        self.pushed.append(outgoing)


@pytest.fixture(params=["memory", "redis"])
def kind(request: pytest.FixtureRequest) -> tuple[str, str]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return request.param, url


@contextlib.asynccontextmanager
async def two_instances(kind: tuple[str, str], ttl: float = 60.0) -> AsyncIterator[tuple]:
    """Two stores that share state: the same object in memory, two connections to one Redis."""
    name, url = kind
    if name == "memory":
        store = MemoryTurnStore(ttl)
        yield store, store
        await store.close()
        return
    prefix = f"test:turn:{uuid.uuid4().hex}:"
    clients = [redis.asyncio.from_url(url, decode_responses=True), redis.asyncio.from_url(url)]
    stores = [RedisTurnStore(client, ttl, prefix=prefix, poll_interval=0.01) for client in clients]
    try:
        yield tuple(stores)
    finally:
        for store in stores:
            await store.close()
        for client in clients:
            await client.aclose()


def run(coroutine):
    return asyncio.run(coroutine)


def test_three_simultaneous_deliveries_make_one_turn_and_share_its_answer(kind):
    async def scenario() -> None:
        turn = Turn(delay=0.2)
        async with two_instances(kind) as (a, b):
            answers = await asyncio.gather(
                a.answer("msg:1", turn.produce, 2.0, turn.late),
                b.answer("msg:1", turn.produce, 2.0, turn.late),
                a.answer("msg:1", turn.produce, 2.0, turn.late),
            )
        assert answers == [ANSWER, ANSWER, ANSWER]
        assert turn.runs == 1 and turn.pushed == []

    run(scenario())


def test_a_retry_after_the_answer_gets_the_same_answer_without_a_turn(kind):
    async def scenario() -> None:
        turn = Turn()
        async with two_instances(kind) as (a, b):
            assert await a.answer("msg:2", turn.produce, 1.0, turn.late) == ANSWER
            assert await b.answer("msg:2", turn.produce, 1.0, turn.late) == ANSWER
            assert await a.answer("msg:2", turn.produce, 1.0, turn.late) == ANSWER
        assert turn.runs == 1

    run(scenario())


def test_different_messages_are_different_turns(kind):
    async def scenario() -> None:
        first, second = Turn(answer=TextOut("一")), Turn(answer=TextOut("二"))
        async with two_instances(kind) as (a, b):
            answers = await asyncio.gather(
                a.answer("msg:3", first.produce, 1.0, first.late), b.answer("msg:4", second.produce, 1.0, second.late)
            )
        assert answers == [TextOut("一"), TextOut("二")]
        assert (first.runs, second.runs) == (1, 1)

    run(scenario())


def test_a_slow_turn_is_pushed_once_and_every_delivery_replies_success(kind):
    async def scenario() -> None:
        turn = Turn(delay=0.4)
        async with two_instances(kind) as (a, b):
            first = asyncio.create_task(a.answer("msg:5", turn.produce, 0.1, turn.late))
            await asyncio.sleep(0.05)
            # A retry that arrives while the turn runs, with a deadline long enough to see it finish.
            retry = asyncio.create_task(b.answer("msg:5", turn.produce, 2.0, turn.late))
            assert await first is None
            assert await retry is None
            for _ in range(100):
                if turn.pushed:
                    break
                await asyncio.sleep(0.02)
            # A retry after the push.
            assert await b.answer("msg:5", turn.produce, 1.0, turn.late) is None
        assert turn.runs == 1
        assert turn.pushed == [ANSWER]

    run(scenario())


def test_a_retry_within_its_deadline_still_gets_the_passive_answer(kind):
    async def scenario() -> None:
        turn = Turn(delay=0.3)
        async with two_instances(kind) as (a, b):
            first = asyncio.create_task(a.answer("msg:6", turn.produce, 1.0, turn.late))
            await asyncio.sleep(0.1)
            retry = await b.answer("msg:6", turn.produce, 1.0, turn.late)
            assert await first == ANSWER
        assert retry == ANSWER
        assert turn.runs == 1 and turn.pushed == []

    run(scenario())


def test_a_broken_turn_answers_nothing_and_is_not_rerun(kind):
    async def scenario() -> None:
        turn = Turn(fail=True)
        async with two_instances(kind) as (a, b):
            assert await a.answer("msg:7", turn.produce, 1.0, turn.late) is None
            assert await b.answer("msg:7", turn.produce, 1.0, turn.late) is None
        assert turn.runs == 1

    run(scenario())


def test_the_memory_store_forgets_answers_after_the_ttl():
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    async def scenario() -> None:
        clock = Clock()
        store = MemoryTurnStore(ttl=300, clock=clock)
        turn = Turn()
        assert await store.answer("msg:8", turn.produce, 1.0, turn.late) == ANSWER
        clock.now = 299
        assert await store.answer("msg:8", turn.produce, 1.0, turn.late) == ANSWER
        assert turn.runs == 1
        clock.now = 301
        assert await store.answer("msg:9", turn.produce, 1.0, turn.late) == ANSWER  # prunes msg:8
        assert len(store) == 1
        assert await store.answer("msg:8", turn.produce, 1.0, turn.late) == ANSWER
        assert turn.runs == 3
        await store.close()

    run(scenario())


def test_the_redis_store_keeps_answers_only_for_the_ttl(redis_url):
    async def scenario() -> None:
        turn = Turn()
        async with two_instances(("redis", redis_url), ttl=0.3) as (a, b):
            assert await a.answer("msg:10", turn.produce, 1.0, turn.late) == ANSWER
            assert await b.answer("msg:10", turn.produce, 1.0, turn.late) == ANSWER
            await asyncio.sleep(0.5)
            assert await b.answer("msg:10", turn.produce, 1.0, turn.late) == ANSWER
        assert turn.runs == 2

    run(scenario())


def test_close_lets_a_running_turn_finish_its_push():
    async def scenario() -> None:
        store = MemoryTurnStore(ttl=60)
        turn = Turn(delay=0.2)
        assert await store.answer("msg:11", turn.produce, 0.01, turn.late) is None
        await store.close()
        assert turn.pushed == [ANSWER]

    run(scenario())
