"""Pure figure builders for previews and sweeps."""

from __future__ import annotations

from studio.merge.plots import direction_bars, sweep_curve, sweep_rows, tradeoff_point

METRICS = {d: {"ndcg@10": v} for d, v in zip(("ko-ko", "en-en", "ko-en", "en-ko"), (0.8, 0.9, 0.5, 0.6))}
SUMMARY = {"clir": 0.55, "mono": 0.85, "all": 0.7}
PREVIEW = {"merged": {"name": "merge", "metrics": METRICS, "summary": SUMMARY}, "weights": [0.5, 0.5],
           "parents": [{"name": "a", "metrics": METRICS, "summary": {"clir": 0.4, "mono": 0.9, "all": 0.65}},
                       {"name": "b", "metrics": METRICS, "summary": {"clir": 0.7, "mono": 0.6, "all": 0.65}}]}


def test_preview_figures_show_the_merge_beside_its_parents():
    bars = direction_bars(PREVIEW)
    assert [t.name for t in bars.data] == ["a", "b", "merge"]
    assert list(bars.data[-1].x)[:4] == ["ko-ko", "en-en", "ko-en", "en-ko"] and bars.data[-1].y[2] == 0.5
    scatter = tradeoff_point(PREVIEW)
    merge = next(t for t in scatter.data if t.name == "merge")
    assert (merge.x[0], merge.y[0]) == (0.85, 0.55)  # mono on x, CLIR on y
    assert {t.name for t in scatter.data} >= {"a", "b", "CLIR = mono"}


def test_sweep_curve_marks_the_front_and_the_chosen_point():
    points = [{"index": i, "alpha": i / 2, "weights": [1 - i / 2, i / 2], "metrics": METRICS,
               "summary": {"clir": c, "mono": m, "all": (c + m) / 2}}
              for i, (c, m) in enumerate([(0.4, 0.9), (0.3, 0.5), (0.7, 0.6)])]
    result = {"points": points, "pareto": [0, 2], "parents": PREVIEW["parents"]}
    figure = sweep_curve(result, selected=1)
    front = next(t for t in figure.data if t.name == "Pareto front")
    assert sorted(zip(front.x, front.y)) == [(0.6, 0.7), (0.9, 0.4)]
    assert any(t.name == "point 1" for t in figure.data)
    rows = sweep_rows(result)
    assert rows[0][-1] == "★" and rows[1][-1] == "" and rows[2][2] == "0.00 / 1.00"
