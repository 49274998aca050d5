"""Turning text into e5 vectors: documents in batches at build time, questions one by one.

Both paths give the same vectors for the same text (cosine > 0.99999, tested): documents go
through sentence-transformers' ``encode_document`` (the ``passage: `` prompt), questions through
the ONNX export of the same network with the ``query: `` prefix (see
:func:`indexer.model.export_query_encoder` for why). The ONNX side is
:class:`indexer.e5_onnx.E5OnnxEncoder`, the one the Rasa pipeline uses too, so the intent
classifier sees exactly the vectors the search computes.

Example::

    encoder = QueryEncoder(settings.model_dir)
    vector = encoder.encode("社保卡丢了咋补办")          # (384,) float32, unit length
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from daofu.config import load_settings
from indexer.e5_onnx import DOCUMENT_PROMPT, QUERY_PROMPT, E5OnnxEncoder, missing_files
from indexer.model import ModelManifest, ModelSetupError, load_model

PROMPTS = {"query": QUERY_PROMPT, "passage": DOCUMENT_PROMPT}


class QueryEncoder:
    """Embed questions with ONNX Runtime; a small LRU cache absorbs repeated questions.

    ``threads`` defaults to ``DAOFU_ENCODER_THREADS``; ``quick_start`` trades speed per text for
    load time (see :class:`indexer.e5_onnx.E5OnnxEncoder`)."""

    def __init__(
        self, model_dir: Path, threads: int | None = None, cache_size: int = 2048, quick_start: bool = False
    ) -> None:
        self.manifest = ModelManifest.read(model_dir)
        missing = missing_files(model_dir)
        if missing:
            names = ", ".join(str(path.relative_to(model_dir)) for path in missing)
            raise ModelSetupError(
                f"the embedding model at {model_dir} has no {names}; rebuild it with `daofu model build --force`"
            )
        self._onnx = E5OnnxEncoder(model_dir, threads or load_settings().encoder_threads, quick_start=quick_start)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.manifest.dimension

    def encode(self, text: str) -> np.ndarray:
        """The question's vector (``query: `` prompt)."""
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        vector = self.encode_with_prompt(text, QUERY_PROMPT)
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def encode_with_prompt(self, text: str, prompt: str) -> np.ndarray:
        """The vector of ``prompt + text``, uncached (the index build embeds a few passages so)."""
        return self._onnx.encode_one(text, prompt)


class DocumentEncoder:
    """Embed catalogue texts in batches with sentence-transformers (``passage: `` prompt)."""

    def __init__(self, model_dir: Path) -> None:
        self._model = load_model(model_dir)

    def encode(
        self, texts: Sequence[str], kind: str = "passage", batch_size: int = 32, progress: bool = True
    ) -> np.ndarray:
        """Vectors for ``texts`` with the ``passage: `` or ``query: `` prompt (``kind``)."""
        if kind not in PROMPTS:
            raise ValueError(f"kind must be one of {sorted(PROMPTS)}, got {kind!r}")
        if not texts:
            return np.zeros((0, self._model.get_sentence_embedding_dimension() or 384), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) per batch small; order is restored after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        encode = self._model.encode_document if kind == "passage" else self._model.encode_query
        vectors = encode(
            [texts[i] for i in order],
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        result = np.empty_like(vectors)
        result[order] = vectors
        return result.astype(np.float32)
