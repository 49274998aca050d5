"""The lookup log in a real SQLite file: rows are masked before they are written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from channels.agent.lookup_log import LookupLog


@pytest.fixture
def log(tmp_path) -> LookupLog:
    lookups = LookupLog(create_engine(f"sqlite:///{tmp_path / 'service.db'}"))
    lookups.create()
    return lookups


def test_a_lookup_is_stored_with_agent_guide_and_time(log):
    entry = log.record("agent-1", "view", query="身份证到期", guide_id="NB-1", matter_code="M-1")
    assert (entry.agent_id, entry.action, entry.query, entry.guide_id, entry.matter_code) == (
        "agent-1", "view", "身份证到期", "NB-1", "M-1")  # fmt: skip
    assert entry.created_at is not None
    assert log.count() == 1


def test_phone_and_id_numbers_never_reach_the_table(log):
    log.record("agent-1", "search", query="来电13812345678，身份证330203199001011234，想换证")
    log.record("agent-1", "send_link", guide_id="NB-1", phone="0574-87654321")
    with log.engine.connect() as connection:
        rows = connection.execute(text("SELECT query, phone FROM agent_lookup ORDER BY id")).all()
    dump = repr(rows)
    assert "13812345678" not in dump and "330203199001011234" not in dump and "87654321" not in dump
    assert rows[0][0] == "来电138****5678，身份证3302**********1234，想换证"
    assert rows[1][1] == "0574-****4321"


def test_blank_values_are_stored_as_null_and_long_queries_are_cut(log):
    entry = log.record("agent-1", "search", query="   ", region="")
    assert entry.query is None and entry.region is None
    assert len(log.record("agent-1", "search", query="长" * 2000).query) == 500


def test_unknown_actions_are_refused(log):
    with pytest.raises(ValueError, match="action must be one of"):
        log.record("agent-1", "delete")


def test_between_selects_a_time_window(log):
    early = datetime(2025, 5, 31, 15, 59, tzinfo=UTC)
    late = datetime(2025, 6, 30, 16, 0, tzinfo=UTC)
    inside = datetime(2025, 6, 10, tzinfo=UTC)
    for moment in (early, inside, late):
        log.record("agent-1", "search", query=moment.isoformat(), at=moment)
    found = log.between(datetime(2025, 5, 31, 16, 0, tzinfo=UTC), datetime(2025, 6, 30, 16, 0, tzinfo=UTC))
    assert [entry.query for entry in found] == [inside.isoformat()]


def test_creating_twice_is_harmless(log):
    log.create()
    log.record("agent-1", "sms", guide_id="NB-1")
    assert [entry.action for entry in log.recent("agent-1")] == ["sms"]
