"""One Chinese message through every process boundary: service → Rasa → action endpoint → back."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import rasa_auth

pytestmark = pytest.mark.e2e


def test_both_servers_report_healthy(servers, service):
    assert service.get("/health").json() == {"status": "ok", "dialogue": "up"}
    assert httpx.get(f"{servers.rasa_url}/status", timeout=10).status_code == 401  # the API needs its token
    status = httpx.get(f"{servers.rasa_url}/status", params=rasa_auth(servers), timeout=10)
    assert status.status_code == 200
    assert status.json()["model_file"].endswith("daofu.tar.gz")


def test_greeting_comes_back_from_the_custom_action(service):
    reply = service.post("/api/chat", json={"sender": "e2e-seam-1", "message": "你好"})
    assert reply.status_code == 200
    texts = [message.get("text", "") for message in reply.json()["messages"]]
    # The wording lives only in bot/actions/greeting.py: Rasa had to call our action endpoint.
    from bot.actions.greeting import GREETING

    assert any(GREETING in text for text in texts), texts


def test_the_conversation_is_remembered_by_the_tracker_store(servers, service):
    service.post("/api/chat", json={"sender": "e2e-seam-2", "message": "您好，在吗"})
    # The plain API's conversations are namespaced: sender "e2e-seam-2" is "api-e2e-seam-2" in the dialogue.
    tracker = httpx.get(f"{servers.rasa_url}/conversations/api-e2e-seam-2/tracker", params=rasa_auth(servers),
                        timeout=10).json()  # fmt: skip
    user_texts = [event.get("text") for event in tracker["events"] if event["event"] == "user"]
    assert "您好，在吗" in user_texts
    actions = [event.get("name") for event in tracker["events"] if event["event"] == "action"]
    assert "action_greet" in actions


@pytest.mark.parametrize(
    "body, status",
    [
        ({"message": "你好"}, 400),
        ({"sender": "x", "message": 5}, 400),
        ({"sender": "x", "payload": "not a payload"}, 400),
        ({"sender": "x", "message": "长" * 2001}, 413),
        ({"sender": "a b", "message": "你好"}, 400),
        ({"sender": "x" * 101, "message": "你好"}, 400),
    ],
)
def test_bad_chat_requests_get_a_clear_error(service, body, status):
    reply = service.post("/api/chat", json=body)
    assert reply.status_code == status
    assert reply.json()["error"]


def test_a_sender_that_is_not_text_gets_a_clear_error(service):
    reply = service.post("/api/chat", content=b'{"sender": "\\ud800", "message": "x"}',
                         headers={"content-type": "application/json"})  # fmt: skip
    assert reply.status_code == 400 and "sender" in reply.json()["error"]


def test_invalid_json_gets_a_clear_error(service):
    reply = service.post("/api/chat", content=b"{not json", headers={"content-type": "application/json"})
    assert reply.status_code == 400
    assert "JSON" in reply.json()["error"]
