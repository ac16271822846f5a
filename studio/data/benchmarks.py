"""Standard Korean–English benchmarks as evaluation sets: Belebele and FLORES-200.

* **Belebele** (facebook/belebele, test; CC BY-SA 4.0): 900 questions over 488 FLORES passages, parallel
  in Korean and English; each question retrieves its passage (four directions). As in MTEB's
  BelebeleRetrieval, the query is the question and the documents are the unique passages.
* **FLORES-200** (dev 997 / devtest 1,012 sentences; CC BY-SA 4.0): each sentence retrieves its
  translation (bitext retrieval, ko-en and en-ko, ``query`` prompt on both sides).

Where the data comes from, in order: the ``directory`` argument (``--benchmark-dir``), the environment
(``STUDIO_BELEBELE_DIR``, ``STUDIO_FLORES_DIR``), then the Hugging Face Hub when online. Nothing is read
from any fixed location.

Belebele folder layout: ``kor_Hang.jsonl`` (Belebele schema: ``link, question_number, flores_passage,
question, …``) and English as ``eng_Latn.belebele_schema.derived.jsonl`` or ``eng_Latn.jsonl`` in either
the Belebele schema or the grouped form (one row per passage, ``{"text", "items": [{"question"}…],
"metadata": {"extra": {"url"}}}``); English rows are joined on (link, question_number).
FLORES folder layout: ``dev/`` and ``devtest/`` with ``kor_Hang.<split>`` (or ``kor.<split>``) and
``eng_Latn.<split>`` (or ``eng.<split>``), line-aligned.

Example:
    >>> from studio.data.benchmarks import load_belebele
    >>> evalset = load_belebele("/path/to/belebele_ko_en")  # doctest: +SKIP
    >>> evalset.n_queries, len(evalset.documents["ko"])  # doctest: +SKIP
    (900, 488)
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Optional

from studio.errors import StudioError
from studio.evaluate.directions import CLIR_DIRECTIONS
from studio.evaluate.evalset import EvalSet

BELEBELE_HUB_ID = "facebook/belebele"
FLORES_HUB_ID = "openlanguagedata/flores_plus"
BELEBELE_ENV = "STUDIO_BELEBELE_DIR"
FLORES_ENV = "STUDIO_FLORES_DIR"
FLORES_SPLITS = {"dev": "dev", "devtest": "devtest", "test": "devtest"}


class BenchmarkError(StudioError):
    """A benchmark cannot be found or read."""


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes")


def _locate(directory: Optional[str | Path], env: str, what: str) -> Optional[Path]:
    """The folder to read from, or None when the Hub should be used."""
    raw = directory or os.environ.get(env)
    if raw:
        folder = Path(raw).expanduser()
        if not folder.is_dir():
            raise BenchmarkError(f"The {what} folder {folder} does not exist; pass the folder holding the {what} files.")
        return folder
    if _hub_offline():
        raise BenchmarkError(f"No {what} folder given and the Hugging Face Hub is offline; pass --benchmark-dir DIR "
                             f"(or set {env}) to a folder with the {what} files.")
    return None


# --------------------------------------------------------------------------------------------- Belebele
def _english_rows(folder: Path, korean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """English questions in the Belebele schema, whichever of the known layouts the folder holds."""
    derived = folder / "eng_Latn.belebele_schema.derived.jsonl"
    plain = folder / "eng_Latn.jsonl"
    if derived.is_file():
        return _read_jsonl(derived)
    if not plain.is_file():
        raise BenchmarkError(f"{folder} has no eng_Latn.jsonl; a Belebele folder needs kor_Hang.jsonl and eng_Latn.jsonl.")
    rows = _read_jsonl(plain)
    if rows and "items" in rows[0]:
        return _ungroup_english(rows, korean)
    return rows


def _ungroup_english(grouped: list[dict[str, Any]], korean: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Grouped English rows → one row per question: the k-th item of a passage gets the k-th smallest
    Korean ``question_number`` of the same link."""
    numbers: dict[str, list[int]] = defaultdict(list)
    for row in korean:
        numbers[row["link"]].append(int(row["question_number"]))
    out = []
    for row in grouped:
        link = row["metadata"]["extra"]["url"]
        for number, item in zip(sorted(numbers.get(link, [])), row["items"]):
            out.append({"link": link, "question_number": number, "flores_passage": row["text"],
                        "question": item["question"]})
    return out


def _belebele_from_hub() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    try:
        from datasets import load_dataset

        korean = load_dataset(BELEBELE_HUB_ID, "kor_Hang", split="test")
        english = load_dataset(BELEBELE_HUB_ID, "eng_Latn", split="test")
    except Exception as exc:  # network, auth or format problems all end the same way for the user
        raise BenchmarkError(f"Could not download {BELEBELE_HUB_ID} from the Hub ({exc}); pass --benchmark-dir DIR "
                             f"(or set {BELEBELE_ENV}) to a local copy.") from exc
    return [dict(r) for r in korean], [dict(r) for r in english]


def belebele_evalset(korean: list[dict[str, Any]], english: list[dict[str, Any]]) -> EvalSet:
    """Join Korean and English Belebele rows on (link, question_number) into a four-direction eval set."""
    english_by_key = {(r["link"], int(r["question_number"])): r for r in english}
    queries: dict[str, dict[str, str]] = {"ko": {}, "en": {}}
    documents: dict[str, dict[str, str]] = {"ko": {}, "en": {}}
    doc_ids: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    missing = 0
    for row in korean:
        other = english_by_key.get((row["link"], int(row["question_number"])))
        if other is None:
            missing += 1
            continue
        did = doc_ids.setdefault(row["link"], f"p{len(doc_ids):03d}")
        qid = f"q{len(qrels):03d}"
        queries["ko"][qid], queries["en"][qid] = row["question"], other["question"]
        documents["ko"][did], documents["en"][did] = row["flores_passage"], other["flores_passage"]
        qrels[qid] = {did: 1}
    if not qrels:
        raise BenchmarkError("The Korean and English Belebele files share no (link, question_number); "
                             "check that both are the test split of facebook/belebele.")
    return EvalSet(name="benchmark/belebele", split="test", queries=queries, documents=documents, qrels=qrels,
                   meta={"source": BELEBELE_HUB_ID, "unmatched_questions": missing})


def load_belebele(directory: Optional[str | Path] = None) -> EvalSet:
    """Belebele ko/en test as an eval set (900 questions, 488 passages per language)."""
    folder = _locate(directory, BELEBELE_ENV, "Belebele")
    if folder is None:
        korean, english = _belebele_from_hub()
    else:
        path = folder / "kor_Hang.jsonl"
        if not path.is_file():
            raise BenchmarkError(f"{folder} has no kor_Hang.jsonl; a Belebele folder needs kor_Hang.jsonl and "
                                 "eng_Latn.jsonl (facebook/belebele test files).")
        korean = _read_jsonl(path)
        english = _english_rows(folder, korean)
    return belebele_evalset(korean, english)


# ---------------------------------------------------------------------------------------------- FLORES
def _flores_file(folder: Path, split: str, names: tuple[str, ...]) -> Path:
    for name in names:
        for candidate in (folder / split / f"{name}.{split}", folder / f"{name}.{split}"):
            if candidate.is_file():
                return candidate
    raise BenchmarkError(f"{folder} has no {names[0]}.{split} (looked in {folder / split}); pass the FLORES-200 "
                         "folder holding dev/ and devtest/.")


def _flores_from_hub(split: str) -> tuple[list[str], list[str]]:
    try:
        from datasets import load_dataset

        korean = load_dataset(FLORES_HUB_ID, "kor_Hang", split=split)["text"]
        english = load_dataset(FLORES_HUB_ID, "eng_Latn", split=split)["text"]
    except Exception as exc:
        raise BenchmarkError(f"Could not download {FLORES_HUB_ID} ({split}) from the Hub ({exc}); pass "
                             f"--benchmark-dir DIR (or set {FLORES_ENV}) to a local FLORES-200 folder.") from exc
    return list(korean), list(english)


def flores_evalset(korean: list[str], english: list[str], split: str) -> EvalSet:
    """Line-aligned sentences → a bitext eval set (sentence i retrieves its translation i)."""
    if len(korean) != len(english):
        raise BenchmarkError(f"FLORES {split}: {len(korean)} Korean but {len(english)} English lines; "
                             "the files must be line-aligned.")
    ids = [f"s{i:04d}" for i in range(len(korean))]
    return EvalSet(
        name="benchmark/flores", split=split,
        queries={"ko": dict(zip(ids, korean)), "en": dict(zip(ids, english))},
        documents={"ko": dict(zip(ids, korean)), "en": dict(zip(ids, english))},
        qrels={i: {i: 1} for i in ids}, directions=CLIR_DIRECTIONS, document_prompt="query",
        meta={"source": "FLORES-200"},
    )


def load_flores(directory: Optional[str | Path] = None, split: str = "devtest") -> EvalSet:
    """FLORES-200 ko/en bitext of ``split`` (``dev`` or ``devtest``; ``test`` means devtest)."""
    if split not in FLORES_SPLITS:
        raise BenchmarkError(f"FLORES-200 has splits dev and devtest, not {split!r}.")
    split = FLORES_SPLITS[split]
    folder = _locate(directory, FLORES_ENV, "FLORES-200")
    if folder is None:
        korean, english = _flores_from_hub(split)
    else:
        read = lambda path: path.read_text(encoding="utf-8").rstrip("\n").split("\n")  # noqa: E731
        korean = read(_flores_file(folder, split, ("kor_Hang", "kor")))
        english = read(_flores_file(folder, split, ("eng_Latn", "eng")))
    return flores_evalset(korean, english, split)


BENCHMARKS: dict[str, Callable[..., EvalSet]] = {
    "belebele": lambda directory=None, split="test": load_belebele(directory),
    "flores": lambda directory=None, split="devtest": load_flores(directory, split),
}


def load_benchmark(name: str, split: str = "test", directory: Optional[str | Path] = None) -> EvalSet:
    """A benchmark by name (``belebele`` or ``flores``)."""
    loader = BENCHMARKS.get(name.strip().lower())
    if loader is None:
        raise BenchmarkError(f"Unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}.")
    return loader(directory=directory, split=split)
