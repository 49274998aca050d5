"""The monthly report on a scripted month: figures, Markdown, charts, and safe quoting of what people typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from daofu.cli import main
from daofu.records import ConversationRecords
from daofu.report import charts
from daofu.report.figures import month_figures, timing
from daofu.report.gaps import group_questions
from daofu.report.markdown import render_markdown
from daofu.report.month import ReportError, parse_month
from daofu.report.safe_text import markdown_cell, quoted
from daofu.report.scripted_month import play_month
from knowledge.db import create_engine_for

JUNE = parse_month("2025-06")


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ConversationRecords, object]:
    url = f"sqlite:///{tmp_path_factory.mktemp('scripted') / 'records.db'}"
    records = ConversationRecords(create_engine_for(url))
    script = play_month(records, JUNE, conversations=240, seed=7)
    return url, records, script


def test_the_figures_are_what_the_scripted_month_wrote(scripted):
    _, records, script = scripted
    figures = month_figures(records, JUNE)
    assert figures.conversations == script.conversations == 240
    assert figures.resolved == script.resolved
    assert figures.handoff_conversations == script.handoffs
    assert figures.handoffs["taken"] == script.taken and figures.handoffs["timeout"] == script.timeouts
    assert figures.resolved_by["agent"] == script.taken
    assert sum(figures.ratings.values()) == sum(script.ratings.values()) == figures.rated
    assert figures.ratings["非常满意"] == script.ratings[5] and figures.ratings["非常不满意"] == script.ratings[1]
    assert sum(figures.reasons.values()) == script.reasons
    assert figures.unanswered == script.unanswered
    assert sum(c.conversations for c in figures.channels) == 240
    assert {c.channel: c.conversations for c in figures.channels} == dict(script.by_channel)
    assert figures.wait.count == script.taken and figures.wait.median is not None
    assert 0 < figures.wait.median <= figures.wait.p90 <= figures.wait.longest
    # Four gaps were asked in several wordings each: the report lists four, not every wording.
    assert len(figures.gaps) == 4 and sum(g.count for g in figures.gaps) == script.unanswered
    assert all("13812345678" not in g.question + "".join(g.examples) for g in figures.gaps)


def test_other_months_are_empty(scripted):
    _, records, _ = scripted
    july = month_figures(records, parse_month("2025-07"))
    assert july.conversations == 0 and july.resolved_share is None and july.wait.median is None


def test_the_command_writes_markdown_and_six_charts(scripted, tmp_path, monkeypatch, capsys):
    url, _, script = scripted
    monkeypatch.setenv("DAOFU_DATABASE_URL", url)
    assert main(["report", "--month", "2025-06", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "daofu-report-2025-06.md").read_text(encoding="utf-8")
    assert report.startswith("# 甬导服月度服务报告 · 2025-06")
    for heading in ("## 总览", "## 各渠道", "## 人工坐席", "## 好差评", "## 热门事项", "## 知识缺口"):
        assert heading in report
    pngs = sorted(path.name for path in tmp_path.glob("*.png"))
    assert pngs == sorted(["channels.png", "ratings.png", "reasons.png", "agent-times.png", "top-matters.png",
                           "knowledge-gaps.png"])  # fmt: skip
    for name in pngs:
        assert f"]({name})" in report
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "\x07" not in report and "\x1b" not in report and "\u202e" not in report
    assert f"{script.conversations} conversations" in capsys.readouterr().out


def test_a_bad_month_is_one_clear_error(capsys):
    assert main(["report", "--month", "06-2025"]) == 1
    assert "month must be YYYY-MM" in capsys.readouterr().err


def test_charts_without_a_cjk_font_stop_with_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(charts, "CJK_FONTS", (tmp_path / "missing.ttc",))
    with pytest.raises(ReportError, match="fonts-noto-cjk"):
        charts.cjk_font()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("你好\x07\x1b[31m", "你好\\x07\\x1b[31m"),
        ("\u202e反过来", "\\u202e反过来"),
        ("多行\n文字\t在此", "多行 文字 在此"),
        ("😡" * 40 + "太慢", "😡😡😡太慢…"),
        ("🐶🐱🐭🐹🐰🦊🐻🐼🐨🐯🦁", "🐶🐱🐭🐹🐰🦊🐻🐼…"),
    ],
)
def test_quotes_escape_control_characters_and_cut_emoji_floods(raw, expected):
    assert quoted(raw) == expected


def test_quotes_are_cut_to_their_length_and_markdown_is_escaped():
    assert len(quoted("长" * 500)) == 60 and quoted("长" * 500).endswith("…")
    assert markdown_cell("a | b **c** <script>") == "a \\| b \\*\\*c\\*\\* &lt;script&gt;"


def test_similar_wordings_are_one_gap_and_different_needs_are_not():
    questions = (
        ["养狗要办证吗"] * 3 + ["宠物狗怎么办狗证"] * 2 + ["无人机怎么登记", "买了无人机要登记吗"] + ["公积金能贷多少"]
    )
    gaps = group_questions(questions)
    assert [(g.question, g.count) for g in gaps] == [
        ("养狗要办证吗", 5),
        ("买了无人机要登记吗", 2),
        ("公积金能贷多少", 1),
    ]
    assert gaps[0].examples == ("宠物狗怎么办狗证",) and gaps[1].examples == ("无人机怎么登记",)


def test_timing_percentiles():
    assert timing([]).median is None
    measured = timing([float(s) for s in range(1, 11)])
    assert (measured.count, measured.median, measured.p90, measured.longest) == (10, 5.0, 9.0, 10.0)


def test_the_markdown_of_an_empty_month_says_so_without_failing(tmp_path):
    records = ConversationRecords(create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}"))
    text = render_markdown(month_figures(records, JUNE), [Path("channels.png")])
    assert "| 0 | 0 | 0 | — |" in text and "![channels](channels.png)" in text
