"""Conversations are forgotten after the retention period; the counts the report needs stay."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from daofu.config import Settings
from daofu.records import (
    ConversationRecords,
    HandoffEventKind,
    HandoffEventRow,
    HandoffRow,
    RatingRow,
    UnansweredRow,
)  # fmt: skip
from daofu.retention import purge
from knowledge.db import create_engine_for

OLD = datetime.now(UTC) - timedelta(days=400)


def make_tracker(path, timestamps: list[float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL, data TEXT)"
        )
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('web-x', 'user', ?, '{}')",
            [(stamp,) for stamp in timestamps],
        )


def test_old_words_are_forgotten_and_recent_ones_kept(tmp_path):
    settings = Settings(var_dir=tmp_path, retention_days=180)
    engine = create_engine_for(settings.database_url)
    records = ConversationRecords(engine)
    old = records.open_handoff("web-old", "widget", "user_request", "我的手机13812345678")
    records.add_handoff_message(old.id, HandoffEventKind.CITIZEN, "我住在南门街道")
    records.add_unanswered("web-old", "widget", "火星签证怎么办", "nothing")
    records.add_rating("web-old", 2, "widget")
    recent = records.open_handoff("web-new", "widget", "user_request", "社保卡丢了")
    records.add_unanswered("web-new", "widget", "月球护照", "nothing")
    with engine.begin() as connection:
        connection.execute(update(HandoffRow).where(HandoffRow.id == old.id).values(created_at=OLD))
        connection.execute(update(UnansweredRow).where(UnansweredRow.sender_id == "web-old").values(created_at=OLD))
        connection.execute(update(RatingRow).values(created_at=OLD))
        connection.execute(update(HandoffEventRow).where(HandoffEventRow.handoff_id == old.id).values(created_at=OLD))
    now = datetime.now(UTC).timestamp()
    make_tracker(tmp_path / "rasa" / "tracker.db", [OLD.timestamp(), OLD.timestamp(), now])

    dry = purge(settings, engine, dry_run=True)
    assert dry["tracker events"] == 2 and dry["unanswered questions"] == 1
    counts = purge(settings, engine)
    assert counts["tracker events"] == 2 and counts["handoff transcripts"] >= 2  # opened + the citizen's words
    assert counts["unanswered questions"] == 1 and counts["handoff summaries"] == 1

    with engine.connect() as connection:
        summaries = {row.id: row.summary for row in connection.execute(select(HandoffRow.id, HandoffRow.summary))}
        questions = list(connection.scalars(select(UnansweredRow.question)))
        ratings = list(connection.scalars(select(RatingRow.rating)))
        transcripts = set(connection.scalars(select(HandoffEventRow.handoff_id)))
    assert summaries == {old.id: "", recent.id: "社保卡丢了"}  # the old hand-off is still counted
    assert questions == ["月球护照"] and ratings == [2] and transcripts == {recent.id}
    with sqlite3.connect(tmp_path / "rasa" / "tracker.db") as connection:
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    assert purge(settings, engine)["tracker events"] == 0  # nothing left to forget


def test_the_purge_command_reports_without_deleting_on_a_dry_run(tmp_path):
    result = subprocess.run(
        [".venv/bin/daofu", "purge", "--dry-run"], env={"DAOFU_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "would forget" in result.stdout and "tracker events" in result.stdout
