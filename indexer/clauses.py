"""The clauses of a long message, and which of them carry the need.

People write "我七十多了眼睛不好，社保卡密码忘记掉了，哪里可以重新弄": background (age, eyesight),
then the thing (社保卡密码忘记), then the question (哪里可以重新弄). The embedding of the whole
message is pulled towards the background, and a long message's cosine to any catalogue text is
lower than a short one's, so a real need looked like nothing in the catalogue.

:func:`focus` keeps the clauses that carry the need — those that name something the catalogue
knows (a word of the search vocabulary) or ask something (a question or need word) — and drops
pure background ("厂里只有礼拜天休息"). Short messages and messages whose every clause counts are
returned as they are. The search embeds the focus, and scores words of the whole message.

Example::

    focus("我七十多了眼睛不好，社保卡密码忘记掉了，哪里可以重新弄", knows=vocabulary.__contains__, tokens=tokens)
    # '社保卡密码忘记掉了，哪里可以重新弄'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A message shorter than this is one thought: nothing to weigh.
MIN_FOCUS_CHARS = 24
_SPLIT = re.compile(r"[，,。.！!？?；;\n]+|\s+")
# Words that ask for something or say what is to be done.
NEED_CUES = (
    "怎么", "怎样", "如何", "咋", "哪里", "哪儿", "在哪", "去哪", "哪个", "哪些", "什么", "啥",
    "能不能", "能否", "可不可以", "可以", "能", "要不要", "需要", "吗", "呢", "多少", "多久", "几",
    "想", "要办", "办", "申请", "领", "补", "换", "开", "交", "登记", "报", "查", "迁", "注销", "转",
)  # fmt: skip


@dataclass(frozen=True)
class Clause:
    text: str
    names_something: bool
    asks: bool

    @property
    def carries_need(self) -> bool:
        return self.names_something or self.asks


def split_clauses(text: str) -> list[str]:
    return [part for part in _SPLIT.split(text) if part]


def read_clauses(text: str, knows: Callable[[str], bool], tokens: Callable[[str], list[str]]) -> list[Clause]:
    """Each clause with whether it names a catalogue word (``knows`` on its ``tokens``) and whether it asks."""
    clauses = []
    for part in split_clauses(text):
        names = any(len(token) >= 2 and knows(token) for token in tokens(part))
        asks = any(cue in part for cue in NEED_CUES)
        clauses.append(Clause(part, names, asks))
    return clauses


def focus(text: str, knows: Callable[[str], bool], tokens: Callable[[str], list[str]]) -> str:
    """The clauses of ``text`` that carry the need, joined; ``text`` itself when there is nothing to drop."""
    if len(text) < MIN_FOCUS_CHARS:
        return text
    clauses = read_clauses(text, knows, tokens)
    kept = [clause.text for clause in clauses if clause.carries_need]
    if not kept or len(kept) == len(clauses):
        return text
    return "，".join(kept)
