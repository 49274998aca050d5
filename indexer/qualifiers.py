"""Qualifiers that pick a sibling: 港澳台 for a 台湾 asker, 非居民 for a factory's meter.

Some matters differ from a sibling only by whom or what they are for: 居住证申领 and
港澳台居民居住证申领, 居民生活用电新装 and 低压非居民用电新装. People name the qualifier in their
own words ("我是台湾人", "厂里要装电表"), which neither BM25 nor the embedding ties to the
catalogue's word, so the general sibling (and the more common one) wins.

``knowledge/data/qualifier_words.tsv`` lists each qualifier as matter names write it and the
words people use for it. :meth:`Qualifiers.favoured` tells which candidate names hold a
qualifier the question evokes; the searcher adds a fixed bonus to those among its best few
candidates (``FusionWeights.qualifier_bonus``), so a qualifier reorders close siblings and never
brings up an unrelated matter.

Example::

    qualifiers = Qualifiers.load()
    qualifiers.favoured("我是台湾人，能办居住证吗", ["居住证申领", "港澳台居民居住证申领"])   # [False, True]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.text import normalize
from indexer.word_tables import read_pairs

QUALIFIER_WORDS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "qualifier_words.tsv"


class QualifierWordsError(ValueError):
    """The qualifier table is malformed (the message names the line)."""


@dataclass(frozen=True)
class Qualifier:
    name_word: str  # as matter names write it: 港澳台
    asked_with: tuple[str, ...]  # as people say it: 台湾, 香港


@dataclass(frozen=True)
class Qualifiers:
    qualifiers: tuple[Qualifier, ...]

    @classmethod
    def load(cls, path: Path = QUALIFIER_WORDS_FILE) -> Qualifiers:
        rows = []
        for name_word, listed in read_pairs(path, "qualifier<TAB>word|word", QualifierWordsError):
            words = tuple(normalize(word) for word in listed.split("|") if word.strip())
            if not words:
                raise QualifierWordsError(f"{path}: {name_word!r} has no words people use")
            rows.append(Qualifier(normalize(name_word), words))
        return cls(tuple(rows))

    def evoked(self, question: str) -> list[Qualifier]:
        """The qualifiers whose words ``question`` uses."""
        text = normalize(question)
        return [q for q in self.qualifiers if any(word in text for word in q.asked_with)]

    def favoured(self, question: str, names: Sequence[str]) -> list[bool]:
        """For each matter name, whether it holds a qualifier the question evokes."""
        evoked = self.evoked(question)
        return [any(q.name_word in name for q in evoked) for name in names]
