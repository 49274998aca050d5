"""Whether a request the NLU reads as "not a government service" is one after all.

The NLU learnt ``out_of_scope`` from a few hundred short examples (tickets, weather, shopping,
remarks about people) and takes many real needs for one: short ones in words it never saw, and
most long ones. Search sees the whole catalogue, so both readings are put in the same embedding
space and compared:

* **catalogue** — the best cosine between the question and the catalogue's question-like texts
  (names, aliases, FAQ questions: search's ``question_best`` signal);
* **out of scope** — the best cosine between the question and the NLU's own out-of-scope examples
  (``bot/data/nlu.yml``), place names blanked on both sides: a place says where, not what
  ("余姚哪家火锅好吃" must not pull every question about 余姚 out of scope).

The request is searched as a need (:func:`overrides_out_of_scope`) when search has a plausible
candidate (no ``no_match``) and the question is closer to the catalogue than to every out-of-scope
example by :data:`SCOPE_MARGIN`; a message of :data:`LONG_MESSAGE_CHARS` or more needs only
:data:`LONG_SCOPE_MARGIN` (no out-of-scope example is that long: a long message tells a situation).

Calibration (``.venv/bin/python -m bot.tools.calibrate_bands --scope --queries …dev_queries.jsonl
--queries eval/written_questions.jsonl --scope-margin … --long-margin …``), share of each set
that would be searched if the NLU called it out of scope: for the needs (answerable questions,
all of them: an upper bound on what the NLU may refuse) higher is better; for the questions
without an answer and the NLU's own out-of-scope examples (each compared with the *other*
examples) lower is better::

    margin  long    dev needs (400)  written needs (273)  catalogue (600)  negatives (61)  oos examples (565)
    0.000   -0.020            1.000                0.963            1.000           0.033               0.046
    0.005   -0.030            0.995                0.963            1.000           0.016               0.039
    0.005   -0.020            0.995                0.960            1.000           0.016               0.039
    0.005    0.005            0.995                0.938            1.000           0.000               0.039
    0.010   -0.020            0.988                0.956            1.000           0.016               0.030
    0.020   -0.020            0.963                0.941            1.000           0.016               0.019

(written needs stop near 0.96 because search finds nothing plausible for the rest.) 0.005 and
-0.020 are used: a real need refused is the worst answer the assistant can give, and an
out-of-scope request that is searched still gets options, not a guide, or "没有找到".
A message the NLU calls out of scope, and search finds nothing sure for, that names a life event
by a trigger word ("结婚", "退休") is shown the event when it is closer to the event than to the
nearest out-of-scope example, less :data:`EVENT_MARGIN` (the trigger word is evidence of its
own). Of the texts naming an event (same command, ``--event-margin``; needs of the three sets
above; the out-of-scope examples compared with the *other* examples, a pessimistic count)::

    event margin  needs (213)  negatives (0)  oos examples (4)
    -0.050                213              0                 3
    -0.030                213              0                 2
     0.000                203              0                 1
     0.005                190              0                 1

-0.030 is used: every need that names an event reaches it; of the four remarks, the two whose
wording no other example resembles would be shown the event's steps, not refused (each is in
the examples itself, so it is refused as it stands).

The vectors of the examples are computed once (``daofu setup``) and kept under
``var/cache/scope/``, keyed by the model and the exact texts embedded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.actions.answer_bands import names_it_distinctly
from daofu.config import Settings
from indexer.life_events import LifeEvent
from indexer.search import Searcher, SearchResult

log = logging.getLogger(__name__)

SCOPE_MARGIN = 0.005
LONG_SCOPE_MARGIN = -0.02
# A message that already names a life event by one of its trigger words needs less (module table).
EVENT_MARGIN = -0.03
# A message this long tells a situation; no out-of-scope example is that long.
LONG_MESSAGE_CHARS = 25
OUT_OF_SCOPE_INTENT = "out_of_scope"
CACHE_NAME = "out_of_scope_vectors.npz"
INPUTS_STAMP_NAME = "out_of_scope_inputs.sha256"
INDEXER_DIR = Path(__file__).resolve().parents[2] / "indexer"
WORD_TABLES_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "data"


def cache_path(settings: Settings) -> Path:
    return settings.var_dir / "cache" / "scope" / CACHE_NAME


def inputs_stamp_path(settings: Settings) -> Path:
    """Where setup notes what the cached vectors were made from (see :func:`inputs_digest`)."""
    return settings.var_dir / "cache" / "scope" / INPUTS_STAMP_NAME


@dataclass(frozen=True)
class OutOfScopeExamples:
    """The NLU's out-of-scope examples and their need vectors (place names blanked)."""

    texts: tuple[str, ...]
    vectors: np.ndarray  # one unit row per text

    def nearest(self, vector: np.ndarray, leave_out: str | None = None) -> tuple[float, str]:
        """(cosine, text) of the example closest to ``vector``; ``leave_out`` skips one example
        (calibrating on the examples themselves)."""
        if not self.texts:
            return -1.0, ""
        similarities = self.vectors @ vector
        if leave_out is not None:
            similarities = np.where(np.asarray(self.texts) == leave_out, -1.0, similarities)
        best = int(np.argmax(similarities))
        return float(similarities[best]), self.texts[best]

    @classmethod
    def load(cls, settings: Settings, searcher: Searcher, texts: list[str] | None = None) -> OutOfScopeExamples:
        """The examples of ``bot/data/nlu.yml`` (or ``texts``). Each embedded text's vector is read from
        the cache when the same model embedded it before; only new texts are embedded (about a second
        per 40), and the cache then keeps exactly the texts of this load."""
        from indexer.dense import EmbeddingCache
        from indexer.model import ModelManifest

        texts = example_texts() if texts is None else texts
        embedded = [searcher.need_text(text, without_places=True) for text in texts]
        path = cache_path(settings)
        cache = EmbeddingCache(path, ModelManifest.read(settings.model_dir).weights_sha256)
        vectors = cache.embed(embedded, lambda batch: np.stack([searcher.encoder.encode(text) for text in batch]))
        if cache.misses:
            log.info("embedded %d out-of-scope examples (kept in %s)", cache.misses, path)
        if cache.misses or len(cache) > len(cache.used):
            try:
                cache.save(only_used=True)
            except OSError as exc:
                log.warning("could not keep the out-of-scope vectors in %s (%s); they are embedded again", path, exc)
        return cls(tuple(texts), vectors.reshape(len(texts), -1) if texts else np.zeros((0, 1), np.float32))


def event_forms(event: LifeEvent) -> tuple[str, str]:
    """How a life event is put in words to compare a message with: what it is, and the question
    a person going through it asks."""
    return f"{event.name}：{event.description}", f"{event.name}要办哪些手续"


def event_contrast(
    searcher: Searcher, examples: OutOfScopeExamples, text: str, event: LifeEvent, leave_out: str | None = None
) -> tuple[float, str]:
    """How much closer ``text`` is to ``event`` (the better of its two :func:`event_forms`) than to the
    nearest out-of-scope example, and that example; ``leave_out`` skips one example (calibrating on
    the examples themselves)."""
    vector = searcher.need_vector(text, without_places=True)
    nearest, example = examples.nearest(vector, leave_out)
    return max(float(searcher.encoder.encode(form) @ vector) for form in event_forms(event)) - nearest, example


def example_texts() -> list[str]:
    """The plain texts of the NLU's out-of-scope examples (entity marks removed)."""
    from bot.tools.check_nlu import load_examples

    return [example.text for example in load_examples() if example.intent == OUT_OF_SCOPE_INTENT]


def overrides_out_of_scope(result: SearchResult, nearest_out_of_scope: float) -> bool:
    """Whether search overrules the NLU's "out of scope" for ``result``'s question (see the module).

    ``nearest_out_of_scope`` is the question's best cosine with the out-of-scope examples.
    """
    if result.no_match or not result.hits or "question_best" not in result.signals:
        return False
    margin = LONG_SCOPE_MARGIN if len(result.query.strip()) >= LONG_MESSAGE_CHARS else SCOPE_MARGIN
    return scope_contrast(result, nearest_out_of_scope) >= margin


def names_a_matter_surely(result: SearchResult, searcher: Searcher) -> bool:
    """Whether the question names search's best matter by at least two words few other matters
    use: a real need, however close it also is to an out-of-scope example ("被狗咬了去哪打狂犬疫苗"
    is close to "猫咪打疫苗去哪家宠物医院"), and whether or not search is sure enough to show that
    matter alone (a long message in Ningbo words often is not). Of the NLU's 565 out-of-scope
    examples, one passes (微信聊天记录怎么恢复, which names 聊天记录 and 微信 of a notarisation
    guide); no negative of the question sets does."""
    if result.no_match or not result.hits:
        return False
    best = result.hits[0]
    return names_it_distinctly(best, searcher.name_words(best.matter_code), searcher.matters_named_with)


def scope_contrast(result: SearchResult, nearest_out_of_scope: float) -> float:
    """How much closer the question is to the catalogue than to the out-of-scope examples."""
    return result.signals.get("question_best", 0.0) - nearest_out_of_scope


class ScopeJudge:
    """What :class:`~bot.actions.talk.ActionOutOfScope` asks: is this refusal wrong? One per process."""

    def __init__(self, settings: Settings, searcher: Searcher) -> None:
        self.settings = settings
        self.searcher = searcher
        self._examples: OutOfScopeExamples | None = None
        self._lock = threading.Lock()

    def examples(self) -> OutOfScopeExamples:
        if self._examples is None:
            with self._lock:
                if self._examples is None:
                    self._examples = OutOfScopeExamples.load(self.settings, self.searcher)
        return self._examples

    def is_the_event(self, text: str, event: LifeEvent) -> bool:
        """Whether ``text``, which names ``event`` by a trigger word ("离婚"), is about going through it
        rather than a remark that uses the word ("那个窗口的人离婚了没"): its closeness to the event
        (the better of its description and of the question "…要办哪些手续") minus its closeness to
        the nearest out-of-scope example reaches :data:`EVENT_MARGIN`."""
        contrast, example = event_contrast(self.searcher, self.examples(), text, event)
        log.info("life event %s: contrast %.3f, nearest out-of-scope example: %s", event.id, contrast, example)
        return contrast >= EVENT_MARGIN

    def nearest_out_of_scope(self, text: str) -> tuple[float, str]:
        return self.examples().nearest(self.searcher.need_vector(text, without_places=True))

    def is_a_need(self, result: SearchResult) -> bool:
        if names_a_matter_surely(result, self.searcher):
            log.info("out_of_scope overruled: the question names %s by its own words", result.hits[0].name)
            return True
        similarity, example = self.nearest_out_of_scope(result.query)
        overruled = overrides_out_of_scope(result, similarity)
        log.info(
            "out_of_scope %s: catalogue %.3f, nearest out-of-scope example %.3f (%s)",
            "overruled" if overruled else "kept",
            result.signals.get("question_best", 0.0),
            similarity,
            example,
        )
        return overruled


_judges: dict[int, ScopeJudge] = {}
_judges_lock = threading.Lock()


def judge_for(settings: Settings, searcher: Searcher) -> ScopeJudge:
    """The process's judge for ``searcher`` (the examples are embedded or read once)."""
    with _judges_lock:
        judge = _judges.get(id(searcher))
        if judge is None or judge.searcher is not searcher:
            judge = _judges[id(searcher)] = ScopeJudge(settings, searcher)
        return judge


def ensure_out_of_scope_vectors(settings: Settings) -> None:
    """The setup step: embed the out-of-scope examples now, so the first refusal does not wait.

    Skipped (without loading the index) when the model, the index, the word tables and the
    examples are those of the last run, as stamped in :func:`inputs_stamp_path`."""
    texts = example_texts()
    wanted = inputs_digest(settings, texts)
    stamp = inputs_stamp_path(settings)
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == wanted and cache_path(settings).exists():
        log.info("out-of-scope examples are up to date (%d)", len(texts))
        return
    examples = OutOfScopeExamples.load(settings, Searcher.load(settings), texts)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(wanted + "\n", encoding="utf-8")
    log.info("out-of-scope examples: %d ready", len(examples.texts))


def inputs_digest(settings: Settings, texts: list[str]) -> str:
    """What the embedded texts are made from: the model, the index, the code and word tables that
    rewrite a question (any of ``indexer/*.py`` and ``knowledge/data/*.tsv``) and the examples.
    Cheap to compute, for the setup step's check; the service checks the embedded texts themselves."""
    from indexer.e5_onnx import MANIFEST_NAME

    sources = sorted(INDEXER_DIR.glob("*.py")) + sorted(WORD_TABLES_DIR.glob("*.tsv"))
    parts = [
        (settings.model_dir / MANIFEST_NAME).read_bytes(),
        (settings.index_dir / "manifest.json").read_bytes(),
        *(path.read_bytes() for path in sources),
        json.dumps(texts, ensure_ascii=False).encode("utf-8"),
    ]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()
