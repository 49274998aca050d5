"""A Rasa featurizer that adds the e5 sentence embedding of each message to DIET's input.

The NLU's own features (jieba words and character n-grams) know only the training sentences; the
multilingual-e5-small model the search already ships (``var/models/multilingual-e5-small``, built by
``daofu model build``) knows Chinese far beyond them. This component runs the same ONNX graph and
tokenizer as the service's ``indexer.encoder.QueryEncoder`` (``query: `` prefix, mean-pooled,
unit length, 384 numbers) and hands the vector to DIET as a dense *sentence* feature of the TEXT
attribute. DIET combines it with the sparse sentence features of the CountVectorsFeaturizers;
the sequence (token) features stay the sparse ones, so entity tagging is unchanged.

Used in ``config.yml``::

    - name: bot.components.e5_featurizer.E5SentenceFeaturizer
      model_dir: var/models/multilingual-e5-small   # relative to Rasa's working directory

The component is not trainable: the model is read at start-up from ``model_dir`` and is not copied
into the Rasa model. Rasa's training cache is keyed on the ONNX graph's hash, so a rebuilt model
re-featurizes the data. Runs inside the Rasa environment (``.venv-rasa``: ``onnxruntime`` and
``tokenizers``) and imports nothing else of the project.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

ONNX_GRAPH = "onnx/query-encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
# written by `daofu model build`; holds the sha256 of the weights and of the ONNX graph
MANIFEST_FILE = "daofu-model.json"
QUERY_PREFIX = "query: "
MAX_TOKENS = 512


class E5ModelMissingError(RasaException):
    """The e5 model folder, its tokenizer or its ONNX graph is not where the config says."""


def resolve_model_dir(model_dir: str) -> Path:
    """``model_dir`` as an absolute path; a relative one is taken from the working directory."""
    path = Path(os.path.expanduser(model_dir))
    return path if path.is_absolute() else Path.cwd() / path


def _missing_files(directory: Path) -> list[Path]:
    return [directory / name for name in (TOKENIZER_FILE, ONNX_GRAPH) if not (directory / name).is_file()]


def _default_threads() -> int:
    raw = os.environ.get("DAOFU_ENCODER_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(2, os.cpu_count() or 1))


class E5Encoder:
    """Tokenizer + ONNX session: texts in, unit-length e5 query vectors out (float32)."""

    def __init__(self, model_dir: Path, threads: int = 0) -> None:
        missing = _missing_files(model_dir)
        if missing:
            raise E5ModelMissingError(
                f"the e5 embedding model is missing at {model_dir} (no {', '.join(p.name for p in missing)}); "
                "run `daofu model build` (the setup does it) or set `model_dir` of "
                "E5SentenceFeaturizer in config.yml"
            )
        import onnxruntime
        from tokenizers import Tokenizer as HfTokenizer

        self.model_dir = model_dir
        self._tokenizer = HfTokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._pad_id = self._tokenizer.token_to_id("<pad>")
        if self._pad_id is None:
            self._pad_id = 1  # XLM-R's padding id
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or _default_threads()
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_dir / ONNX_GRAPH), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """One vector per text (``query: `` prefix), in the order given; batched by length."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([QUERY_PREFIX + text for text in texts])
        # Sorting by length keeps the padding (wasted work) in each batch small.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        vectors: np.ndarray | None = None
        started = time.monotonic()
        batches = (len(order) + batch_size - 1) // batch_size
        log_every = max(1, batches // 10)
        for number, start in enumerate(range(0, len(order), batch_size), start=1):
            chunk = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.full((len(chunk), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                length = len(encodings[i].ids)
                ids[row, :length] = encodings[i].ids
                mask[row, :length] = 1
            (embedded,) = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
            if vectors is None:
                vectors = np.zeros((len(texts), embedded.shape[1]), dtype=np.float32)
            vectors[chunk] = embedded
            if progress and (number % log_every == 0 or number == batches):
                logger.info(
                    "e5 sentence features: %d/%d texts (%.0f s)",
                    min(start + batch_size, len(order)), len(order), time.monotonic() - started,
                )
        assert vectors is not None
        return vectors


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense sentence features for TEXT: the multilingual-e5-small embedding of the message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # the sentence-transformers folder built by `daofu model build`, relative to the
            # working directory (the project root, where Rasa runs)
            "model_dir": "var/models/multilingual-e5-small",
            # texts per ONNX call when featurizing the training data
            "batch_size": 32,
            # ONNX Runtime threads; 0: DAOFU_ENCODER_THREADS, else two (or one on one core)
            "threads": 0,
            # length of the feature vector (the embedding has unit length); a longer one weighs
            # more against the sparse n-gram counts in the classifier that reads both
            "scale": 1.0,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not config.get("model_dir"):
            raise InvalidConfigException("E5SentenceFeaturizer needs `model_dir` (the e5 model folder) in config.yml")
        if int(config.get("batch_size") or 0) < 1:
            raise InvalidConfigException("E5SentenceFeaturizer's `batch_size` must be a positive number")
        if float(config.get("scale") or 0) <= 0:
            raise InvalidConfigException("E5SentenceFeaturizer's `scale` must be a positive number")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The model's identity, so a rebuilt model is not served from Rasa's training cache."""
        directory = resolve_model_dir(str(config.get("model_dir") or ""))
        manifest = directory / MANIFEST_FILE
        graph = directory / ONNX_GRAPH
        if manifest.is_file():
            return hashlib.sha256(manifest.read_bytes()).hexdigest()
        if graph.is_file():
            stat = graph.stat()
            return f"{stat.st_size}:{stat.st_mtime_ns}"
        return None

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self.model_dir = resolve_model_dir(str(config["model_dir"]))
        self.batch_size = int(config["batch_size"])
        self.scale = float(config["scale"])
        self.encoder = E5Encoder(self.model_dir, int(config.get("threads") or 0))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5SentenceFeaturizer:
        return cls(config, execution_context)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the sentence embedding to every training example that has a text."""
        messages = [m for m in training_data.training_examples if m.get(TEXT)]
        if messages:
            logger.info("e5 sentence features for %d training texts from %s", len(messages), self.model_dir)
            self._featurize(messages, progress=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the sentence embedding to each message that has a text (at run time, one by one)."""
        self._featurize([m for m in messages if m.get(TEXT)], progress=False)
        return messages

    def _featurize(self, messages: list[Message], progress: bool) -> None:
        vectors = self.encoder.encode([m.get(TEXT) for m in messages], self.batch_size, progress)
        if self.scale != 1.0:
            vectors = vectors * np.float32(self.scale)
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message
            )
