"""Phone-typing slips: a character typed for another with the same sound (户照 → 护照).

Chinese is typed by sound, so the commonest slip is a homophone picked from the input method's
list: 户照 for 护照, 申青 for 申请, 保障卡 typed as 保章卡. The slipped word is in no guide, so BM25
misses it and the embedding sees a different word. :class:`TypoCorrector` puts the catalogue's
word back before the search scores the question.

A stretch of two to four Chinese characters of the question is a slip of catalogue word ``w``
when all four hold:

* ``w`` is a word of the catalogue (a token of a matter name or alias, or a word of the synonym
  table) and the stretch is not;
* they differ in exactly one character, and the two characters have the same common reading
  (tones ignored);
* the stretch is not a word in its own right: jieba's dictionaries give it a frequency below
  :data:`REAL_WORD_FREQUENCY` (预收 is a word; 户照 is not), so a real word is never
  "corrected" into a catalogue word that sounds like it;
* the stretch starts and ends where words start and end when jieba cuts the question with its
  dictionary alone: a slip leaves single characters, while 办什(么) or (通)行证 are pieces of
  real words and are left alone.

Two characters are little evidence: 去了 sounds like 娶了, a word of the synonym table, and
many a pair of everyday characters sounds like some word of a single matter name. A
two-character stretch is therefore only put right into a word of ``common_words`` (the searcher
passes the words many matter names share, 备案, 补贴, 注销, and the synonym table's words, 医保,
上牌), and never when one of its characters is a particle (了, 的, 吗…), which no catalogue
word is typed with.

When several catalogue words fit (a slip of either character of a word), the one of most
matter names is taken, then the most common one by jieba's frequency.

Example::

    corrector = TypoCorrector.build(["护照", "营业执照", "申请"], frequency={"申请": 3000})
    corrector.correct("户照过期了，营叶执照怎么申青")      # '护照过期了，营业执照怎么申请'

(``build`` cuts into single characters; the searcher passes jieba's cut and frequencies.)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

# A stretch jieba knows at least this often is a real word, not a slip.
REAL_WORD_FREQUENCY = 10
PARTICLES = frozenset("了的吗呢吧啊呀嘛哦么")
MIN_WORD_CHARS = 2
MAX_WORD_CHARS = 4
_CHINESE = re.compile(r"[\u4e00-\u9fff]+")
_BLANK = "_"


@lru_cache(maxsize=65536)
def reading(char: str) -> str:
    """The common toneless syllable of ``char`` (every reading would make 还 sound like 不)."""
    return pinyin(char, style=Style.NORMAL)[0][0]


def sounds_alike(a: str, b: str) -> bool:
    return a == b or reading(a) == reading(b)


@dataclass(frozen=True)
class Correction:
    start: int
    typed: str
    meant: str


class TypoCorrector:
    """Catalogue words indexed by each of their characters blanked out, for one-slip look-ups."""

    def __init__(
        self,
        words: Iterable[str],
        frequency: Callable[[str], int],
        segment: Callable[[str], Iterable[str]] = list,
        common_words: Mapping[str, int] | None = None,
    ) -> None:
        """``common_words``: word → how many matter names use it (None: every word, each once)."""
        self.words = frozenset(w for w in words if MIN_WORD_CHARS <= len(w) <= MAX_WORD_CHARS and _CHINESE.fullmatch(w))
        self.frequency = frequency
        self.segment = segment
        self.matters_with = dict.fromkeys(self.words, 1) if common_words is None else dict(common_words)
        common = self.matters_with.keys() & self.words
        self._by_pattern: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.words):
            if len(word) == MIN_WORD_CHARS and word not in common:
                continue
            for position in range(len(word)):
                self._by_pattern[_blanked(word, position)].append(word)

    @classmethod
    def build(cls, words: Iterable[str], frequency: dict[str, int] | None = None) -> TypoCorrector:
        table = frequency or {}
        return cls(words, lambda word: table.get(word, 0))

    def corrections(self, text: str) -> list[Correction]:
        """The slips of ``text``, left to right, the longest catalogue word first where several overlap."""
        found: list[Correction] = []
        for run in _CHINESE.finditer(text):
            chars = run.group(0)
            bounds = _boundaries(self.segment(chars))
            position = 0
            while position < len(chars) - 1:
                correction = self._slip_at(chars, position, bounds) if position in bounds else None
                if correction is None:
                    position += 1
                    continue
                found.append(Correction(run.start() + position, correction.typed, correction.meant))
                position += len(correction.typed)
        return found

    def correct(self, text: str) -> str:
        """``text`` with each slip replaced by the catalogue word it stands for."""
        corrections = self.corrections(text)
        if not corrections:
            return text
        parts, end = [], 0
        for correction in corrections:
            parts.append(text[end : correction.start])
            parts.append(correction.meant)
            end = correction.start + len(correction.typed)
        parts.append(text[end:])
        return "".join(parts)

    def _slip_at(self, chars: str, start: int, bounds: set[int]) -> Correction | None:
        for length in range(min(MAX_WORD_CHARS, len(chars) - start), MIN_WORD_CHARS - 1, -1):
            typed = chars[start : start + length]
            if start + length not in bounds or typed in self.words or self.frequency(typed) >= REAL_WORD_FREQUENCY:
                continue
            if length == MIN_WORD_CHARS and PARTICLES.intersection(typed):
                continue
            meant = self._meant(typed)
            if meant is not None:
                return Correction(start, typed, meant)
        return None

    def _meant(self, typed: str) -> str | None:
        fits = [
            word
            for position in range(len(typed))
            for word in self._by_pattern.get(_blanked(typed, position), ())
            if sounds_alike(typed[position], word[position])
        ]
        if not fits:
            return None
        return max(fits, key=lambda word: (self.matters_with.get(word, 0), self.frequency(word), word))


def _boundaries(words: Iterable[str]) -> set[int]:
    """Offsets where a word of the cut starts or ends."""
    bounds, offset = {0}, 0
    for word in words:
        offset += len(word)
        bounds.add(offset)
    return bounds


def _blanked(word: str, position: int) -> str:
    return word[:position] + _BLANK + word[position + 1 :]
