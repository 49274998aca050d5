"""A guide cut into the sentences an answer can quote, and the one that best answers a question.

"可以让家里人代办吗" about a guide on screen is answered from that guide's own words, not from a
new search: every field a person may ask about (conditions, each material with its note, steps,
fee, time limit, hours, online flags, FAQ) becomes one or more :class:`GuideSentence`, and
:class:`SentenceRanker` scores them against the question with the search's own tokenizer and
the catalogue-wide rarity (idf) of each word, so 委托 weighs more than 申请.

People rarely use the guide's words for the things follow-ups are about: 家里人代办 is 委托 in a
guide, 外地户口 is 外省户籍 or 异地. :data:`TOPICS` bridges those few recurring themes; a question
word that belongs to a topic matches any of the topic's guide words.

Example::

    ranker = SentenceRanker.from_searcher(searcher)
    best = ranker.best(guide, "外地户口能在宁波换吗")
    best.sentence.quote, round(best.coverage, 2)    # ('可以，外省户籍人员可在宁波…', 0.8)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.repository import Guide

if TYPE_CHECKING:
    from indexer.search import Searcher

# Field labels as a guide names them (what an answer says it quotes from).
FIELD_LABELS = {
    "conditions": "受理条件",
    "material": "所需材料",
    "step": "办理流程",
    "faq": "常见问题",
    "fee": "收费标准",
    "time": "办理时限",
    "hours": "办公时间",
    "online": "网上办理",
    "legal_basis": "设定依据",
}

# Provinces other than Zhejiang, said of a person: "我是安徽人", "户籍是河南的" say 外省 in other
# words ("去北京的机票" does not: a province alone is no theme).
PROVINCES = """
    北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南
    重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆
""".split()
OTHER_PROVINCES = tuple(
    form for province in PROVINCES for form in (f"{province}人", f"{province}户口", f"{province}籍", f"是{province}的")
)

# Recurring follow-up themes: words people use → words guides use for the same thing.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "proxy": (
        ("代办", "代理", "委托", "代替", "替我", "替他", "替她", "帮我办", "帮忙办", "帮他", "帮她", "代为",
         "别人", "他人", "家里人", "家人", "亲属", "亲戚", "子女", "儿子", "女儿", "老婆", "老公", "爱人",
         "妻子", "丈夫", "父母", "爸妈", "爸爸", "妈妈", "我爸", "我妈", "老爸", "老妈", "朋友", "同事"),
        ("委托", "代办", "代理人", "代为", "受托", "他人", "亲属", "授权", "监护人", "代办人"),
    ),
    "in_person": (
        ("本人", "亲自", "到场", "在场", "自己去", "本人去", "必须去", "一定要去", "一个人去", "单独去", "一起去",
         "两个人", "都要去", "都得去"),
        # Not a bare 本人 or 现场: "划入本人名下银行卡" says nothing about who must come.
        ("本人到场", "到场", "亲自", "须本人", "本人持", "本人申请", "现场核验", "现场采集", "人像", "指纹", "共同"),
    ),
    "non_local": (
        ("外地", "外省", "异地", "老家", "户口不在", "户籍不在", "不是本地", "非本地", "外市", "新宁波人",
         *OTHER_PROVINCES),
        ("外省", "异地", "外地", "户籍地", "非本市", "居住证", "居住地", "跨省"),
    ),
    "elderly": (
        ("老人", "老年人", "年纪大", "行动不便", "腿脚不便", "腿脚不方便", "出不了门", "走不动", "卧床", "瘫痪",
         "残疾", "生病", "住院"),
        ("老年人", "老人", "行动不便", "上门", "残疾", "帮办", "绿色通道", "卧床"),
    ),
    "health": (
        ("体检", "身体检查", "检查身体", "健康证", "身体条件"),
        ("体检", "身体条件证明", "健康证明", "体格检查", "健康"),
    ),
    "mail": (
        ("寄", "快递", "邮寄", "送到家", "送上门", "邮政"),
        ("邮寄", "寄递", "快递", "送达", "邮政"),
    ),
    "photo": (
        ("照片", "相片", "拍照", "证件照", "寸照"),
        ("照片", "相片", "证件照", "回执", "拍摄", "人像"),
    ),
    "child": (
        ("孩子", "小孩", "儿童", "未成年", "宝宝", "学生"),
        ("未成年", "儿童", "监护人", "未满", "学生", "子女"),
    ),
}  # fmt: skip

# Question words that name a theme but are too common in guides to match as such ("本人名下").
BROAD_TRIGGERS = frozenset(("本人", "在场", "到场", "寄", "孩子", "学生"))
# e5 cosine from which a question asks the same as an FAQ question. Measured on the 居民身份证换领
# FAQ with paraphrases written for it: paraphrases 0.93-0.97; other questions about the same
# matter up to 0.91 (过期了还能换吗 against 有效期还有多久可以换领).
SAME_QUESTION = 0.93
# Follow-up themes weigh more than any single other word: they are what the question is about.
TOPIC_WEIGHT = 1.5

_SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")


@dataclass(frozen=True)
class GuideSentence:
    """One quotable piece of a guide: ``text`` is matched, ``quote`` is what the answer shows."""

    field: str
    text: str
    quote: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


def split_sentences(text: str) -> list[str]:
    """Sentences of a guide field, cut after 。；！？ (a field without them is one sentence)."""
    return [part.strip() for part in _SENTENCE_END.split(text or "") if part.strip(" 。；;")]


def material_quote(name: str, form: str, copies: int, required: bool, note: str) -> str:
    need = "必须提供" if required else "视情况提供"
    line = f"{name}（{form}，{copies}份，{need}）"
    return f"{line}：{note}" if note else line


def sentences_of(guide: Guide) -> list[GuideSentence]:
    """Every sentence of ``guide`` a follow-up may be answered with, in the guide's order."""
    found: list[GuideSentence] = []
    for sentence in split_sentences(guide.conditions):
        found.append(GuideSentence("conditions", sentence, sentence))
    for material in guide.materials:
        quote = material_quote(material.name, material.form, material.copies, material.required, material.note)
        found.append(GuideSentence("material", quote, quote))
    for step in guide.steps:
        found.append(GuideSentence("step", step, step))
    for entry in guide.matter.faq:
        # The question is what people ask, the answer is what is quoted: match on both.
        found.append(GuideSentence("faq", f"{entry.q} {entry.a}", f"问：{entry.q} 答：{entry.a}"))
    found.append(GuideSentence("fee", f"收费 费用 {guide.fee}", guide.fee))
    found.append(GuideSentence("hours", f"办公时间 {guide.hours}", guide.hours))
    for sentence in split_sentences(guide.matter.legal_basis):
        found.append(GuideSentence("legal_basis", sentence, sentence))
    return found


@dataclass(frozen=True)
class QueryGroup:
    """One thing the question asks about: any of ``forms`` in a sentence counts, worth ``weight``."""

    forms: tuple[str, ...]
    weight: float
    topic: str | None = None


@dataclass(frozen=True)
class RankedSentence:
    sentence: GuideSentence
    # Share of the question's weight the sentence covers (0..1), and the groups it matched.
    coverage: float
    matched: tuple[QueryGroup, ...]


class SentenceRanker:
    """Score a guide's sentences against a question; see the module docstring.

    ``tokens`` is the search's tokenizer (jieba with the domain dictionary, stopwords removed),
    ``expand`` its colloquial → official words, ``idf`` the catalogue-wide rarity of a word.
    """

    def __init__(
        self,
        tokens: Callable[[str], list[str]],
        expand: Callable[[str], list[str]],
        idf: Callable[[str], float],
        strip_places: Callable[[str], str] = lambda text: text,
        similarity: Callable[[str, str], float] | None = None,
    ) -> None:
        self._tokens = tokens
        self._expand = expand
        self._idf = idf
        self._strip_places = strip_places
        self._similarity = similarity

    @classmethod
    def from_searcher(cls, searcher: Searcher) -> SentenceRanker:
        lexical = searcher.data.lexical
        documents = max(lexical.size, 1)
        indptr = lexical.weights.indptr

        def idf(word: str) -> float:
            column = lexical.vocabulary.get(word)
            frequency = 0 if column is None else int(indptr[column + 1] - indptr[column])
            return math.log1p((documents - frequency + 0.5) / (frequency + 0.5))

        encoder = searcher.encoder

        def similarity(question: str, other: str) -> float:
            # Both as e5 "query:" texts: question-to-question, as the search's question channel.
            return float(encoder.encode(question) @ encoder.encode(other))

        analyzer = searcher.analyzer
        return cls(analyzer.tokens, analyzer.expand, idf, searcher.resolver.strip_places, similarity)

    def tokens(self, text: str) -> list[str]:
        """The search's tokens of ``text`` (stopwords removed)."""
        return self._tokens(text)

    def groups(self, question: str, ignore: Iterable[str] = ()) -> list[QueryGroup]:
        """What ``question`` asks about: its topics, then its remaining content words."""
        text = self._strip_places(question)
        ignored = set(ignore)
        groups: list[QueryGroup] = []
        covered: set[str] = set()
        for topic, (triggers, guide_words) in TOPICS.items():
            hits = [word for word in triggers if word in text]
            if hits:
                weight = TOPIC_WEIGHT * max(self._idf(word) for word in hits)
                own = (word for word in hits if word not in BROAD_TRIGGERS)
                groups.append(QueryGroup(tuple(dict.fromkeys((*guide_words, *own))), weight, topic))
                covered.update(hits)
        if any(group.topic == "non_local" for group in groups):
            # "我老家江西的": the province is part of the theme, not a word to find in the guide.
            covered.update(province for province in PROVINCES if province in text)
        official = {word: None for word in self._expand(text)}
        for token in self._tokens(text):
            if token in ignored or any(token in word or word in token for word in covered):
                continue
            forms = (token, *(word for word in official if token in word or word in token))
            # A single character says little on its own.
            weight = self._idf(token) * (0.5 if len(token) == 1 and len(forms) == 1 else 1.0)
            groups.append(QueryGroup(tuple(dict.fromkeys(forms)), weight))
            covered.add(token)
        return groups

    def rank(self, guide: Guide, question: str, ignore: Iterable[str] = ()) -> list[RankedSentence]:
        """The guide's sentences, best first; sentences that match nothing are left out."""
        groups = self.groups(question, ignore)
        total = sum(group.weight for group in groups)
        if total <= 0:
            return []
        ranked = []
        for sentence in sentences_of(guide):
            matched = tuple(g for g in groups if any(form in sentence.text for form in g.forms))
            if matched:
                ranked.append(RankedSentence(sentence, sum(g.weight for g in matched) / total, matched))
        # Ties: the shorter sentence says it more directly; FAQ answers were written for questions.
        ranked.sort(key=lambda r: (-r.coverage, r.sentence.field != "faq", len(r.sentence.text)))
        return ranked

    def best(self, guide: Guide, question: str, ignore: Iterable[str] = ()) -> RankedSentence | None:
        ranked = self.rank(guide, question, ignore)
        return ranked[0] if ranked else None

    def same_question(self, guide: Guide, question: str, threshold: float = SAME_QUESTION) -> GuideSentence | None:
        """The guide's FAQ entry that asks what ``question`` asks, in other words (e5 cosine), if any.

        "身份证快过期了多久前能去换" shares few words with "身份证有效期还有多久可以换领？" but means it.
        """
        if self._similarity is None or not guide.matter.faq:
            return None
        scored = [(self._similarity(question, entry.q), entry) for entry in guide.matter.faq]
        similarity, entry = max(scored, key=lambda pair: pair[0])
        if similarity < threshold:
            return None
        return GuideSentence("faq", f"{entry.q} {entry.a}", f"问：{entry.q} 答：{entry.a}")
