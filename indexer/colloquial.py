"""Plain Mandarin for spoken Ningbo words, older people's phrasing and phone-typing slips.

"阿拉囡囡出生证明寻勿着了，好补伐？" is a real need; searched as typed, its words (阿拉, 寻勿着,
伐) are in no guide and the embedding sees dialect, so it looks like nothing in the catalogue.
:class:`ColloquialRewriter` turns it into "我们孩子出生证明找不到了，能补吗？" before the search
scores it: a table of spoken → plain forms (``knowledge/data/colloquial_words.tsv``), longest form
first, plus the one construction a table cannot hold — 好…伐 ("can one …?") → 能…吗.

A few single characters are rewritten only where they stand alone: 伐 only ends a question (采伐
and 砍伐 are forestry matters), 伊 never inside 伊斯兰 or 伊朗.

Example::

    ColloquialRewriter.load().rewrite("阿拉屋里厢小人名字好改伐")
    # '我们家里孩子名字能改吗'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from indexer.word_tables import read_pairs

WORDS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "colloquial_words.tsv"

# 好 + a short verb phrase + 伐 at the end of a clause: "好补伐" → "能补吗".
_HAO_FA = re.compile(r"好([\u4e00-\u9fff]{1,8}?)伐(?=[\s，,。.？?！!；;]|$)")
# A clause-final 伐 is the question particle 吗.
_FINAL_FA = re.compile(r"(?<![采砍])伐(?=[\s，,。.？?！!；;]|$)")
# Single characters that must not be rewritten inside these words.
_PROTECTED = ("伊斯兰", "伊朗", "伊拉克", "伊犁", "伊春", "请勿", "勿忘")


class ColloquialWordsError(ValueError):
    """The word table is malformed (the message names the line)."""


@dataclass(frozen=True)
class ColloquialRewriter:
    table: dict[str, str]

    @classmethod
    def load(cls, path: Path = WORDS_FILE) -> ColloquialRewriter:
        pairs = read_pairs(path, "spoken<TAB>plain", ColloquialWordsError, right_required=False)
        return cls(dict(pairs))

    def __post_init__(self) -> None:
        forms = sorted(self.table, key=len, reverse=True)
        protected = "|".join(re.escape(word) for word in _PROTECTED)
        alternatives = "|".join(re.escape(form) for form in forms) if forms else "(?!)"
        object.__setattr__(self, "_pattern", re.compile(f"({protected})|({alternatives})"))

    def rewrite(self, text: str) -> str:
        """``text`` in plain words; unchanged when it has none of the spoken forms."""
        text = _HAO_FA.sub(r"能\1吗", text)
        text = _FINAL_FA.sub("吗", text)
        return self._pattern.sub(lambda m: m.group(1) or self.table[m.group(2)], text)  # type: ignore[attr-defined]
