"""Pinyin initials typed for a word: sfz for 身份证, gjj for 公积金, fcz for 房产证.

On a phone keyboard in pinyin mode, a hurried person often sends the first letters of a word's
syllables instead of picking its characters. The letters are in no guide and the embedding reads
them as noise, so the question looks empty or out of scope. :class:`InitialsExpander` writes the
catalogue's word in their place before search reads the question.

A run of Latin letters is expanded when it stands alone (no letter or digit on either side, so
"c1增驾b2" and English words inside a sentence are left alone), has :data:`MIN_LETTERS` to
:data:`MAX_LETTERS` letters, and equals the initials of a catalogue word of as many Chinese
characters (a token of a matter name or alias, or a word of the synonym table). Runs of two
letters are never expanded: "hz" fits far too many words. When several words share the initials
(gjj: 公积金, 国家级), the one ``preference`` ranks highest is taken; the searcher prefers the word
of most matter names, then the commonest by jieba's frequency.

Example::

    expander = InitialsExpander.build(["身份证", "公积金", "国家级"], preference=lambda w: w == "公积金")
    expander.expand("sfz丢了，gjj能取吗")      # '身份证丢了，公积金能取吗'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from pypinyin import Style, pinyin

MIN_LETTERS = 3
MAX_LETTERS = 4
_CHINESE_WORD = re.compile(r"[\u4e00-\u9fff]+")
_LETTER_RUN = re.compile(rf"(?<![a-z0-9])[a-z]{{{MIN_LETTERS},{MAX_LETTERS}}}(?![a-z0-9])")


def initials(word: str) -> str:
    """The first letter of each character's common reading: 身份证 → sfz."""
    return "".join(syllable[0][:1] for syllable in pinyin(word, style=Style.FIRST_LETTER, strict=False))


class InitialsExpander:
    """Puts catalogue words back where their pinyin initials were typed (see the module)."""

    def __init__(self, word_for_initials: dict[str, str]) -> None:
        self.word_for_initials = word_for_initials

    @classmethod
    def build(cls, words: Iterable[str], preference: Callable[[str], object]) -> InitialsExpander:
        """From the catalogue's ``words``; ``preference`` orders words sharing their initials (highest wins).

        Raises :class:`ValueError` when no word has the length an abbreviation can stand for.
        """
        best: dict[str, str] = {}
        for word in sorted(set(words)):
            if not MIN_LETTERS <= len(word) <= MAX_LETTERS or not _CHINESE_WORD.fullmatch(word):
                continue
            key = initials(word)
            if len(key) != len(word):
                continue
            if key not in best or preference(word) > preference(best[key]):
                best[key] = word
        if not best:
            raise ValueError(f"no word of {MIN_LETTERS} to {MAX_LETTERS} Chinese characters to abbreviate")
        return cls(best)

    def expand(self, text: str) -> str:
        """``text`` (normalised: lower case) with each stand-alone run of initials replaced by its word."""
        return _LETTER_RUN.sub(lambda run: self.word_for_initials.get(run.group(), run.group()), text)
