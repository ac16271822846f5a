"""Build a small parallel dataset and an all-four-directions mix per the data contract (docs/architecture.md)."""

from __future__ import annotations

import hashlib
import json
from tests.tiny_model import DEMO_FILE

DIRECTIONS = ("ko-ko", "en-en", "ko-en", "en-ko")


def make_mix(studio, dataset: str = "test/demo", mix: str = "demo-all4", n_train: int = 60, n_dev: int = 16) -> str:
    """Register ``dataset`` (demo records, split train/dev) and ``mix`` (one pair per train record and direction)."""
    import pandas as pd

    rows = [json.loads(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = pd.DataFrame(rows[: n_train + n_dev])[["id", "query_ko", "query_en", "passage_ko", "passage_en"]]
    records["split"] = ["train"] * n_train + ["dev"] * n_dev
    folder = studio.paths.datasets / dataset.replace("/", "__")
    (folder / "mixes").mkdir(parents=True, exist_ok=True)
    records.to_parquet(folder / "records.parquet", index=False)
    pairs = []
    for index, record in records[records["split"] == "train"].reset_index(drop=True).iterrows():
        direction = DIRECTIONS[index % 4]
        query_lang, doc_lang = direction.split("-")
        pairs.append({"query": record[f"query_{query_lang}"], "passage": record[f"passage_{doc_lang}"],
                      "direction": direction, "record_id": record["id"]})
    mix_path = folder / "mixes" / f"{mix}.parquet"
    pd.DataFrame(pairs).to_parquet(mix_path, index=False)
    digest = hashlib.sha256((folder / "records.parquet").read_bytes()).hexdigest()
    record = studio.store.add_dataset(
        name=dataset, kind="parallel", path=(folder / "records.parquet").relative_to(studio.paths.home).as_posix(),
        content_hash=digest,
        n_records=len(records), split_seed=0, split_counts={"train": n_train, "dev": n_dev, "test": 0},
    )
    studio.store.add_mix(
        name=mix, dataset_id=record.id, split="train", weights={d: 1.0 for d in DIRECTIONS}, budget=n_train,
        seed=0, counts={d: n_train // 4 for d in DIRECTIONS}, path=mix_path.relative_to(studio.paths.home).as_posix(),
    )
    return mix
