"""The study report: a self-contained HTML page and a Markdown summary, from stored results only.

Everything in the report is read back from the store: the study job's ``result`` (its stages, mixes, child jobs)
and the evaluation rows it points at, so the tables equal the stored evaluations. Files are written to
``<home>/reports/<study>/`` (``report.html``, ``report.md``, ``report.json``) through a temporary folder that is
renamed into place. Tables and figure captions link to each evaluation's TREC run files (``runs/<id>/``,
relative links that work when the report is opened from the data home).

Example:
    >>> from studio.study.report import report_for_job
    >>> paths = report_for_job(7)           # doctest: +SKIP
    >>> paths["html"]                        # doctest: +SKIP
    'reports/study-7/report.html'
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from storage.models import utcnow
from storage.records import EvaluationRecord
from studio import __version__
from studio.context import Studio, get_studio
from studio.errors import StudioError
from studio.evaluate.compare import run_values
from studio.evaluate.directions import ALL_DIRECTIONS
from studio.study import document as D
from studio.study.findings import Findings, Point, study_findings
from studio.study.preset import (
    BASE,
    BELEBELE,
    COMPOSITIONS,
    CROSS_SIDE,
    HELDOUT,
    MONO_SIDE,
    StudyConfig,
    endpoint_model,
    merge_label,
    parse_study,
)

REPORTS_DIR = "reports"
FILES = {"html": "report.html", "markdown": "report.md", "json": "report.json"}
TABLE_METRICS = {"ndcg@10": "nDCG@10", "mrr@10": "MRR@10", "recall@10": "Recall@10"}
COLUMNS = [d.value for d in ALL_DIRECTIONS] + ["clir", "mono", "all"]
COLUMN_TITLES = [d.value for d in ALL_DIRECTIONS] + ["CLIR", "mono", "all"]


class ReportError(StudioError):
    """A study has no results to report yet."""


@dataclass
class Entry:
    """One evaluated model of the study: base, a trained composition, or a merge of the sweep."""

    key: str
    label: str
    model: str
    kind: str  # base | trained | merge
    alpha: Optional[float] = None
    evaluations: dict[str, EvaluationRecord] = field(default_factory=dict)  # heldout / belebele -> record
    stage: dict[str, Any] = field(default_factory=dict)

    def point(self, benchmark: str) -> Optional[Point]:
        record = self.evaluations.get(benchmark)
        if record is None:
            return None
        values = run_values(record)
        if any(values.get(k) is None for k in ("clir", "mono", "all")):
            return None
        return Point(self.label, values["clir"], values["mono"], values["all"])


@dataclass
class StudyData:
    """What the report is made of, read back from the store."""

    study: str
    job_id: Optional[int]
    config: StudyConfig
    prepare: dict[str, Any]
    entries: list[Entry]
    sweep: list[Entry]
    stages: dict[str, Any]
    plan: list[str] = field(default_factory=list)  # stage keys, in order

    def entry(self, key: str) -> Optional[Entry]:
        return next((e for e in self.entries if e.key == key), None)

    def benchmarks(self) -> list[str]:
        return [b for b in (HELDOUT, BELEBELE) if any(b in e.evaluations for e in self.entries)]


# ---------------------------------------------------------------------------------------------- loading
def _evaluations(stages: dict[str, Any], keys: dict[str, str], studio: Studio) -> dict[str, EvaluationRecord]:
    found = {}
    for benchmark, key in keys.items():
        stage = stages.get(key) or {}
        if stage.get("state") == "done" and stage.get("evaluation_id"):
            found[benchmark] = studio.store.get_evaluation(int(stage["evaluation_id"]))
    return found


def load_study(result: dict[str, Any], studio: Optional[Studio] = None, job_id: Optional[int] = None) -> StudyData:
    """The study's entries and evaluation records, from a study job's ``result``."""
    studio = studio or get_studio()
    if not result.get("config") or not result.get("stages"):
        raise ReportError("This study has no finished stages yet; wait for it, or retry it if it failed.")
    config, stages = parse_study(result["config"]), result["stages"]
    entries = [Entry(BASE, f"base ({config.base_model})", config.base_model, "base",
                     evaluations=_evaluations(stages, {HELDOUT: "evaluate:base", BELEBELE: "belebele:base"}, studio))]
    for composition in COMPOSITIONS:
        stage = stages.get(f"train:{composition}") or {}
        entries.append(Entry(composition, composition, stage.get("model", ""), "trained", stage=stage,
                             evaluations=_evaluations(stages, {HELDOUT: f"evaluate:{composition}",
                                                               BELEBELE: f"belebele:{composition}"}, studio)))
    sweep = []
    for alpha in config.sweep_alphas():
        parent = endpoint_model(alpha)
        if parent is not None:
            source = next(e for e in entries if e.key == parent)
            sweep.append(Entry(parent, merge_label(alpha), source.model, "trained", alpha, dict(source.evaluations),
                               source.stage))
            continue
        stage = stages.get(f"sweep:{alpha:g}") or {}
        sweep.append(Entry(f"merge:{alpha:g}", merge_label(alpha), stage.get("model", ""), "merge", alpha,
                           _evaluations(stages, {HELDOUT: f"sweep:{alpha:g}", BELEBELE: f"sweep-belebele:{alpha:g}"},
                                        studio), stage))
    merges = [e for e in sweep if e.kind == "merge" and e.evaluations]
    plan = [item["key"] for item in result.get("plan") or []] or list(stages)
    return StudyData(result.get("study", ""), job_id, config, (stages.get("prepare") or {}), entries + merges,
                     sweep, stages, plan)


# -------------------------------------------------------------------------------------------- numbers
def _fmt(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.4f}"


def _delta(value: Optional[float], reference: Optional[float]) -> str:
    return "–" if value is None or reference is None else f"{value - reference:+.4f}"


def run_link(record: EvaluationRecord) -> str:
    """``[#12](../../runs/<name>/)``: the evaluation id, linked to its run files (relative to the report)."""
    return f"[#{record.id}](../../{record.run_path}/)" if record.run_path else f"#{record.id}"


def metric_table(entries: list[Entry], benchmark: str, metric: str) -> D.Table:
    """Models as rows, the four directions and the three means as columns (one metric)."""
    rows = []
    for entry in entries:
        record = entry.evaluations.get(benchmark)
        if record is not None:
            values = run_values(record, metric)
            rows.append([entry.label, *[_fmt(values.get(c)) for c in COLUMNS], run_link(record)])
    return D.Table(["model", *COLUMN_TITLES, "run"], rows)


def delta_table(entries: list[Entry], benchmark: str, metric: str) -> Optional[D.Table]:
    """Each model's change against the base model (same metric and set)."""
    base = entries[0].evaluations.get(benchmark)
    if base is None:
        return None
    reference = run_values(base, metric)
    rows = []
    for entry in entries[1:]:
        record = entry.evaluations.get(benchmark)
        if record is not None:
            values = run_values(record, metric)
            rows.append([entry.label, *[_delta(values.get(c), reference.get(c)) for c in COLUMNS], run_link(record)])
    return D.Table(["model", *COLUMN_TITLES, "run"], rows)


def points(entries: list[Entry], benchmark: str) -> list[dict[str, Any]]:
    """``{"label", "clir", "mono", "all", "evaluation_id", "alpha"}`` per evaluated entry (for the figures)."""
    found = []
    for entry in entries:
        record = entry.evaluations.get(benchmark)
        if record is not None:
            values = run_values(record)
            found.append({"label": entry.label, "clir": values["clir"], "mono": values["mono"], "all": values["all"],
                          "evaluation_id": record.id, "alpha": entry.alpha, "run_path": record.run_path})
    return found


def findings_for(data: StudyData, benchmark: str) -> Optional[Findings]:
    """The findings on one evaluation set, or None when the base or a trained model is missing there."""
    base = data.entries[0].point(benchmark)
    trained = {e.key: e.point(benchmark) for e in data.entries if e.kind == "trained"}
    if base is None or not trained or any(p is None for p in trained.values()):
        return None
    sweep = [(e.alpha, e.point(benchmark)) for e in data.sweep if e.point(benchmark) is not None]
    record = data.entries[0].evaluations[benchmark]
    return study_findings(base, trained, sweep, n_queries=record.n_queries)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- document
def _set_name(data: StudyData, benchmark: str) -> str:
    if benchmark == BELEBELE:
        return "Belebele ko/en (test)"
    return f"{data.config.dataset}, {data.config.split} split"


def _runs_caption(items: list[dict[str, Any]]) -> str:
    return "Stored runs: " + ", ".join(
        f"{p['label']} [#{p['evaluation_id']}](../../{p['run_path']}/)" for p in items) + "."


def _intro(data: StudyData, benchmark: str) -> list[D.Block]:
    record = next(e.evaluations[benchmark] for e in data.entries if benchmark in e.evaluations)
    blocks: list[D.Block] = [D.Heading(2, f"Results on {_set_name(data, benchmark)}", anchor=benchmark),
                             D.Paragraph(f"{record.n_queries:,} queries per direction; QUERY-DOC directions "
                                         "(**ko-en** = Korean query, English documents); CLIR = mean(ko-en, en-ko), "
                                         "mono = mean(ko-ko, en-en), all = mean of the four.")]
    findings = findings_for(data, benchmark)
    if findings is not None:
        blocks += [D.Heading(3, "Findings"), D.Bullets(findings.sentences)]
        if findings.verdict != "undetermined":
            blocks.append(D.Paragraph(findings.verdict_sentence))
    return blocks


def _tables(data: StudyData, benchmark: str) -> list[D.Block]:
    blocks: list[D.Block] = []
    for metric, title in TABLE_METRICS.items():
        blocks += [D.Heading(3, title), metric_table(data.entries, benchmark, metric)]
    blocks.append(D.Heading(3, "Change against the base model"))
    for metric, title in TABLE_METRICS.items():
        table = delta_table(data.entries, benchmark, metric)
        if table is not None:
            blocks += [D.Paragraph(f"**{title}**"), table]
    return blocks


def _sweep_blocks(data: StudyData, benchmark: str, figures: dict[str, Any]) -> list[D.Block]:
    from studio.study.plots import sweep_figure

    sweep = points(data.sweep, benchmark)
    if len(sweep) < 2:
        return []
    curve = sweep_figure(sweep, title=f"Merge sweep ({_set_name(data, benchmark)})")
    figures[f"sweep-{benchmark}"] = curve
    return [D.Heading(3, "Merge sweep"), D.Paragraph(
        f"Linear merges of the monolingual-trained models ({' + '.join(MONO_SIDE)}, equal shares) with the "
        f"cross-lingual-trained model ({' + '.join(CROSS_SIDE)}); α is the cross-lingual weight. Merges are built in "
        "memory and evaluated; the endpoints at α = 1 (and α = 0 for a single model) reuse that model's evaluation."),
        D.Table(["α", "CLIR", "mono", "all", "run"],
                [[f"{p['alpha']:.2f}", _fmt(p["clir"]), _fmt(p["mono"]), _fmt(p["all"]),
                  f"[#{p['evaluation_id']}](../../{p['run_path']}/)"] for p in sweep]),
        D.Figure(curve, _runs_caption(sweep), f"sweep-{benchmark}")]


def _benchmark_section(data: StudyData, benchmark: str, figures: dict[str, Any]) -> list[D.Block]:
    """Findings, the trade-off figure, the metric and delta tables, per-direction bars and the sweep of one set."""
    from studio.study.plots import directions_figure, tradeoff_figure

    name = _set_name(data, benchmark)
    models = points([e for e in data.entries if e.kind != "merge"], benchmark)
    merges = points([e for e in data.sweep if e.kind == "merge"], benchmark)
    trade = tradeoff_figure(models, points(data.sweep, benchmark),
                            title=f"CLIR vs monolingual ({name}), with the merge sweep")
    rows = [{"label": e.label, "values": run_values(e.evaluations[benchmark])}
            for e in data.entries if benchmark in e.evaluations]
    bars = directions_figure(rows, title=f"nDCG@10 per direction ({name})")
    figures[f"tradeoff-{benchmark}"], figures[f"directions-{benchmark}"] = trade, bars
    return [*_intro(data, benchmark), D.Figure(trade, _runs_caption(models + merges), f"tradeoff-{benchmark}"),
            *_tables(data, benchmark), D.Figure(bars, _runs_caption(models + merges), f"directions-{benchmark}"),
            *_sweep_blocks(data, benchmark, figures)]


CLI_FLAGS = ("name", "split", "batch_size", "max_seq_length", "learning_rate", "epochs", "eval_limit",
             "eval_max_seq_length", "sweep_steps", "dev_limit")


def _command(config: StudyConfig) -> str:
    """The ``clir-studio study run`` line that queues this configuration (fields without a flag: see the JSON)."""
    from studio.study.preset import SETTING_DEFAULTS, StudyConfig as Config

    parts = ["clir-studio study run", f"--dataset {config.dataset}", f"--base {config.base_model}",
             f"--budget {config.budget}", f"--seed {config.seed}", f"--setting {config.setting}"]
    if config.belebele_dir:
        parts.append(f"--belebele-dir {config.belebele_dir}")
    defaults = {**{k: f.default for k, f in Config.model_fields.items()}, **SETTING_DEFAULTS[config.setting]}
    for field in CLI_FLAGS:
        value = getattr(config, field)
        if value is not None and value != defaults.get(field):
            parts.append(f"--{field.replace('_', '-')} {value:g}" if isinstance(value, float)
                         else f"--{field.replace('_', '-')} {value}")
    return " ".join(parts)


def _reproduce_section(data: StudyData) -> list[D.Block]:
    dataset, mixes = data.prepare.get("dataset", {}), data.prepare.get("mixes", {})
    blocks: list[D.Block] = [D.Heading(2, "Reproduce", anchor="reproduce"), D.Paragraph(
        f"Study job #{data.job_id}, CLIR Studio {__version__}. Same command, same data and seed give the same mixes "
        "(their pairs files' SHA-256 below) and, on the same hardware, the same models. The configuration was:"),
        D.Code(_command(data.config), "sh"), D.Code(json.dumps(data.config.model_dump(), indent=2), "json"),
        D.Bullets([f"dataset `{dataset.get('name', data.config.dataset)}`: content hash `{dataset.get('content_hash', '?')}`, "
                   f"{dataset.get('n_records', '?')} records, split {dataset.get('split_counts', {})} "
                   f"(seed {dataset.get('split_seed')})",
                   f"base model `{data.config.base_model}`: fingerprint `{data.prepare.get('base_fingerprint', '?')}`"])]
    blocks.append(D.Table(["composition", "mix", "mix id", "pairs per direction", "pairs SHA-256"],
                          [[c, f"`{m['name']}`", m["id"], ", ".join(f"{d} {n}" for d, n in m["counts"].items() if n),
                            f"`{m['sha256']}`"] for c, m in mixes.items()], numeric_from=5))
    trained = [e for e in data.entries if e.kind == "trained"]
    blocks.append(D.Table(["composition", "model", "fingerprint", "training job", "steps", "train loss"],
                          [[e.key, f"`{e.model}`", f"`{e.stage.get('fingerprint', '?')}`", f"#{e.stage.get('job_id')}",
                            e.stage.get("steps", "–"), _fmt(e.stage.get("train_loss"))] for e in trained],
                          numeric_from=4))
    rows = []
    for entry in data.entries:
        for benchmark, record in entry.evaluations.items():
            rows.append([entry.label, benchmark, run_link(record), f"`{record.run_path}`", record.n_queries,
                         f"`{record.config.get('model_fingerprint', '?')}`",
                         f"`{record.config.get('evalset_fingerprint', '?')}`"])
    blocks.append(D.Table(["model", "set", "evaluation", "run files", "queries", "model fingerprint (as evaluated)",
                           "evaluation-set fingerprint"], rows, numeric_from=7))
    merges = [e for e in data.sweep if e.kind == "merge" and e.stage.get("merge")]
    if merges:
        blocks.append(D.Paragraph("Merges (linear, not saved; re-create one with `clir-studio merge`): " + "; ".join(
            f"{e.label} = " + " + ".join(f"{w:g}·`{m}`" for m, w in zip(e.stage["merge"]["models"],
                                                                      e.stage["merge"]["weights"])) for e in merges)))
    return blocks


def build_document(data: StudyData) -> tuple[list[D.Block], dict[str, Any]]:
    """The report's blocks and its figures (by name)."""
    config, figures = data.config, {}
    blocks: list[D.Block] = [
        D.Heading(1, f"Study {data.study}: language composition, merging and CLIR"),
        D.Paragraph(f"Base model **{config.base_model}**, dataset **{config.dataset}**, {config.budget:,} training "
                    f"pairs per composition, seed {config.seed}, setting **{config.setting}** (batch {config.batch_size}, "
                    f"{config.max_seq_length} tokens in training, {config.eval_max_seq_length} in evaluation, "
                    f"learning rate {config.learning_rate:g}, {'frozen' if config.freeze_embeddings else 'trained'} word "
                    f"embeddings). Compositions: mono-ko (ko-ko pairs), mono-en (en-en), cross-only (ko-en + en-ko), "
                    f"all-four (all four directions), each trained from the base with the same budget and seed."),
    ]
    missing = [key for key in data.plan if key != "report" and (data.stages.get(key) or {}).get("state") != "done"]
    if missing:
        blocks.append(D.Paragraph(f"**Incomplete study**: stages not finished: {', '.join(missing)}."))
    for benchmark in data.benchmarks():
        blocks += _benchmark_section(data, benchmark, figures)
    if BELEBELE not in data.benchmarks():
        blocks.append(D.Paragraph("Belebele was not evaluated (give `--belebele-dir`, or set STUDIO_BELEBELE_DIR, "
                                  "to add it)."))
    blocks += _reproduce_section(data)
    return blocks, figures


def report_json(data: StudyData) -> dict[str, Any]:
    """The report's numbers as data (``report.json``)."""
    out: dict[str, Any] = {"study": data.study, "job_id": data.job_id, "app_version": __version__,
                           "generated_at": utcnow().isoformat(timespec="seconds"), "config": data.config.model_dump(),
                           "dataset": data.prepare.get("dataset"), "mixes": data.prepare.get("mixes"),
                           "base_fingerprint": data.prepare.get("base_fingerprint"), "results": {}}
    for benchmark in data.benchmarks():
        findings = findings_for(data, benchmark)
        out["results"][benchmark] = {
            "models": [{"label": e.label, "model": e.model, "kind": e.kind, "alpha": e.alpha,
                        "evaluation_id": e.evaluations[benchmark].id, "run_path": e.evaluations[benchmark].run_path,
                        "metrics": {m: run_values(e.evaluations[benchmark], m) for m in TABLE_METRICS}}
                       for e in data.entries if benchmark in e.evaluations],
            "sweep": points(data.sweep, benchmark),
            "findings": None if findings is None else {"sentences": findings.sentences, "verdict": findings.verdict,
                                                       "verdict_sentence": findings.verdict_sentence,
                                                       "checks": findings.checks, "numbers": findings.numbers}}
    return out


# ---------------------------------------------------------------------------------------------- writing
def report_folder(study: str, studio: Optional[Studio] = None) -> Path:
    """``<home>/reports/<study>``."""
    return (studio or get_studio()).paths.home / REPORTS_DIR / study


def write_report(result: dict[str, Any], studio: Optional[Studio] = None, job_id: Optional[int] = None) -> dict[str, str]:
    """Write ``report.html``, ``report.md`` and ``report.json``; returns their paths relative to the data home."""
    studio = studio or get_studio()
    data = load_study(result, studio, job_id)
    blocks, _ = build_document(data)
    title = f"CLIR Studio study {data.study}"
    contents = {"html": D.to_html(blocks, title), "markdown": D.to_markdown(blocks, FILES["html"]),
                "json": json.dumps(report_json(data), indent=2, ensure_ascii=False, default=str) + "\n"}
    target = report_folder(data.study, studio)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        temporary.mkdir()
        for kind, text in contents.items():
            (temporary / FILES[kind]).write_text(text, encoding="utf-8")
        if target.exists():
            os.replace(target, old)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    relative = target.relative_to(studio.paths.home).as_posix()
    return {"folder": relative, **{kind: f"{relative}/{name}" for kind, name in FILES.items()}}


def report_for_job(job_id: int, studio: Optional[Studio] = None) -> dict[str, str]:
    """(Re)write the report of study job ``job_id`` from what is stored; returns the relative paths."""
    from studio.study.runner import get_study_job

    studio = studio or get_studio()
    job = get_study_job(job_id, studio)
    return write_report(job.result or {}, studio, job.id)


def study_figures(job_id: int, studio: Optional[Studio] = None) -> dict[str, Any]:
    """The report's plotly figures for study job ``job_id`` (for the UI), by name."""
    from studio.study.runner import get_study_job

    studio = studio or get_studio()
    job = get_study_job(job_id, studio)
    return build_document(load_study(job.result or {}, studio, job.id))[1]
