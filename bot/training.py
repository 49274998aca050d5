"""Train the Rasa model when, and only when, its inputs changed.

The inputs are the pipeline (``config.yml``) and its custom components (``bot/components``) with
the e5 encoder they share with the search (``indexer/e5_onnx.py``), the domain, the training data,
the jieba dictionary the tokenizer loads and the manifest of the e5 model whose embeddings the
pipeline uses. Their combined hash is stored beside the model; an unchanged hash skips the
minute-long training.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import time
from pathlib import Path

from daofu.config import Settings
from daofu.errors import DaofuError
from daofu.processes import RASA_MODEL_NAME, quiet_rasa_environment, rasa_model_path
from indexer.e5_onnx import MANIFEST_NAME

log = logging.getLogger(__name__)

DICTIONARY_DIR = Path("var") / "index" / "jieba"
E5_MANIFEST = Path("var") / "models" / "multilingual-e5-small" / MANIFEST_NAME
# The featurizer's encoder lives outside bot/components, shared with the search (indexer.encoder).
E5_ENCODER = Path("indexer") / "e5_onnx.py"


class TrainingError(DaofuError):
    """Rasa could not train the dialogue model."""


def training_inputs(root: Path) -> list[Path]:
    files = [root / "config.yml", root / "bot" / "domain.yml"]
    files += sorted((root / "bot" / "data").rglob("*.yml"))
    files += sorted((root / "bot" / "components").rglob("*.py"))
    files.append(root / E5_ENCODER)
    dictionary = root / DICTIONARY_DIR
    if dictionary.is_dir():
        files += sorted(p for p in dictionary.iterdir() if p.is_file())
    if (root / E5_MANIFEST).is_file():
        files.append(root / E5_MANIFEST)
    return files


def inputs_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_trained(settings: Settings, force: bool = False) -> Path:
    """Return the trained model, training it first if its inputs changed."""
    model = rasa_model_path(settings)
    stamp = model.with_suffix("").with_suffix(".inputs")
    wanted = inputs_digest(settings.root)
    if not force and model.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        log.info("dialogue model is up to date (%s)", model)
        return model
    (settings.root / DICTIONARY_DIR).mkdir(parents=True, exist_ok=True)
    settings.rasa_model_dir.mkdir(parents=True, exist_ok=True)
    rasa = settings.root / ".venv-rasa" / "bin" / "rasa"
    if not rasa.exists():
        raise TrainingError(f"{rasa} is missing; run the setup (scripts/run.sh) to create the Rasa environment")
    command = [
        str(rasa),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "bot/domain.yml",
        "--data",
        "bot/data",
        "--out",
        str(settings.rasa_model_dir),
        "--fixed-model-name",
        RASA_MODEL_NAME,
    ]
    log_path = settings.var_dir / "logs" / "rasa-train.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log.info("training the dialogue model (two to four minutes; log: %s)", log_path)
    started = time.monotonic()
    with log_path.open("w") as log_file:
        result = subprocess.run(
            command, cwd=settings.root, env=quiet_rasa_environment(), stdout=log_file, stderr=subprocess.STDOUT
        )
    if result.returncode != 0 or not model.exists():
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
        raise TrainingError(f"rasa train failed: {lines[-1] if lines else 'no output'} (log: {log_path})")
    stamp.write_text(wanted + "\n")
    log.info("dialogue model trained in %.0f s", time.monotonic() - started)
    return model
