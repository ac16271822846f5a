"""The Data tab's public endpoints on a real launched server, through gradio_client."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from tests.data.helpers import parallel_records, write_jsonl, write_msmarco_pair
from tests.net import free_port


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    """One server for the module, with its own data home (built with studio.ui.app.build_app)."""
    from studio.context import forget_studios
    from studio.ui.app import build_app

    previous = os.environ.get("STUDIO_HOME")
    os.environ["STUDIO_HOME"] = str(tmp_path_factory.mktemp("ui-home"))
    forget_studios()
    app = build_app()
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()
        forget_studios()
        if previous is None:
            os.environ.pop("STUDIO_HOME", None)
        else:
            os.environ["STUDIO_HOME"] = previous


def test_public_endpoints(client: Client) -> None:
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/detect_layout", "/validate_dataset", "/import_dataset", "/list_datasets", "/dataset_report",
            "/split_dataset", "/preview_mix", "/compose_mix"} <= names


def test_import_split_and_mix_flow(client: Client, tmp_path: Path) -> None:
    ko, en = write_msmarco_pair(tmp_path, 40)
    files = [handle_file(str(ko)), handle_file(str(en))]
    detected = client.predict(files, "", "auto", "auto", api_name="/detect_layout")
    layout, mapping, preview = detected[:3]  # (the field list is UI state, not returned to clients)
    assert "MS MARCO-style" in layout and mapping == "id=id, query=query, passage=positive"
    assert preview["headers"] == ["id", "query_ko", "query_en", "passage_ko", "passage_en"]

    report = client.predict(files, "", "auto", "auto", mapping, api_name="/validate_dataset")
    assert report[4]["n_records"] == 40 and report[4]["n_bad_rows"] == 0 and "nothing imported yet" in report[0]

    imported = client.predict(files, "", "auto", "auto", mapping, "ms-ui", "", 0, api_name="/import_dataset")
    assert "Imported ms-ui: 40 records (not split)" in imported[0]
    split = client.predict("ms-ui", "0.5,0.25,0.25", 1, False, api_name="/split_dataset")
    assert split[4]["split_counts"] == {"train": 20, "dev": 10, "test": 10}

    preview = client.predict("ms-ui", "train", "all-four", 1, 1, 1, 1, 42, 0, api_name="/preview_mix")
    assert preview[3]["counts"] == {"ko-ko": 11, "en-en": 11, "ko-en": 10, "en-ko": 10}
    assert len(preview[2]["data"]) == 12
    saved = client.predict("ms-ui-mix", "ms-ui", "train", "custom", 0, 0, 1, 1, 40, 0, api_name="/compose_mix")
    assert saved[2]["ko-en"] == 20 and saved[2]["ko-ko"] == 0
    listing = client.predict("ms-ui", api_name="/list_datasets")
    assert {"demo/ko-en-qa", "ms-ui"} <= {row[0] for row in listing[0]["data"]}
    assert [row[0] for row in listing[1]["data"]] == ["ms-ui-mix"]


@pytest.mark.parametrize("args,endpoint,message", [
    (("bad", "ms-none", "train", "all-four", 1, 1, 1, 1, 10, 0), "/compose_mix", "No dataset named 'ms-none'"),
    (("z", "demo/ko-en-qa", "train", "custom", 0, 0, 0, 0, 10, 0), "/compose_mix", "All direction weights are zero"),
    (("z", "demo/ko-en-qa", "train", "all-four", 1, 1, 1, 1, 5000, 0), "/compose_mix", "lower the budget to at most 1,024"),
    (("../../z", "demo/ko-en-qa", "train", "all-four", 1, 1, 1, 1, 10, 0), "/compose_mix", "not a usable mix name"),
])
def test_errors_are_clear_messages(client: Client, args: tuple, endpoint: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name=endpoint)


def test_bad_upload_is_refused_and_nothing_registered(client: Client, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(4))
    path.write_text(path.read_text(encoding="utf-8") + "{oops\n", encoding="utf-8")
    with pytest.raises(Exception, match="1 bad row, nothing was imported: x.jsonl line 5"):
        client.predict([handle_file(str(path))], "", "auto", "auto", "", "bad-ui", "", 0, api_name="/import_dataset")
    listing = client.predict(None, api_name="/list_datasets")
    assert "bad-ui" not in {row[0] for row in listing[0]["data"]}


def test_server_paths_are_off_on_a_space(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from studio.data.errors import DataError
    from studio.ui.data_tab import _sources

    path = write_jsonl(tmp_path / "x.jsonl", parallel_records(2))
    assert _sources(None, str(path)) == [str(path)]
    monkeypatch.setenv("SPACE_ID", "user/space")
    with pytest.raises(DataError, match="turned off on a shared Space"):
        _sources(None, str(path))
    assert _sources(None, "owner/hub-dataset") == ["owner/hub-dataset"]
    monkeypatch.setenv("STUDIO_ALLOW_SERVER_PATHS", "1")
    assert _sources(None, str(path)) == [str(path)]
