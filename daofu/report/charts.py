"""The report's PNG charts, drawn with matplotlib's Agg backend (no display) in a CJK font.

Chinese labels need a CJK font; Debian's ``fonts-noto-cjk`` (installed by the test command) is
found by its path. Without it the charts would show empty boxes for every label, so the report
stops and says what to install (:class:`~daofu.report.month.ReportError`) instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from daofu.report.figures import MonthFigures
from daofu.report.month import ReportError

CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
)
BLUE, GREEN, AMBER, RED, GREY = "#0b5cad", "#1b7f3b", "#c77700", "#b3261e", "#8a96a3"
LEVEL_COLOURS = (GREEN, "#5fa86f", GREY, AMBER, RED)
DPI = 110


def cjk_font() -> Path:
    """The Noto Sans CJK font file, or :class:`ReportError` saying how to install it."""
    for path in CJK_FONTS:
        if path.is_file():
            return path
    raise ReportError(
        "no CJK font for the charts' Chinese labels: install Debian's fonts-noto-cjk "
        f"(apt-get install fonts-noto-cjk); looked for {', '.join(str(p) for p in CJK_FONTS)}"
    )


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = cjk_font()
    font_manager.fontManager.addfont(str(font))
    name = font_manager.FontProperties(fname=str(font)).get_name()
    plt.rcParams.update({"font.family": name, "axes.unicode_minus": False, "font.size": 10})
    return plt


def _bars(plt, path: Path, title: str, labels: Sequence[str], values: Sequence[float], colours, unit: str,
          horizontal: bool = False) -> Path:  # fmt: skip
    figure, axes = plt.subplots(figsize=(7.2, 3.8 if not horizontal else max(2.4, 0.42 * len(labels) + 1.2)))
    if horizontal:
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, values, color=colours)
        axes.set_yticks(positions, labels)
        axes.set_xlabel(unit)
    else:
        bars = axes.bar(range(len(labels)), values, color=colours)
        axes.set_xticks(range(len(labels)), labels)
        axes.set_ylabel(unit)
    axes.bar_label(bars, labels=[f"{v:g}" for v in values], padding=2)
    axes.set_title(title)
    axes.spines[["top", "right"]].set_visible(False)
    if not any(values):
        axes.text(0.5, 0.5, "本月没有数据", transform=axes.transAxes, ha="center", va="center", color=GREY)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def draw_charts(figures: MonthFigures, folder: Path) -> list[Path]:
    """Every chart of the report as PNG files in ``folder``; returns their paths."""
    plt = _pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    drawn = []
    channels = figures.channels
    names = [c.name for c in channels]
    # Conversations per channel, split into resolved and not.
    figure, axes = plt.subplots(figsize=(7.2, 3.8))
    solved = [c.resolved for c in channels]
    other = [c.conversations - c.resolved for c in channels]
    axes.bar(names, solved, color=GREEN, label="已解决（指南、表单或人工）")
    axes.bar(names, other, bottom=solved, color=GREY, label="未解决")
    for index, c in enumerate(channels):
        rate = f"{c.resolved_share:.0%}" if c.resolved_share is not None else "—"
        handoff = f"{c.handoff_rate:.0%}" if c.handoff_rate is not None else "—"
        axes.text(
            index,
            c.conversations,
            f"{c.conversations} 次\n解决 {rate} · 转人工 {handoff}",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    axes.set_ylabel("会话数")
    axes.set_title(f"{figures.month} 各渠道会话与解决情况")
    axes.set_ylim(0, max([c.conversations for c in channels], default=1) * 1.3 + 1)
    axes.legend(loc="upper left", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    drawn.append(folder / "channels.png")
    figure.savefig(drawn[-1], dpi=DPI)
    plt.close(figure)

    drawn.append(
        _bars(
            plt,
            folder / "ratings.png",
            f"{figures.month} 好差评分布（共 {figures.rated} 条）",
            list(figures.ratings),
            list(figures.ratings.values()),
            LEVEL_COLOURS,
            "条",
        )
    )
    reasons = {label: count for label, count in figures.reasons.items() if count}
    drawn.append(
        _bars(
            plt,
            folder / "reasons.png",
            f"{figures.month} 差评原因",
            list(reasons) or ["（无）"],
            list(reasons.values()) or [0],
            RED,
            "条",
            horizontal=True,
        )
    )
    timings = (("等待接入", figures.wait), ("首次回复", figures.first_response))
    labels = [f"{name}\n（{t.count} 次）" for name, t in timings]
    figure, axes = plt.subplots(figsize=(7.2, 3.6))
    width = 0.36
    for offset, (key, colour, title) in enumerate((("median", BLUE, "中位数"), ("p90", AMBER, "90% 分位"))):
        values = [getattr(t, key) or 0 for _, t in timings]
        bars = axes.bar([i + (offset - 0.5) * width for i in range(2)], values, width, color=colour, label=title)
        axes.bar_label(bars, labels=[f"{v:g} 秒" for v in values], padding=2)
    axes.set_xticks(range(2), labels)
    axes.set_ylabel("秒")
    axes.set_title(f"{figures.month} 人工坐席接入与首次回复时间")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    drawn.append(folder / "agent-times.png")
    figure.savefig(drawn[-1], dpi=DPI)
    plt.close(figure)

    top = figures.top_matters[:10]
    drawn.append(
        _bars(
            plt,
            folder / "top-matters.png",
            f"{figures.month} 热门事项（指南与表单次数）",
            [m["name"][:18] for m in top] or ["（无）"],
            [m["guides"] + m["forms"] for m in top] or [0],
            BLUE,
            "次",
            horizontal=True,
        )
    )
    gaps = figures.gaps[:10]
    drawn.append(
        _bars(
            plt,
            folder / "knowledge-gaps.png",
            f"{figures.month} 未能回答的问题（按相似合并）",
            [g.question[:20] for g in gaps] or ["（无）"],
            [g.count for g in gaps] or [0],
            AMBER,
            "次",
            horizontal=True,
        )
    )
    return drawn
