"""Agent tokens from DAOFU_AGENT_TOKENS."""

from __future__ import annotations

import stat

import pytest

from channels.agent.config import AgentConfigError, load_agent_directory, parse_tokens
from daofu.config import Settings, SettingsError
from daofu.local_agent import SecretFileError, ensure_local_agent_token, login_hint


def test_tokens_map_to_their_agents():
    assert parse_tokens(" a1:token-one-123 , a2:token-two-456,") == {"token-one-123": "a1", "token-two-456": "a2"}


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("a1", "agent_id:token"),
        ("a1:", "agent_id:token"),
        (":token-one-123", "agent_id:token"),
        ("a 1:token-one-123", "may hold only"),
        ("a1:short", "at least 12"),
        ("a1:token with space", "at least 12"),
        ("a1:tokén-latin-1-long", "printable ASCII"),
        ("a1:token-one-123,a1:token-two-456", "appears twice"),
        ("a1:token-one-123,a2:token-one-123", "share one token"),
    ],
)
def test_malformed_values_say_what_is_wrong(raw, problem):
    with pytest.raises(AgentConfigError, match=problem):
        parse_tokens(raw)


def test_no_value_and_no_local_token_means_no_console(tmp_path):
    directory = load_agent_directory(Settings.from_env({"DAOFU_VAR_DIR": str(tmp_path)}))
    assert not directory.configured and "DAOFU_AGENT_TOKENS" in directory.problem
    assert "daofu run" in directory.problem


def test_the_first_run_makes_a_local_token_only_its_owner_can_read(tmp_path):
    settings = Settings.from_env({"DAOFU_VAR_DIR": str(tmp_path)})
    login = ensure_local_agent_token(settings)
    assert login is not None and login.agent_id == "local-agent" and len(login.token) >= 32
    assert stat.S_IMODE(login.path.stat().st_mode) == 0o600
    assert ensure_local_agent_token(settings) == login  # the next run reuses it
    directory = load_agent_directory(settings)
    assert directory.agent_for(login.token) == "local-agent"
    assert str(login.path) in login_hint(login)


def test_a_local_token_others_can_read_is_refused_saying_how_to_fix_it(tmp_path):
    settings = Settings.from_env({"DAOFU_VAR_DIR": str(tmp_path)})
    (tmp_path / "secrets").mkdir()
    leaked = tmp_path / "secrets" / "agent-token"
    leaked.write_text("leaked-token-everyone-can-read\n")
    leaked.chmod(0o644)
    directory = load_agent_directory(settings)
    assert not directory.configured and "chmod 600" in directory.problem
    with pytest.raises(SecretFileError, match="readable by others"):
        ensure_local_agent_token(settings)


def test_production_tokens_make_no_local_token(tmp_path):
    settings = Settings.from_env({"DAOFU_VAR_DIR": str(tmp_path), "DAOFU_AGENT_TOKENS": "a1:token-one-123"})
    assert ensure_local_agent_token(settings) is None and not (tmp_path / "secrets" / "agent-token").exists()
    assert login_hint(None).endswith("DAOFU_AGENT_TOKENS")


def test_a_malformed_value_stops_the_service_naming_the_variable():
    with pytest.raises(SettingsError, match=r"DAOFU_AGENT_TOKENS: .*at least 12"):
        load_agent_directory(Settings.from_env({"DAOFU_AGENT_TOKENS": "a1:short"}))


def test_tokens_are_matched_exactly():
    directory = load_agent_directory(Settings.from_env({"DAOFU_AGENT_TOKENS": "a1:token-one-123,a2:token-two-456"}))
    assert directory.agent_for("token-two-456") == "a2"
    for wrong in ("token-two-45", "token-two-4567", "TOKEN-TWO-456", "", "a2"):
        assert directory.agent_for(wrong) is None
