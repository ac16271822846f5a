"""The Merge tab: its public endpoints on a real launched server (gradio_client), and its pure handlers."""

from __future__ import annotations


import pytest
from gradio_client import Client
from tests.net import free_port

pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture
def client(parents):
    from studio.ui.app import build_app

    app = build_app()
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


def test_preview_save_and_errors_through_the_server(client, parents, studio):
    base, a, b = parents
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/merge_preview", "/merge_save", "/merge_methods"} <= names
    methods = client.predict(api_name="/merge_methods")
    assert [m["name"] for m in methods][:2] == ["linear", "slerp"]
    assert {p["name"] for p in methods[3]["params"]} == {"normalize", "scale", "density", "majority_sign"}

    result = client.predict([a, b], [3, 1], "linear", "", None, None, "demo/ko-en-qa", "dev", 8,
                            api_name="/merge_preview")
    assert result["weights"] == pytest.approx([0.75, 0.25])
    assert set(result["merged"]["metrics"]) == {"ko-ko", "en-en", "ko-en", "en-ko"}
    assert [p["name"] for p in result["parents"]] == [a, b]
    assert result["merged"]["summary"]["clir"] is not None and result["limit"] == 8
    assert studio.store.list_models(kind="merged") == []  # a preview writes nothing

    with pytest.raises(Exception, match="sum to zero"):
        client.predict([a, b], [1, -1], "linear", api_name="/merge_preview")
    with pytest.raises(Exception, match="needs a base model"):
        client.predict([a, b], [1, 1], "ties", api_name="/merge_preview")

    saved = client.predict("ui/ties", [a, b], [1, 1], "ties", base, {"density": 0.8}, None, api_name="/merge_save")
    assert saved["parents"] == [{"name": a, "weight": 1.0}, {"name": b, "weight": 1.0}]
    assert studio.store.get_model("ui/ties").config["merge"]["params"]["density"] == 0.8


def test_handlers_generate_controls_from_the_registry(parents):
    from studio.ui import merge_tab

    _, a, b = parents
    updates = merge_tab.models_changed([a, b])
    assert [u["visible"] for u in updates[:merge_tab.MAX_MODELS]] == [True, True, False, False, False]
    assert updates[merge_tab.MAX_MODELS] == [[a, 0.5, 0.5, 0.5], [b, 0.5, 0.5, 0.5]]
    visible = [u["visible"] for u in merge_tab.method_changed("dare_ties")[2:]]
    shown = {p.name for p, v in zip(merge_tab.PARAMS, visible) if v}
    assert shown == {"normalize", "scale", "density", "seed", "majority_sign"}
    values = [p.default for p in merge_tab.PARAMS]
    text = merge_tab.weights_text([a, b], "linear", 0.6, 0.2, 0, 0, 0, *values)
    assert "0.750" in text and "0.250" in text
    assert "t = 0.250" in merge_tab.weights_text([a, b], "slerp", 0.6, 0.2, 0, 0, 0, *values)
    assert "sum to zero" in merge_tab.weights_text([a, b], "linear", 0.0, 0.0, 0, 0, 0, *values)
    import pandas as pd

    table = pd.DataFrame([[a, 1, 1, 0], [b, 0, 0, 1]], columns=merge_tab.LAYER_HEADERS)
    spec = merge_tab._spec([a, b], "ties", "test/base", True, table, [0.5, 0.5, 0, 0, 0], values)
    assert spec.base == "test/base" and spec.params["density"] == 0.5 and "seed" not in spec.params
    assert spec.layerwise == {"embeddings": [1.0, 0.0], "layers": [[1.0, 0.0], [0.0, 1.0]]}


def test_save_handler_registers_and_queues_the_full_evaluation(parents, studio):
    from studio.jobs import runner
    from studio.ui import merge_tab

    _, a, b = parents
    values = [p.default for p in merge_tab.PARAMS]
    text = merge_tab.save_merge("ui/soup", True, "demo/ko-en-qa", [a, b], "linear", None, False, None,
                                0.5, 0.5, 0, 0, 0, *values)
    assert "Saved **ui/soup**" in text and "queued as job #" in text
    job_id = int(text.split("job #")[1].rstrip("."))
    final = runner.wait_for(job_id, poll=0.5, studio=studio)
    assert final.state == "succeeded", runner.log_path(job_id, studio).read_text(errors="replace")[-2000:]
    evaluation = studio.store.list_evaluations(model_name="ui/soup")[0]
    assert evaluation.split == "test" and set(evaluation.metrics) == {"ko-ko", "en-en", "ko-en", "en-ko"}
