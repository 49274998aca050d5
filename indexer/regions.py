"""Where is the asker? Find district, county, development-zone and town/street names in text.

A guide is implemented per region, so the same question in 鄞州 and in 慈溪 has different
answers (different window, address, phone). This module finds the place a question mentions and
maps it to its district or county; :mod:`indexer.search` then prefers the guide of that place.

Names come from the catalogue's regions plus short forms (海曙区 → 海曙, 石浦镇 → 石浦) and the
curated aliases in ``indexer/data/place_aliases.tsv`` (高新区, 前湾新区 …). A short form that
would name two places in different districts, or that is an everyday word (白云, 长河), is not
used; the full name still works.

Example::

    resolver = RegionResolver(places)
    resolver.detect("住在南门街道，孩子上小学怎么报名")
    # Place(code='330203001', name='南门街道', level='乡镇街道', district_code='330203', district_name='海曙区')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.text import normalize
from indexer.word_tables import read_pairs
from knowledge.records import RegionLevel

ALIASES_FILE = Path(__file__).parent / "data" / "place_aliases.tsv"


_SUFFIXES = ("街道", "镇", "乡", "区", "县", "市")
# Short forms that are everyday words or names elsewhere; their full names still match.
_COMMON_WORDS = frozenset(
    "白云 长河 新桥 江口 桥头 东郊 阳明 桃源 白沙 白沙路 长街 一市 横河 新浦 大隐 东吴 鼓楼 外滩 月湖 前江 中河 "
    "下应 明楼 凤山 保税 高新 新明 福明 东胜 百丈 聚贤 文教 甬江 首南 西门 南门 西坞 方桥 尚田 松岙 "
    "胜山 龙山 附海 周巷 崇寿 新碶 大碶 小港 霞浦 柴桥 春晓 郭巨 白峰".split()
)
# Words before a place name that say the asker is leaving it, not in it ("从海曙搬到镇海").
_SOURCE_MARKERS = ("从", "离开", "原来在", "以前在", "老家在")


@dataclass(frozen=True)
class Place:
    """A region as search sees it: itself and the district or county it belongs to."""

    code: str
    name: str
    level: str
    district_code: str | None
    district_name: str | None

    @property
    def is_city(self) -> bool:
        return self.level == RegionLevel.CITY


def load_place_aliases(path: Path = ALIASES_FILE) -> dict[str, list[str]]:
    pairs = read_pairs(path, "official name<TAB>alias|alias", right_required=False)
    return {name: [a.strip() for a in listed.split("|") if a.strip()] for name, listed in pairs}


def short_form(name: str) -> str | None:
    """海曙区 → 海曙, 石浦镇 → 石浦; None when nothing sensible is left."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class RegionResolver:
    """Find the most relevant Ningbo place mentioned in a text."""

    def __init__(self, places: Iterable[Place], extra_aliases: dict[str, list[str]] | None = None) -> None:
        self.places = [p for p in places if p.level != RegionLevel.VILLAGE]
        by_name = {p.name: p for p in self.places}
        extra = extra_aliases if extra_aliases is not None else load_place_aliases()
        candidates: dict[str, list[tuple[Place, bool]]] = {}

        def offer(alias: str, place: Place, exact: bool) -> None:
            alias = normalize(alias)
            if len(alias) >= 2:
                candidates.setdefault(alias, []).append((place, exact))

        for place in self.places:
            offer(place.name, place, True)
            short = short_form(place.name)
            if short and short not in _COMMON_WORDS:
                offer(short, place, False)
        for official, aliases in extra.items():
            if official in by_name:
                for alias in aliases:
                    offer(alias, by_name[official], True)
        self._alias_to_place = {}
        for alias, offers in candidates.items():
            chosen = self._choose(offers)
            if chosen is not None:
                self._alias_to_place[alias] = chosen
        ordered = sorted(self._alias_to_place, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(a) for a in ordered)) if ordered else None
        self.districts = sorted((p for p in self.places if p.level == RegionLevel.DISTRICT), key=lambda p: p.code)
        self.by_code = {p.code: p for p in self.places}
        self.by_name = by_name

    @staticmethod
    def _choose(offers: list[tuple[Place, bool]]) -> Place | None:
        """One place per alias: an exact name beats a short form; otherwise the alias must agree."""
        exact = [place for place, is_exact in offers if is_exact]
        pool = exact or [place for place, _ in offers]
        districts = {p.district_code for p in pool}
        if len(pool) == 1:
            return pool[0]
        if len(districts) == 1:
            # Same district either way (保税区 the street and 宁波保税区 the zone): the broader place.
            return min(pool, key=lambda p: RegionLevel(p.level).rank)
        return None

    def mentions(self, text: str) -> list[tuple[int, Place]]:
        if self._pattern is None:
            return []
        normalized = normalize(text)
        return [(m.start(), self._alias_to_place[m.group(0)]) for m in self._pattern.finditer(normalized)]

    def strip_places(self, text: str) -> str:
        """``text`` with every place name blanked out: what is left says *what*, not *where*."""
        normalized = normalize(text)
        return self._pattern.sub(" ", normalized) if self._pattern is not None else normalized

    def detect(self, text: str) -> Place | None:
        """The place the asker is in or asks about, or None.

        With several places, the last one that is not introduced as where the asker comes from
        wins ("从海曙搬到镇海了" → 镇海区); a town beats its own district when both are named.
        """
        found = self.mentions(text)
        if not found:
            return None
        normalized = normalize(text)
        kept = [(pos, p) for pos, p in found if not _is_source(normalized, pos)] or found
        last = kept[-1][1]
        for _, place in kept:
            if (
                place.district_code == last.district_code
                and RegionLevel(place.level).rank > RegionLevel(last.level).rank
            ):
                last = place
        return last

    def resolve_name(self, name: str) -> Place | None:
        """A place from a name or alias the user chose explicitly (a button, ``--region``)."""
        name = normalize(name)
        if name in self._alias_to_place:
            return self._alias_to_place[name]
        return self.detect(name)


def _is_source(text: str, position: int) -> bool:
    before = text[max(0, position - 4) : position]
    return any(before.endswith(marker) for marker in _SOURCE_MARKERS)
