"""Import end to end: registered with report and hash, or refused with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import DuplicateNameError
from studio.data import DataError, ImportRejected, get_dataset, import_dataset, load_records
from studio.data.registry import delete_dataset, safe_folder
from studio.errors import StudioError
from tests.data.helpers import (bitext_records, leftover_files, parallel_records, user_datasets, write_delimited,
                                write_jsonl, write_msmarco_pair, write_parquet, write_text_pair)


def test_jsonl_import_registers_parquet_with_report(studio, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "qa.jsonl", parallel_records(30))
    record = import_dataset([path], "qa", licence="CC0")
    assert (record.kind, record.n_records, record.licence, record.source) == ("parallel", 30, "CC0", "qa.jsonl")
    assert record.path == "datasets/qa/records.parquet" and len(record.content_hash) == 64
    assert record.split_counts == {} and record.split_seed is None
    assert record.report["n_records"] == 30 and record.report["layout"]["flavour"] == "canonical"
    frame = load_records("qa")
    assert list(frame.columns) == ["id", "query_ko", "query_en", "passage_ko", "passage_en", "split"]
    assert frame["id"].tolist()[:2] == ["r0001", "r0002"] and set(frame["split"]) == {""}
    with pytest.raises(DataError, match="not split yet"):
        load_records("qa", "train")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet"])
def test_other_formats_give_the_same_records(studio, tmp_path: Path, fmt: str) -> None:
    rows = parallel_records(10)
    path = tmp_path / f"qa.{fmt}"
    write_parquet(path, rows) if fmt == "parquet" else write_delimited(path, rows, "\t" if fmt == "tsv" else ",")
    import_dataset([path], "qa")
    assert load_records("qa").drop(columns="split").to_dict(orient="records") == rows


def test_bitext_and_text_pair_imports(studio, tmp_path: Path) -> None:
    record = import_dataset([write_jsonl(tmp_path / "b.jsonl", bitext_records(8))], "bi", ratios="0.5,0.25,0.25")
    assert record.kind == "bitext" and record.split_counts == {"train": 4, "dev": 2, "test": 2}
    assert list(load_records("bi").columns) == ["id", "ko", "en", "split"]
    ko, en = write_text_pair(tmp_path, 12)
    record = import_dataset([en, ko], "lines")
    frame = load_records("lines")
    assert record.n_records == 12 and frame.loc[0, "ko"].startswith("서울에는") and frame.loc[0, "id"] == "1"


def test_per_language_import_with_explicit_mapping(studio, tmp_path: Path) -> None:
    ko, en = write_msmarco_pair(tmp_path, 10)
    record = import_dataset([ko, en], "ms", mapping={"id": "id", "query": "query", "passage": "positive"},
                            ratios=(8, 1, 1), seed=3)
    assert record.n_records == 10 and record.split_counts == {"train": 8, "dev": 1, "test": 1}
    frame = load_records("ms", "train")
    assert len(frame) == 8 and (frame["split"] == "train").all()
    assert frame["passage_en"].str.contains("Number").all()


def test_slash_names_stay_inside_the_data_home(studio, tmp_path: Path) -> None:
    record = import_dataset([write_jsonl(tmp_path / "x.jsonl", parallel_records(4))], "team/ko en:v1")
    folder = (studio.paths.home / record.path).parent
    assert folder.parent == studio.paths.datasets and folder.name == safe_folder("team/ko en:v1")
    assert folder.name.startswith("team__ko_en_v1-")


@pytest.mark.parametrize("name", ["../../x", "/abs/x", "~/x", "a\\b", "..", "", "   ", "x" * 200, "tab\tname"])
def test_hostile_names_write_nothing(studio, tmp_path: Path, name: str) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(4))
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    with pytest.raises(StudioError):
        import_dataset([path], name)
    assert user_datasets(studio) == [] and leftover_files(studio) == []
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before


def test_duplicate_name_is_refused(studio, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(4))
    import_dataset([path], "qa")
    with pytest.raises(DuplicateNameError, match="already exists"):
        import_dataset([path], "qa")
    assert user_datasets(studio) == ["qa"] and leftover_files(studio) == ["qa"]


def _bad_json_line(tmp: Path) -> list[Path]:
    rows = [json.dumps(r, ensure_ascii=False) for r in parallel_records(6)]
    rows[3] = '{"id": "r0004", "query_ko": '
    (tmp / "x.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return [tmp / "x.jsonl"]


def _invalid_utf8(tmp: Path) -> list[Path]:
    path = write_jsonl(tmp / "x.jsonl", parallel_records(6))
    data = path.read_bytes().split(b"\n")
    data[2] = data[2].replace("서울".encode(), b"\xc0\xaf") if "서울".encode() in data[2] else data[2] + b"\xff"
    path.write_bytes(b"\n".join(data))
    return [path]


def _duplicate_ids(tmp: Path) -> list[Path]:
    rows = parallel_records(5)
    rows[4]["id"] = rows[1]["id"]
    return [write_jsonl(tmp / "x.jsonl", rows)]


def _missing_field_in_a_row(tmp: Path) -> list[Path]:
    rows = parallel_records(5)
    del rows[2]["passage_en"]
    return [write_jsonl(tmp / "x.jsonl", rows)]


def _missing_partner(tmp: Path) -> list[Path]:
    ko, en = write_msmarco_pair(tmp, 6)
    en.write_text(json.dumps(json.loads(en.read_text(encoding="utf-8"))[:5]), encoding="utf-8")
    return [ko, en]


def _uneven_text_files(tmp: Path) -> list[Path]:
    ko, en = write_text_pair(tmp, 6)
    en.write_text("".join(en.read_text(encoding="utf-8").splitlines(keepends=True)[:5]), encoding="utf-8")
    return [ko, en]


@pytest.mark.parametrize("make,where,problem", [
    (_bad_json_line, "x.jsonl line 4", "not valid JSON"),
    (_invalid_utf8, "x.jsonl line 3", "not valid UTF-8"),
    (_duplicate_ids, "x.jsonl line 5", "duplicate id 'r0002'"),
    (_missing_field_in_a_row, "x.jsonl line 3", "no column 'passage_en'"),
    (_missing_partner, "msmarco_kor.json item 6", "id '6' has no counterpart in msmarco_eng.json"),
    (_uneven_text_files, "corpus.ko line 6", "row 6 has no counterpart in corpus.en"),
])
def test_bad_rows_refuse_the_whole_import(studio, tmp_path: Path, make, where: str, problem: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_dataset(make(tmp_path), "bad")
    assert caught.value.n_bad == 1
    assert caught.value.bad_rows[0]["where"] == where and problem in caught.value.bad_rows[0]["problem"]
    assert where in str(caught.value) and "nothing was imported" in str(caught.value)
    assert user_datasets(studio) == [] and leftover_files(studio) == []


@pytest.mark.parametrize("content,message", [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary file"),
    (b'{"foo": "a", "bar": "b"}\n', "Could not recognise the layout"),
    (b'{"id": "1", "query_ko": "q", "query_en": "q", "passage_ko": "p"}\n', "Could not recognise the layout"),
])
def test_unusable_files_refuse_cleanly(studio, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        import_dataset([path], "bad")
    assert user_datasets(studio) == [] and leftover_files(studio) == []


def test_missing_column_for_explicit_kind(studio, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "1", "query_ko": "질문", "query_en": "q", "passage_ko": "문단"}])
    with pytest.raises(DataError, match="Could not tell which column holds passage_en"):
        import_dataset([path], "bad", kind="parallel")
    assert leftover_files(studio) == []


def test_size_limit_refuses_before_reading(studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(6000))
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "1")
    with pytest.raises(DataError, match="over the 1.0 MB limit"):
        import_dataset([path], "big")
    assert user_datasets(studio) == [] and leftover_files(studio) == []


def test_delete_dataset_removes_files_but_not_the_demo(studio, tmp_path: Path) -> None:
    import_dataset([write_jsonl(tmp_path / "x.jsonl", parallel_records(4))], "qa")
    delete_dataset("qa")
    assert user_datasets(studio) == [] and leftover_files(studio) == []
    with pytest.raises(DataError, match="built in"):
        delete_dataset("demo/ko-en-qa")
    assert get_dataset("demo/ko-en-qa").n_records == 320


def test_read_only_demo_mode_refuses_imports(studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DEMO_MODE", "1")
    with pytest.raises(StudioError, match="read-only demo"):
        import_dataset([write_jsonl(tmp_path / "x.jsonl", parallel_records(4))], "qa")
    assert user_datasets(studio) == []
