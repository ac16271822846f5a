"""Findings are computed from the numbers: constructed cases, and a report written from stored evaluations."""

from __future__ import annotations

import re

from studio.study.findings import Point, study_findings

BASE = Point("base", clir=0.60, mono=0.90, all=0.75)


def trained(cross: Point) -> dict[str, Point]:
    return {"mono-ko": Point("mono-ko", 0.58, 0.93, 0.755), "mono-en": Point("mono-en", 0.59, 0.92, 0.755),
            "cross-only": cross, "all-four": Point("all-four", 0.70, 0.89, 0.795)}


def test_cross_lingual_training_best_for_clir_and_the_merge_recovers_the_loss():
    cross = Point("cross-only", clir=0.75, mono=0.84, all=0.795)
    sweep = [(0.0, Point("merge α=0.00", 0.59, 0.92, 0.755)), (0.5, Point("merge α=0.50", 0.71, 0.90, 0.805)),
             (1.0, cross)]
    found = study_findings(BASE, trained(cross), sweep, n_queries=500)
    assert found.sentences[0] == ("Best for cross-lingual retrieval: **cross-only** (CLIR mean nDCG@10 0.750, "
                                  "+0.150 against the base model's 0.600).")
    assert found.sentences[1].startswith("Best for monolingual retrieval: **mono-ko** (monolingual mean nDCG@10 0.930")
    assert "raises CLIR by 0.160 and lowers monolingual retrieval by 0.080" in found.sentences[2]
    assert "It recovers 75% of the monolingual loss" in found.sentences[3]
    assert "keeps 75% of the CLIR gain" in found.sentences[3]
    assert found.verdict == "agrees" and "**agrees**" in found.verdict_sentence
    assert abs(found.numbers["recovered"] - 0.75) < 1e-9 and found.numbers["best_alpha"] == 0.5


def test_no_gain_no_loss_disagrees_and_says_why():
    cross = Point("cross-only", clir=0.59, mono=0.92, all=0.755)
    sweep = [(0.0, Point("merge α=0.00", 0.59, 0.92, 0.755)), (0.5, Point("merge α=0.50", 0.59, 0.92, 0.755)),
             (1.0, cross)]
    found = study_findings(BASE, trained(cross), sweep)
    assert found.sentences[0].startswith("Best for cross-lingual retrieval: **all-four** (CLIR mean nDCG@10 0.700")
    assert "leaves CLIR about the same" in found.sentences[2]
    assert "no monolingual loss for the merge to recover" in found.sentences[3]
    assert found.verdict == "disagrees" and found.checks["merge_recovers"] is None


def test_small_recovery_partly_agrees():
    cross = Point("cross-only", clir=0.75, mono=0.84, all=0.795)
    sweep = [(0.0, Point("α=0", 0.59, 0.92, 0.755)), (0.5, Point("α=0.5", 0.74, 0.85, 0.795)), (1.0, cross)]
    found = study_findings(BASE, trained(cross), sweep)
    assert found.verdict == "partly"
    assert "Does not hold: merging recovers at least 50% of the monolingual loss" in found.verdict_sentence


def _metrics(clir: float, mono: float) -> dict:
    def one(value: float) -> dict:
        return {"ndcg@10": value, "mrr@10": value - 0.05, "recall@10": min(1.0, value + 0.1)}

    return {"ko-ko": one(mono + 0.01), "en-en": one(mono - 0.01), "ko-en": one(clir - 0.02), "en-ko": one(clir + 0.02)}


def test_report_from_stored_evaluations_states_what_the_numbers_say(studio):
    """A study whose stored numbers make cross-only best for CLIR: the report's findings and tables say so."""
    from studio.study.preset import StudyConfig, plan_stages
    from studio.study.report import write_report

    config = StudyConfig.for_setting("quick", dataset="demo/ko-en-qa", base_model="base-m", budget=40, sweep_steps=3,
                                     belebele_dir="/belebele")
    numbers = {"evaluate:base": (0.60, 0.90), "evaluate:mono-ko": (0.58, 0.93), "evaluate:mono-en": (0.59, 0.92),
               "evaluate:cross-only": (0.75, 0.84), "evaluate:all-four": (0.70, 0.89),
               "sweep:0": (0.59, 0.92), "sweep:0.5": (0.71, 0.90),
               "belebele:base": (0.72, 0.92), "belebele:mono-ko": (0.70, 0.93), "belebele:mono-en": (0.71, 0.93),
               "belebele:cross-only": (0.80, 0.91), "belebele:all-four": (0.78, 0.92)}
    stages = {}
    for key, (clir, mono) in numbers.items():
        metrics = _metrics(clir, mono)
        record = studio.store.add_evaluation(
            model_name=key, dataset_name="demo/ko-en-qa", split="test", metrics=metrics, n_queries=32,
            summary={"clir": clir, "mono": mono, "all": (clir + mono) / 2}, run_path=f"runs/{key.replace(':', '-')}")
        stages[key] = {"state": "done", "evaluation_id": record.id, "model": key}
    for composition in ("mono-ko", "mono-en", "cross-only", "all-four"):
        stages[f"train:{composition}"] = {"state": "done", "model": f"s/{composition}", "job_id": 1}
    result = {"study": "fake-study", "config": config.model_dump(), "stages": stages,
              "plan": [s.to_dict() for s in plan_stages(config)]}
    paths = write_report(result, studio, job_id=None)
    markdown = (studio.paths.home / paths["markdown"]).read_text(encoding="utf-8")
    assert "Best for cross-lingual retrieval: **cross-only** (CLIR mean nDCG@10 0.750, +0.150" in markdown
    assert "This **agrees** with the paper's qualitative finding" in markdown
    assert "stages not finished: report" not in markdown and "Incomplete study" in markdown  # no prepare stage here
    row = re.search(r"^\| cross-only \| (.+) \|$", markdown.split("### Change against the base model")[1], re.M)
    deltas = [cell.strip() for cell in row.group(1).split("|")]
    assert deltas[4:7] == ["+0.1500", "-0.0600", "+0.0450"]  # CLIR, mono, all against the base model
    assert f"[#{stages['sweep:0.5']['evaluation_id']}](../../runs/sweep-0.5/)" in markdown
    html = (studio.paths.home / paths["html"]).read_text(encoding="utf-8")
    belebele = markdown.split("## Results on Belebele ko/en (test)")[1]
    assert "Best for cross-lingual retrieval: **cross-only** (CLIR mean nDCG@10 0.800, +0.080" in belebele
    assert re.search(r"^\| all-four \| 0\.9300 \| 0\.9100 \| 0\.7600 \| 0\.8000 \| 0\.7800 \| 0\.9200 ", belebele, re.M)
    assert "paper's qualitative finding" not in belebele  # no sweep on Belebele in the quick setting: no verdict
    assert "<strong>cross-only</strong>" in html and "Plotly.newPlot" in html
    assert "<script src=" not in html and html.count("plotly.js v") <= 2  # plotly.js inlined once: works offline
