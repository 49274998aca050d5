"""Hybrid search over all guides: which matter, then which guide for the asker's region.

For a question, each matter gets four signals:

* ``passage`` — cosine between the question (e5 ``query:``) and the matter's description
  (``passage:``);
* ``question`` — best cosine between the question and the matter's own question-like texts
  (name, aliases, FAQ questions, all embedded as ``query:``: question-to-question similarity);
* ``lexical`` — BM25 over jieba tokens of the question plus the official words its colloquial
  words stand for (:mod:`indexer.text`);
* ``high_frequency`` — the city's high-frequency matters are what most people ask about: a small
  fixed prior, enough to break near-ties, not to outrank a rarer matter the question names.

The cosines of one model sit in a narrow band, so each is taken relative to the best matter for
this question and divided by a temperature; BM25 is divided by the best BM25 score. The weighted
sum ranks matters. The weights were tuned on the development questions
(``daofu eval retrieval``) and live in :class:`FusionWeights`, not in the ranking code.

"No match" (nothing plausible) is decided on absolute evidence, not on the relative score: a
question whose best question-to-question cosine is low and whose words are not the catalogue's is
about nothing in the catalogue. Whether a plausible candidate is sure enough to be shown alone is
the dialogue's decision (``bot/actions/answer_bands.py``).

After scoring, a candidate among the best few whose name holds a qualifier the question evokes
(港澳台 for "我是台湾人", :mod:`indexer.qualifiers`) is moved up past its general sibling.

Before scoring, the question is rewritten in plain words (:mod:`indexer.colloquial`: Ningbo
words, older people's words, typing slips), homophone slips of catalogue words are put right
(:mod:`indexer.typos`: 户照 → 护照), and the embedding sees only the clauses that carry the
need (:mod:`indexer.clauses`); BM25 sees every word.

Each ranked matter is then shown as one guide: the guide of the asker's place (a town's own
guide, else its district's, else the city's). When the matter is implemented per district and
no place is known, the hit says so (``needs_region``) and the dialogue asks.

Example::

    searcher = Searcher.load(load_settings())
    result = searcher.search("住在南门街道，孩子上小学怎么报名")
    result.hits[0].name, result.hits[0].region          # ('小学一年级新生入学报名', '海曙区')
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from daofu.config import Settings
from indexer.clauses import focus
from indexer.colloquial import ColloquialRewriter
from indexer.documents import GuideEntry
from indexer.encoder import QueryEncoder
from indexer.families import Families
from indexer.initials import InitialsExpander
from indexer.qualifiers import Qualifiers
from indexer.regions import Place, RegionResolver, short_form
from indexer.store import IndexData, dictionary_path, load_index
from indexer.text import TextAnalyzer, normalize
from indexer.typos import TypoCorrector
from knowledge.records import RegionLevel

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_TOP_K = 50
# A word of this many matter names is one people ask with (备案, 补贴): a two-character slip may
# be put right into it (:mod:`indexer.typos`).
COMMON_WORD_MATTERS = 4


@dataclass(frozen=True)
class FusionWeights:
    """How the signals combine; see the module docstring. Tuned with ``daofu eval retrieval``."""

    passage: float = 0.5
    passage_temperature: float = 0.05
    question: float = 0.25
    question_temperature: float = 0.1
    lexical: float = 0.25
    # 0.2 was chosen on all three question sets (dev, written, fresh), top-1 / recall@7:
    # 0.4 with part of it following the BM25 share (the earlier rule) 0.927 / 0.998, 0.751 / 0.952,
    # 0.720 / 0.953; a fixed 0.2: 0.963 / 0.993, 0.799 / 0.963, 0.767 / 0.953. A larger prior let
    # hot matters the words did not support outrank the rarer matter a question named.
    high_frequency: float = 0.2
    # Weak evidence when the best question-to-question cosine is below this, or when the
    # question's words (place names left out) barely occur in any matter (best BM25 below the
    # second bound). Calibrated on the development questions: 90 % of the questions without an
    # answer fall below, 0.5 % of the answerable ones do.
    min_question_similarity: float = 0.8975
    min_content_lexical: float = 7.0
    # ... but strong evidence of one kind still makes a plausible candidate: a typo leaves the
    # words unknown while the meaning is close (cosine at or above the first bound), and a long
    # question's cosine is low while its words are the catalogue's (BM25 at or above the second).
    # No development or written question without an answer reaches either bound
    # (the "nothing" and "negatives nothing" columns of ``python -m bot.tools.calibrate_bands``).
    plausible_question_similarity: float = 0.925
    plausible_content_lexical: float = 15.0
    # A candidate among the best few whose name holds a qualifier the question evokes (港澳台 for
    # 台湾, :mod:`indexer.qualifiers`) gains this much: more than the usual lead of the general
    # sibling, far less than what separates unrelated matters.
    qualifier_bonus: float = 0.4
    qualifier_candidates: int = 8
    # Which signals rank: "hybrid", or one alone as a baseline ("lexical", "dense").
    mode: str = "hybrid"
    # The lexical baseline's own no-match rule: best BM25 score below this.
    min_lexical_score: float = 12.0

    def __post_init__(self) -> None:
        if self.mode not in ("hybrid", "lexical", "dense"):
            raise ValueError(f"mode must be hybrid, lexical or dense, got {self.mode!r}")
        if self.passage_temperature <= 0 or self.question_temperature <= 0:
            raise ValueError("temperatures must be positive")


@dataclass(frozen=True)
class SearchHit:
    guide_id: str
    matter_code: str
    name: str
    region: str
    region_code: str
    department: str
    score: float
    why: tuple[str, ...]
    needs_region: bool = False

    def to_json(self) -> dict:
        return {
            "guide_id": self.guide_id,
            "matter_code": self.matter_code,
            "name": self.name,
            "region": self.region,
            "region_code": self.region_code,
            "department": self.department,
            "score": round(self.score, 4),
            "why": list(self.why),
            "needs_region": self.needs_region,
        }


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    no_match: bool
    place: Place | None
    place_source: str | None  # "text", "given", "context" or None
    seconds: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "no_match": self.no_match,
            "region": self.place.name if self.place else None,
            "district": self.place.district_name if self.place else None,
            "region_source": self.place_source,
            "hits": [hit.to_json() for hit in self.hits],
        }


class UnknownRegionError(ValueError):
    """A region given explicitly (a button, ``--region``) is not a Ningbo place."""


class Searcher:
    """Answer questions from a loaded index. Thread-safe for concurrent searches."""

    def __init__(
        self,
        data: IndexData,
        analyzer: TextAnalyzer,
        encoder: QueryEncoder,
        weights: FusionWeights | None = None,
    ) -> None:
        self.data = data
        self.analyzer = analyzer
        self.encoder = encoder
        self.weights = weights or FusionWeights()
        self.resolver = RegionResolver(data.places)
        self._high_frequency = np.asarray([m.high_frequency for m in data.matters], dtype=np.float64)
        self._guides_by_matter: dict[int, dict[str, GuideEntry]] = defaultdict(dict)
        self._matter_position = {m.code: i for i, m in enumerate(data.matters)}
        self._guide_matter = {g.guide_id: g.matter_code for g in data.guides}
        for guide in data.guides:
            if guide.matter_code in self._matter_position:
                self._guides_by_matter[self._matter_position[guide.matter_code]][guide.region_code] = guide
        self._city = next((p for p in data.places if p.level == RegionLevel.CITY), None)
        # The city's guide of each matter that has one: looked up for every hit shown.
        self._city_guide: dict[int, GuideEntry] = {}
        for matter, guides in self._guides_by_matter.items():
            city_guides = [g for g in guides.values() if g.region_level == RegionLevel.CITY]
            if city_guides:
                self._city_guide[matter] = city_guides[0]
        self.rewriter = ColloquialRewriter.load()
        self.qualifiers = Qualifiers.load()
        self.families = Families.derive((m.code, m.name, m.high_frequency) for m in data.matters)
        # Words that name something in the catalogue: the tokens of matter names and aliases.
        name_tokens = [{t for text in (m.name, *m.aliases) for t in analyzer.tokens(text)} for m in data.matters]
        synonym_words = {word for s in analyzer.synonyms for word in (s.colloquial, *s.official)}
        self._name_words = frozenset().union(*name_tokens) | synonym_words
        self._matters_named_with = name_word_counts(name_tokens)
        # District names are words people type too (慈西 for 慈溪): a slip of one is put right as well.
        districts = {short: COMMON_WORD_MATTERS for p in self.resolver.districts if (short := short_form(p.name))}
        self.initials = InitialsExpander.build(
            self._name_words, preference=lambda word: (self.matters_named_with(word), analyzer.word_frequency(word))
        )
        self.typos = TypoCorrector(
            self._name_words | districts.keys(),
            analyzer.word_frequency,
            analyzer.dictionary_words,
            common_words(self._matters_named_with, synonym_words) | districts,
        )

    @classmethod
    def load(cls, settings: Settings, catalog_checksum: str | None = None, weights: FusionWeights | None = None):
        """Load the index under ``settings.index_dir``; refuses one built from another model.

        ``catalog_checksum`` (when given) must match the index's; the service passes the live
        catalogue's checksum so that it never answers from a stale index.
        """
        from indexer.model import ModelManifest

        started = time.monotonic()
        model = ModelManifest.read(settings.model_dir)
        data = load_index(settings.index_dir, catalog_checksum, model.weights_sha256)
        analyzer = TextAnalyzer(dictionary=dictionary_path(settings.index_dir))
        encoder = QueryEncoder(settings.model_dir)
        searcher = cls(data, analyzer, encoder, weights)
        log.info(
            "search index loaded in %.1f s (%d matters, %d guides)",
            time.monotonic() - started,
            len(data.matters),
            len(data.guides),
        )
        return searcher

    # --- public ---------------------------------------------------------------------------

    def search(
        self, text: str, region: str | None = None, top_k: int = 5, default_region: str | None = None
    ) -> SearchResult:
        """Ranked guides for ``text`` (one per matter), for ``region`` if given, else the place in the text,
        else ``default_region`` (where the asker said they were earlier in the conversation).

        Raises :class:`ValueError` for a ``top_k`` outside 1..50 and :class:`UnknownRegionError` for a
        ``region`` that names no Ningbo place. Any text is accepted: empty, very long, emoji-only
        or mixed-script questions get an answer (usually ``no_match``), never an exception.
        """
        if not 1 <= top_k <= MAX_TOP_K:
            raise ValueError(f"top_k must be between 1 and {MAX_TOP_K}, got {top_k}")
        started = time.monotonic()
        query = self.plain(text)
        place, source = self._place(query, region)
        if place is None and default_region:
            place, source = self.resolver.resolve_name(default_region), "context"
            if place is None:
                source = None
        if not _has_content(query):
            return SearchResult(text, [], True, place, source, time.monotonic() - started)
        scores, signals, tokens = self._score(query)
        if self.weights.mode == "hybrid":
            self._favour_qualified(query, scores)
        if self.weights.mode == "lexical":
            no_match = signals["lexical_best"] < self.weights.min_lexical_score
        else:
            content = self.data.lexical.scores(self.analyzer.query_tokens(self.resolver.strip_places(query)))
            signals["content_lexical_best"] = float(content.max())
            weak = (
                signals["question_best"] < self.weights.min_question_similarity
                or signals["content_lexical_best"] < self.weights.min_content_lexical
            )
            strong = (
                signals["question_best"] >= self.weights.plausible_question_similarity
                or signals["content_lexical_best"] >= self.weights.plausible_content_lexical
            )
            no_match = weak and not strong
        order = [int(m) for m in np.argsort(-scores)[:top_k]]
        matched = self.data.lexical.matched_terms_of(tokens, order)
        hits = [self._hit(m, float(scores[m]), place, terms) for m, terms in zip(order, matched, strict=True)]
        return SearchResult(text, hits, no_match, place, source, time.monotonic() - started, signals)

    def guide_for_place(self, matter_code: str, place: Place | None) -> tuple[GuideEntry, bool] | None:
        """The guide of ``matter_code`` a person in ``place`` should use, and whether the district
        is still needed to choose it; None for an unknown matter."""
        position = self._matter_position.get(matter_code)
        if position is None:
            return None
        return self._guide_for_place(position, place)

    def matter_of_guide(self, guide_id: str) -> str | None:
        return self._guide_matter.get(guide_id)

    def matter_name(self, matter_code: str) -> str | None:
        position = self._matter_position.get(matter_code)
        return None if position is None else self.data.matters[position].name

    def districts(self) -> list[Place]:
        return list(self.resolver.districts)

    def resolve_region(self, name: str) -> Place | None:
        return self.resolver.resolve_name(name)

    def name_words(self, matter_code: str) -> set[str]:
        """The tokens of a matter's name and aliases (what a question names it by)."""
        position = self._matter_position.get(matter_code)
        if position is None:
            return set()
        matter = self.data.matters[position]
        return {token for text in (matter.name, *matter.aliases) for token in self.analyzer.query_tokens(text)}

    def matters_named_with(self, word: str) -> int:
        """How many matters' names or aliases use ``word``: 1 for 狂犬病, hundreds for 申请."""
        return self._matters_named_with.get(word, 0)

    def need_vector(self, text: str, without_places: bool = False) -> np.ndarray:
        """The e5 vector of ``text`` as search embeds it (rewritten, the clauses that carry the need);
        ``without_places`` blanks place names first, for comparisons where where says nothing of what."""
        return self.encoder.encode(self.need_text(text, without_places))

    def need_text(self, text: str, without_places: bool = False) -> str:
        """What :meth:`need_vector` embeds."""
        query = self.plain(text)
        if without_places:
            query = self.resolver.strip_places(query)
        return self.need_of(query)

    def plain(self, text: str) -> str:
        """``text`` as search reads it: normalised, pinyin initials written out (:mod:`indexer.initials`),
        spoken words in plain Mandarin (:mod:`indexer.colloquial`), homophone slips of catalogue words
        put right (:mod:`indexer.typos`)."""
        return self.typos.correct(self.rewriter.rewrite(self.initials.expand(normalize(text)[:MAX_QUERY_CHARS])))

    def need_of(self, query: str) -> str:
        """The clauses of a long question that carry the need (:mod:`indexer.clauses`)."""
        return focus(query, self._name_words.__contains__, self.analyzer.tokens)

    # --- internals ------------------------------------------------------------------------

    def _place(self, query: str, region: str | None) -> tuple[Place | None, str | None]:
        if region:
            place = self.resolver.resolve_name(region)
            if place is None:
                raise UnknownRegionError(
                    f"{region!r} is not a Ningbo district, county, zone or town; "
                    f"try one of: {', '.join(p.name for p in self.resolver.districts)}"
                )
            return place, "given"
        place = self.resolver.detect(query)
        return (place, "text") if place else (None, None)

    def _score(self, query: str) -> tuple[np.ndarray, dict[str, float], list[str]]:
        w = self.weights
        tokens = self.analyzer.query_tokens(query)
        lexical = self.data.lexical.scores(tokens)
        best_lexical = float(lexical.max())
        signals = {"lexical_best": best_lexical}
        if w.mode == "lexical":
            return lexical, signals, tokens
        vector = self.encoder.encode(self.need_of(query))
        passage = self.data.passages.matter_scores(vector, depth=len(self.data.matters))
        question = self.data.questions.matter_scores(vector, depth=min(1024, len(self.data.questions.vectors)))
        # Matters beyond the question channel's depth get that channel's floor, not -1.
        reached = question > -1
        question = np.where(reached, question, question[reached].min() if reached.any() else 0.0)
        signals.update(passage_best=float(passage.max()), question_best=float(question.max()))
        scores = (
            w.passage * (passage - passage.max()) / w.passage_temperature
            + w.question * (question - question.max()) / w.question_temperature
        )
        if w.mode == "hybrid":
            lexical_share = lexical / best_lexical if best_lexical > 0 else lexical
            scores += w.lexical * lexical_share
            scores += w.high_frequency * self._high_frequency
        return scores, signals, tokens

    def _favour_qualified(self, query: str, scores: np.ndarray) -> None:
        """Add the qualifier bonus to the best few candidates whose name the question qualifies."""
        w = self.weights
        if not self.qualifiers.evoked(query) or len(scores) <= w.qualifier_candidates:
            return
        best = np.argpartition(-scores, w.qualifier_candidates)[: w.qualifier_candidates]
        names = [self.data.matters[int(m)].name for m in best]
        for matter, favoured in zip(best, self.qualifiers.favoured(query, names), strict=True):
            if favoured:
                scores[matter] += w.qualifier_bonus

    def _hit(self, matter: int, score: float, place: Place | None, matched: list[str]) -> SearchHit:
        info = self.data.matters[matter]
        guide, needs_region = self._guide_for_place(matter, place)
        # Keep the longest forms: 社会保障卡, not also 社会 and 保障.
        why = tuple(t for t in matched if not any(t != other and t in other for other in matched))
        return SearchHit(
            guide_id=guide.guide_id,
            matter_code=info.code,
            name=info.name,
            region=guide.region_name,
            region_code=guide.region_code,
            department=guide.department,
            score=score,
            why=why,
            needs_region=needs_region,
        )

    def _guide_for_place(self, matter: int, place: Place | None) -> tuple[GuideEntry, bool]:
        """The guide a person in ``place`` should use, and whether the district is still unknown."""
        guides = self._guides_by_matter[matter]
        city = self._city_guide.get(matter)
        if place is not None and not place.is_city:
            if place.code in guides and place.level in (RegionLevel.DISTRICT, RegionLevel.ZONE, RegionLevel.TOWN):
                return guides[place.code], False
            district = place.district_code
            if district and district in guides:
                return guides[district], False
            in_district = sorted(
                (
                    g
                    for g in guides.values()
                    if g.district_code == district and g.region_level in (RegionLevel.ZONE, RegionLevel.TOWN)
                ),
                key=lambda g: (g.region_level != RegionLevel.ZONE, g.region_code),
            )
            if in_district:
                return in_district[0], False
            if city is not None:
                return city, False
        if city is not None:
            return city, False
        districts = sorted(
            (g for g in guides.values() if g.region_level == RegionLevel.DISTRICT), key=lambda g: g.region_code
        )
        fallback = districts[0] if districts else sorted(guides.values(), key=lambda g: g.region_code)[0]
        return fallback, True


def _has_content(query: str) -> bool:
    """Whether the question has any letter, digit or Chinese character to search for."""
    return any(ch.isalnum() for ch in query)


def name_word_counts(name_tokens: list[set[str]]) -> dict[str, int]:
    """Each word of the matters' names (``name_tokens``: one set per matter) with the number of
    matters whose names use it."""
    matters_with: dict[str, int] = defaultdict(int)
    for tokens in name_tokens:
        for token in tokens:
            matters_with[token] += 1
    return dict(matters_with)


def common_words(matters_with: dict[str, int], synonym_words: set[str]) -> dict[str, int]:
    """Words of at least :data:`COMMON_WORD_MATTERS` matter names (``matters_with``: from
    :func:`name_word_counts`), and the synonym table's words, each with the number of matter
    names that use it."""
    common = {token: count for token, count in matters_with.items() if count >= COMMON_WORD_MATTERS}
    for word in synonym_words:
        common.setdefault(word, max(matters_with.get(word, 0), COMMON_WORD_MATTERS))
    return common


def load_searcher(settings: Settings) -> Searcher:
    """The searcher for the service: checked against the live catalogue's checksum."""
    from knowledge.db import create_engine_for
    from knowledge.repository import Catalog

    engine = create_engine_for(settings.database_url)
    try:
        checksum = Catalog(engine, settings).catalog_checksum()
    finally:
        engine.dispose()
    return Searcher.load(settings, catalog_checksum=checksum)
