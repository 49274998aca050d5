"""The e5 featurizer of the Rasa pipeline embeds exactly like the service's question encoder.

``bot.components.e5_featurizer`` runs inside Rasa (Python 3.10, ``.venv-rasa``), so the component
is driven there in one subprocess: created the way Rasa creates it, then fed messages one by one
(``process``, as at run time) and as training data (``process_training_data``, batched). Its
vectors are compared with :class:`indexer.encoder.QueryEncoder` of the service on the same texts:
both run :class:`indexer.e5_onnx.E5OnnxEncoder`, so they must agree to float rounding, across the
two environments' ONNX Runtime and numpy versions and with or without padding in a batch.
"""

from __future__ import annotations

import ast
import json
import subprocess

import numpy as np
import pytest

from bot.training import training_inputs
from daofu.config import PROJECT_ROOT, load_settings
from daofu.processes import quiet_rasa_environment
from indexer.e5_onnx import QUERY_ENCODER_ONNX, VECTOR_METADATA_KEY, vector_from_text, vector_to_text

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
COMPONENT = "bot.components.e5_featurizer.E5SentenceFeaturizer"
TEXTS = [
    "你好",
    "社保卡丢了咋补办",
    "我在[鄞州]想开一家饭店，需要办理哪些手续？",
    "周末开不开",
    "糖醋排骨怎么做",
    "ID card renew 身份证",
]

# Runs in the Rasa environment with the project root as working directory, as `rasa train` does.
DRIVER = r"""
import json, sys
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.common import class_from_module_path
from indexer.e5_onnx import VECTOR_METADATA_KEY

request = json.load(sys.stdin)
cls = class_from_module_path(request["component"])
context = ExecutionContext(GraphSchema({}), node_name="e5_featurizer")


def create(model_dir):
    config = {**cls.get_default_config(), "model_dir": model_dir}
    return cls.create(config, None, None, context)


def features(message):
    dense = [f for f in message.features if f.attribute == TEXT and not f.is_sparse()]
    return {
        "types": sorted(f.type for f in dense),
        "vectors": [f.features.reshape(-1).tolist() for f in dense],
        "shapes": [list(f.features.shape) for f in dense],
    }


component = create(request["model_dir"])
# The service's vectors in the metadata (here: each text given the vector of the next one, to see
# which is used), one malformed; the encoder must not even be loaded for the good ones.
given_messages = [
    Message(data={TEXT: text, "metadata": {"channel": "api", VECTOR_METADATA_KEY: vector}})
    for text, vector in zip(request["texts"], request["given"])
]
given = [component.process([m])[0] for m in given_messages]
encoder_loaded_for_given = component._encoder is not None
malformed = {VECTOR_METADATA_KEY: "not base64!"}
bad = component.process([Message(data={TEXT: request["texts"][0], "metadata": malformed})])[0]
single = [component.process([Message(data={TEXT: text})])[0] for text in request["texts"]]
training = TrainingData([Message(data={TEXT: text, "intent": "x"}) for text in request["texts"]])
component.process_training_data(training)
empty = component.process([Message(data={TEXT: ""})])[0]
try:
    create(request["missing_dir"])
    missing = None
except Exception as exc:
    missing = {"type": type(exc).__name__, "message": str(exc)}
json.dump({
    "single": [features(m) for m in single],
    "batched": [features(m) for m in training.training_examples],
    "empty": features(empty),
    "missing": missing,
    "given": [features(m) for m in given],
    "given_metadata": [m.get("metadata") for m in given_messages],
    "encoder_loaded_for_given": encoder_loaded_for_given,
    "bad": features(bad),
}, sys.stdout)
"""


@pytest.fixture(scope="module")
def rasa_side(tmp_path_factory: pytest.TempPathFactory, service_vectors: np.ndarray) -> dict:
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing; run the setup (scripts/run.sh) to create the Rasa environment")
    model_dir = load_settings().model_dir
    if not (model_dir / QUERY_ENCODER_ONNX).exists():
        pytest.fail(f"no e5 model at {model_dir}; run `daofu model build` (the setup does it)")
    missing_dir = tmp_path_factory.mktemp("no-model") / "multilingual-e5-small"
    shifted = service_vectors[1:].tolist() + service_vectors[:1].tolist()
    given = [vector_to_text(np.asarray(vector, dtype=np.float32)) for vector in shifted]
    request = {
        "component": COMPONENT, "model_dir": str(model_dir), "missing_dir": str(missing_dir), "texts": TEXTS,
        "given": given,
    }  # fmt: skip
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", DRIVER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=quiet_rasa_environment(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    answer["missing_dir"] = missing_dir
    return answer


@pytest.fixture(scope="module")
def service_vectors() -> np.ndarray:
    from indexer.encoder import QueryEncoder

    encoder = QueryEncoder(load_settings().model_dir, cache_size=0)
    return np.stack([encoder.encode(text) for text in TEXTS])


@pytest.mark.parametrize("mode", ["single", "batched"])
def test_embeddings_equal_the_service_encoder(rasa_side: dict, service_vectors: np.ndarray, mode: str) -> None:
    for text, message, reference in zip(TEXTS, rasa_side[mode], service_vectors, strict=True):
        assert message["types"] == ["sentence"], f"{text}: {message['types']}"
        assert message["shapes"] == [[1, reference.shape[0]]]
        vector = np.asarray(message["vectors"][0], dtype=np.float32)
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
        difference = float(np.abs(vector - reference).max())
        assert difference < 1e-5, f"{text}: the vectors differ by up to {difference:.2e}"


def test_a_message_without_text_gets_no_features(rasa_side: dict) -> None:
    assert rasa_side["empty"]["types"] == []


def test_a_missing_model_names_the_path_and_the_fix(rasa_side: dict) -> None:
    missing = rasa_side["missing"]
    assert missing is not None, "creating the component without a model did not fail"
    assert missing["type"] == "E5ModelMissingError"
    assert str(rasa_side["missing_dir"]) in missing["message"]
    assert "daofu model build" in missing["message"]


def test_the_component_and_its_encoder_are_in_the_pipeline_and_training_inputs() -> None:
    config = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    assert f"name: {COMPONENT}" in config
    inputs = training_inputs(PROJECT_ROOT)
    assert PROJECT_ROOT / "bot" / "components" / "e5_featurizer.py" in inputs
    assert PROJECT_ROOT / "indexer" / "e5_onnx.py" in inputs


# What of the project Rasa's environment can import: the shared encoder and the settings, both
# written for it (standard library, numpy, onnxruntime, tokenizers). The rest needs the service's.
IMPORTABLE_IN_RASA = {"indexer.e5_onnx", "daofu.config"}


def test_the_component_imports_only_what_rasa_can_import() -> None:
    """Rasa's environment has none of the service's packages: no imports from the project beyond those."""
    path = PROJECT_ROOT / "bot" / "components" / "e5_featurizer.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    project = {"daofu", "indexer", "knowledge", "channels", "bot"}
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert {name for name in imported if name.split(".")[0] in project} <= IMPORTABLE_IN_RASA


def test_the_vector_the_service_sent_is_used_and_not_stored(rasa_side: dict, service_vectors: np.ndarray) -> None:
    shifted = np.concatenate([service_vectors[1:], service_vectors[:1]])
    for text, message, reference in zip(TEXTS, rasa_side["given"], shifted, strict=True):
        vector = np.asarray(message["vectors"][0], dtype=np.float32)
        assert float(np.abs(vector - reference).max()) == 0.0, f"{text}: the sent vector was not used as is"
    assert all(VECTOR_METADATA_KEY not in metadata for metadata in rasa_side["given_metadata"])
    assert all(metadata == {"channel": "api"} for metadata in rasa_side["given_metadata"])
    assert not rasa_side["encoder_loaded_for_given"], "the encoder was loaded although every vector was sent"


def test_a_malformed_vector_is_ignored_and_the_text_embedded(rasa_side: dict, service_vectors: np.ndarray) -> None:
    vector = np.asarray(rasa_side["bad"]["vectors"][0], dtype=np.float32)
    assert float(np.abs(vector - service_vectors[0]).max()) < 1e-5


def test_vectors_travel_as_text_exactly() -> None:
    vector = np.random.default_rng(7).normal(size=384).astype(np.float32)
    vector /= np.linalg.norm(vector)
    assert np.array_equal(vector_from_text(vector_to_text(vector), 384), vector)
    for wrong in (None, 3, "", "!!!!", vector_to_text(vector[:100]), vector_to_text(vector * 2), "A" * 5000):
        assert vector_from_text(wrong, 384) is None
