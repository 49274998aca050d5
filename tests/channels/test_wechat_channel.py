"""The channel's behaviour without HTTP: what reaches the dialogue, what comes back, what is pushed.

The dialogue here is a recording stand-in (the real Rasa is exercised in tests/e2e/test_wechat.py);
the customer-service API is the local HTTP stub.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest

from channels.conversation import ConversationGate
from channels.dialogue import DialogueUnavailable
from channels.push import LocalPush
from channels.wechat.channel import WeChatChannel, sender_id
from channels.wechat.customer_service import CustomerServiceClient
from channels.wechat.dedupe import MemoryTurnStore
from channels.wechat.events import DIALOGUE_DOWN, EMPTY_TEXT, MENU_PAYLOADS, ONLY_TEXT, UNKNOWN_MENU
from channels.wechat.messages import IncomingMessage, TextOut
from channels.wechat.options import MemoryOptionStore
from daofu.config import Settings
from daofu.messages import BotMessage, read_turn
from daofu.records import ConversationRecords
from knowledge.db import create_engine_for

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
    """Records what it is sent; answers with ``replies`` (or fails, or is slow)."""

    def __init__(self, replies: list[dict[str, Any]] | None = None, delay: float = 0.0, down: bool = False) -> None:
        self.replies = replies if replies is not None else [{"recipient_id": "x", "text": "好的"}]
        self.delay = delay
        self.down = down
        self.received: list[tuple[str, str, dict[str, Any]]] = []

    async def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotMessage]:
        self.received.append((sender, text, metadata))
        await asyncio.sleep(self.delay)
        if self.down:
            raise DialogueUnavailable("the dialogue server at http://127.0.0.1:1 is unreachable")
        return read_turn(self.replies)


_ids = iter(range(10_000, 99_999))


def text(content: str, user: str = "o1") -> IncomingMessage:
    return IncomingMessage("gh", user, "1700000000", "text", msg_id=str(next(_ids)), content=content)


def event(name: str, key: str = "", user: str = "o1") -> IncomingMessage:
    return IncomingMessage("gh", user, str(next(_ids)), "event", event=name, event_key=key)


def channel_with(dialogue: Dialogue, push: CustomerServiceClient | None = None) -> WeChatChannel:
    """The channel as the service wires it: every turn through a real conversation gate."""
    records = ConversationRecords(create_engine_for(f"sqlite:///{Path(tempfile.mkdtemp()) / 'records.db'}"))
    gate = ConversationGate(lambda: dialogue, records, LocalPush(), Settings())
    return WeChatChannel(gate.turn, MemoryTurnStore(60), MemoryOptionStore(600), push)


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_text_goes_to_the_dialogue_with_wechat_metadata():
    dialogue = Dialogue()
    answer = run(channel_with(dialogue).answer(text("身份证到期了"), 2.0))
    assert answer == TextOut("好的")
    assert dialogue.received == [("wx-o1", "身份证到期了", {"channel": "wechat", "elder_mode": False})]
    assert sender_id("o1") == "wx-o1"


def test_a_number_picks_the_option_of_the_last_answer_for_that_user_only():
    async def scenario(dialogue: Dialogue) -> None:
        channel = channel_with(dialogue)
        await channel.answer(text("身份证"), 2.0)
        dialogue.replies = [{"text": "好的"}]
        await channel.answer(text("2"), 2.0)
        await channel.answer(text("1", user="o2"), 2.0)  # o2 was offered nothing
        await channel.answer(text("1"), 2.0)  # the last answer had no options: "1" is just text

    dialogue = Dialogue(CHOICES)
    run(scenario(dialogue))
    assert [(sender, said) for sender, said, _ in dialogue.received] == [
        ("wx-o1", "身份证"),
        ("wx-o1", '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'),
        ("wx-o2", "1"),
        ("wx-o1", "1"),
    ]


@pytest.mark.parametrize("reply", ["1", "１", "第一个", "第1项", " 1 "])
def test_the_number_may_be_written_in_several_ways(reply):
    async def scenario(dialogue: Dialogue) -> None:
        channel = channel_with(dialogue)
        await channel.answer(text("身份证"), 2.0)
        await channel.answer(text(reply), 2.0)

    dialogue = Dialogue(CHOICES)
    run(scenario(dialogue))
    assert dialogue.received[-1][1] == '/choose_option{"guide_id":"NB-330212-NBC-A-020"}'


def test_a_number_out_of_range_is_passed_on_as_text():
    async def scenario(dialogue: Dialogue) -> None:
        channel = channel_with(dialogue)
        await channel.answer(text("身份证"), 2.0)
        await channel.answer(text("3"), 2.0)

    dialogue = Dialogue(CHOICES)
    run(scenario(dialogue))
    assert dialogue.received[-1][1] == "3"


@pytest.mark.parametrize(
    "message, payload",
    [
        (event("subscribe"), "/greet"),
        (event("subscribe", "qrscene_123"), "/greet"),
        (event("CLICK", "DAOFU_START"), "/greet"),
        (event("CLICK", "DAOFU_HUMAN"), "/human_handoff"),
        (event("CLICK", "DAOFU_RATE"), MENU_PAYLOADS["DAOFU_RATE"]),
    ],
)
def test_events_become_payloads(message, payload):
    dialogue = Dialogue()
    run(channel_with(dialogue).answer(message, 2.0))
    assert [said for _, said, _ in dialogue.received] == [payload]


def test_a_menu_payload_is_never_read_as_a_number():
    async def scenario(dialogue: Dialogue) -> None:
        channel = channel_with(dialogue)
        await channel.answer(text("身份证"), 2.0)
        await channel.answer(event("CLICK", "DAOFU_START"), 2.0)

    dialogue = Dialogue(CHOICES)
    run(scenario(dialogue))
    assert dialogue.received[-1][1] == "/greet"


@pytest.mark.parametrize(
    "message, answer",
    [
        (event("unsubscribe"), None),
        (event("VIEW", "https://example.org"), None),
        (event("LOCATION"), None),
        (event("CLICK", "NO_SUCH_KEY"), UNKNOWN_MENU),
        (IncomingMessage("gh", "o1", "1", "image", msg_id="77"), ONLY_TEXT),
        (IncomingMessage("gh", "o1", "1", "voice", msg_id="78"), ONLY_TEXT),
        (IncomingMessage("gh", "o1", "1", "location", msg_id="79"), ONLY_TEXT),
        (text("   "), EMPTY_TEXT),
    ],
)
def test_messages_answered_without_a_dialogue_turn(message, answer):
    dialogue = Dialogue()
    assert run(channel_with(dialogue).answer(message, 2.0)) == answer
    assert dialogue.received == []


def test_an_unavailable_dialogue_gets_a_polite_apology():
    assert run(channel_with(Dialogue(down=True)).answer(text("你好"), 2.0)) == DIALOGUE_DOWN


def test_a_silent_dialogue_means_success():
    assert run(channel_with(Dialogue(replies=[])).answer(text("你好"), 2.0)) is None


def test_a_slow_answer_is_pushed_through_the_customer_service_api(api_stub):
    dialogue = Dialogue(CHOICES, delay=0.3)

    async def scenario() -> None:
        push = CustomerServiceClient(api_stub.url, api_stub.appid, api_stub.secret)
        channel = channel_with(dialogue, push)
        try:
            assert await channel.answer(text("身份证", user="oSlow"), 0.05) is None
            pushed = await asyncio.to_thread(api_stub.wait_for_message, lambda m: m["touser"] == "oSlow", 5)
            assert pushed["text"]["content"] == "您要办理的是哪一种？\n\n回复 1 居民身份证换领\n回复 2 居民身份证补领"
            # The options of a pushed answer are remembered like those of a passive one.
            dialogue.delay = 0
            await channel.answer(text("2", user="oSlow"), 1.0)
        finally:
            await channel.close()

    run(scenario())
    assert dialogue.received[-1][1] == '/choose_option{"guide_id":"NB-330212-NBC-A-021"}'
    assert len(api_stub.accepted_messages()) == 1


def test_without_a_secret_a_slow_answer_is_logged_as_lost(caplog):
    async def scenario() -> None:
        channel = channel_with(Dialogue(delay=0.2))
        assert await channel.answer(text("你好"), 0.01) is None
        await channel.close()

    run(scenario())
    assert "cannot be pushed" in caplog.text
    assert "你好" not in caplog.text  # message content stays out of the logs
