"""A scripted month of conversations, written through the same record calls the service makes.

The monthly report is checked, and its charts looked at, on a month whose contents are known: this
script plays a seeded, repeatable month — conversations on the widget, WeChat and the API that reach
a guide or a form or nothing, hand-offs that agents take (with waits and first responses) or that
time out, call-backs, rating requests and ratings with reasons (some typed with control characters
and emoji floods), and unanswered questions in several wordings — with the records' clock set to
each moment. It returns what it wrote (:class:`Script`), so a test can compare the report with it.

Example::

    python -m daofu.report.scripted_month --month 2025-06 --database sqlite:///var/scripted.db
    DAOFU_DATABASE_URL=sqlite:///var/scripted.db daofu report --month 2025-06
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from daofu.records import RATING_REASONS, ConversationRecords, HandoffEventKind
from daofu.report.month import Month, parse_month

CHANNELS = (("widget", 0.55), ("wechat", 0.35), ("api", 0.10))
# Matters people ask about most in the demo catalogue (codes of knowledge/demo).
MATTERS = ("NBC-A-033", "NBC-A-034", "NBC-C-097", "NBC-C-098", "NBC-A-038", "NBC-B-044", "NBC-B-050")
# Questions the assistant could not answer, each gap in several wordings (with a number to mask).
GAPS = (
    ("宠物狗怎么办狗证", "养狗要办证吗", "狗证在哪里办", "宠物狗办证流程"),
    ("无人机怎么登记", "无人机要去哪里登记", "买了无人机要登记吗"),
    ("电动自行车上牌在哪", "电瓶车怎么上牌照", "电动车上牌需要什么"),
    ("公积金贷款额度怎么算，我电话13812345678", "公积金能贷多少"),
)
NOISY_REASONS = (
    "等了好久都没人理\x07\x1b[31m",
    "😡😡😡😡😡😡😡😡😡😡😡😡😡😡😡😡 太慢了",
    "电话13912345678打不通 | 表格**看不懂**",
    "\u202e反过来的字",
)


@dataclass
class Script:
    """What the script wrote, to compare with the report."""

    conversations: int = 0
    resolved: int = 0
    handoffs: int = 0
    taken: int = 0
    timeouts: int = 0
    ratings: Counter[int] = field(default_factory=Counter)
    reasons: int = 0
    unanswered: int = 0
    by_channel: Counter[str] = field(default_factory=Counter)


class Clock:
    """The records' clock, moved by the script."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in weighted], [weight for _, weight in weighted])[0]


def play_month(records: ConversationRecords, month: Month, conversations: int = 400, seed: int = 2025) -> Script:
    """Write ``conversations`` conversations spread over ``month`` (see the module docstring)."""
    rng = random.Random(seed)
    clock = Clock(month.start)
    records.clock = clock
    span = (month.end - month.start).total_seconds()
    starts = sorted(rng.uniform(0, span - 4 * 3600) for _ in range(conversations))
    script = Script()
    for number, offset in enumerate(starts):
        clock.now = month.start + timedelta(seconds=offset)
        channel = _pick(rng, CHANNELS)
        sender = f"{'web' if channel == 'widget' else 'wx' if channel == 'wechat' else 'api'}-scripted-{number:04d}"
        matter = rng.choice(MATTERS)
        script.conversations += 1
        script.by_channel[channel] += 1
        kind = rng.random()
        resolved = False
        if kind < 0.55:  # a guide, sometimes the form
            records.note_turn(sender, channel)
            clock.advance(rng.uniform(5, 60))
            records.note_turn(sender, channel, {"guide"}, [("guide", matter)])
            resolved = True
            if rng.random() < 0.4:
                clock.advance(rng.uniform(10, 120))
                records.note_turn(sender, channel, {"form"}, [("form", matter)])
                _rate(records, rng, clock, sender, channel, "form", matter, script)
        elif kind < 0.75:  # nothing fitted
            wording = rng.choice(rng.choice(GAPS))
            records.note_turn(sender, channel)
            records.add_unanswered(sender, channel, wording, "nothing")
            script.unanswered += 1
            if rng.random() < 0.3:
                records.note_turn(sender, channel)
                _rate(records, rng, clock, sender, channel, "goodbye", None, script)
        else:  # a person
            records.note_turn(sender, channel)
            clock.advance(rng.uniform(5, 30))
            handoff = records.open_handoff(sender, channel, "user_request", "用户：转人工", matter_code=matter)
            records.note_turn(sender, channel, {"handoff"})
            script.handoffs += 1
            fate = rng.random()
            if fate < 0.75:
                clock.advance(rng.lognormvariate(4.2, 0.6))  # about a minute, sometimes several
                records.take_handoff(handoff.id, rng.choice(("agent-01", "agent-02", "agent-03")))
                records.mark_conversation(sender, "agent")
                script.taken += 1
                resolved = True
                clock.advance(rng.uniform(4, 90))
                records.add_handoff_message(handoff.id, HandoffEventKind.AGENT, "您好，请问有什么可以帮您？", "agent")
                clock.advance(rng.uniform(20, 240))
                records.add_handoff_message(handoff.id, HandoffEventKind.CITIZEN, "我想问身份证的事")
                clock.advance(rng.uniform(60, 600))
                records.end_handoff(handoff.id, HandoffEventKind.RELEASED)
                _rate(records, rng, clock, sender, channel, "agent", matter, script)
            elif fate < 0.9:
                clock.advance(181)
                records.end_handoff(handoff.id, HandoffEventKind.TIMEOUT)
                script.timeouts += 1
                if rng.random() < 0.5:
                    callback = records.ask_callback(sender, channel, "timeout", matter)
                    records.give_callback_phone(callback.id, f"139{rng.randrange(10**8):08d}")
            else:
                clock.advance(rng.uniform(10, 60))
                records.end_handoff(handoff.id, HandoffEventKind.CLOSED)
        script.resolved += resolved
    return script


def _rate(records: ConversationRecords, rng: random.Random, clock: Clock, sender: str, channel: str, occasion: str,
          matter: str | None, script: Script) -> None:  # fmt: skip
    request = records.open_rating_request(sender, channel, occasion, matter)
    if rng.random() > 0.6:
        return  # most people do not rate
    clock.advance(rng.uniform(3, 40))
    level = rng.choices([5, 4, 3, 2, 1], [0.45, 0.25, 0.12, 0.1, 0.08])[0]
    rating = records.add_rating(sender, level, channel, matter_code=matter, request_id=request.id)
    script.ratings[level] += 1
    if level <= 2 and rng.random() < 0.8:
        clock.advance(rng.uniform(3, 30))
        if rng.random() < 0.6:
            records.add_rating_reason(rating.id, rng.choice(list(RATING_REASONS)), None)
        else:
            records.add_rating_reason(rating.id, None, rng.choice(NOISY_REASONS))
        script.reasons += 1


def main(argv: Sequence[str] | None = None) -> int:
    from knowledge.db import create_engine_for

    parser = argparse.ArgumentParser(description="Write a scripted month of conversations into a database.")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--database", required=True, help="SQLAlchemy URL, e.g. sqlite:///var/scripted.db")
    parser.add_argument("--conversations", type=int, default=400, help="how many conversations (default 400)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    args = parser.parse_args(argv)
    records = ConversationRecords(create_engine_for(args.database))
    script = play_month(records, parse_month(args.month), args.conversations, args.seed)
    print(
        f"{args.month}: {script.conversations} conversations, {script.handoffs} hand-offs "
        f"({script.taken} taken, {script.timeouts} timed out), {sum(script.ratings.values())} ratings"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
