"""The e5 question encoder on ONNX Runtime, shared by the search service and the Rasa pipeline.

Two processes embed text with the ONNX export of multilingual-e5-small (built by ``daofu model
build``, see :func:`indexer.model.export_query_encoder`): the service embeds every question it
searches for (:class:`indexer.encoder.QueryEncoder`), and Rasa gives the embedding of every
message to its intent classifier (``bot.components.e5_featurizer``). The classifier is trained on
these vectors, so both sides must compute exactly the same ones: same file names, same
``query: `` prefix, same truncation, same padding. They therefore share this one implementation
instead of keeping two copies that could drift apart unnoticed.

Why it must stay dependency-free: Rasa runs in its own environment (``.venv-rasa``: Python 3.10,
numpy 1.23, Rasa 3.6's pins), which has none of the service's packages and does not have the
project installed; it imports this module from the repository root, its working directory. So
this module imports only the standard library, numpy, onnxruntime and tokenizers — the four things
both environments have — and nothing of the project, and must keep running on Python 3.10 with
numpy 1.23 (``tests/indexer/test_e5_onnx.py`` imports and runs it in ``.venv-rasa``). For the
same reason it reads no settings: callers pass the number of threads (``daofu.config``'s
``encoder_threads``), and each turns missing files into its own error message.

Example::

    encoder = E5OnnxEncoder(Path("var/models/multilingual-e5-small"), threads=2)
    encoder.encode_one("社保卡丢了咋补办")             # (384,) float32, unit length
    encoder.encode(["你好", "身份证到期了怎么换"])      # (2, 384), batched by length
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

# The files of the model folder that ``daofu model build`` writes and both sides read.
QUERY_ENCODER_ONNX = "onnx/query-encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_NAME = "daofu-model.json"  # the build's manifest: sha256 of the weights and the ONNX graph

# e5 was trained with these prefixes; a text embedded without its prefix lands elsewhere.
QUERY_PROMPT = "query: "
DOCUMENT_PROMPT = "passage: "

# The ONNX graph's output: encoder + mean pooling over the attention mask + L2 normalisation.
EMBEDDING_OUTPUT = "embedding"
MAX_TOKENS = 512  # XLM-R's position limit; longer texts are truncated
XLMR_PAD_ID = 1  # used when the tokenizer does not name its <pad> token


# The service embeds each typed message once and hands the vector to Rasa in the message's
# metadata under this key, so the featurizer does not embed the same text again; base64 of the
# little-endian float32 numbers (2 KB for 384), exact, and small next to the tracker.
VECTOR_METADATA_KEY = "e5_query_vector"


def vector_to_text(vector: np.ndarray) -> str:
    """``vector`` as metadata text (see :data:`VECTOR_METADATA_KEY`)."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def vector_from_text(text: object, dimension: int) -> np.ndarray | None:
    """The vector ``text`` carries, or None when it is not ``dimension`` finite numbers of unit length."""
    if not isinstance(text, str) or len(text) > 8 * dimension:
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeError):
        return None
    if len(raw) != 4 * dimension:
        return None
    vector = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if not np.all(np.isfinite(vector)) or abs(float(np.dot(vector, vector)) - 1.0) > 1e-3:
        return None
    return vector


def missing_files(model_dir: Path) -> list[Path]:
    """The files the encoder needs that are not in ``model_dir`` (empty when it can load)."""
    return [model_dir / name for name in (TOKENIZER_FILE, QUERY_ENCODER_ONNX) if not (model_dir / name).is_file()]


class E5OnnxEncoder:
    """Tokenizer + ONNX session: texts in, unit-length e5 vectors out (float32).

    ``threads`` is ONNX Runtime's intra-op thread count. ``quick_start`` skips graph optimisation:
    it halves the time to load and doubles the time per text, which pays when only a handful of
    texts are embedded once (an index update). Safe to call from several threads.
    """

    def __init__(self, model_dir: Path, threads: int, quick_start: bool = False) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        if threads < 1:
            raise ValueError(f"threads must be a positive number, got {threads}")
        self.model_dir = model_dir
        self._tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # batches are padded here, to the longest text of each batch
        pad_id = self._tokenizer.token_to_id("<pad>")
        self._pad_id = XLMR_PAD_ID if pad_id is None else pad_id
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if quick_start:
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(model_dir / QUERY_ENCODER_ONNX), options, providers=["CPUExecutionProvider"]
        )
        width = self._session.get_outputs()[0].shape[-1]
        self._dimension = width if isinstance(width, int) else 0

    @property
    def dimension(self) -> int:
        """Length of the vectors (384); older ONNX Runtimes (Rasa's) leave it symbolic in the graph."""
        if not self._dimension:
            self._dimension = int(self.encode_one("").shape[0])
        return self._dimension

    def encode_one(self, text: str, prompt: str = QUERY_PROMPT) -> np.ndarray:
        """The vector of one text with ``prompt`` in front: one ONNX call, no padding."""
        ids = np.asarray([self._tokenizer.encode(prompt + text).ids], dtype=np.int64)
        (vectors,) = self._session.run([EMBEDDING_OUTPUT], {"input_ids": ids, "attention_mask": np.ones_like(ids)})
        return vectors[0].astype(np.float32, copy=False)

    def encode(
        self,
        texts: Sequence[str],
        prompt: str = QUERY_PROMPT,
        batch_size: int = 32,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """One vector per text (``prompt`` in front), in the order given, shape ``(len(texts), dim)``.

        Texts are sorted by length into batches, so the padding (wasted work) of each batch stays
        small; the attention mask keeps padding out of the mean, so a text's vector does not
        depend on its batch. ``on_batch(done, total)`` is called after each batch (progress).
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive number, got {batch_size}")
        if len(texts) == 1:
            vectors = self.encode_one(texts[0], prompt).reshape(1, -1)
            if on_batch is not None:
                on_batch(1, 1)
            return vectors
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = [e.ids for e in self._tokenizer.encode_batch([prompt + text for text in texts])]
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i]))
        vectors: np.ndarray | None = None
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encodings[i]) for i in chunk)
            ids = np.full((len(chunk), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(encodings[i])] = encodings[i]
                mask[row, : len(encodings[i])] = 1
            (embedded,) = self._session.run([EMBEDDING_OUTPUT], {"input_ids": ids, "attention_mask": mask})
            if vectors is None:
                vectors = np.zeros((len(texts), embedded.shape[1]), dtype=np.float32)
            vectors[chunk] = embedded
            if on_batch is not None:
                on_batch(min(start + batch_size, len(order)), len(order))
        assert vectors is not None
        return vectors
