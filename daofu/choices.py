"""Reading which numbered choice a person means: "1", "２", "①", "第二个", "选3", "最后一个".

One reading for every place that offers numbered choices: the dialogue (options shown as
buttons, which people also answer by number) and the WeChat channel (which has no buttons and
numbers the choices in text).

* :func:`reply_number` — the whole reply is a choice ("2", "第二个", "选3"), as WeChat needs it;
* :func:`choice_in` — a choice somewhere in a sentence ("就第三个吧", "选2号那个"), within a list of
  ``count`` options, as the dialogue needs it.

Example::

    reply_number("第十二条")        # 12
    choice_in("就第三个吧", 5)       # 2 (0-based)
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = r"[0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3}"
_WHOLE = re.compile(rf"^(?:第|选|选择|选第)?({_NUMERAL})(?:个|项|条|号|种)?$")
# Inside a sentence a bare numeral is a count ("两个人"), so a marker must say it is a position.
_MARKED = re.compile(rf"(?:第|选第|选择|选)\s*({_NUMERAL})|({_NUMERAL})\s*(?:号|项|条)")
_SPLIT_NUMBER = re.compile(r"\d\s+\d")
_EDGE_PUNCTUATION = " \t\r\n.,!?;:。，！？；：、~～"
LAST = ("最后一个", "最后一项", "最后那个", "最后一条", "最后一种")


def numeral_value(text: str) -> int | None:
    """ "12" → 12; small Chinese numerals 一 … 九十九 → their value; anything else → None."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    if (tens and tens not in _DIGITS) or (ones and ones not in _DIGITS):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(_EDGE_PUNCTUATION)


def reply_number(text: str) -> int | None:
    """The 1-based number a whole reply stands for ("1", "２", "①", "第一个", "选3"), or None."""
    normalized = _normalized(text)
    if _SPLIT_NUMBER.search(normalized):  # "1 2" is not 12
        return None
    match = _WHOLE.match(re.sub(r"\s+", "", normalized))
    if not match:
        return None
    number = numeral_value(match.group(1))
    return number if number and number > 0 else None


def choice_in(text: str, count: int) -> int | None:
    """The 0-based index of the option ``text`` points at among ``count``, or None.

    A whole reply ("2", "第二个") or a marked position in a sentence ("就第三个吧", "选2号那个",
    "最后一个"); a number beyond ``count`` is no choice.
    """
    if not text or count <= 0:
        return None
    normalized = _normalized(text)
    if any(word in normalized for word in LAST):
        return count - 1
    number = reply_number(normalized)
    if number is None:
        match = _MARKED.search(normalized)
        if match:
            number = numeral_value(match.group(1) or match.group(2))
    if number is None or not 1 <= number <= count:
        return None
    return number - 1
