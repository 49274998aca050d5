"""Sibling matters: one base name, several cases in （…）, e.g. 户口迁移（夫妻投靠）…（跨省迁入）.

Siblings share almost every word, so search often ranks the right one second: the family is the
unit the dialogue asks about. When the close candidates of a search fall in one family, the
person is asked which case is theirs, every case offered, most common first, each in plain words
(``knowledge/data/variant_words.tsv``, written from the catalogue's own conditions).

A family is derived from the names alone when the index is loaded (no separate file to go
stale): a base with at least two cases in a final （…）. Order: the catalogue's high-frequency
matters first, then catalogue order (matter code), which lists the usual case before the rarer ones.

Example::

    families = Families.derive(matters)
    families.of("户口迁移（夫妻投靠）").base        # '户口迁移'
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.word_tables import read_pairs

VARIANT_WORDS_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "variant_words.tsv"
_VARIANT = re.compile(r"^(?P<base>.+?)（(?P<case>[^（）]+)）$")


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    case: str
    words: str  # how a person would say the case; the case itself when the table has nothing


@dataclass(frozen=True)
class Family:
    base: str
    members: tuple[Member, ...]

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)


def split_variant(name: str) -> tuple[str, str] | None:
    """(base, case) of a name ending in a bracketed case, else None."""
    found = _VARIANT.match(name)
    return (found.group("base"), found.group("case")) if found else None


def load_variant_words(path: Path = VARIANT_WORDS_FILE) -> dict[str, str]:
    """matter name → the case in a person's words; a malformed line is an error naming it."""
    words: dict[str, str] = {}
    if not path.exists():
        return words
    words.update(read_pairs(path, "matter name<TAB>words a person uses"))
    return words


class Families:
    """Every family of the catalogue, by member name."""

    def __init__(self, families: Iterable[Family]) -> None:
        self.families = list(families)
        self._by_name = {m.name: family for family in self.families for m in family.members}

    @classmethod
    def derive(cls, matters: Iterable[tuple[str, str, bool]], variant_words: dict[str, str] | None = None) -> Families:
        """Families from (code, name, high_frequency) rows."""
        words = load_variant_words() if variant_words is None else variant_words
        grouped: dict[str, list[tuple[bool, str, str, str]]] = defaultdict(list)
        for code, name, high_frequency in matters:
            parts = split_variant(name)
            if parts:
                grouped[parts[0]].append((not high_frequency, code, name, parts[1]))
        families = []
        for base, rows in grouped.items():
            if len(rows) < 2:
                continue
            members = tuple(Member(code, name, case, words.get(name, case)) for _, code, name, case in sorted(rows))
            families.append(Family(base, members))
        return cls(families)

    def of(self, name: str) -> Family | None:
        return self._by_name.get(name)

    def common(self, names: list[str]) -> Family | None:
        """The family that every one of ``names`` belongs to (at least two names), else None."""
        if len(names) < 2:
            return None
        first = self.of(names[0])
        if first is None or any(self.of(name) is not first for name in names[1:]):
            return None
        return first
