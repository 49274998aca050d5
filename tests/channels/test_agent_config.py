"""Agent tokens from DAOFU_AGENT_TOKENS."""

from __future__ import annotations

import pytest

from channels.agent.config import AgentConfigError, load_agent_directory, parse_tokens
from daofu.config import Settings, SettingsError


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


def test_no_value_means_no_console():
    directory = load_agent_directory(Settings.from_env({}))
    assert not directory.configured and "DAOFU_AGENT_TOKENS" in directory.problem


def test_a_malformed_value_stops_the_service_naming_the_variable():
    with pytest.raises(SettingsError, match=r"DAOFU_AGENT_TOKENS: .*at least 12"):
        load_agent_directory(Settings.from_env({"DAOFU_AGENT_TOKENS": "a1:short"}))


def test_tokens_are_matched_exactly():
    directory = load_agent_directory(Settings.from_env({"DAOFU_AGENT_TOKENS": "a1:token-one-123,a2:token-two-456"}))
    assert directory.agent_for("token-two-456") == "a2"
    for wrong in ("token-two-45", "token-two-4567", "TOKEN-TWO-456", "", "a2"):
        assert directory.agent_for(wrong) is None
