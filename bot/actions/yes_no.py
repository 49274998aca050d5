"""Yes/no questions about a guide: is it one, and what the guide's own fields say.

"周六能办吗" deserves "不能" before anything else, and only when the guide says so: the office
hours (周一至周五 … （法定节假日除外）) decide the day, the online flags decide 网上能办吗, the fee
decides 要钱吗, the promised time limit decides 当天能拿到吗. A field that does not decide the
question gives ``None``, never a guessed yes.

Example::

    is_yes_no("周六能办吗")                                    # True
    OpeningHours.parse("周一至周五 8:30-12:00，13:30-17:00（法定节假日除外）").open_on(6)  # False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Question words of a wh-question: "要带什么材料吗" asks what, not whether.
_WH_WORDS = ("什么", "哪", "多少", "多久", "几", "怎么", "怎样", "如何", "咋", "啥", "为何", "为什么")
_A_NOT_A = re.compile(
    r"(能不能|可不可以|可以不可以|要不要|需不需要|需要不需要|用不用|是不是|有没有|会不会|收不收|行不行|得不得|让不让)"
)
_ENDS_AS_QUESTION = re.compile(r"(吗|嘛|么|伐|不|没|否|可以不|行不)[\s？?。！!~～…]*$")

_DAY_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "末": 0}
_DAY_NAMES = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
_ASKED_DAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天末])")
_HOURS_DAYS = re.compile(r"周([一二三四五六日])(?:\s*[至到\-—~～]\s*周([一二三四五六日]))?")
_TIME_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*[-—~～至到]\s*(\d{1,2}):(\d{2})")
HOLIDAY_WORDS = ("节假日", "过年", "春节", "国庆", "假期", "放假", "五一", "元旦", "端午", "中秋", "清明", "法定假")
EVENING_WORDS = ("晚上", "下班后", "夜里", "夜间", "傍晚", "下班以后")
NOON_WORDS = ("中午", "午休", "午饭")


def is_yes_no(text: str) -> bool:
    """Whether ``text`` asks for a yes or a no (能…吗, 可以…吗, 要不要, 是不是, 周六能办吗)."""
    compact = re.sub(r"\s+", "", text)
    if _A_NOT_A.search(compact):
        return True
    if any(word in compact for word in _WH_WORDS):
        return False
    return bool(_ENDS_AS_QUESTION.search(compact))


def answer_lead(verdict: bool, question: str) -> str:
    """The first words of the answer in the question's own verb: 可以/不能, 需要/不需要, 是/不是."""
    if any(word in question for word in ("能", "可以", "可不可以", "行", "允许", "让")):
        return "可以。" if verdict else "不能。"
    if any(word in question for word in ("需要", "要不要", "要", "用", "得", "必须")):
        return "需要。" if verdict else "不需要。"
    return "是的。" if verdict else "不是。"


def asked_days(text: str) -> set[int]:
    """Weekdays (1 = 周一 … 7 = 周日) the question asks about; 周末 is both 6 and 7."""
    days: set[int] = set()
    for match in _ASKED_DAY.finditer(text):
        number = _DAY_NUMBERS[match.group(1)]
        days.update((6, 7) if number == 0 else (number,))
    if "双休" in text:
        days.update((6, 7))
    return days


def mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


@dataclass(frozen=True)
class OpeningHours:
    """Office hours read from a guide's ``hours`` text: open days, time spans, holidays closed."""

    days: frozenset[int]
    spans: tuple[tuple[int, int], ...]  # minutes after midnight, on the days of the first segment
    extra: dict[int, tuple[tuple[int, int], ...]]  # other days with their own spans (周六 9:00-12:00)
    holidays_closed: bool
    text: str

    @classmethod
    def parse(cls, hours: str) -> OpeningHours | None:
        """None when the text names no weekday (then nothing is decided from it)."""
        days: set[int] = set()
        first_spans: tuple[tuple[int, int], ...] = ()
        extra: dict[int, tuple[tuple[int, int], ...]] = {}
        for index, segment in enumerate(re.split(r"[；;]", hours)):
            segment_days: set[int] = set()
            for match in _HOURS_DAYS.finditer(segment):
                start = _DAY_NUMBERS[match.group(1)]
                end = _DAY_NUMBERS[match.group(2)] if match.group(2) else start
                segment_days.update(range(start, end + 1))
            spans = tuple((int(a) * 60 + int(b), int(c) * 60 + int(d)) for a, b, c, d in _TIME_SPAN.findall(segment))
            if not segment_days:
                continue
            days |= segment_days
            if index == 0 or not first_spans:
                first_spans = first_spans or spans
            if index > 0:
                for day in segment_days:
                    extra[day] = spans
        if not days:
            return None
        return cls(frozenset(days), first_spans, extra, "节假日除外" in hours, hours)

    def open_on(self, day: int) -> bool:
        return day in self.days

    def spans_on(self, day: int) -> tuple[tuple[int, int], ...]:
        return self.extra.get(day, self.spans)

    def closes_by(self) -> int | None:
        """The latest closing time of any open day, in minutes (None when no times are given)."""
        ends = [end for day in self.days for _, end in self.spans_on(day)]
        return max(ends) if ends else None

    def has_noon_break(self) -> bool:
        return len(self.spans) >= 2


@dataclass(frozen=True)
class HoursVerdict:
    verdict: bool
    detail: str


def hours_verdict(hours: str, question: str) -> HoursVerdict | None:
    """Whether the office is open when the question asks (a weekday, a holiday, evenings, noon)."""
    parsed = OpeningHours.parse(hours)
    if parsed is None:
        return None
    days = asked_days(question)
    if days:
        open_days = sorted(day for day in days if parsed.open_on(day))
        closed = sorted(day for day in days if not parsed.open_on(day))
        if not open_days:
            names = "、".join(_DAY_NAMES[d] for d in closed)
            return HoursVerdict(False, f"窗口{names}不办公")
        if closed:
            names = "、".join(_DAY_NAMES[d] for d in closed)
            opened = "、".join(_DAY_NAMES[d] for d in open_days)
            return HoursVerdict(True, f"{opened}可以，{names}不办公")
        return HoursVerdict(True, "窗口这天办公")
    if mentions(question, HOLIDAY_WORDS) and parsed.holidays_closed:
        return HoursVerdict(False, "法定节假日窗口不办公")
    if mentions(question, EVENING_WORDS):
        closing = parsed.closes_by()
        if closing is not None and closing <= 18 * 60:
            return HoursVerdict(False, f"窗口最晚{closing // 60}:{closing % 60:02d}下班，晚上不办公")
    if mentions(question, NOON_WORDS) and parsed.has_noon_break():
        return HoursVerdict(False, "窗口中午休息")
    return None


FREE_PREFIXES = ("不收费", "免费", "免收", "0元", "无")
UNSTATED_FEE_WORDS = ("未载明", "以办理窗口公示为准", "以窗口公示为准")


def fee_is_free(fee: str) -> bool | None:
    """True when the guide says it costs nothing, False when it names a charge, None when it does not say."""
    text = fee.strip()
    if not text or any(word in text for word in UNSTATED_FEE_WORDS):
        return None
    if text.startswith(FREE_PREFIXES):
        return True
    if re.search(r"\d+(\.\d+)?\s*元", text) or "收费" in text or "工本费" in text:
        return False
    return None


def asks_if_free(question: str) -> bool:
    """ "免费吗" asks whether it is free (yes = free); "要钱吗"/"收费吗" whether it costs (yes = pay)."""
    return "免费" in question or "不要钱" in question or "不收费" in question


def yes_no_of_sentence(sentence: str) -> bool | None:
    """The yes or no a guide sentence states itself, as an FAQ answer does ("可以，…", "不需要…")."""
    text = sentence.strip()
    if text.startswith(("不可以", "不能", "不需要", "无需", "不用", "不必", "不行", "否", "不是", "不予", "不得")):
        return False
    if text.startswith(("可以", "能", "需要", "是的", "是，", "须", "必须", "应当", "可")):
        return True
    return None


PERMITS = ("可在", "可以", "可通过", "可由", "可委托", "均可", "即可", "可向", "可申请", "可到")
# Not 禁止: conditions say "无禁止结婚的亲属关系", a condition, not a refusal.
FORBIDS = ("不可", "不能", "不得", "不予", "无法", "不允许", "不受理")


def word_verdict(text: str, no: tuple[str, ...], yes: tuple[str, ...]) -> bool | None:
    """False when ``text`` holds a word of ``no``, else True when it holds one of ``yes``, else None.

    The "no" words are looked for first: a refusal usually contains a permitting word as well
    (不可以 holds 可以)."""
    if mentions(text, no):
        return False
    if mentions(text, yes):
        return True
    return None


def permission_in(sentence: str) -> bool | None:
    """A rule sentence that grants ("…的，可在宁波任一受理点申请") or refuses ("不予受理") what it covers."""
    return word_verdict(sentence, no=FORBIDS, yes=PERMITS)
