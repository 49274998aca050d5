"""Build the search index from the catalogue (``daofu index build``).

Embedding is the only slow step, so it is incremental: every text's vector is cached by the
hash of the text (and the model), and a rebuild after a catalogue import embeds only the texts
that are new. Everything else — the dictionary, BM25, the guide table — is recomputed from the
catalogue each time, which takes a few seconds and can never go stale.

Example::

    report = build_index(load_settings())
    print(report.summary())
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from daofu.config import Settings
from indexer.dense import DenseIndex, EmbeddingCache
from indexer.documents import MatterDocument, read_catalog
from indexer.e5_onnx import DOCUMENT_PROMPT, QUERY_PROMPT
from indexer.lexical import BM25Index
from indexer.model import ModelManifest
from indexer.regions import load_place_aliases, short_form
from indexer.store import FORMAT_VERSION, IndexData, IndexManifest, MatterInfo, dictionary_path, save_index
from indexer.text import TextAnalyzer, load_synonyms, name_parts, write_dictionary
from knowledge.db import create_engine_for
from knowledge.repository import Catalog

log = logging.getLogger(__name__)

CACHE_FILE = Path("cache") / "embeddings.npz"
TOKENS_CACHE = Path("cache") / "tokens.json"
# Below this many new texts the ONNX encoder (no start-up cost) embeds them one by one; above it,
# sentence-transformers' batched encoding is faster despite loading torch.
BATCH_THRESHOLD = 64


@dataclass
class BuildReport:
    matters: int
    guides: int
    passages: int
    questions: int
    embedded: int
    reused: int
    dictionary_words: int
    seconds: float

    def summary(self) -> str:
        return (
            f"index built in {self.seconds:.1f} s: {self.matters} matters, {self.guides} guides, "
            f"{self.passages + self.questions} vectors ({self.embedded} embedded now, {self.reused} from cache), "
            f"{self.dictionary_words} dictionary words"
        )


def dictionary_words(
    documents: list[MatterDocument], places: list, departments: set[str]
) -> list[tuple[str, int, str]]:
    """Words jieba must keep whole: matter names and their parts, aliases, departments, places."""
    words: list[tuple[str, int, str]] = []
    for doc in documents:
        words += [(part, 3000, "nz") for part in name_parts(doc.name)]
        words += [(alias, 3000, "nz") for alias in doc.aliases]
    words += [(name, 2000, "nt") for name in departments]
    for place in places:
        words.append((place.name, 5000, "ns"))
        short = short_form(place.name)
        if short:
            words.append((short, 3000, "ns"))
    for aliases in load_place_aliases().values():
        words += [(alias, 3000, "ns") for alias in aliases]
    for synonym in load_synonyms():
        words += [(synonym.colloquial, 2000, "n")] + [(word, 2000, "n") for word in synonym.official]
    return words


def lexical_tokens(analyzer: TextAnalyzer, document: MatterDocument) -> list[str]:
    return [token for text, repeat in document.lexical_fields() for token in analyzer.tokens(text) * repeat]


def cached_lexical_tokens(
    analyzer: TextAnalyzer, documents: list[MatterDocument], dictionary: Path, cache_path: Path
) -> list[list[str]]:
    """BM25 tokens per matter, reusing those of unchanged matters.

    Tokens depend on the matter's text (its checksum) and on the dictionary (its hash), so the
    cache is keyed by both; a changed dictionary re-tokenises everything.
    """
    import hashlib
    import json

    dictionary_hash = hashlib.sha256(dictionary.read_bytes()).hexdigest()
    cached: dict[str, list[str]] = {}
    try:
        stored = json.loads(cache_path.read_text(encoding="utf-8"))
        if stored.get("dictionary") == dictionary_hash:
            cached = stored["tokens"]
    except (OSError, ValueError, KeyError, AttributeError):
        cached = {}
    tokens = [cached.get(doc.checksum) or lexical_tokens(analyzer, doc) for doc in documents]
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    fresh = {doc.checksum: toks for doc, toks in zip(documents, tokens, strict=True)}
    cache_path.write_text(
        json.dumps({"dictionary": dictionary_hash, "tokens": fresh}, ensure_ascii=False), encoding="utf-8"
    )
    return tokens


class _Embedder:
    """Chooses the batched or the one-by-one encoder depending on how much there is to embed."""

    def __init__(self, model_dir: Path, progress: bool) -> None:
        self.model_dir = model_dir
        self.progress = progress
        self._documents = None
        self._queries = None
        self._loader: threading.Thread | None = None

    def preload_small_encoder(self) -> None:
        """Load the one-by-one encoder in the background while the catalogue is read.

        A rebuild of an existing index usually embeds a handful of texts; loading the encoder
        (tokenizer and ONNX session, about 1.5 s) then costs more than the embedding. Both loads
        run in native code, so they overlap with reading the catalogue.
        """
        if self._loader is None and self._queries is None:
            self._loader = threading.Thread(target=self._preload, name="encoder-preload", daemon=True)
            self._loader.start()

    def _preload(self) -> None:
        try:
            self._load_small_encoder()
        except Exception as exc:  # the build loads again when it needs the encoder and reports it there
            log.debug("preloading the question encoder failed: %s", exc)

    def _load_small_encoder(self) -> None:
        from indexer.encoder import PROMPTS, QueryEncoder

        self._queries = (QueryEncoder(self.model_dir, cache_size=0, quick_start=True), PROMPTS)

    def __call__(self, kind: str):
        def encode(texts: list[str]) -> np.ndarray:
            if len(texts) > BATCH_THRESHOLD:
                if self._documents is None:
                    from indexer.encoder import DocumentEncoder

                    self._documents = DocumentEncoder(self.model_dir)
                log.info("embedding %d %s texts", len(texts), kind)
                return self._documents.encode(texts, kind=kind, progress=self.progress)
            if self._loader is not None:
                self._loader.join()
            if self._queries is None:
                self._load_small_encoder()
            encoder, prompts = self._queries
            return np.stack([encoder.encode_with_prompt(t, prompts[kind]) for t in texts])

        return encode


def build_index(settings: Settings, full: bool = False, progress: bool = True) -> BuildReport:
    started = time.monotonic()
    model = ModelManifest.read(settings.model_dir)
    embed = _Embedder(settings.model_dir, progress)
    if not full and (settings.index_dir / CACHE_FILE).exists():
        embed.preload_small_encoder()  # an update of an existing index: few texts to embed
    engine = create_engine_for(settings.database_url)
    try:
        catalog = Catalog(engine, settings)
        documents, guides, places = read_catalog(catalog)
        checksum = catalog.catalog_checksum() or ""
    finally:
        engine.dispose()
    log.info("read %d matters and %d guides from the catalogue", len(documents), len(guides))

    index_dir = settings.index_dir
    dictionary = dictionary_path(index_dir)
    departments = {g.department for g in guides}
    word_count = write_dictionary(dictionary_words(documents, places, departments), dictionary)
    analyzer = TextAnalyzer(dictionary=dictionary)

    lexical = BM25Index.build(cached_lexical_tokens(analyzer, documents, dictionary, index_dir / TOKENS_CACHE))

    cache_path = index_dir / CACHE_FILE
    if full and cache_path.exists():
        cache_path.unlink()
    cache = EmbeddingCache(cache_path, model.weights_sha256)
    passage_vectors = cache.embed([d.passage for d in documents], embed("passage"), namespace=DOCUMENT_PROMPT)
    question_texts: list[str] = []
    question_owners: list[int] = []
    for position, doc in enumerate(documents):
        for question in doc.questions:
            question_texts.append(question)
            question_owners.append(position)
    question_vectors = cache.embed(question_texts, embed("query"), namespace=QUERY_PROMPT)
    cache.save(only_used=True)

    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        catalog_checksum=checksum,
        model_weights_sha256=model.weights_sha256,
        matters=len(documents),
        guides=len(guides),
        passages=len(passage_vectors),
        questions=len(question_vectors),
        dictionary_words=word_count,
        resources_sha256=resources_digest(),
        versions=_versions(),
    )
    data = IndexData(
        manifest=manifest,
        matters=[
            MatterInfo(d.code, d.name, list(d.aliases), d.department, d.high_frequency, d.checksum) for d in documents
        ],
        guides=guides,
        places=places,
        lexical=lexical,
        passages=DenseIndex(passage_vectors, np.arange(len(documents)), len(documents)),
        questions=DenseIndex(question_vectors, np.asarray(question_owners), len(documents)),
    )
    save_index(index_dir, data)
    report = BuildReport(
        matters=len(documents),
        guides=len(guides),
        passages=len(passage_vectors),
        questions=len(question_vectors),
        embedded=cache.misses,
        reused=cache.hits,
        dictionary_words=word_count,
        seconds=time.monotonic() - started,
    )
    log.info(report.summary())
    return report


def resources_digest() -> str:
    """Hash of what the index is built with besides the catalogue: curated tables and format."""
    import hashlib

    from indexer.families import VARIANT_WORDS_FILE
    from indexer.regions import ALIASES_FILE
    from indexer.text import SYNONYMS_FILE

    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for path in (SYNONYMS_FILE, ALIASES_FILE, VARIANT_WORDS_FILE):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_index(settings: Settings) -> BuildReport | None:
    """The setup step: rebuild when the catalogue, the model or the curated tables changed."""
    from indexer.errors import SearchIndexError
    from indexer.store import IndexManifest

    try:
        manifest = IndexManifest.read(settings.index_dir)
    except SearchIndexError:
        return build_index(settings)
    model = ModelManifest.read(settings.model_dir)
    engine = create_engine_for(settings.database_url)
    try:
        checksum = Catalog(engine, settings).catalog_checksum() or ""
    finally:
        engine.dispose()
    if (
        manifest.format_version == FORMAT_VERSION
        and manifest.catalog_checksum == checksum
        and manifest.model_weights_sha256 == model.weights_sha256
        and manifest.resources_sha256 == resources_digest()
    ):
        log.info("search index is up to date (%s)", settings.index_dir)
        return None
    return build_index(settings)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("daofu", "jieba", "faiss-cpu", "numpy", "sentence-transformers", "onnxruntime"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "?"
    return found
