"""Typing slips by sound: a catalogue word typed with another character of the same pinyin.

People type with a pinyin keyboard and pick the wrong character of the right sound: 退修 for 退休,
报明 for 报名, 医宝 for 医保, 慈西 for 慈溪. The slipped word is in no guide, so BM25 misses it
and the embedding drifts; with a short question that is the difference between the right guide and
"没有找到". A fixed table (``knowledge/data/colloquial_words.tsv``) can hold the common slips only;
:class:`HomophoneCorrector` finds the others from the catalogue's own vocabulary.

The vocabulary is every word of 2 to 4 characters that names something in the catalogue (the
dictionary words of matter names and aliases, the words of the synonym table, the short names of
the districts), keyed by its toneless pinyin. The question is
cut into dictionary words (jieba without guessing new words), where a slip shows as characters
left alone (退修 → 退 修). A run of whole pieces with at least one such lone character is replaced
by a vocabulary word when all of these hold, so a correct word is never rewritten:

* the run is not itself a word: not in the catalogue's terms and not in jieba's dictionary (公式
  stays 公式 though it sounds like 公示), and it never cuts a word in two (的孩子 is never 的海子);
* its pinyin equals the word's, at most half of its characters differ from the word's, and none
  of those is a grammatical character (的, 了, 去, 不 …: 去了 is never 娶了);
* one word is clearly meant: among words of that sound, the one the catalogue uses most, and
  used at least twice as often as the next.

Example::

    corrector.correct("退修手续怎么办理")   # '退休手续怎么办理'
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from pypinyin import Style, lazy_pinyin

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
MIN_WORD, MAX_WORD = 2, 4
# The most used word of a sound must be used this many times more than the next to be chosen.
DOMINANCE = 2
# Grammatical characters are typed as meant: 去了 is never 娶了, 不发 never 补发, 是用 never 适用.
FUNCTION_CHARACTERS = frozenset(
    "的地得了着过去来是不没在有和与及就都也还又再要会能可前后里上下中个这那哪我你他她它们吗呢吧啊呀么"
)


def sound(text: str) -> tuple[str, ...]:
    """The toneless pinyin of each character (the reading pypinyin takes as usual for the phrase)."""
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


class HomophoneCorrector:
    """Rewrite runs of characters that sound like a catalogue word but are no word themselves."""

    def __init__(
        self, uses: Counter[str], is_known_word: Callable[[str], bool], segment: Callable[[str], list[str]]
    ) -> None:
        """``uses``: catalogue words and how many matters use each; ``is_known_word``: whether a run
        is a word of its own (a catalogue term or a dictionary word), never to be rewritten;
        ``segment``: dictionary words of a text, unknown characters alone (jieba without HMM)."""
        self.is_known_word = is_known_word
        self.segment = segment
        by_sound: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
        for word, count in uses.items():
            if MIN_WORD <= len(word) <= MAX_WORD and _CJK_RUN.fullmatch(word):
                key = sound(word)
                if len(key) == len(word):
                    by_sound[key].append((count, word))
        self._by_sound: dict[tuple[str, ...], str] = {}
        for key, words in by_sound.items():
            words.sort(reverse=True)
            if len(words) == 1 or words[0][0] >= DOMINANCE * words[1][0]:
                self._by_sound[key] = words[0][1]

    @classmethod
    def from_catalogue(
        cls,
        name_tokens: Iterable[str],
        places: Iterable[str],
        is_known_word: Callable[[str], bool],
        segment: Callable[[str], list[str]],
    ) -> HomophoneCorrector:
        """The vocabulary of the ``name_tokens`` (dictionary words of matter names and aliases, one
        count per matter that uses the word; synonym-table words) and of district ``places``."""
        uses: Counter[str] = Counter(name_tokens)
        uses.update(places)
        return cls(uses, is_known_word, segment)

    def __len__(self) -> int:
        return len(self._by_sound)

    def correct(self, text: str) -> str:
        """``text`` with each slipped run replaced by the word it sounds like; unchanged otherwise."""
        return _CJK_RUN.sub(lambda run: self._correct_run(run.group(0)), text)

    def corrections(self, text: str) -> list[tuple[str, str]]:
        """(typed, meant) for each run :meth:`correct` rewrites: for logs and calibration."""
        found = []
        for run in _CJK_RUN.findall(text):
            fixed = self._correct_run(run)
            if fixed != run:
                found.append((run, fixed))
        return found

    def _correct_run(self, run: str) -> str:
        if len(run) < MIN_WORD:
            return run
        readings = sound(run)
        if len(readings) != len(run):
            return run
        words = self.segment(run)
        if "".join(words) != run:
            return run
        out: list[str] = []
        index = 0
        while index < len(words):
            replaced = False
            for count in range(len(words) - index, 0, -1):
                pieces = words[index : index + count]
                typed = "".join(pieces)
                if not MIN_WORD <= len(typed) <= MAX_WORD or all(len(piece) > 1 for piece in pieces):
                    continue
                start = sum(len(word) for word in words[:index])
                meant = self._by_sound.get(readings[start : start + len(typed)])
                if meant is None or meant == typed or self.is_known_word(typed):
                    continue
                changed = [a for a, b in zip(typed, meant, strict=True) if a != b]
                if len(changed) > len(typed) // 2 or any(a in FUNCTION_CHARACTERS for a in changed):
                    continue
                out.append(meant)
                index += count
                replaced = True
                break
            if not replaced:
                out.append(words[index])
                index += 1
        return "".join(out)
