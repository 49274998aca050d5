"""Knowledge gaps through the real servers: needs without a confident answer are stored, masked, and
reach the monthly report's gap list; a need answered with one guide is not a gap."""

from __future__ import annotations

import pytest

from daofu.records import ConversationRecords
from daofu.report.figures import month_figures
from daofu.report.month import parse_month
from knowledge.db import create_engine_for
from tests.e2e.test_dialogue import Conversation

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def records(servers) -> ConversationRecords:
    return ConversationRecords(create_engine_for(servers.settings.database_url))


def gaps_of(records: ConversationRecords, sender: str) -> list:
    month = parse_month(None)
    return [u for u in records.unanswered_between(month.start, month.end) if u.sender_id == sender]


def test_a_need_nothing_answers_is_stored_and_listed_in_the_report(service, records):
    chat = Conversation(service)
    turn = chat.say("我想申请成为宇航员")
    assert turn.custom("guide_card") is None
    stored = gaps_of(records, chat.dialogue_sender)
    assert [(g.channel, g.question) for g in stored] == [("api", "我想申请成为宇航员")]
    assert stored[0].band in ("nothing", "plausible")

    figures = month_figures(records, parse_month(None))
    listed = [g.question for g in figures.gaps] + [e for g in figures.gaps for e in g.examples]
    assert any("宇航员" in question for question in listed), figures.gaps


def test_choices_without_a_confident_guide_are_a_plausible_gap_masked_with_the_best_candidate(service, records):
    chat = Conversation(service)
    turn = chat.say("帮我办一张火星居住证，联系电话13912345678")
    assert turn.custom("guide_card") is None and len(turn.buttons) >= 2
    stored = gaps_of(records, chat.dialogue_sender)
    assert [g.band for g in stored] == ["plausible"]
    assert "13912345678" not in stored[0].question and "火星居住证" in stored[0].question
    assert stored[0].top_matter_code and stored[0].top_score is not None


def test_a_need_answered_with_one_guide_is_not_a_gap(service, records):
    chat = Conversation(service)
    first = chat.say("我住在北仑，社保卡丢了怎么补办")
    chat.reach_card(first, "社会保障卡补领")
    assert gaps_of(records, chat.dialogue_sender) == []


def test_a_new_need_asked_as_a_follow_up_without_a_confident_answer_is_a_gap(service, records):
    chat = Conversation(service)
    chat.reach_card(chat.say("我住在北仑，社保卡丢了怎么补办"), "社会保障卡补领")
    turn = chat.say("那身份证办理要带什么材料")
    assert turn.custom("guide_card") is None and len(turn.buttons) >= 2
    assert [(g.band, g.question) for g in gaps_of(records, chat.dialogue_sender)] == [
        ("plausible", "那身份证办理要带什么材料")
    ]
