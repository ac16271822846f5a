"""Build the Hugging Face tokenizer of multilingual-e5-small from the bundled file.

The pipeline equals the original XLM-R tokenizer.json: Precompiled charsmap
(nmt_nfkc-like) + collapse of space runs, Metaspace, Unigram, ``<s> $A </s>``.
The charsmap is compiled by sentencepiece from a rule TSV (a throwaway training
run), because ``tokenizers`` only accepts the compiled form.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

from studio.bundled.q4file import Q4Vocab

MASK_TOKEN = "<mask>"
_SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>")
_LAST_MAPPED_CODEPOINT = 0x2FFFF  # the file's map covers U+0000..U+2FFFF


def normalization_rules(norm_map: dict[int, tuple[int, ...]]) -> dict[tuple[int, ...], tuple[int, ...]]:
    """Return sentencepiece normalization rules (source codepoints -> target codepoints).

    The file's per-codepoint map plus, for every codepoint with a multi-codepoint
    canonical decomposition, a rule NFD(c) -> map(c) so that decomposed input is
    composed like sentencepiece's nmt_nfkc ("charsmap variant B"). Identity rules
    are dropped (sentencepiece rejects them).
    """
    rules: dict[tuple[int, ...], tuple[int, ...]] = {(cp,): out for cp, out in norm_map.items()}
    for cp in range(_LAST_MAPPED_CODEPOINT + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        char = chr(cp)
        decomposed = tuple(ord(c) for c in unicodedata.normalize("NFD", char))
        if len(decomposed) > 1 and decomposed not in rules:
            rules[decomposed] = norm_map.get(cp, (cp,))
    return {src: dst for src, dst in rules.items() if src != dst}


def build_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the normalization rules into a sentencepiece ``precompiled_charsmap`` blob."""
    rules = normalization_rules(norm_map)
    with tempfile.TemporaryDirectory(prefix="clir-charsmap-") as tmp:
        work = Path(tmp)
        tsv = work / "rules.tsv"
        tsv.write_text(
            "".join(
                " ".join(f"{c:X}" for c in src) + "\t" + " ".join(f"{c:X}" for c in dst) + "\n"
                for src, dst in sorted(rules.items())
            ),
            encoding="utf-8",
        )
        corpus = work / "corpus.txt"
        corpus.write_text("abcdefghijklmnopqrstuvwxyz\n가나다라마바사\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(work / "charsmap"),
            model_type="char",
            vocab_size=30,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(tsv),
            minloglevel=2,
        )
        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString((work / "charsmap.model").read_bytes())
    return proto.normalizer_spec.precompiled_charsmap


def build_normalizer(norm_map: dict[int, tuple[int, ...]]) -> normalizers.Normalizer:
    """Return the XLM-R normalizer: Precompiled charsmap, then runs of spaces collapsed to one."""
    return normalizers.Sequence(
        [normalizers.Precompiled(build_charsmap(norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )


def build_tokenizer(vocab: Q4Vocab, norm_map: dict[int, tuple[int, ...]]) -> Tokenizer:
    """Build the ``tokenizers`` pipeline for the bundled vocabulary.

    Args:
        vocab: Pieces and scores from the bundled file (``<mask>`` is the last piece).
        norm_map: The file's per-codepoint normalization map.
    """
    if vocab.pieces[-1] != MASK_TOKEN or tuple(vocab.pieces[:4]) != _SPECIAL_TOKENS:
        raise ValueError("unexpected special pieces in the bundled vocabulary")
    scores = vocab.scores.tolist()
    tokenizer = Tokenizer(
        models.Unigram(list(zip(vocab.pieces, scores)), unk_id=vocab.unk_id, byte_fallback=False)
    )
    tokenizer.normalizer = build_normalizer(norm_map)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos_id], vocab.pieces[vocab.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos_id), (eos, vocab.eos_id)],
    )
    tokenizer.add_special_tokens(
        [AddedToken(token, special=True, normalized=False) for token in _SPECIAL_TOKENS]
        + [AddedToken(MASK_TOKEN, lstrip=True, special=True, normalized=False)]
    )
    return tokenizer


def write_hf_tokenizer(
    vocab: Q4Vocab, norm_map: dict[int, tuple[int, ...]], out_dir: Path, model_max_length: int = 512
) -> None:
    """Build the tokenizer and save it with ``PreTrainedTokenizerFast.save_pretrained`` into ``out_dir``.

    The ``tokenizers`` object is written to ``tokenizer.json`` and dropped before the
    transformers wrapper loads it, so only one 250k-piece copy is alive at a time.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer_file = out_dir / "tokenizer.json"
    build_tokenizer(vocab, norm_map).save(str(tokenizer_file))
    PreTrainedTokenizerFast(
        tokenizer_file=str(tokenizer_file),
        bos_token="<s>",
        cls_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token=MASK_TOKEN,
        model_max_length=model_max_length,
    ).save_pretrained(out_dir)
