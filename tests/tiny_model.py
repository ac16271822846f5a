"""Build a tiny random BERT retriever with a Korean/English Unigram tokenizer, in seconds.

Same shape of pipeline as the bundled model (Transformer -> mean Pooling -> Normalize,
``query: `` / ``passage: `` prompts), so code paths match while tests stay fast.
"""

from __future__ import annotations

import json
from pathlib import Path

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
DEMO_FILE = Path(__file__).resolve().parents[1] / "assets" / "demo" / "ko-en-qa.jsonl"
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}


def training_corpus() -> list[str]:
    """Korean and English texts from the bundled demo set."""
    texts: list[str] = []
    with DEMO_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts += [record["query_ko"], record["query_en"], record["passage_ko"], record["passage_en"]]
    return texts + ["query: ", "passage: "]


def build_tokenizer(vocab_size: int = 3000):
    """Train a Unigram tokenizer (Metaspace, like XLM-R) and wrap it for transformers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, unk_token="<unk>")
    tokenizer.train_from_iterator(training_corpus(), trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", cls_token="<s>", sep_token="</s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=128,
    )


def build_tiny_model(target: Path, seed: int = 0, hidden: int = 32) -> Path:
    """Write a tiny sentence-transformers model to ``target`` and return it."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    tokenizer = build_tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=hidden * 2, max_position_embeddings=128, pad_token_id=1,
    )
    hf_dir = target.parent / f"{target.name}-hf"
    BertModel(config, add_pooling_layer=False).save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    modules = [Transformer(str(hf_dir), max_seq_length=128), Pooling(hidden, "mean"), Normalize()]
    model = SentenceTransformer(modules=modules, prompts=PROMPTS, device="cpu", similarity_fn_name="cosine")
    model.save(str(target))
    return target
