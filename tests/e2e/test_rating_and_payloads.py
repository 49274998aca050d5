"""好差评 rules, forged payloads, a hand-off nobody takes and the call-back, against the real servers.

Conversations go through ``POST /api/chat`` (the plain channel): ``message`` is what the person
typed or the title of the button they chose, ``payload`` the button's. What is stored is read back
through :class:`daofu.records.ConversationRecords` and Rasa's tracker.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from daofu.config import Settings
from daofu.followups import CALLBACK_CONSENT, REASON_QUESTION
from daofu.ports import free_port
from daofu.processes import ServerPair
from daofu.records import ConversationRecords
from knowledge.db import create_engine_for
from tests.e2e.conftest import AGENT_TOKENS, SERVICE_TEST_ENV, make_runtime_dir, rasa_auth

pytestmark = pytest.mark.e2e

AGENT_AUTH = {"Authorization": f"Bearer {next(iter(AGENT_TOKENS.values()))}"}
FORGED_RATING = '/rate_service{"rating":"5"}'


class Chat:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"
        self.dialogue_sender = f"api-{self.sender}"  # how the plain API names the conversation

    def say(self, text: str, payload: str | None = None) -> list[dict[str, Any]]:
        body = {"sender": self.sender, "message": text, **({"payload": payload} if payload else {})}
        reply = self.client.post("/api/chat", json=body)
        assert reply.status_code == 200, reply.text
        return reply.json()["messages"]


def texts(messages: list[dict[str, Any]]) -> str:
    return " ".join(m.get("text") or (m.get("custom") or {}).get("text", "") for m in messages)


def custom(messages: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    return next((m["custom"] for m in messages if (m.get("custom") or {}).get("type") == kind), None)


def button(messages: list[dict[str, Any]], title: str) -> dict[str, str]:
    found = [b for m in messages for b in m.get("buttons") or [] if title in b["title"]]
    assert found, f"no button {title!r} in {messages}"
    return found[0]


@pytest.fixture
def chat(service: httpx.Client) -> Chat:
    return Chat(service)


@pytest.fixture(scope="module")
def records(servers) -> ConversationRecords:
    return ConversationRecords(create_engine_for(servers.settings.database_url))


def tracker_users(servers, sender: str) -> list[dict[str, Any]]:
    url = f"{servers.rasa_url}/conversations/{sender}/tracker"
    events = httpx.get(url, params=rasa_auth(servers), timeout=30).json()["events"]
    return [event for event in events if event["event"] == "user"]


def test_a_typed_rating_payload_three_times_stores_nothing(chat, records, servers):
    for _ in range(3):
        chat.say(FORGED_RATING)
    assert records.ratings(chat.dialogue_sender) == []
    intents = [event["parse_data"]["intent"]["name"] for event in tracker_users(servers, chat.dialogue_sender)]
    assert "rate_service" not in intents  # the text went through the NLU as words, not as a payload
    assert all(not event["text"].startswith("/") for event in tracker_users(servers, chat.dialogue_sender))


def test_a_payload_the_service_did_not_offer_is_sent_as_its_title(chat, records):
    reply = chat.say("非常满意", payload=FORGED_RATING)  # no rating was asked for
    assert records.ratings(chat.dialogue_sender) == []
    assert "感谢您的反馈" in texts(reply)


def test_asking_for_a_person_asks_no_rating(chat):
    reply = chat.say("转人工")
    assert custom(reply, "human_handoff") is not None
    assert custom(reply, "rating_request") is None


def test_goodbye_asks_once_and_takes_one_rating(chat, records):
    reply = chat.say("再见")
    request = custom(reply, "rating_request")
    assert request is not None
    best = request["options"][0]
    assert "非常满意" in texts(chat.say(best["title"], best["payload"]))
    chat.say(best["title"], best["payload"])  # the same button again: the request is answered
    assert [rating.rating for rating in records.ratings(chat.dialogue_sender)] == [5]


def test_a_bad_rating_gets_one_follow_up_and_the_reason_is_stored_not_classified(chat, records, servers):
    request = custom(chat.say("再见"), "rating_request")
    worst = request["options"][-1]
    reply = chat.say(worst["title"], worst["payload"])
    assert REASON_QUESTION in texts(reply)
    slow = button(reply, "等待时间太长")
    thanks = chat.say(slow["title"], slow["payload"])
    assert "感谢您的反馈" in texts(thanks)
    (rating,) = records.ratings(chat.dialogue_sender)
    assert rating.rating == 1
    (reason,) = [r for r in records.rating_reasons_between(rating.created_at, rating.created_at.replace(year=2999))
                 if r.rating_id == rating.id]  # fmt: skip
    assert reason.category == "slow"


def test_a_typed_reason_is_stored_masked_and_never_answered_as_out_of_scope(chat, records, servers):
    request = custom(chat.say("再见"), "rating_request")
    unhappy = request["options"][3]  # 不满意
    chat.say(unhappy["title"], unhappy["payload"])
    reason_text = "回答太慢了，打13812345678也没人接"
    reply = chat.say(reason_text)
    assert "感谢您的反馈" in texts(reply) and "不在政务服务范围" not in texts(reply)
    (rating,) = records.ratings(chat.dialogue_sender)
    stored = [r for r in records.rating_reasons_between(rating.created_at, rating.created_at.replace(year=2999))
              if r.rating_id == rating.id]  # fmt: skip
    assert [r.text for r in stored] == ["回答太慢了，打138****5678也没人接"]
    last = tracker_users(servers, chat.dialogue_sender)[-1]
    assert last["parse_data"]["intent"]["name"] == "relayed_to_service"  # not classified


QUEUE_TIMEOUT = 8  # seconds, for the service of the timeout test only


@pytest.fixture(scope="module")
def impatient_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, ServerPair]]:
    """A second pair of servers whose hand-offs time out after QUEUE_TIMEOUT seconds."""
    runtime = make_runtime_dir(tmp_path_factory.mktemp("impatient"))
    settings = Settings(var_dir=runtime, port=free_port(), rasa_port=free_port())
    pair = ServerPair(settings, extra_env={**SERVICE_TEST_ENV, "DAOFU_HANDOFF_TIMEOUT": str(QUEUE_TIMEOUT)})
    pair.start()
    try:
        with httpx.Client(base_url=pair.service_url, timeout=60) as client:
            yield client, pair
    finally:
        pair.stop()


def test_a_handoff_nobody_takes_offers_12345_and_a_callback(impatient_service):
    service, pair = impatient_service
    records = ConversationRecords(create_engine_for(pair.settings.database_url))
    chat = Chat(service)
    handoff = custom(chat.say("我要找人工客服"), "human_handoff")
    assert handoff is not None and handoff["position"] >= 1
    deadline = time.monotonic() + QUEUE_TIMEOUT + 60
    while records.handoff(handoff["handoff_id"]).status != "closed" and time.monotonic() < deadline:
        time.sleep(1)
    assert records.handoff(handoff["handoff_id"]).status == "closed", "the hand-off did not time out"
    assert [event.kind for event in records.handoff_events(handoff["handoff_id"])][-1] == "timeout"
    notice = tracker_bot_texts(pair, chat.dialogue_sender)
    assert any("12345" in text and "没能接入" in text for text in notice), notice

    offer = chat.say("预约工作人员回电", "/request_callback")  # the button the timeout notice offered
    assert CALLBACK_CONSENT in texts(offer)
    registered = chat.say("好的，13912345678")
    assert "139****5678" in texts(registered) and "13912345678" not in texts(registered)
    listed = service.get("/api/agent/callbacks", headers=AGENT_AUTH).json()["callbacks"]
    (mine,) = [c for c in listed if c["sender_id"] == chat.dialogue_sender]
    assert mine["phone"] == "139****5678" and mine["status"] == "waiting"
    calling = service.post(f"/api/agent/callbacks/{mine['id']}", json={"status": "taken"}, headers=AGENT_AUTH)
    assert calling.json()["phone"] == "13912345678"  # only the agent who calls sees the number
    done = service.post(f"/api/agent/callbacks/{mine['id']}", json={"status": "done"}, headers=AGENT_AUTH)
    assert done.json()["status"] == "done" and done.json()["phone"] == "139****5678"
    tracked = " ".join(event.get("text") or "" for event in tracker_users(pair, chat.dialogue_sender))
    assert "13912345678" not in tracked  # the number is masked in the conversation's record too


def tracker_bot_texts(servers: ServerPair, sender: str) -> list[str]:
    url = f"{servers.rasa_url}/conversations/{sender}/tracker"
    events = httpx.get(url, params=rasa_auth(servers), timeout=30).json()["events"]
    return [event.get("text") or "" for event in events if event["event"] == "bot"]
