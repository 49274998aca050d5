"""Dense retrieval: e5 vectors in FAISS, several vectors per matter, and an embedding cache.

A matter is represented by a few texts (its description, and each FAQ question), each embedded
once; a question's score for a matter is the best cosine over that matter's vectors. Regional
guides share their matter's vectors, so 31,224 guides cost ~2,700 matters' worth of embedding.

The cache maps sha256(text) to its vector for one model (its weights' sha256), so rebuilding the
index after a catalogue change embeds only the texts that changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors keyed by text hash, valid for one model; stored as one ``.npz`` file."""

    def __init__(self, path: Path, model_sha256: str) -> None:
        self.path = path
        self.model_sha256 = model_sha256
        self._vectors: dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0
        self.used: set[str] = set()
        if path.exists():
            self._load()

    def _load(self) -> None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if str(data["model"]) != self.model_sha256:
                    log.info("embedding cache was made with another model; starting afresh")
                    return
                keys = data["keys"]
                vectors = data["vectors"]
        except (OSError, KeyError, ValueError) as exc:
            log.warning("embedding cache %s is unreadable (%s); starting afresh", self.path, exc)
            return
        self._vectors = {str(key): vectors[i] for i, key in enumerate(keys)}

    def __len__(self) -> int:
        """How many vectors the cache holds."""
        return len(self._vectors)

    def embed(self, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], namespace: str = "") -> np.ndarray:
        """Vectors for ``texts``, calling ``encode`` only for texts not seen before.

        ``namespace`` separates vectors of the same text made differently (e5's query and passage
        prompts give different vectors for one text).
        """
        keys = [text_key(namespace + t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self._vectors))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        self.used.update(keys)
        if missing:
            fresh = encode(missing)
            for text, vector in zip(missing, fresh, strict=True):
                self._vectors[text_key(namespace + text)] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self, only_used: bool = False) -> None:
        """Write the cache; with ``only_used``, only the vectors asked for since it was opened."""
        keys = sorted(k for k in self._vectors if not only_used or k in self.used)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        vectors = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, model=np.asarray(self.model_sha256), keys=np.asarray(keys), vectors=vectors)
        tmp.replace(self.path)


class DenseIndex:
    """Exact inner-product search (FAISS ``IndexFlatIP``) with entries grouped by matter."""

    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_matters: int) -> None:
        import faiss

        if vectors.ndim != 2 or len(vectors) != len(owners):
            raise ValueError(f"need one owner per vector, got {vectors.shape} vectors and {len(owners)} owners")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.owners = np.asarray(owners, dtype=np.int64)
        self.n_matters = n_matters
        self._index = faiss.IndexFlatIP(self.vectors.shape[1])
        if len(self.vectors):
            self._index.add(self.vectors)

    def matter_scores(self, query: np.ndarray, depth: int = 256) -> np.ndarray:
        """Best cosine per matter among the ``depth`` nearest entries; -1 for matters not reached."""
        scores = np.full(self.n_matters, -1.0, dtype=np.float64)
        if not len(self.vectors):
            return scores
        depth = min(depth, len(self.vectors))
        similarities, entries = self._index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), depth)
        for similarity, entry in zip(similarities[0], entries[0], strict=True):
            if entry < 0:
                continue
            owner = self.owners[entry]
            if similarity > scores[owner]:
                scores[owner] = similarity
        return scores
