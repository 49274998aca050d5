"""Turning text into e5 vectors: documents in batches at build time, questions one by one.

Both paths give the same vectors for the same text (cosine > 0.99999, tested): documents go
through sentence-transformers' ``encode_document`` (the ``passage: `` prompt), questions through
the ONNX export of the same network with the ``query: `` prefix (see
:func:`indexer.model.export_query_encoder` for why).

Example::

    encoder = QueryEncoder(settings.model_dir)
    vector = encoder.encode("社保卡丢了咋补办")          # (384,) float32, unit length
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.model import (
    DOCUMENT_PROMPT,
    QUERY_ENCODER_ONNX,
    QUERY_PROMPT,
    ModelManifest,
    ModelSetupError,
    load_model,
)

PROMPTS = {"query": QUERY_PROMPT, "passage": DOCUMENT_PROMPT}

MAX_TOKENS = 512


def default_threads() -> int:
    """ONNX Runtime threads for one question: two is the sweet spot on small machines."""
    raw = os.environ.get("DAOFU_ENCODER_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


class QueryEncoder:
    """Embed questions with ONNX Runtime; a small LRU cache absorbs repeated questions.

    ``quick_start`` trades speed per text for load time (see :meth:`__init__`)."""

    def __init__(
        self, model_dir: Path, threads: int | None = None, cache_size: int = 2048, quick_start: bool = False
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.manifest = ModelManifest.read(model_dir)
        graph = model_dir / QUERY_ENCODER_ONNX
        if not graph.exists():
            raise ModelSetupError(f"{graph} is missing; rebuild the model with `daofu model build --force`")
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if quick_start:
            # Graph optimisation halves the time per question but doubles the time to load; for
            # embedding a handful of texts once (an index rebuild), loading fast wins.
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
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
        encoding = self._tokenizer.encode(prompt + text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.ones_like(ids)
        (vector,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return vector.astype(np.float32)


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
