"""The shared e5 encoder: importable and correct in both environments, and behind QueryEncoder.

:mod:`indexer.e5_onnx` is imported by the service (Python 3.11, numpy 2) and by Rasa's pipeline
(``.venv-rasa``: Python 3.10, numpy 1.23, no project packages). The Rasa side is checked for real,
in a subprocess of that environment with the repository root as working directory, as Rasa runs.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from daofu.config import PROJECT_ROOT, load_settings
from indexer import e5_onnx
from indexer.e5_onnx import MANIFEST_NAME, QUERY_PROMPT, E5OnnxEncoder

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
MODULE = PROJECT_ROOT / "indexer" / "e5_onnx.py"
TEXTS = ["你好", "社保卡丢了咋补办", "我在鄞州想开一家饭店，需要办理哪些手续？", "ID card renew 身份证", "周末开不开"]
ALLOWED_THIRD_PARTY = {"numpy", "onnxruntime", "tokenizers"}
PROJECT_PACKAGES = {"daofu", "indexer", "knowledge", "bot", "channels"}

# Runs in .venv-rasa: imports the module, embeds the texts, reports what got imported.
RASA_DRIVER = r"""
import json, sys
from pathlib import Path
import numpy
import indexer.e5_onnx as e5

request = json.load(sys.stdin)
encoder = e5.E5OnnxEncoder(Path(request["model_dir"]), threads=1)
vectors = encoder.encode(request["texts"])
json.dump({
    "python": list(sys.version_info[:2]),
    "numpy": numpy.__version__,
    "file": e5.__file__,
    "modules": sorted(sys.modules),
    "vectors": vectors.tolist(),
}, sys.stdout)
"""


@pytest.fixture(scope="module")
def model_dir() -> Path:
    directory = load_settings().model_dir
    if e5_onnx.missing_files(directory):
        pytest.fail(f"no e5 model at {directory}; run `daofu model build` (the setup does it)")
    return directory


@pytest.fixture(scope="module")
def encoder(model_dir: Path) -> E5OnnxEncoder:
    return E5OnnxEncoder(model_dir, threads=2)


def test_the_module_imports_only_the_standard_library_numpy_onnxruntime_and_tokenizers() -> None:
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    outside = imported - set(sys.stdlib_module_names) - ALLOWED_THIRD_PARTY - {"__future__"}
    assert not outside, f"indexer/e5_onnx.py must stay importable in .venv-rasa; it imports {sorted(outside)}"


def test_it_runs_in_the_rasa_environment_and_gives_the_service_vectors(model_dir: Path) -> None:
    if not RASA_PYTHON.exists():
        pytest.fail(f"{RASA_PYTHON} is missing; run the setup (scripts/run.sh) to create the Rasa environment")
    request = {"model_dir": str(model_dir), "texts": TEXTS}
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", RASA_DRIVER],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout)
    # the environment Rasa has, and the module from this checkout (not an installed copy)
    assert answer["python"] == [3, 10]
    assert tuple(int(part) for part in answer["numpy"].split(".")[:2]) < (1, 24)
    assert Path(answer["file"]).resolve() == MODULE.resolve()
    project = {name for name in answer["modules"] if name.split(".")[0] in PROJECT_PACKAGES}
    assert project == {"indexer", "indexer.e5_onnx"}
    service_only = {"torch", "sentence_transformers", "sqlalchemy", "faiss", "sanic", "jieba"}
    assert not {name.split(".")[0] for name in answer["modules"]} & service_only

    from indexer.encoder import QueryEncoder

    service = QueryEncoder(model_dir, cache_size=0)
    reference = np.stack([service.encode(text) for text in TEXTS])
    difference = float(np.abs(np.asarray(answer["vectors"], dtype=np.float32) - reference).max())
    assert difference < 1e-5


def test_a_batch_gives_each_text_its_own_vector(encoder: E5OnnxEncoder) -> None:
    """Padding to the longest text of a batch and sorting by length change nothing."""
    singles = np.stack([encoder.encode_one(text) for text in TEXTS])
    progress: list[tuple[int, int]] = []
    batched = encoder.encode(TEXTS, batch_size=2, on_batch=lambda done, total: progress.append((done, total)))
    assert batched.shape == (len(TEXTS), 384) and batched.dtype == np.float32
    assert float(np.abs(batched - singles).max()) < 1e-5
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert encoder.encode([]).shape == (0, 384)
    np.testing.assert_array_equal(encoder.encode(TEXTS[1:2])[0], encoder.encode_one(TEXTS[1]))


def test_the_prompt_is_part_of_the_text(encoder: E5OnnxEncoder) -> None:
    question = encoder.encode_one("身份证到期了怎么换")
    assert float(np.abs(encoder.encode_one("身份证到期了怎么换", prompt="") - question).max()) > 1e-3
    np.testing.assert_allclose(encoder.encode_one(QUERY_PROMPT + "身份证到期了怎么换", prompt=""), question, atol=1e-6)


def test_query_encoder_delegates_to_the_shared_encoder(encoder: E5OnnxEncoder, model_dir: Path) -> None:
    from indexer.encoder import QueryEncoder

    service = QueryEncoder(model_dir, cache_size=4)
    for text in TEXTS:
        np.testing.assert_allclose(service.encode(text), encoder.encode_one(text), atol=1e-6)
    assert service.dimension == 384


def test_threads_come_from_the_settings(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.encoder import QueryEncoder

    def threads(encoder: QueryEncoder) -> int:
        return encoder._onnx._session.get_session_options().intra_op_num_threads

    monkeypatch.setenv("DAOFU_ENCODER_THREADS", "1")
    assert threads(QueryEncoder(model_dir, cache_size=0, quick_start=True)) == 1
    assert threads(QueryEncoder(model_dir, threads=2, cache_size=0, quick_start=True)) == 2
    with pytest.raises(ValueError, match="threads"):
        E5OnnxEncoder(model_dir, threads=0)


def test_a_model_without_its_onnx_graph_names_the_file_and_the_fix(model_dir: Path, tmp_path: Path) -> None:
    from indexer.encoder import QueryEncoder
    from indexer.model import ModelSetupError

    shutil.copy(model_dir / MANIFEST_NAME, tmp_path / MANIFEST_NAME)
    shutil.copy(model_dir / e5_onnx.TOKENIZER_FILE, tmp_path / e5_onnx.TOKENIZER_FILE)
    assert e5_onnx.missing_files(tmp_path) == [tmp_path / e5_onnx.QUERY_ENCODER_ONNX]
    with pytest.raises(ModelSetupError) as caught:
        QueryEncoder(tmp_path)
    assert "onnx/query-encoder.onnx" in str(caught.value) and "daofu model build --force" in str(caught.value)
