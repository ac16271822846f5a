"""Each reader on small fixtures written in tmp: rows, locations, and the format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.data.errors import DataError
from studio.data.importers import detect_format, open_sources
from tests.data.helpers import (parallel_records, write_delimited, write_json_array, write_jsonl,
                                write_msmarco_pair, write_parquet, write_text_pair)


def rows_of(table) -> list[dict]:
    return [row.values for row in table.open_rows()]


@pytest.mark.parametrize("writer,name,fmt", [
    (write_jsonl, "data.jsonl", "jsonl"),
    (write_json_array, "data.json", "json"),
    (lambda p, r: write_delimited(p, r, ","), "data.csv", "csv"),
    (lambda p, r: write_delimited(p, r, "\t"), "data.tsv", "tsv"),
    (write_parquet, "data.parquet", "parquet"),
])
def test_each_format_reads_every_row(tmp_path: Path, writer, name: str, fmt: str) -> None:
    records = parallel_records(12)
    path = writer(tmp_path / name, records)
    assert detect_format(path) == fmt
    (table,) = open_sources([path])
    assert table.format == fmt
    assert rows_of(table) == records
    assert rows_of(table) == records  # a second pass gives the same rows


def test_json_lines_with_json_extension_and_sniffing(tmp_path: Path) -> None:
    records = parallel_records(3)
    jsonl_named_json = write_jsonl(tmp_path / "x.json", records)
    (table,) = open_sources([jsonl_named_json])
    assert rows_of(table) == records
    no_extension = write_jsonl(tmp_path / "records", records)
    assert detect_format(no_extension) == "jsonl"


def test_json_array_streams_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.data.importers import jsonl

    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 7)  # every element is cut by a chunk boundary
    records = parallel_records(9)
    path = tmp_path / "a.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    rows = list(jsonl.read_json_array(path))
    assert [r.values for r in rows] == records
    assert [r.where for r in rows][-1] == "item 9"


def test_json_array_reports_syntax_errors(tmp_path: Path) -> None:
    from studio.data.importers.jsonl import read_json_array

    path = tmp_path / "bad.json"
    path.write_text('[{"a": 1}, {"a": 2,}]')
    rows = list(read_json_array(path))
    assert rows[0].values == {"a": 1}
    assert rows[1].where == "item 2" and "not valid JSON" in rows[1].problem
    path.write_text('[{"a": 1}')
    assert "not closed" in list(read_json_array(path))[-1].problem


def test_jsonl_bad_lines_are_located(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": "1"}\n\n{"a": \n[1, 2]\n{"a": "\xff"}\n')
    (table,) = open_sources([path])
    rows = list(table.open_rows())
    assert [(r.where, bool(r.problem)) for r in rows] == [("line 1", False), ("line 3", True), ("line 4", True),
                                                          ("line 5", True)]
    assert "not valid JSON" in rows[1].problem
    assert "expected a JSON object" in rows[2].problem
    assert "UTF-8" in rows[3].problem


def test_csv_quoting_and_field_count(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,ko,en\n1,"안녕, 세상","Hello, ""world""\nagain"\n2,only two\n', encoding="utf-8")
    (table,) = open_sources([path])
    rows = list(table.open_rows())
    assert rows[0].values == {"id": "1", "ko": "안녕, 세상", "en": 'Hello, "world"\nagain'}
    assert rows[1].where == "line 4" and "2 fields" in rows[1].problem


def test_tsv_keeps_quotes_literally(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text('ko\ten\n그는 ""안녕"" 했다\tHe said ""hi""\n', encoding="utf-8")
    (table,) = open_sources([path])
    assert rows_of(table) == [{"ko": ' 그는 ""안녕"" 했다'.strip(), "en": 'He said ""hi""'}]


def test_text_pair_rows_keep_alignment(tmp_path: Path) -> None:
    ko, en = write_text_pair(tmp_path, 5)
    tables = open_sources([ko, en])  # unknown extensions .ko/.en: sniffed as text
    assert [t.format for t in tables] == ["text", "text"]
    assert len(rows_of(tables[0])) == 5
    assert rows_of(tables[1])[0] == {"text": "About 9.4 million people live in Seoul. Number 0."}


def test_msmarco_files_are_json_arrays(tmp_path: Path) -> None:
    ko, en = write_msmarco_pair(tmp_path, 4)
    tables = open_sources([ko, en])
    assert rows_of(tables[0])[0]["positive"] == ["서울에는", "약 940만 명이 살고 있습니다. 번호 0."]


def test_saved_datasets_folder(tmp_path: Path) -> None:
    from datasets import Dataset, DatasetDict

    records = parallel_records(6)
    folder = tmp_path / "saved"
    DatasetDict({"train": Dataset.from_list(records[:4]), "test": Dataset.from_list(records[4:])}).save_to_disk(str(folder))
    assert detect_format(folder) == "hf-disk"
    (table,) = open_sources([folder])
    assert rows_of(table) == records
    assert table.notes and "splits train, test" in table.notes[0]


def test_hub_id_offline_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert detect_format("someone/ko-en-pairs") == "hub"
    with pytest.raises(DataError, match="Could not load the Hub dataset 'someone/ko-en-pairs'.*offline"):
        open_sources(["someone/ko-en-pairs"])


@pytest.mark.parametrize("content,message", [
    (b"", "is empty"),
    (b"\n\n  \n", "is empty"),
    (b"\x00\x01\x02binary\x00" * 50, "binary file"),
])
def test_unusable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        open_sources([path])


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.errors import StudioError

    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(6000))  # about 1.1 MB
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "1")
    with pytest.raises(DataError, match=r"x.jsonl is 1\.\d MB, over the 1\.0 MB limit.*STUDIO_MAX_UPLOAD_MB"):
        open_sources([path])
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "lots")
    with pytest.raises(StudioError, match="not a whole number"):
        open_sources([path])


def test_source_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="No data given"):
        open_sources([])
    with pytest.raises(DataError, match="does not exist"):
        open_sources([tmp_path / "missing.jsonl"])
    with pytest.raises(DataError, match="not one saved with datasets"):
        open_sources([tmp_path])
    with pytest.raises(DataError, match="Unknown format"):
        open_sources([tmp_path / "x"], "xml")
    files = [write_jsonl(tmp_path / f"{i}.jsonl", parallel_records(2)) for i in range(3)]
    with pytest.raises(DataError, match="3 sources given"):
        open_sources(files)
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        open_sources([fake])
