"""The persisted index under ``var/index/``: files, manifest and the mismatch checks.

An index is only meaningful with the catalogue and the model it was built from. The manifest
records both (the catalogue checksum, the model's weights sha256), the format version and the
sha256 of every file; :func:`load_index` refuses an index whose manifest disagrees with what is
there now, or whose files are not the ones written (a half-copied or edited index), and says
which command fixes it, instead of answering with stale guides or incomparable vectors. Arrays
load without pickle, so a planted file cannot run code.

Files::

    manifest.json        what was built from what
    matters.json         one entry per matter (code, name, aliases, department, flags)
    guides.json          the guides, column-wise (31k rows load in ~0.1 s)
    places.json          regions as search sees them
    lexical.npz          BM25 weights over jieba tokens
    dense.npz            e5 vectors: passages and questions, each with its matter
    jieba/daofu.dict     the domain dictionary (also loaded by Rasa's JiebaTokenizer)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from indexer.dense import DenseIndex
from indexer.documents import GuideEntry
from indexer.errors import IndexMismatchError, IndexMissingError
from indexer.lexical import BM25Index
from indexer.regions import Place

FORMAT_VERSION = 2
DATA_FILES = ("matters.json", "guides.json", "places.json", "lexical.npz", "dense.npz")
MANIFEST = "manifest.json"
DICTIONARY_DIR = "jieba"
DICTIONARY_FILE = "daofu.dict"


@dataclass
class IndexManifest:
    format_version: int
    catalog_checksum: str
    model_weights_sha256: str
    matters: int
    guides: int
    passages: int
    questions: int
    dictionary_words: int
    resources_sha256: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    files_sha256: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, index_dir: Path) -> IndexManifest:
        path = index_dir / MANIFEST
        if not path.exists():
            raise IndexMissingError(f"no search index in {index_dir}; run `daofu index build` (the setup does it)")
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise IndexMismatchError(f"{path} is unreadable ({exc}); rebuild with `daofu index build --full`") from None


@dataclass
class MatterInfo:
    code: str
    name: str
    aliases: list[str]
    department: str
    high_frequency: bool
    checksum: str


@dataclass
class IndexData:
    manifest: IndexManifest
    matters: list[MatterInfo]
    guides: list[GuideEntry]
    places: list[Place]
    lexical: BM25Index
    passages: DenseIndex
    questions: DenseIndex


def dictionary_path(index_dir: Path) -> Path:
    return index_dir / DICTIONARY_DIR / DICTIONARY_FILE


def save_index(index_dir: Path, data: IndexData) -> None:
    """Write every file, then the manifest last, so a half-written index is never taken as whole."""
    index_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = index_dir / MANIFEST
    if manifest_path.exists():
        manifest_path.unlink()
    _write_json(index_dir / "matters.json", [asdict(m) for m in data.matters])
    columns = {name: [getattr(g, name) for g in data.guides] for name in GuideEntry.__dataclass_fields__}
    _write_json(index_dir / "guides.json", columns)
    _write_json(index_dir / "places.json", [asdict(p) for p in data.places])
    np.savez(index_dir / "lexical.npz", **data.lexical.to_arrays())
    np.savez(
        index_dir / "dense.npz",
        passage_vectors=data.passages.vectors,
        passage_owners=data.passages.owners,
        question_vectors=data.questions.vectors,
        question_owners=data.questions.owners,
    )
    data.manifest.files_sha256 = {name: _sha256(index_dir / name) for name in DATA_FILES}
    _write_json(manifest_path, asdict(data.manifest))


def load_index(index_dir: Path, catalog_checksum: str | None, model_weights_sha256: str) -> IndexData:
    """Load the index, refusing one built from another catalogue or model."""
    manifest = IndexManifest.read(index_dir)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {index_dir} has format {manifest.format_version}, this version reads "
            f"{FORMAT_VERSION}; rebuild it with `daofu index build --full`"
        )
    if manifest.model_weights_sha256 != model_weights_sha256:
        raise IndexMismatchError(
            f"the index in {index_dir} was built with another embedding model "
            f"({manifest.model_weights_sha256[:12]}…, now {model_weights_sha256[:12]}…); "
            "rebuild it with `daofu index build`"
        )
    if catalog_checksum is not None and manifest.catalog_checksum != catalog_checksum:
        raise IndexMismatchError(
            f"the index in {index_dir} was built from another catalogue "
            f"({manifest.catalog_checksum[:12]}…, now {catalog_checksum[:12]}…); "
            "run `daofu index build` after importing a catalogue"
        )
    for name in DATA_FILES:
        path = index_dir / name
        if not path.exists() or _sha256(path) != manifest.files_sha256.get(name):
            raise IndexMismatchError(
                f"{path} is missing or is not the file the index was built with; "
                "rebuild with `daofu index build --full`"
            )
    matters = [MatterInfo(**m) for m in _read_json(index_dir / "matters.json")]
    columns = _read_json(index_dir / "guides.json")
    names = list(GuideEntry.__dataclass_fields__)
    guides = [GuideEntry(*row) for row in zip(*(columns[name] for name in names), strict=True)]
    places = [Place(**p) for p in _read_json(index_dir / "places.json")]
    with np.load(index_dir / "lexical.npz", allow_pickle=False) as arrays:
        lexical = BM25Index.from_arrays(dict(arrays))
    with np.load(index_dir / "dense.npz", allow_pickle=False) as arrays:
        passages = DenseIndex(arrays["passage_vectors"], arrays["passage_owners"], len(matters))
        questions = DenseIndex(arrays["question_vectors"], arrays["question_owners"], len(matters))
    return IndexData(manifest, matters, guides, places, lexical, passages, questions)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexMismatchError(f"{path} is missing; rebuild the index with `daofu index build --full`") from None
