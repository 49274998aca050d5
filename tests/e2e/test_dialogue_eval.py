"""``daofu eval dialogue`` against the real servers: every question gets one outcome, and the figures
agree with the outcomes (the accuracy itself is measured by the command, not asserted here).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.evaluation.replies import MatterLookup
from bot.evaluation.report import summarise
from bot.evaluation.run import run_conversations
from bot.evaluation.simulate import Outcome, read_questions
from daofu.config import PROJECT_ROOT
from knowledge.db import create_engine_for

pytestmark = pytest.mark.e2e

# Questions of our own: a plain need, one that needs a district, one naming a town, two negatives.
QUESTIONS = [
    {"id": "t1", "query": "社保卡丢了，怎么补一张新的", "expected": ["社会保障卡补领"], "region": None},
    {"id": "t2", "query": "小孩九月份要读小学了，在哪报名", "expected": ["小学一年级新生入学报名"], "region": "江北区",
     "kind": "district"},
    {"id": "t3", "query": "住在石浦镇，驾驶证到期了要换", "expected": ["机动车驾驶证有效期满换证"], "region": "象山县",
     "kind": "district"},
    {"id": "t4", "query": "明天宁波会下雨吗", "expected": [], "region": None, "kind": "negative"},
    {"id": "t5", "query": "帮我订一张去北京的机票", "expected": [], "region": None, "kind": "negative"},
]  # fmt: skip


@pytest.fixture(scope="module")
def question_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dialogue-eval") / "questions.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lookup(servers) -> MatterLookup:
    engine = create_engine_for(servers.settings.database_url)
    try:
        return MatterLookup.load(engine)
    finally:
        engine.dispose()


def test_every_question_gets_one_outcome_and_the_figures_agree(servers, question_file, lookup):
    questions = read_questions(question_file, lookup)
    conversations = run_conversations(servers.service_url, questions, lookup, concurrency=2, progress=False)
    assert [c.question.id for c in conversations] == [q["id"] for q in QUESTIONS]
    for conversation in conversations:
        assert 1 <= conversation.replies <= 3
        assert conversation.steps, conversation
        assert conversation.outcome is not Outcome.ERROR, conversation.steps
        if conversation.question.negative:
            assert conversation.outcome.value.startswith("negative_")
        else:
            assert not conversation.outcome.value.startswith("negative_")
        if conversation.outcome is Outcome.SUCCESS:
            assert conversation.shown in conversation.question.expected

    report = summarise(conversations, max_replies=3)
    assert (report.questions, report.in_scope, report.negatives) == (5, 3, 2)
    assert sum(report.in_scope_outcomes.values()) == pytest.approx(1.0)
    assert sum(report.negative_outcomes.values()) == pytest.approx(1.0)
    assert report.within[1] <= report.within[2] <= report.within[3] == report.success
    successes = sum(c.success for c in conversations)
    assert len(report.misses) == len(conversations) - successes


def test_the_command_reports_json_against_a_running_service(servers, question_file):
    completed = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "daofu"), "eval", "dialogue", "--queries", str(question_file),
         "--url", servers.service_url, "--limit", "3", "--json", "--no-progress"],
        capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert (report["questions"], report["in_scope"], report["negatives"]) == (3, 3, 0)
    assert set(report["within"]) == {"1", "2", "3"}
    assert report["within"]["3"] == report["success"]
    assert len(report["misses"]) == round(3 * (1 - report["success"]))


def test_a_bad_question_file_is_one_clear_line(servers, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"query": "社保卡丢了", "expected": ["没有这个事项"]}, ensure_ascii=False) + "\n")
    completed = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "daofu"), "eval", "dialogue", "--queries", str(bad),
         "--url", servers.service_url],
        capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert completed.returncode == 1
    assert "没有这个事项" in completed.stderr and "Traceback" not in completed.stderr
