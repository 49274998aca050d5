"""A Rasa featurizer that adds the e5 sentence embedding of each message to the classifier's input.

The NLU's own features (jieba words and character n-grams) know only the training sentences; the
multilingual-e5-small model the search already ships (``var/models/multilingual-e5-small``, built by
``daofu model build``) knows Chinese far beyond them. This component embeds each message with
:class:`indexer.e5_onnx.E5OnnxEncoder` — the very encoder behind the service's
``indexer.encoder.QueryEncoder`` (``query: `` prefix, mean-pooled, unit length, 384 numbers) — and
hands the vector on as a dense *sentence* feature of the TEXT attribute. The intent classifier
reads it beside the sparse sentence features of the CountVectorsFeaturizer; the sequence (token)
features stay the sparse ones, so entity tagging is unchanged.

Used in ``config.yml``::

    - name: bot.components.e5_featurizer.E5SentenceFeaturizer
      model_dir: var/models/multilingual-e5-small   # relative to Rasa's working directory

At run time the service has usually embedded the message already (its search needs the same
vector): it sends the vector in the message's metadata (``indexer.e5_onnx.VECTOR_METADATA_KEY``),
and this component takes it from there and removes it, so it is not stored in the tracker. Only a
message without one (training, ``rasa test``, a message sent straight to Rasa) is embedded here,
and the encoder is loaded on that first need: a Rasa serving the service never loads the model.

The component is not trainable: the model is read at start-up from ``model_dir`` and is not copied
into the Rasa model. Rasa's training cache is keyed on the model's manifest, so a rebuilt model
re-featurizes the data. Runs inside the Rasa environment (``.venv-rasa``), which has none of the
service's packages: of the project it imports only ``indexer.e5_onnx`` and ``daofu.config``, both
written to import there (Rasa's working directory, the repository root, is on its path).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
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
from rasa.shared.nlu.constants import METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from daofu.config import load_settings
from indexer.e5_onnx import (
    MANIFEST_NAME,
    QUERY_ENCODER_ONNX,
    VECTOR_METADATA_KEY,
    E5OnnxEncoder,
    missing_files,
    vector_from_text,
)

logger = logging.getLogger(__name__)

E5_DIMENSION = 384  # multilingual-e5-small; a vector of another length is ignored and the text embedded


class E5ModelMissingError(RasaException):
    """The e5 model folder, its tokenizer or its ONNX graph is not where the config says."""


def resolve_model_dir(model_dir: str) -> Path:
    """``model_dir`` as an absolute path; a relative one is taken from the working directory."""
    path = Path(os.path.expanduser(model_dir))
    return path if path.is_absolute() else Path.cwd() / path


def load_encoder(model_dir: Path, threads: int) -> E5OnnxEncoder:
    """The shared e5 encoder; a missing model names the folder and the fix, as Rasa shows it."""
    missing = missing_files(model_dir)
    if missing:
        raise E5ModelMissingError(
            f"the e5 embedding model is missing at {model_dir} (no {', '.join(p.name for p in missing)}); "
            "run `daofu model build` (the setup does it) or set `model_dir` of "
            "E5SentenceFeaturizer in config.yml"
        )
    return E5OnnxEncoder(model_dir, threads or load_settings().encoder_threads)


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
            # ONNX Runtime threads; 0: DAOFU_ENCODER_THREADS (daofu.config, default two)
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
        manifest = directory / MANIFEST_NAME
        graph = directory / QUERY_ENCODER_ONNX
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
        self.threads = int(config.get("threads") or 0)
        self._encoder: E5OnnxEncoder | None = None
        self._lock = threading.Lock()
        if missing_files(self.model_dir):
            load_encoder(self.model_dir, self.threads)  # fails now, naming the folder and the fix

    @property
    def encoder(self) -> E5OnnxEncoder:
        """The e5 encoder, loaded on first use (see the module docstring)."""
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    self._encoder = load_encoder(self.model_dir, self.threads)
        return self._encoder

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
        given = [_given_vector(m) for m in messages]
        missing = [m for m, vector in zip(messages, given, strict=True) if vector is None]
        computed: list[np.ndarray] = []
        if missing:
            texts = [m.get(TEXT) for m in missing]
            report = _progress_logger(len(texts), self.batch_size) if progress else None
            computed = list(self.encoder.encode(texts, batch_size=self.batch_size, on_batch=report))
        fresh = iter(computed)
        for message, vector in zip(messages, given, strict=True):
            vector = next(fresh) if vector is None else vector
            if self.scale != 1.0:
                vector = vector * np.float32(self.scale)
            self.add_features_to_message(sequence=None, sentence=vector.reshape(1, -1), attribute=TEXT, message=message)


def _given_vector(message: Message) -> np.ndarray | None:
    """The vector the service sent with ``message`` (removed from its metadata), or None."""
    metadata = message.get(METADATA)
    if not isinstance(metadata, dict) or VECTOR_METADATA_KEY not in metadata:
        return None
    # Rasa stores this very dict with the user event: without the vector, the tracker stays small.
    return vector_from_text(metadata.pop(VECTOR_METADATA_KEY), E5_DIMENSION)


def _progress_logger(texts: int, batch_size: int) -> Callable[[int, int], None]:
    """Logs about ten progress lines while the training data is embedded (a minute or more)."""
    started = time.monotonic()
    batches = (texts + batch_size - 1) // batch_size
    every = max(1, batches // 10)
    seen = 0

    def report(done: int, total: int) -> None:
        nonlocal seen
        seen += 1
        if seen % every == 0 or done == total:
            logger.info("e5 sentence features: %d/%d texts (%.0f s)", done, total, time.monotonic() - started)

    return report
