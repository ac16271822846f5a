"""Tiny merge parents that share one tokenizer: a base and two "fine-tunes" (the base plus seeded noise),
plus misfits (another architecture, another dimension, another tokenizer) for the bad-input tests.

``tests.tiny_model.build_tiny_model`` trains its tokenizer anew on each call and the Unigram trainer breaks
ties differently from run to run, so two calls do not share a vocabulary; the variants here start from
the session's one tiny model instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

BASE, MODEL_A, MODEL_B = "test/base", "test/a", "test/b"


def perturbed(source: Path, target: Path, seed: int, scale: float = 0.05) -> Path:
    """``source`` with Gaussian noise added to every weight (a stand-in for a fine-tune)."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(source), device="cpu")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * scale)
    model.save(str(target), create_model_card=False)
    return target


def rebuilt(source: Path, target: Path, **config: int) -> Path:
    """A random model with ``source``'s tokenizer and prompts but a changed BERT config (layers, width)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import AutoTokenizer, BertConfig, BertModel

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    settings = dict(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    settings.update(config)
    hf_dir = target.parent / f"{target.name}-hf"
    BertModel(BertConfig(**settings), add_pooling_layer=False).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    hidden = settings["hidden_size"]
    modules = [Transformer(str(hf_dir), max_seq_length=128), Pooling(hidden, "mean"), Normalize()]
    prompts = SentenceTransformer(str(source), device="cpu").prompts
    SentenceTransformer(modules=modules, prompts=prompts, device="cpu").save(str(target), create_model_card=False)
    return target


def retokenized(source: Path, target: Path) -> Path:
    """``source`` with two vocabulary entries swapped: same shapes, different token ids."""
    shutil.copytree(source, target)
    path = target / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    vocab = data["model"]["vocab"]
    vocab[100], vocab[101] = vocab[101], vocab[100]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def merge_dirs(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders of the base, two fine-tunes and three misfits, built once per session."""
    root = tmp_path_factory.mktemp("merge-parents")
    return {
        "base": tiny_model_dir,
        "a": perturbed(tiny_model_dir, root / "a", seed=1),
        "b": perturbed(tiny_model_dir, root / "b", seed=2),
        "deeper": rebuilt(tiny_model_dir, root / "deeper", num_hidden_layers=3),
        "wider": rebuilt(tiny_model_dir, root / "wider", hidden_size=48, intermediate_size=96),
        "retokenized": retokenized(tiny_model_dir, root / "retokenized"),
    }


@pytest.fixture
def parents(studio, merge_dirs: dict[str, Path]) -> tuple[str, str, str]:
    """Base, A and B registered in the test's studio; returns (base, a, b) names."""
    for name, key in ((BASE, "base"), (MODEL_A, "a"), (MODEL_B, "b")):
        target = studio.paths.models / name.replace("/", "-")
        shutil.copytree(merge_dirs[key], target)
        studio.store.add_model(name, "imported", str(target), description=f"merge test model {key}")
    return BASE, MODEL_A, MODEL_B
