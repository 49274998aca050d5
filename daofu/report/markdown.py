"""The monthly report as Markdown: the figures in tables, the charts as images beside it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from daofu.report.figures import MonthFigures, Timing
from daofu.report.safe_text import markdown_cell


def _share(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "—"


def _seconds(value: float | None) -> str:
    return f"{value:g} 秒" if value is not None else "—"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _timing_row(name: str, timing: Timing) -> list[object]:
    return [name, timing.count, _seconds(timing.median), _seconds(timing.p90), _seconds(timing.longest)]


def render_markdown(figures: MonthFigures, charts: Sequence[Path] = ()) -> str:
    """The report; ``charts`` are linked by file name (they sit next to the Markdown file)."""
    f = figures
    lines = [
        f"# 甬导服月度服务报告 · {f.month}",
        "",
        f"统计口径：宁波时间（{f.timezone}）自然月；一次会话为同一用户间隔不超过 60 分钟的连续对话。",
        "",
        "## 总览",
        "",
        *_table(
            ["会话", "对话轮次", "已解决", "解决率", "转人工会话", "转人工率", "评价", "满意率", "未能回答的问题"],
            [
                [
                    f.conversations,
                    f.turns,
                    f.resolved,
                    _share(f.resolved_share),
                    f.handoff_conversations,
                    _share(f.handoff_rate),
                    f.rated,
                    _share(f.satisfied_share),
                    f.unanswered,
                ]
            ],
        ),
        "",
        f"已解决 = 会话中给出了办事指南（{f.resolved_by['guide']}）、打开了申报表单（{f.resolved_by['form']}）"
        f"或由人工坐席接手（{f.resolved_by['agent']}）；一次会话可同时计入几项。",
        "",
        "## 各渠道",
        "",
        *_table(
            ["渠道", "会话", "解决率", "转人工率", "评价", "满意率"],
            [
                [
                    c.name,
                    c.conversations,
                    _share(c.resolved_share),
                    _share(c.handoff_rate),
                    c.ratings,
                    _share(c.satisfied_share),
                ]
                for c in f.channels
            ],
        ),
        "",
        "## 人工坐席",
        "",
        f"转人工请求 {f.handoffs['asked']} 次：坐席接入 {f.handoffs['taken']} 次，排队超时 {f.handoffs['timeout']} 次，"
        f"未接入即结束 {f.handoffs['closed']} 次，仍在排队 {f.handoffs['waiting']} 次。",
        "",
        *_table(
            ["时间", "次数", "中位数", "90% 分位", "最长"],
            [_timing_row("等待接入", f.wait), _timing_row("接入后首次回复", f.first_response)],
        ),
        "",
        "## 好差评",
        "",
        f"本月发出评价请求 {f.rating_requests} 次，收到评价 {f.rated} 条，"
        f"满意率（满意与非常满意）{_share(f.satisfied_share)}。",
        "",
        *_table(["评价", *f.ratings], [["条数", *f.ratings.values()]]),
        "",
        "差评原因：",
        "",
        *_table(["原因", "条数"], [[label, count] for label, count in f.reasons.items()]),
        "",
    ]
    if f.reason_quotes:
        lines += ["用户写下的原因（已脱敏、截断）：", ""]
        lines += [f"- “{markdown_cell(quote)}”" for quote in f.reason_quotes]
        lines.append("")
    lines += [
        "## 热门事项",
        "",
        *_table(
            ["事项", "编码", "指南", "表单"],
            [[markdown_cell(m["name"]), m["matter_code"], m["guides"], m["forms"]] for m in f.top_matters],
        ),
        "",
        "## 知识缺口：未能回答的问题（按相似合并）",
        "",
        *_table(
            ["问题（已脱敏）", "次数", "相近问法"],
            [
                [markdown_cell(g.question), g.count, "；".join(markdown_cell(e, 30) for e in g.examples) or "—"]
                for g in f.gaps
            ],
        ),
        "",
    ]
    if charts:
        lines += ["## 图表", ""]
        lines += [f"![{path.stem}]({path.name})" for path in charts]
        lines.append("")
    return "\n".join(lines)
