"""End to end in a real headless Chromium, driven as a user: upload → mix → train → evaluate → merge → search
(→ export the trained model as an archive).

The app is ``python -m studio ui`` on a fresh data home holding the tiny random test model (``test/tiny``;
registered before the app starts, as ``clir-studio models add`` would) and a pre-converted bundled model
(hard-linked, so the app's warm-up has nothing to do). Every step clicks and types in the page, waits for
what a user would see, and saves ``test-artifacts/e2e-<n>-<step>.png``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

import pytest

from tests.faults.served import ServedApp, bundled_cache, kill_running_workers, make_app, seed_home, store_of
from tests.tiny_model import DEMO_FILE

pytestmark = pytest.mark.browser

DATASET = "e2e/uploaded-qa"
MIX = "e2e-all4"
TRAINED = "e2e/tiny-ft"
N_RECORDS = 60
STEP_TIMEOUT_MS = 240_000  # a job's worker imports torch; on a loaded 2-core machine that takes a while


@pytest.fixture(scope="module")
def e2e_app(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Iterator[ServedApp]:
    root = tmp_path_factory.mktemp("e2e")
    home = seed_home(root / "home", tiny_model_dir, bundled_cache(tmp_path_factory.getbasetemp().parent))
    app = make_app(home, root / "app.log").start().wait_serving()
    yield app
    app.stop()
    kill_running_workers(home)


@pytest.fixture
def e2e_page(browser: Any, e2e_app: ServedApp, request: pytest.FixtureRequest) -> Iterator[Any]:
    from tests.browser.conftest import save_screenshot

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(e2e_app.url)
    shots().wait_until_ready(page)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def upload_file(folder: Path) -> Path:
    """60 demo records with their own ids, as the JSONL a user would upload."""
    lines = DEMO_FILE.read_text(encoding="utf-8").splitlines()[:N_RECORDS]
    path = folder / "my-ko-en-qa.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            record = json.loads(line)
            handle.write(json.dumps({"id": "up-" + record["id"], "query_ko": record["query_ko"],
                                     "query_en": record["query_en"], "passage_ko": record["passage_ko"],
                                     "passage_en": record["passage_en"]}, ensure_ascii=False) + "\n")
    return path


# ----------------------------------------------------------------------------------- page helpers
def shots() -> Any:
    from tests.browser.conftest import shots as module

    return module


def open_tab(page: Any, name: str) -> None:
    shots().open_tab(page, name)


def visible(page: Any, locator: Any) -> Any:
    return locator.locator("visible=true").first


def pick(page: Any, label: str, option: str) -> None:
    """Open the dropdown called ``label`` (in the open tab) and click ``option``."""
    box = visible(page, page.get_by_label(label, exact=True))
    box.click()
    visible(page, page.get_by_role("option", name=option, exact=True)).click()
    page.keyboard.press("Escape")  # close a multiselect's list; harmless otherwise
    assert option in (box.input_value() or box.evaluate("e => e.closest('.wrap')?.innerText || ''"))


def fill(page: Any, label: str, value: Any) -> None:
    field = visible(page, page.get_by_label(label, exact=True))
    field.fill(str(value))
    field.press("Tab")  # commit the value (Gradio's number fields update on blur)
    assert field.input_value() == str(value), (label, field.input_value())


def click(page: Any, name: str) -> None:
    visible(page, page.get_by_role("button", name=name, exact=True)).click()


def error_toasts(page: Any) -> list[str]:
    """Texts of the error messages (Gradio toasts) on screen."""
    return [t.inner_text() for t in page.locator(".toast-body.error [data-testid='toast-text']").all()]


def wait_text(page: Any, text: str | re.Pattern, timeout: int = STEP_TIMEOUT_MS) -> Any:
    """Wait until ``text`` is visible; fail at once, with its message, if the app shows an error instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    target = visible(page, page.get_by_text(text))
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            target.wait_for(timeout=1000)
            return target
        except PlaywrightTimeout:
            errors = error_toasts(page)
            assert not errors, f"waiting for {text!r}, the app showed: {errors}"
            if time.monotonic() > deadline:
                raise


def no_error_toast(page: Any) -> None:
    errors = error_toasts(page)
    assert not errors, f"the app showed an error: {errors}"


def table_cells(page: Any, label: str) -> list[list[str]]:
    """The rows of the visible Dataframe called ``label``, as text."""
    return page.evaluate(
        """label => {
             const block = [...document.querySelectorAll('.block')].find(b => b.offsetParent !== null
                 && [...b.querySelectorAll('span, label, p')].some(e => e.textContent.trim() === label));
             if (!block) return [];
             const virtual = [...block.querySelectorAll('.virtual-row')];  // Gradio 6 renders long tables lazily
             const rows = virtual.length ? virtual.map(r => [...r.querySelectorAll('.body-cell')])
                                         : [...block.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')]);
             return rows.map(cells => cells.map(c => c.textContent.trim())).filter(cells => cells.some(c => c !== ''));
           }""",
        label,
    )


def wait_for_row(page: Any, label: str, predicate: Any, timeout: int = STEP_TIMEOUT_MS) -> list[str]:
    """Poll the table ``label`` until a row satisfies ``predicate``; return that row."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        rows = table_cells(page, label)
        for row in rows:
            if predicate(row):
                return row
        assert time.monotonic() < deadline, f"no matching row in {label!r} within {timeout / 1000:.0f} s: {rows}"
        page.wait_for_timeout(1000)


# ------------------------------------------------------------------------------------------ steps
def step_import(page: Any, folder: Path) -> None:
    """Data tab: upload a file (through the file chooser), check the detected layout, name it, import."""
    open_tab(page, "Data")
    with page.expect_file_chooser() as chooser:  # what a click on the drop zone opens
        click(page, "Click to upload or drop files")
    chooser.value.set_files(str(upload_file(folder)))
    wait_text(page, "Detected:", 120_000)
    assert visible(page, page.get_by_text("canonical parallel table")).is_visible()
    fill(page, "Dataset name", DATASET)
    click(page, "Import")
    wait_text(page, f"Imported {DATASET}: {N_RECORDS} records", 120_000)
    shots().wait_until_idle(page)
    no_error_toast(page)


def step_mix(page: Any) -> None:
    """Mix composer: the imported dataset is preselected; all four directions, a small budget; preview, save."""
    mix_dataset = page.get_by_label("Dataset", exact=True).locator("visible=true").nth(1)
    assert mix_dataset.input_value() == DATASET
    fill(page, "Budget (pairs)", 160)  # 48 train records: at most 48 pairs per direction
    click(page, "Preview")
    wait_text(page, "160 pairs: ko-ko 40", 60_000)
    fill(page, "Mix name", MIX)
    click(page, "Save mix")
    wait_text(page, f"Saved mix {MIX}", 60_000)
    no_error_toast(page)


def step_train(page: Any) -> int:
    """Train tab: refresh the lists, the tiny base model, the new mix, a few steps; Train. Returns the job id."""
    open_tab(page, "Train")
    click(page, "↻")
    shots().wait_until_idle(page)
    pick(page, "Base model", "test/tiny")
    pick(page, "Mix", MIX)
    name = visible(page, page.get_by_label("New model name", exact=True))
    # the tab suggests a name once base and mix are set; wait for it, as a user would, before replacing it
    page.wait_for_function("e => e.value !== ''", arg=name.element_handle(), timeout=30_000)
    fill(page, "New model name", TRAINED)
    fill(page, "Learning rate", 0.001)
    fill(page, "Max steps (0: use epochs)", 6)
    fill(page, "Batch size (pairs)", 8)
    wait_text(page, "Estimate:", 60_000)
    assert name.input_value() == TRAINED
    click(page, "Train")
    status = wait_text(page, re.compile(r"Job \d+ (running now|queued)"), 60_000).inner_text()
    return int(re.search(r"Job (\d+)", status).group(1))


def step_jobs(page: Any, app: Any, job_id: int) -> None:
    """Jobs tab: the queue shows the job; it reaches "succeeded" (the tab polls every 2 s)."""
    open_tab(page, "Jobs")
    wait_for_row(page, "Queue (newest first; click a row)",
                 lambda row: row[:2] == [str(job_id), "train"] and row[2] in ("succeeded", "failed"))
    job = store_of(app.home).get_job(job_id)
    assert job.state == "succeeded", job.error
    assert job.result.get("global_step") == 6
    fill(page, "Job", job_id)  # show its progress, curves and log
    read_log = """() => { const b = [...document.querySelectorAll('.block')].find(b => b.offsetParent !== null
                              && b.querySelector('textarea') && b.textContent.includes('Log (last'));
                          return b ? b.querySelector('textarea').value : ''; }"""
    deadline = time.monotonic() + 60
    while f"job {job_id} succeeded" not in page.evaluate(read_log):
        assert time.monotonic() < deadline, f"the log view lacks the end of job {job_id}: {page.evaluate(read_log)[-300:]}"
        page.wait_for_timeout(500)


def step_evaluate(page: Any) -> None:
    """Evaluate tab: the trained model on the uploaded dataset's test split; the metrics table fills in."""
    open_tab(page, "Evaluate")
    click(page, "↻")
    shots().wait_until_idle(page)
    pick(page, "Model (or BM25 baseline)", TRAINED)
    pick(page, "Dataset or benchmark", DATASET)
    click(page, "Evaluate")
    wait_text(page, re.compile(rf"{re.escape(TRAINED)}.* on .*{re.escape(DATASET)}"), STEP_TIMEOUT_MS)
    shots().wait_until_idle(page)
    rows = {row[0]: row for row in table_cells(page, "Metrics")}
    assert {"ko-ko", "en-en", "ko-en", "en-ko", "clir mean"} <= set(rows), rows
    for direction in ("ko-ko", "en-en", "ko-en", "en-ko"):
        values = [float(v) for v in rows[direction][1:] if v not in ("", "–", "None", "NaN", "nan")]
        assert len(values) >= 4 and all(0.0 <= v <= 1.0 for v in values), rows[direction]
    assert 0.0 <= float(rows["clir mean"][1]) <= 1.0  # the nDCG@10 mean of ko-en and en-ko
    no_error_toast(page)


def step_merge(page: Any, app: Any) -> None:
    """Merge tab: the base and the fine-tune, Preview (merged in memory and scored; nothing written)."""
    open_tab(page, "Merge")
    click(page, "↻")
    shots().wait_until_idle(page)
    models = visible(page, page.get_by_label(re.compile(r"^Models to merge")))
    for name in ("test/tiny", TRAINED):
        models.click()
        visible(page, page.get_by_role("option", name=name, exact=True)).click()
    page.keyboard.press("Escape")
    wait_text(page, "Applied weights:", 60_000)
    n_models = len(store_of(app.home).list_models())
    click(page, "Preview")
    merged = wait_text(page, re.compile(r"Merged in .* Nothing written\."), STEP_TIMEOUT_MS).inner_text()
    assert re.search(r"CLIR \d\.\d{4} · mono \d\.\d{4} · all \d\.\d{4}", merged), merged
    assert len(store_of(app.home).list_models()) == n_models
    shots().wait_until_idle(page)
    no_error_toast(page)


def step_search(page: Any) -> None:
    """Search tab: the tiny base vs the fine-tune over the uploaded dataset; two result columns."""
    open_tab(page, "Search")
    click(page, "↻ Models and datasets")
    shots().wait_until_idle(page)
    pick(page, "Model A", "test/tiny")
    pick(page, "Model B", TRAINED)
    pick(page, "Corpus (dataset)", DATASET)
    query = visible(page, page.get_by_label("Query (Korean or English)", exact=True))
    query.fill("조선 시대에 한글을 만든 왕은 누구인가?")
    click(page, "Search")
    page.wait_for_function(
        "() => [...document.querySelectorAll('h4')].filter(h => h.offsetParent !== null"
        " && /^[AB] · /.test(h.innerText)).length === 2"
        " && [...document.querySelectorAll('div')].filter(d => d.offsetParent !== null"
        " && /^\\d+ results in/.test(d.innerText)).length === 2",
        timeout=STEP_TIMEOUT_MS,
    )
    headers = [h.inner_text() for h in page.locator("h4").locator("visible=true").all()
               if re.match(r"^[AB] · ", h.inner_text())]
    assert headers == ["A · test/tiny", f"B · {TRAINED}"], headers
    assert page.locator(".search-hit").locator("visible=true").count() == 20  # top-10 in each column
    assert "Korean" in visible(page, page.get_by_text("Query language:")).inner_text()
    no_error_toast(page)


def step_export(page: Any, app: Any, model: str) -> None:
    """Models tab: export the model as an archive for download; the file is written inside the data home."""
    open_tab(page, "Models")
    click(page, "Refresh")
    shots().wait_until_idle(page)
    pick(page, "Model", model)
    visible(page, page.get_by_text("Export or import a model archive")).click()
    click(page, "Export the selected model")
    archive = model.replace("/", "--") + ".tar.gz"
    link = visible(page, page.locator(f"a[href*='{archive}']"))  # the file's download link
    link.wait_for(timeout=120_000)
    no_error_toast(page)
    served_path = unquote(re.search(r"file=(.*)$", link.get_attribute("href")).group(1))
    assert Path(served_path).resolve().is_relative_to((app.home / "cache" / "gradio").resolve()), served_path
    assert Path(served_path).stat().st_size > 10_000


# ------------------------------------------------------------------------------------------- test
def test_upload_mix_train_evaluate_merge_search(e2e_page, e2e_app, screenshot, tmp_path) -> None:
    page = e2e_page
    step_import(page, tmp_path)
    screenshot(page, "e2e-1-data-imported")
    step_mix(page)
    screenshot(page, "e2e-2-mix-saved")
    job_id = step_train(page)
    screenshot(page, "e2e-3-train-queued")
    step_jobs(page, e2e_app, job_id)
    screenshot(page, "e2e-4-job-succeeded")
    step_evaluate(page)
    screenshot(page, "e2e-5-evaluated")
    step_merge(page, e2e_app)
    screenshot(page, "e2e-6-merge-preview")
    step_search(page)
    screenshot(page, "e2e-7-search-side-by-side")
    step_export(page, e2e_app, TRAINED)
    screenshot(page, "e2e-8-model-exported")
