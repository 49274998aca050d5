"""Is a message a follow-up about the guide on screen, or a new need? Which aspect does it ask about?

The NLU routes a message to an action; these small readings of the words let an action recover
when the routing was ambiguous ("网上能办吗" right after a guide card is a follow-up whatever
intent it was given) and tell a follow-up ("那要带什么材料？") from a new need ("开饭店要带什么材料？").
"""

from __future__ import annotations

from indexer.search import Searcher

# Words that only say *what about* the matter is asked, not *which* matter.
ASPECT_WORDS = frozenset(
    """
    材料 资料 带 准备 提供 提交 东西 证件 证明 复印件 复印 原件 份 齐 哪些 清单
    多久 几天 时间 时限 多长 天 工作日 当场 马上 拿到 拿 出证 出来 办好 快 慢 期限 周期
    钱 要钱 费用 收费 多少钱 免费 交钱 工本费 花 价格 标准 贵 能办 那要 办好
    哪里 哪儿 地方 地址 地点 窗口 电话 几点 上班 下班 时间段 周末 大厅 中心 位置 联系
    网上 在线 线上 网办 浙里办 手机 app 跑 几次 现场 跑腿 不用 本人 到场
    流程 步骤 程序 手续 顺序 先 后 环节 过程 具体 操作 弄 申请
    那 那么 这个 那个 还 要 需要 得 能 可以 咋 怎么 如何 什么 多少 吗 呢
    """.split()
)


def names_a_need(searcher: Searcher, text: str) -> bool:
    """Whether ``text`` says which matter, beyond asking about an aspect and naming a place.

    A word counts only if the catalogue uses it (it is in the search vocabulary): words such as
    能办 or 那要 that jieba happens to join say nothing about a matter.
    """
    vocabulary = searcher.data.lexical.vocabulary
    tokens = searcher.analyzer.tokens(searcher.resolver.strip_places(text))
    return any(t not in ASPECT_WORDS and len(t) >= 2 and t in vocabulary for t in tokens)


# Cue words per aspect, most specific first.
ASPECT_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("online", ("网上", "网办", "在线", "线上", "浙里办", "手机上", "跑几次", "不用去", "不去现场")),
    ("fee", ("多少钱", "要钱", "收费", "费用", "工本费", "免费", "交钱", "花钱")),
    ("time", ("多久", "几天", "多长时间", "时限", "多少天", "当场", "什么时候能拿", "办好")),
    ("location", ("哪里", "哪儿", "在哪", "地址", "地点", "窗口", "电话", "几点", "上班时间")),
    ("materials", ("材料", "带什么", "准备什么", "资料", "证件", "复印件", "原件")),
    ("process", ("流程", "步骤", "程序", "怎么办理", "手续")),
)


def aspect_in(text: str) -> str | None:
    """The aspect a question asks about, from its cue words; None when it names none."""
    for aspect, cues in ASPECT_CUES:
        if any(cue in text for cue in cues):
            return aspect
    return None
