"""The monthly report: month boundaries in Ningbo time, the counts, and the dialogue's records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from channels.agent.lookup_log import Lookup
from channels.agent.report import Month, ReportError, parse_month, summarise
from daofu.records import ConversationRecords, HandoffRow, RatingRow
from knowledge.db import create_engine_for


def lookup(agent: str, action: str, query: str | None = None, guide: str | None = None, hits: int | None = None):
    return Lookup(0, agent, action, query, None, guide, None, hits, None, datetime(2025, 6, 1, tzinfo=UTC))


def test_months_are_calendar_months_in_china_standard_time():
    june = parse_month("2025-06")
    assert june.start == datetime(2025, 5, 31, 16, 0, tzinfo=UTC)
    assert june.end == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)
    assert parse_month("2025-12").end == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def test_no_month_means_the_current_one_in_ningbo():
    # 2025-06-30 17:00 UTC is already 1 July in Ningbo.
    assert parse_month(None, now=datetime(2025, 6, 30, 17, 0, tzinfo=UTC)) == Month(2025, 7)
    assert parse_month("", now=datetime(2025, 6, 30, 15, 0, tzinfo=UTC)) == Month(2025, 6)


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "2025-6", "25-06", "June", "2025-06-01", "1999-01"])
def test_bad_months_are_refused(text):
    with pytest.raises(ReportError, match="YYYY-MM"):
        parse_month(text)


def test_summary_counts_actions_agents_queries_and_guides():
    lookups = [
        lookup("a1", "search", "身份证到期", hits=5),
        lookup("a1", "search", "身份证到期", hits=5),
        lookup("a2", "search", "火星签证", hits=0),
        lookup("a1", "view", guide="G1"),
        lookup("a2", "view", guide="G1"),
        lookup("a1", "sms", guide="G1"),
        lookup("a1", "send_link", guide="G2"),
    ]
    report = summarise(Month(2025, 6), lookups, guide_name={"G1": "居民身份证换领"}.get)
    assert report["month"] == "2025-06"
    assert report["lookups"] == {"total": 7, "search": 3, "view": 2, "sms": 1, "send_link": 1}
    assert report["searches_without_result"] == 1
    assert report["links_sent"] == 1
    assert report["agents"] == [
        {"agent_id": "a1", "total": 5, "search": 2, "view": 1, "sms": 1, "send_link": 1},
        {"agent_id": "a2", "total": 2, "search": 1, "view": 1, "sms": 0, "send_link": 0},
    ]
    assert report["top_queries"][0] == {"query": "身份证到期", "count": 2}
    assert report["top_guides"] == [
        {"guide_id": "G1", "name": "居民身份证换领", "count": 3},
        {"guide_id": "G2", "name": None, "count": 1},
    ]


def test_an_empty_month_is_all_zeros():
    report = summarise(Month(2001, 1), [])
    assert report["lookups"]["total"] == 0 and report["agents"] == [] and report["top_guides"] == []


def test_handoffs_and_ratings_of_the_month_are_counted(tmp_path):
    records = ConversationRecords(create_engine_for(f"sqlite:///{tmp_path / 'service.db'}"))
    first = records.open_handoff("web-1", channel="widget", reason="user_request", summary="…")
    records.open_handoff("web-2", channel="widget", reason="no_match", summary="…")
    records.update_handoff(first.id, "closed", "a1")
    for level in (5, 5, 4, 1):
        records.add_rating("web-1", level, channel="widget")
    old = records.open_handoff("web-3", channel="wechat", reason="user_request", summary="…")
    records.add_rating("web-3", 2, channel="wechat")
    with records.engine.begin() as connection:  # one hand-off and one rating from another month
        long_ago = datetime(2020, 1, 15, tzinfo=UTC)
        connection.execute(update(HandoffRow).where(HandoffRow.id == old.id).values(created_at=long_ago))
        connection.execute(update(RatingRow).where(RatingRow.rating == 2).values(created_at=long_ago))

    now = parse_month(None)
    counts = records.month_counts(now.start, now.end)
    assert counts["handoffs"] == {"total": 2, "open": 1, "taken": 0, "closed": 1}
    assert counts["ratings"]["total"] == 4
    assert counts["ratings"]["levels"] == {"非常满意": 2, "满意": 1, "基本满意": 0, "不满意": 0, "非常不满意": 1}
    assert counts["ratings"]["satisfied_share"] == 0.75
    january_month = Month(2020, 1)
    january = records.month_counts(january_month.start, january_month.end)
    assert january["handoffs"]["total"] == 1 and january["ratings"]["levels"]["不满意"] == 1
    empty = Month(2001, 1)
    assert records.month_counts(empty.start, empty.end)["ratings"]["satisfied_share"] is None


def test_unanswered_questions_are_kept_masked_and_read_back_by_month(tmp_path):
    records = ConversationRecords(create_engine_for(f"sqlite:///{tmp_path / 'service.db'}"))
    stored = records.add_unanswered("web-1", "widget", " 我的手机13812345678收不到验证码 ", "nothing", None, 0.42)
    assert stored.question == "我的手机138****5678收不到验证码" and stored.band == "nothing"
    now = parse_month(None)
    assert [u.id for u in records.unanswered_between(now.start, now.end)] == [stored.id]
    assert records.unanswered_between(Month(2001, 1).start, Month(2001, 1).end) == []
