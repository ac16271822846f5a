"""CSV formula injection: the app has no CSV export today; this test keeps it that way until one is neutralised.

Runs and metrics leave the app as JSON (``clir-studio runs list --json``, the ``list_runs`` / ``compare_runs``
endpoints, ``evaluations.json`` in model archives) and as Markdown/HTML (the study report); none is read as a
spreadsheet. Names that start with ``= + - @`` are legal (see test_names.py), so the day a CSV (or TSV/XLSX)
export is added, its cells must be neutralised (e.g. prefixed with ``'``) and a test must cover it. This
tripwire fails as soon as code under ``studio/`` writes CSV outside the importers (which only read).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.faults.served import Sandbox, store_of

REPO = Path(__file__).resolve().parents[2]
WRITERS = re.compile(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(|\.to_excel\(|text/csv|[\"']\.(csv|tsv|xlsx)[\"']")
READERS_ONLY = ("studio/data/importers/", "studio/cli/data_cmd.py")  # formats a user may import


def test_the_app_writes_no_csv() -> None:
    offenders = []
    for path in sorted((REPO / "studio").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith(READERS_ONLY):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITERS.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, (
        "A CSV/spreadsheet export appeared; neutralise cells starting with = + - @ (tab, CR) and add a "
        f"formula-injection test for it: {offenders}")


def test_runs_export_keeps_formula_like_names_as_plain_json_strings(sandbox: Sandbox) -> None:
    """The Runs export path that exists (JSON) carries a formula-like model name verbatim, as data."""
    name = "=SUM(1;2)+cmd|' /C calc'!A0"
    if store_of(sandbox.home).find_model(name) is None:
        done = sandbox.cli("models", "add", name, str(sandbox.home / "models" / "test-tiny"))
        assert done.returncode == 0, done.stderr
    outcome = sandbox.app.client().predict(name, "demo/ko-en-qa", "test", ["ko-ko"], 3, "", False,
                                           api_name="/evaluate")
    assert outcome["mode"] == "inline" and outcome["model"] == name
    done = sandbox.cli("runs", "list", "--json", "--model", name)
    assert done.returncode == 0, done.stderr
    runs = json.loads(done.stdout)
    assert runs and all(run["model"] == name for run in runs)
    listed = sandbox.app.client().predict("", api_name="/list_runs")
    assert name in {run["model"] for run in listed}
