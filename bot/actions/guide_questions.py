"""Answering a question about one guide from that guide's own text.

The order is from the most certain to the least:

1. **A field decides it.** Office hours decide 周六能办吗, the online flags 网上能办吗 / 不用跑行吗,
   the fee 要钱吗 / 免费吗, the promised time limit 当天能拿到吗, the material list 要带户口本吗.
   A yes/no question gets 可以/不能 (需要/不需要, 是/不是) first (:mod:`bot.actions.yes_no`).
2. **A sentence says it.** The guide's sentence that covers the question best
   (:class:`~bot.actions.guide_sentences.SentenceRanker`) is quoted; a yes or no is given only
   when that sentence states one itself ("可以，外省户籍人员可在宁波…").
3. **The guide does not say.** Then the answer says so and gives the department's phone, rather
   than guessing.

:func:`answer_from_guide` returns a :class:`GuideReply` (pure: a guide and a question in, words
out), so it is tested without Rasa; :mod:`bot.actions.follow_up` decides when to use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.actions.guide_sentences import RankedSentence, SentenceRanker, material_quote
from bot.actions.yes_no import (
    EVENING_WORDS,
    HOLIDAY_WORDS,
    NOON_WORDS,
    answer_lead,
    asked_days,
    asks_if_free,
    fee_is_free,
    hours_verdict,
    is_yes_no,
    mentions,
    permission_in,
    word_verdict,
    yes_no_of_sentence,
)
from knowledge.repository import Guide

# A quoted sentence must cover at least this share of what the question asks about.
MIN_COVERAGE = 0.5
HOURS_WORDS = ("几点", "上班", "下班", "办公时间", "开门", "关门", "营业", "工作时间")
ONLINE_WORDS = (
    "网上", "网办", "在线", "线上", "浙里办", "用手机", "手机上", "手机办", "手机里", "app", "APP", "网站", "小程序",
)  # fmt: skip
NO_VISIT_WORDS = ("不用跑", "不用去", "不去现场", "跑零次", "零跑", "一次都不用", "不用到现场", "足不出户")
FEE_WORDS = (
    "要钱",
    "收钱",
    "收不收",
    "收费",
    "费用",
    "付费",
    "免费",
    "交钱",
    "花钱",
    "工本费",
    "多少钱",
    "付钱",
    "掏钱",
)
SAME_DAY_WORDS = ("当天", "当场", "马上", "立等", "立即", "今天就", "现场拿", "即办")
MATERIAL_VERBS = ("带", "交", "提供", "准备", "提交", "拿", "复印", "需要", "要不要", "用不用", "要", "得")
# Words of a question that say how it is asked, not what about: never matched against sentences.
QUESTION_FILLER = frozenset(
    """
    能 可以 要 需要 吗 办 办理 申请 去 用 行 得 一下 请问 那 这个 那个 还 也 问 想 想问 自己 办好 家里 到时候
    还是 就是 的话 这样 那样 一样 一起 顺便 另外 时候 现在 情况 跑 一趟 趟 跑一趟 过去 这边 那边 叫 让 帮 帮我
    不是 是不是 能不能 可不可以 要不要 需不需要 行不行 有没有 用不用 不能 不行 不用 不要 可以吗 行吗 好不好
    """.split()
)


# Themes about who acts or where from: a question on them is not about one document.
ASKS_ABOUT_PEOPLE = ("proxy", "in_person", "non_local", "elderly", "child")


class Basis(Enum):
    FIELD = "field"  # decided by a field of the guide
    SENTENCE = "sentence"  # a quoted sentence
    UNSTATED = "unstated"  # the guide does not say


@dataclass(frozen=True)
class GuideReply:
    text: str
    basis: Basis
    verdict: bool | None = None
    quote: str | None = None
    coverage: float = 0.0

    @property
    def answered(self) -> bool:
        return self.basis is not Basis.UNSTATED


def guide_title(guide: Guide) -> str:
    return f"「{guide.name}」（{guide.region.name}）"


def online_where(guide: Guide) -> str:
    places = [
        name for flag, name in ((guide.online.web, "浙江政务服务网"), (guide.online.mobile, "“浙里办”APP")) if flag
    ]
    return "、".join(places)


def ask_the_office(guide: Guide) -> str:
    return f"建议致电{guide.department}（{guide.phone}）咨询。"


def _hours_reply(guide: Guide, question: str) -> GuideReply | None:
    asks = asked_days(question) or mentions(question, HOLIDAY_WORDS + EVENING_WORDS + NOON_WORDS + HOURS_WORDS)
    if not asks:
        return None
    verdict = hours_verdict(guide.hours, question)
    if verdict is None:
        return GuideReply(f"{guide_title(guide)}的窗口办公时间：{guide.hours}", Basis.FIELD, quote=guide.hours)
    text = f"{answer_lead(verdict.verdict, question)}{verdict.detail}。{guide_title(guide)}的办公时间：{guide.hours}"
    where = online_where(guide)
    if not verdict.verdict and where:
        text += f"\n不过这个事项可以在{where}在线申请，不受窗口时间限制。"
    return GuideReply(text, Basis.FIELD, verdict.verdict, guide.hours)


def _online_reply(guide: Guide, question: str) -> GuideReply | None:
    no_visit = mentions(question, NO_VISIT_WORDS)
    if not (no_visit or mentions(question, ONLINE_WORDS)):
        return None
    where = online_where(guide)
    visits = "全程网办，一次都不用跑" if guide.online.zero_visit else f"最多跑{guide.online.max_visits}次"
    if no_visit:
        verdict = guide.online.zero_visit
        text = f"{'可以' if verdict else '不行'}。{guide_title(guide)}{visits}"
        if where:
            text += f"，可在{where}在线申请"
        return GuideReply(text + "。", Basis.FIELD, verdict, visits)
    verdict = bool(where)
    body = f"可在{where}在线申请，{visits}" if verdict else f"需到窗口办理，{visits}"
    lead = answer_lead(verdict, question) if is_yes_no(question) else ""
    return GuideReply(f"{lead}{guide_title(guide)}{body}。", Basis.FIELD, verdict if lead else None, body)


def _fee_reply(guide: Guide, question: str) -> GuideReply | None:
    if not (mentions(question, FEE_WORDS) and is_yes_no(question)):
        return None
    free = fee_is_free(guide.fee)
    if free is None:
        text = f"{guide_title(guide)}的办事指南没有写明收费标准（指南原文：「{guide.fee}」）。{ask_the_office(guide)}"
        return GuideReply(text, Basis.UNSTATED, quote=guide.fee)
    if asks_if_free(question):
        lead = "是的，免费。" if free else "不是免费的。"
    else:
        lead = "不收费。" if free else "要收费。"
    verdict = free if asks_if_free(question) else not free
    return GuideReply(f"{lead}{guide_title(guide)}的收费标准：{guide.fee}", Basis.FIELD, verdict, guide.fee)


def _same_day_reply(guide: Guide, question: str) -> GuideReply | None:
    if not (mentions(question, SAME_DAY_WORDS) and is_yes_no(question)):
        return None
    verdict = guide.promised_days == 0
    if verdict:
        detail = f"即办件，材料齐全当场办结（法定时限{guide.legal_days}个工作日）"
    else:
        detail = f"承诺{guide.promised_days}个工作日办结（法定时限{guide.legal_days}个工作日）"
    return GuideReply(f"{answer_lead(verdict, question)}{guide_title(guide)}{detail}。", Basis.FIELD, verdict, detail)


def _material_reply(guide: Guide, question: str, ranker: SentenceRanker, ignore: set[str]) -> GuideReply | None:
    """要带户口本吗: the material list says whether (a material the list lacks is a no)."""
    if not (is_yes_no(question) and mentions(question, MATERIAL_VERBS)) or not guide.materials:
        return None
    groups = ranker.groups(question, ignore)
    if any(g.topic in ASKS_ABOUT_PEOPLE for g in groups):
        return None  # "让我女儿拿着证件去办可以吗" asks who may go, not which document
    groups = [g for g in groups if g.topic is not None or len(g.forms[0]) >= 2]
    if not groups:
        return None
    for material in guide.materials:
        if any(form in material.name for group in groups for form in group.forms):
            quote = material_quote(material.name, material.form, material.copies, material.required, material.note)
            lead = "需要。" if material.required else "视情况需要。"
            text = f"{lead}{guide_title(guide)}的所需材料中写道：「{quote}」"
            return GuideReply(text, Basis.FIELD, material.required or None, quote)
    return None


def _sentence_reply(guide: Guide, question: str, best: RankedSentence) -> GuideReply:
    sentence = best.sentence
    stated = sentence.quote.split("答：", 1)[1] if sentence.field == "faq" else sentence.quote
    verdict = yes_no_of_sentence(stated) if is_yes_no(question) else None
    if verdict is None and is_yes_no(question) and any(g.topic == "proxy" for g in best.matched):
        verdict = proxy_verdict(stated)
    if verdict is None and is_yes_no(question) and sentence.field == "material" and "必须提供" in sentence.quote:
        # "是不是还得去体检" quoting a required material (身体条件证明): yes, it is needed.
        verdict = None if mentions(question, WITHOUT_PRESENCE) else True
    if verdict is None and is_yes_no(question) and any(g.topic == "in_person" for g in best.matched):
        verdict = presence_verdict(stated, question)
    if verdict is None and is_yes_no(question) and sentence.field in ("conditions", "faq") and best.coverage >= 0.75:
        # A rule that covers the whole question and grants or refuses it ("…的，可在宁波任一受理点申请").
        verdict = permission_in(stated)
    lead = answer_lead(verdict, question) if verdict is not None else ""
    text = f"{lead}{guide_title(guide)}的办事指南（{sentence.label}）写道：「{sentence.quote}」"
    if is_yes_no(question) and verdict is None:
        text += f"\n指南没有直接说能不能，{ask_the_office(guide)}"
    return GuideReply(text, Basis.SENTENCE, verdict, sentence.quote, best.coverage)


PROXY_FORBIDDEN = ("须本人", "必须本人", "本人亲自", "亲自到", "本人到场", "不得委托", "不能委托", "不予代办")
PROXY_ALLOWED = ("可委托", "可以委托", "委托他人", "委托代理人", "可由", "代办人", "代理人", "受托人")


PRESENCE_REQUIRED = ("须本人", "本人到场", "亲自", "共同到场", "到场核验", "现场采集", "现场核验")
WITHOUT_PRESENCE = ("不去", "不在场", "不到场", "一个人", "单独", "不用去", "别人", "代")
ASKS_REQUIRED = ("必须", "一定", "需要", "要", "得")


def presence_verdict(sentence: str, question: str) -> bool | None:
    """A sentence requiring presence (须本人到场, 双方共同到场) answers "一个人去可以吗" with a no and
    "必须本人去吗" with a yes; a sentence that requires nothing decides nothing."""
    if not mentions(sentence, PRESENCE_REQUIRED):
        return None
    return word_verdict(question, no=WITHOUT_PRESENCE, yes=ASKS_REQUIRED)


def proxy_verdict(sentence: str) -> bool | None:
    """Whether a sentence about acting for the applicant allows it (可委托…) or forbids it (须本人…)."""
    return word_verdict(sentence, no=PROXY_FORBIDDEN, yes=PROXY_ALLOWED)


def unstated(guide: Guide) -> GuideReply:
    return GuideReply(f"{guide_title(guide)}的办事指南里没有写到这一点。{ask_the_office(guide)}", Basis.UNSTATED)


def answer_from_guide(guide: Guide, question: str, ranker: SentenceRanker) -> GuideReply:
    """The answer ``guide`` gives to ``question``; see the module docstring for the order."""
    ignore = set(QUESTION_FILLER) | name_words(guide, ranker)
    for reply in (
        _hours_reply(guide, question),
        _online_reply(guide, question),
        _fee_reply(guide, question),
        _same_day_reply(guide, question),
        _material_reply(guide, question, ranker, set(QUESTION_FILLER)),
    ):
        if reply is not None:
            return reply
    best = ranker.best(guide, question, ignore)
    if best is not None and best.coverage >= MIN_COVERAGE and best.sentence.field == "faq":
        return _sentence_reply(guide, question, best)
    same = ranker.same_question(guide, question)
    if same is not None:
        return _sentence_reply(guide, question, RankedSentence(same, 1.0, ()))
    if best is not None and best.coverage >= MIN_COVERAGE:
        return _sentence_reply(guide, question, best)
    return unstated(guide)


def sentence_support(guide: Guide, question: str, ranker: SentenceRanker) -> float:
    """How much of ``question`` the guide's best sentence covers (0 when nothing matches)."""
    best = ranker.best(guide, question, set(QUESTION_FILLER) | name_words(guide, ranker))
    return best.coverage if best is not None else 0.0


def name_words(guide: Guide, ranker: SentenceRanker) -> set[str]:
    """Words of the matter's name and aliases: they say which matter, not what is asked about it."""
    words: set[str] = set()
    for name in (guide.name, *guide.matter.aliases):
        words.update(ranker.tokens(name))
    return words
