"""Bad uploads through ``gradio_client`` (the Data tab's public endpoints) and the CLI: binary, huge, wrongly
encoded and malformed files. Each is refused with one clear sentence naming the file; nothing is imported and
nothing is written outside STUDIO_HOME (the autouse ``nothing_outside_home`` fixture)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from tests.faults.served import UPLOAD_LIMIT_MB, Sandbox, store_of

GOOD_RECORD = {"id": "r1", "query_ko": "한국의 수도는?", "query_en": "What is the capital of Korea?",
               "passage_ko": "서울은 한국의 수도입니다.", "passage_en": "Seoul is the capital of Korea."}

# The importers' message for malformed JSON documents and non-UTF-8 CSV/TSV: clear, but less precise than the
# line-by-line report JSONL gets (it names neither the JSON error nor the bad byte).
NO_ROWS = "has no readable rows; check its format and encoding"
# name -> (bytes, a fragment of the expected message)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "random.jsonl": (os.urandom(4096) + b"\x00", "looks like a binary file, not UTF-8 text"),
    "image.png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + os.urandom(512), "looks like a binary file, not UTF-8 text"),
    "utf16.jsonl": ((json.dumps(GOOD_RECORD, ensure_ascii=False) + "\n").encode("utf-16"),
                    "looks like a binary file, not UTF-8 text"),
    "latin1.csv": ("id,query_ko,query_en,passage_ko,passage_en\n1,caf\xe9,cafe,p\xe9,pe\n".encode("latin-1"),
                   NO_ROWS),
    "cp949.tsv": ("id\tko\ten\n1\t한국어\tKorean\n".encode("cp949"), NO_ROWS),
    "empty.jsonl": (b"", "is empty"),
    "blank.jsonl": (b"\n\n   \n", "is empty"),
    "truncated.json": (b'[{"id": "1", "query_ko": "\xed\x95\x9c", "query_en": "kor', NO_ROWS),
    "scalar.json": (b"42", NO_ROWS),
    "nested.json": (b'{"data": {"x": [1, 2, {"y": null}]}}', "Could not recognise the layout"),
    "not-json.json": (b"<html><body>not json</body></html>", NO_ROWS),
}


def upload_args(path: Path) -> list:
    from gradio_client import handle_file

    return [[handle_file(str(path))], "", "auto", "auto"]


def refusal(sandbox: Sandbox, api: str, *args) -> str:
    """Call ``api`` and return the message of the error it must raise."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        sandbox.app.client().predict(*args, api_name=api)
    return str(caught.value)


def assert_clear(message: str, file_name: str, fragment: str) -> None:
    assert fragment in message, message
    assert file_name in message, message  # says which file
    assert "Traceback" not in message and "\n" not in message.strip() and len(message) < 600, message
    assert "/gradio/" not in message and "cache/" not in message, message  # no server temp paths


def datasets(sandbox: Sandbox) -> list[str]:
    return sorted(d.name for d in store_of(sandbox.home).list_datasets())


def dataset_folders(sandbox: Sandbox) -> list[str]:
    return sorted(p.name for p in (sandbox.home / "datasets").iterdir() if not p.name.endswith(".lock"))


@pytest.mark.parametrize("file_name", sorted(BAD_FILES))
def test_bad_file_is_refused_clearly(sandbox: Sandbox, tmp_path: Path, file_name: str) -> None:
    data, fragment = BAD_FILES[file_name]
    path = tmp_path / file_name
    path.write_bytes(data)
    known, folders = datasets(sandbox), dataset_folders(sandbox)
    for api, extra in (("/detect_layout", []), ("/validate_dataset", [""]),
                       ("/import_dataset", ["", f"bad/{file_name}", "0.8,0.1,0.1", 0])):
        assert_clear(refusal(sandbox, api, *upload_args(path), *extra), file_name, fragment)
    assert datasets(sandbox) == known and dataset_folders(sandbox) == folders
    # what the server received stays in its upload folder inside STUDIO_HOME
    assert list((sandbox.home / "cache" / "gradio").glob(f"*/{file_name}"))


def test_bad_lines_are_reported_by_number_and_nothing_is_imported(sandbox: Sandbox, tmp_path: Path) -> None:
    good = [json.dumps({**GOOD_RECORD, "id": f"r{i}"}, ensure_ascii=False).encode() for i in range(3)]
    path = tmp_path / "some-bad-lines.jsonl"
    path.write_bytes(b"\n".join([good[0], b'{"id": "x", "query_ko": ', good[1], b"[1, 2, 3]",
                                  good[2][:-2] + b'\xff"}']) + b"\n")
    known = datasets(sandbox)
    message = refusal(sandbox, "/import_dataset", *upload_args(path), "", "bad/lines", "", 0)
    assert message.startswith("3 bad rows, nothing was imported: "), message
    for line in (2, 4, 5):
        assert f"some-bad-lines.jsonl line {line}: " in message, message
    assert "not valid JSON" in message and "not valid UTF-8" in message, message
    assert datasets(sandbox) == known


def test_huge_upload_is_refused_by_the_server_and_the_cli(sandbox: Sandbox, tmp_path: Path) -> None:
    limit = UPLOAD_LIMIT_MB * 1024 * 1024
    line = (json.dumps(GOOD_RECORD, ensure_ascii=False) + "\n").encode()
    path = tmp_path / "huge.jsonl"
    path.write_bytes(line * (limit // len(line) + 2000))
    assert path.stat().st_size > limit
    # The server refuses the upload itself (HTTP 413), whatever client sends it ...
    with path.open("rb") as handle:
        response = httpx.post(sandbox.app.url + "gradio_api/upload", files={"files": ("huge.jsonl", handle)},
                              timeout=120)
    assert response.status_code == 413 and f"maximum allowed size of {limit} bytes" in response.text
    assert not list((sandbox.home / "cache" / "gradio").glob("*/huge.jsonl"))
    # ... gradio_client checks the limit the app declares before sending ...
    with pytest.raises(ValueError, match="exceeds the maximum file size"):
        sandbox.app.client().predict(*upload_args(path), api_name="/detect_layout")
    # ... and the CLI (which reads local files) applies the same limit.
    done = sandbox.cli("data", "import", str(path), "--name", "huge")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().startswith("error: huge.jsonl is") and "over the 1.0 MB limit" in done.stderr
    assert "STUDIO_MAX_UPLOAD_MB" in done.stderr and "Traceback" not in done.stderr
    assert store_of(sandbox.home).list_datasets() and "huge" not in datasets(sandbox)


def test_cli_import_of_bad_files_fails_with_one_line(sandbox: Sandbox, tmp_path: Path) -> None:
    names = sorted(BAD_FILES)
    for name in names:
        (tmp_path / name).write_bytes(BAD_FILES[name][0])
    results = sandbox.cli_many(*(("data", "import", str(tmp_path / name), "--name", "cli/bad") for name in names))
    for name, done in zip(names, results):
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0], (name, done.stderr)
        assert BAD_FILES[name][1] in lines[0], (name, lines[0])
    assert "cli/bad" not in datasets(sandbox)


def test_server_paths_in_the_source_box_stay_readable_only_where_allowed(sandbox: Sandbox) -> None:
    """A path typed in the source box is read (local use) but never written to; a missing one is a clear error."""
    message = refusal(sandbox, "/detect_layout", [], "/nonexistent/../etc/shadow-copy.jsonl", "auto", "auto")
    assert "does not exist" in message and "Traceback" not in message, message
