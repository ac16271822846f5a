"""Hugging Face ``datasets``: a folder written by ``save_to_disk`` or a Hub dataset id (online).

A ``DatasetDict`` is read split after split (rows located as ``train row N``); its split names are not kept —
split the imported dataset by record afterwards. A Hub id may carry a configuration: ``owner/name:config``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.data.errors import DataError
from studio.data.importers.base import RawRow, SourceTable, check_size

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+(:[\w.-]+)?$")
SAVED_MARKERS = ("dataset_dict.json", "state.json", "dataset_info.json")
BATCH_ROWS = 1000


def is_hf_folder(path: Path) -> bool:
    """Whether ``path`` looks like a folder written by ``Dataset(Dict).save_to_disk``."""
    return path.is_dir() and any((path / marker).is_file() for marker in SAVED_MARKERS)


def _parts(data: Any) -> list[tuple[str, Any]]:
    from datasets import DatasetDict

    return list(data.items()) if isinstance(data, DatasetDict) else [("", data)]


def _rows(data: Any) -> Iterator[RawRow]:
    parts = _parts(data)
    total = max(1, sum(len(part) for _, part in parts))
    done = 0
    for split, part in parts:
        prefix = f"{split} row" if split else "row"
        for batch in part.iter(batch_size=BATCH_ROWS):
            names = list(batch)
            for values in zip(*(batch[name] for name in names)):
                done += 1
                yield RawRow(f"{prefix} {done}", dict(zip(names, values)), "", done * 1000 // total)


def _table(label: str, fmt: str, data: Any, path: Path | None = None) -> SourceTable:
    if sum(len(part) for _, part in _parts(data)) == 0:
        raise DataError(f"{label} has no rows; choose a dataset with data.")
    table = SourceTable(label, fmt, lambda: _rows(data), 1000, path)
    if len(_parts(data)) > 1:
        table.notes.append(f"{label}: splits {', '.join(name for name, _ in _parts(data))} were read one after another; "
                           "the imported dataset is split by record afterwards.")
    return table


def open_hf_disk(path: Path, fmt: str = "hf-disk") -> SourceTable:
    """A folder saved with ``datasets``' ``save_to_disk``."""
    if not is_hf_folder(path):
        raise DataError(f"{path} is not a folder saved with datasets' save_to_disk (no dataset_info.json or "
                        "dataset_dict.json); give the files themselves instead.")
    check_size(path.name, sum(f.stat().st_size for f in path.rglob("*") if f.is_file()))
    from datasets import load_from_disk

    try:
        data = load_from_disk(str(path))
    except Exception as exc:  # datasets raises several types for damaged folders
        raise DataError(f"Could not read the saved dataset in {path} ({exc}).") from exc
    return _table(path.name, "hf-disk", data, path)


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def open_hub(dataset_id: str, fmt: str = "hub") -> SourceTable:
    """A dataset on the Hugging Face Hub (``owner/name`` or ``owner/name:config``), downloaded by ``datasets``."""
    if not HUB_ID.match(dataset_id):
        raise DataError(f"{dataset_id!r} is neither an existing path nor a Hub dataset id like owner/name.")
    repo, _, config = dataset_id.partition(":")
    from datasets import load_dataset

    try:
        data = load_dataset(repo, config or None)
    except Exception as exc:  # offline, unknown id, gated, bad config: all end the same way for the user
        hint = (" The Hub is offline here (HF_HUB_OFFLINE=1): download the data on a connected machine and import "
                "the saved folder or files instead." if _hub_offline() else " Check the id, the configuration and the network.")
        raise DataError(f"Could not load the Hub dataset {dataset_id!r} ({type(exc).__name__}: {exc}).{hint}") from exc
    return _table(dataset_id, "hub", data)
