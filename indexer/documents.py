"""What the index knows about each matter and guide, read from the catalogue once.

Search ranks *matters* (what is done) and then picks the *guide* (where and by whom) for the
asker's region, so the index keeps one :class:`MatterDocument` per matter, with the texts that
describe it, and one compact :class:`GuideEntry` per guide.

The texts per matter, and why:

* ``passage`` — name, aliases and the start of the conditions: e5's "passage" side;
* ``questions`` — the name, each alias, each FAQ question and, for a sibling of a family, its
  case in a person's words (``knowledge/data/variant_words.tsv``), embedded on e5's "query"
  side, because a citizen's question is most like another question (symmetric similarity); the
  case words tell siblings apart where their names and conditions share almost every word;
* ``lexical`` — the fields BM25 sees, the name and aliases repeated so that they weigh more
  than the long conditions text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.families import load_variant_words
from indexer.regions import Place
from knowledge.records import RegionLevel
from knowledge.repository import Catalog, Guide, Matter, Region

PASSAGE_CONDITION_CHARS = 200
NAME_WEIGHT = 3
ALIAS_WEIGHT = 3


@dataclass(frozen=True)
class MatterDocument:
    code: str
    name: str
    aliases: tuple[str, ...]
    department: str
    conditions: str
    faq_questions: tuple[str, ...]
    high_frequency: bool
    checksum: str
    variant_words: tuple[str, ...] = ()

    @property
    def passage(self) -> str:
        aliases = f"（{'、'.join(self.aliases)}）" if self.aliases else ""
        return f"{self.name}{aliases}。{self.conditions[:PASSAGE_CONDITION_CHARS]}"

    @property
    def questions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name, *self.aliases, *self.faq_questions, *self.variant_words)))

    def lexical_fields(self) -> list[tuple[str, int]]:
        """(text, repeat) pairs for BM25."""
        fields = [(self.name, NAME_WEIGHT)]
        fields += [(alias, ALIAS_WEIGHT) for alias in self.aliases]
        fields += [(question, 1) for question in self.faq_questions]
        fields.append((self.conditions, 1))
        return fields


@dataclass(frozen=True)
class GuideEntry:
    guide_id: str
    matter_code: str
    region_code: str
    region_name: str
    region_level: str
    district_code: str | None
    department: str


def place_of(region: Region) -> Place:
    return Place(region.code, region.name, region.level, region.district_code, region.district_name)


def _representative(guides: list[Guide]) -> Guide:
    """The guide whose texts describe the matter: the city's, else the first district's."""
    return min(guides, key=lambda g: (RegionLevel(g.region.level).rank, g.region.code))


def read_catalog(catalog: Catalog) -> tuple[list[MatterDocument], list[GuideEntry], list[Place]]:
    """Everything the index needs, in a stable order (matters by code, guides by id)."""
    by_matter: dict[str, list[Guide]] = defaultdict(list)
    entries: list[GuideEntry] = []
    for guide in catalog.iter_guides():
        by_matter[guide.matter.code].append(guide)
        entries.append(
            GuideEntry(
                guide.id,
                guide.matter.code,
                guide.region.code,
                guide.region.name,
                guide.region.level,
                guide.region.district_code,
                guide.department,
            )
        )
    variant_words = load_variant_words()
    documents = [
        _document(matter, by_matter[matter.code], variant_words)
        for matter in catalog.iter_matters()
        if by_matter.get(matter.code)
    ]
    entries.sort(key=lambda e: e.guide_id)
    places = [place_of(region) for region in catalog.regions()]
    return documents, entries, places


def _document(matter: Matter, guides: Iterable[Guide], variant_words: dict[str, str]) -> MatterDocument:
    representative = _representative(list(guides))
    return MatterDocument(
        code=matter.code,
        name=matter.name,
        aliases=tuple(matter.aliases),
        department=representative.department,
        conditions=representative.conditions,
        faq_questions=tuple(entry.q for entry in matter.faq),
        high_frequency=matter.high_frequency,
        checksum=matter.checksum,
        variant_words=(variant_words[matter.name],) if matter.name in variant_words else (),
    )
