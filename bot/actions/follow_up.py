"""With a guide on screen, is a message a question about it, or a new need? And answering it.

The NLU routes a message to an action, but which matter a message is about is decided here, the
same way whatever intent it was given: "可以让家里人代办吗" right after the 居民身份证换领 card is a
question about that card, even when the words also occur in another matter's FAQ.

* A message is first read as a question about the guide on screen and answered from the guide's
  own text (:func:`bot.actions.guide_questions.answer_from_guide`).
* It switches matter only when it clearly names another need: it has words the catalogue knows
  (:func:`need_words`) that the guide on screen never uses, and the search's clear winner for the
  message is about those words. "开饭店要带什么材料？" switches; "外地户口能在宁波换吗" does not
  (户口 is in the guide).
* In between — new words, but the search ranks no clear winner for them, or does not find them
  in the matter it ranks first while the guide has no answer — it asks in one line (“您是想改问
  「…」吗？”, 是/不是) and keeps the matter on screen until the person answers.
"""

from __future__ import annotations

from enum import Enum
from functools import cache

from bot.actions.answer_bands import decide
from bot.actions.base import Turn
from bot.actions.guide_messages import aspect_buttons
from bot.actions.guide_questions import Basis, GuideReply, answer_from_guide
from bot.actions.guide_sentences import TOPICS, SentenceRanker, sentences_of
from bot.actions.showing import show_matter
from bot.actions.state import OFFER_SWITCH
from bot.actions.yes_no import is_yes_no
from daofu.messages import Button, Text, payload
from indexer.search import Searcher
from knowledge.repository import Guide

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
    周六 周日 星期六 星期天 星期日 礼拜六 礼拜天 节假日 晚上 中午 当天 一起 顺便 另外 问一下 想问
    不能 不行 能不能 可不可以 要不要 行不行 需不需要 是不是 有没有 不要 不是 可以吗 行吗 必须 一定
    """.split()
)
# Words of the follow-up themes (代办, 外地, 老人 …): they ask about the matter on screen. Longest
# first, so that 行动不便 goes as a whole before any shorter word inside it.
TOPIC_WORDS = tuple(
    sorted({word for triggers, _ in TOPICS.values() for word in triggers}, key=lambda word: (-len(word), word))
)
# Words that show a message asks about doing the matter, even when the guide has no answer.
ACTING_WORDS = ("办", "申请", "领", "交", "跑", "寄", "预约", "材料")


def content_words(searcher: Searcher, text: str) -> list[str]:
    """Words of ``text`` (two characters or more) that are not about an aspect, a follow-up theme or a place."""
    words = searcher.resolver.strip_places(text)
    for word in TOPIC_WORDS:
        words = words.replace(word, " ")
    tokens = searcher.analyzer.tokens(words)
    return [t for t in dict.fromkeys(tokens) if t not in ASPECT_WORDS and len(t) >= 2]


def need_words(searcher: Searcher, text: str) -> list[str]:
    """Content words of ``text`` that may say which matter: those the catalogue uses, or colloquial
    words the synonym table maps to its words (小吃店). Words such as 能办 or 那要 that jieba happens
    to join say nothing."""
    return [t for t in content_words(searcher, text) if known(searcher, t)]


def known(searcher: Searcher, word: str) -> bool:
    return word in searcher.data.lexical.vocabulary or bool(searcher.analyzer.expand(word))


def names_a_need(searcher: Searcher, text: str) -> bool:
    """Whether ``text`` says which matter, beyond asking about an aspect, a theme and naming a place."""
    return bool(need_words(searcher, text))


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


class Route(Enum):
    ANSWERED = "answered"  # answered about the guide on screen (or asked to confirm a switch)
    SWITCH = "switch"  # names another need: the caller searches it
    NOT_ABOUT_IT = "not_about_it"  # strict reading: nothing in it is about the guide


@cache
def ranker_of(searcher: Searcher) -> SentenceRanker:
    """One sentence ranker per search index (it borrows the index's tokenizer and word rarity)."""
    return SentenceRanker.from_searcher(searcher)


def guide_on_screen(turn: Turn) -> Guide | None:
    """The guide the person is looking at (None while the district is still unknown)."""
    state = turn.state
    if not state.guide_id or not state.matter_code:
        return None
    return turn.services.catalog.guide(state.guide_id)


def guide_text(guide: Guide) -> str:
    """Everything the guide says, as one string to look words up in."""
    return " ".join((guide.name, *guide.matter.aliases, *(s.text for s in sentences_of(guide))))


def clearly_names(searcher: Searcher, word: str, names: str) -> bool:
    forms = (word, *searcher.analyzer.expand(word))
    return any(form in names for form in forms)


def follow_up(turn: Turn, text: str, aspect_hint: str | None = None, strict: bool = False) -> Route:
    """Answer ``text`` about the guide on screen, ask to confirm a switch, or say it is another need.

    ``aspect_hint`` is the aspect the NLU read (used when the words name none); ``strict`` is for
    messages the NLU took for small talk or out of scope: they are answered only when the guide
    has an answer or the words ask about doing something.
    """
    guide = guide_on_screen(turn)
    if guide is None:
        return Route.SWITCH
    searcher = turn.services.searcher()
    ranker = ranker_of(searcher)
    reply = answer_from_guide(guide, text, ranker)
    said = guide_text(guide)
    words = [w for w in content_words(searcher, text) if asks_to_do(text, w) or not clearly_names(searcher, w, said)]
    foreign = [w for w in words if known(searcher, w)]
    # Words the catalogue does not use ("孩子读书的事") may still mean another need the search finds
    # by meaning: worth asking about when the guide on screen has no answer.
    if foreign or (words and not reply.answered):
        result = searcher.search(text, top_k=5, default_region=turn.state.region)
        decision = decide(result)
        close = {hit.matter_code for hit in decision.hits}
        if not result.no_match and decision.hits and guide.matter.code not in close:
            top = decision.hits[0]
            named = [w for w in foreign if clearly_names(searcher, w, f"{top.name} {' '.join(top.why)}")]
            if named:
                # The new words name another need: "另外我驾驶证也快到期了" with an ID card on screen.
                # Search then shows that guide, or asks which one when several are close.
                return Route.SWITCH
            if not reply.answered:
                # Words the guide cannot answer and the search finds only by meaning ("孩子上学的事"
                # → 户口迁移?): ask in one line, keep the guide on screen.
                confirm_switch(turn, guide, top.guide_id, top.name, text)
                return Route.ANSWERED
    if not reply.answered and not asks_about_acting(text, ranker) and aspect_in(text) is None:
        # Nothing in it is about the guide ("帮我订张机票"): not a follow-up; the caller decides.
        return Route.NOT_ABOUT_IT if strict else Route.SWITCH
    say_reply(turn, guide, text, reply, aspect_hint)
    return Route.ANSWERED


# Verbs that, right after a word, make it the thing to be done ("身份证办理", "驾驶证换领"), not a
# document the guide on screen happens to list among its materials.
DOING_VERBS = ("办理", "补办", "换领", "申领", "申请", "怎么办", "要办", "去办")


def asks_to_do(text: str, word: str) -> bool:
    """Whether ``text`` asks to get ``word`` done ("那身份证办理要带什么材料"), not about it as a document."""
    return any(f"{word}{verb}" in text for verb in DOING_VERBS)


def asks_about_acting(text: str, ranker: SentenceRanker) -> bool:
    """Whether a message asks about doing something (办, 申请 …) or names a follow-up theme (代办, 老人 …)."""
    return any(word in text for word in ACTING_WORDS) or any(g.topic for g in ranker.groups(text))


def say_reply(turn: Turn, guide: Guide, text: str, reply: GuideReply, aspect_hint: str | None) -> None:
    """Say the guide's answer; a plain aspect question ("要带什么材料") gets the whole aspect."""
    state = turn.state
    state.offer = None
    state.candidates = []
    # A plain aspect question ("多久能办好") gets the whole aspect; a yes/no one only what the guide says.
    cue = None if is_yes_no(text) else aspect_in(text)
    if reply.basis is Basis.FIELD or (reply.basis is Basis.SENTENCE and cue is None):
        turn.say(Text(reply.text, aspect_buttons(guide_id=guide.id)))
    elif cue is not None:
        show_matter(turn, guide.matter.code, cue)
    elif aspect_hint is not None and not ranker_of(turn.services.searcher()).groups(text):
        show_matter(turn, guide.matter.code, aspect_hint)
    else:
        turn.say(Text(reply.text, aspect_buttons(guide_id=guide.id)))


def confirm_switch(turn: Turn, guide: Guide, guide_id: str, name: str, text: str) -> None:
    """“您是想改问「…」吗？” with 是/不是; the guide on screen stays until the person answers."""
    state = turn.state
    state.offer = OFFER_SWITCH
    state.candidates = [guide_id]
    state.pending_query = text
    buttons = (
        Button("是", payload("affirm", guide_id=guide_id)),
        Button("不是", payload("deny", guide_id=guide_id)),
    )
    turn.say(Text(f"您是想改问「{name}」吗？（现在说的是「{guide.name}」）", buttons))
