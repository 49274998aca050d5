"""The action endpoint runs actions for Rasa only: the shared secret, no proxy, well-formed calls."""

from __future__ import annotations

import asyncio
import itertools
import os
import stat
import subprocess
import sys
import time

import httpx
import pytest
from sanic import Sanic

from bot.actions.greeting import GREETING
from channels.action_endpoint import TOKEN_HEADER, action_blueprint, create_executor
from daofu.config import Settings
from daofu.secrets import SecretFileError, action_token, local_secret
from tests.channels.conftest import asgi_lifespan, services_for

TOKEN = "action-endpoint-test-token-0123456789"
_names = itertools.count()


def greet_call(sender: str = "web-x") -> dict:
    return {
        "next_action": "action_greet",
        "sender_id": sender,
        "tracker": {"sender_id": sender, "slots": {}, "latest_message": {"text": "你好"}, "events": []},
        "domain": {},
        "version": "3.6.21",
    }


def call(*requests: tuple[str, dict, object]) -> list[httpx.Response]:
    app = Sanic(f"action_endpoint_{next(_names)}")
    app.config.TOUCHUP = False
    app.blueprint(action_blueprint(create_executor(services_for(Settings())), TOKEN))

    async def scenario() -> list[httpx.Response]:
        async with (
            asgi_lifespan(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client,
        ):
            out = []
            for path, headers, body in requests:
                if body is None:
                    out.append(await client.get(path, headers=headers))
                else:
                    out.append(await client.post(path, headers=headers, json=body))
            return out

    return asyncio.run(scenario())


def test_without_the_token_no_action_runs_and_nothing_is_listed():
    missing, wrong, listing = call(
        ("/webhook", {}, greet_call()), ("/webhook", {TOKEN_HEADER: TOKEN + "x"}, greet_call()), ("/actions", {}, None)
    )
    assert missing.status_code == wrong.status_code == listing.status_code == 401


def test_a_request_through_a_proxy_is_refused_even_with_the_token():
    (response,) = call(("/webhook", {TOKEN_HEADER: TOKEN, "X-Forwarded-For": "203.0.113.9"}, greet_call()))
    assert response.status_code == 403


def test_rasa_with_the_token_runs_the_action():
    (response,) = call(("/webhook", {TOKEN_HEADER: TOKEN}, greet_call()))
    assert response.status_code == 200
    assert GREETING in response.json()["responses"][0]["text"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"next_action": 5},
        {"next_action": "action_greet"},
        {"next_action": "action_greet", "tracker": "x"},
        {"next_action": "action_greet", "tracker": {"events": "x"}, "domain": []},
        {"next_action": "action_does_not_exist", "tracker": {"sender_id": "x"}},
    ],
)
def test_malformed_action_calls_get_a_4xx(body):
    (response,) = call(("/webhook", {TOKEN_HEADER: TOKEN}, body))
    assert 400 <= response.status_code < 500, response.text


def test_a_local_secret_is_created_owner_only_and_read_back(tmp_path):
    first = local_secret(tmp_path, "action-token")
    assert local_secret(tmp_path, "action-token") == first and len(first) >= 32
    path = tmp_path / "secrets" / "action-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert action_token(Settings(var_dir=tmp_path)) == first
    assert action_token(Settings(var_dir=tmp_path, action_token="from-the-environment")) == "from-the-environment"


def test_processes_starting_together_all_read_the_one_whole_secret(tmp_path):
    # Separate processes, as two service instances on one var/ are, each waiting for the same
    # instant before asking for the secret: none may read a half-made file.
    code = (
        "import sys, time; from pathlib import Path; from daofu.secrets import local_secret\n"
        "start = float(sys.argv[2])\n"
        "while time.time() < start: pass\n"
        "print(local_secret(Path(sys.argv[1]), 'shared-token'))"
    )
    for attempt in range(5):
        var, start = tmp_path / f"var{attempt}", time.time() + 1.0
        command = [sys.executable, "-c", code, str(var), str(start)]
        starts = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
        results = [process.communicate(timeout=60) for process in starts]
        assert all(process.returncode == 0 for process in starts), [err.decode()[-300:] for _, err in results]
        read = {out.decode().strip() for out, _ in results}
        assert len(read) == 1 and len(read.pop()) >= 32
        assert [p.name for p in (var / "secrets").iterdir()] == ["shared-token"]  # no temporary file left


def test_a_secret_file_others_can_read_is_refused(tmp_path):
    local_secret(tmp_path, "leaky")
    os.chmod(tmp_path / "secrets" / "leaky", 0o644)
    with pytest.raises(SecretFileError, match="chmod 600"):
        local_secret(tmp_path, "leaky")
