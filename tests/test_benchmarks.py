"""The benchmark's own arithmetic (benchmarks/): FLOP counts, goal verdicts, the report; nothing here is timed."""

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from helpers.models import build_cnn

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCHMARKS))  # the scripts import each other as run, training, lessons
        yield [importlib.import_module(name) for name in ("run", "training", "lessons")]


def test_training_flops_follow_keras_parameter_shapes(bench):
    weighted = [layer for layer in build_cnn().layers if hasattr(layer, "kernel")]  # 2 FLOPs per weight and position
    forward = sum(2 * np.prod(layer.output.shape[1:-1]) * np.prod(layer.kernel.shape) for layer in weighted)
    assert bench[1].forward_flops_per_image() == forward
    assert bench[1].training_flops(n_train=10, n_val=4, epochs=2) == 2 * (3 * 10 + 4) * forward


ROWS = {  # lesson 06's models by hand: every claim holds
    "dense": {"strength": None, "flops": 4e6, "ms1": 1.0, "ms256": 40.0},
    "l1": {"strength": None, "flops": 4e6, "ms1": 1.0, "ms256": 44.0},
    "s1": {"strength": 0.2, "flops": 3e6, "ms1": 1.0, "ms256": 35.0},
    "s2": {"strength": 0.3, "flops": 1e6, "ms1": 0.9, "ms256": 20.0},
}


@pytest.mark.parametrize(
    ("model", "change", "broken"),
    [
        (None, {}, None),
        ("l1", {"ms256": 53.0}, 0),  # 1.33× dense's time: outside ±30 %
        ("l1", {"ms256": 27.0}, 0),  # 0.68×
        ("s2", {"ms256": 31.5}, 1),  # 1.27× faster, under 1.3×
        ("s2", {"flops": 2.2e6}, 2),  # 1.8× fewer FLOPs, below its 2× speed-up
        ("s2", {"ms1": 0.45}, 3),  # 2.2× at 1 image, more than at 256
    ],
)
def test_lesson06_claims_judged_on_hand_made_rows(bench, model, change, broken):
    rows = {name: {**row, **(change if name == model else {})} for name, row in ROWS.items()}
    verdicts = [row["met"] for row in bench[2].lesson06_claims(rows)]
    assert verdicts == [index != broken for index in range(4)]


def test_goal_verdicts_at_their_boundaries(bench):
    assert [bench[0].at_least("x", r, 3.0)["met"] for r in (3.0, 2.99, float("nan"))] == [True, False, False]
    assert bench[0].at_least("x", 5.0, None)["met"] is None  # measured, no goal
    assert [bench[0].at_most("x", v, 30, "s")["met"] for v in (30.0, 30.1)] == [True, False]
    assert bench[0].speedup([10, 12, 100], [5, 6, 4]) == 12 / 5  # medians: one slow outlier moves nothing


def test_the_report_renders_every_goal_and_a_failed_section(bench):
    run = bench[0]
    sweep = {"seconds": {"side by side": [8.0, 10.0]}, "figures": [run.at_least("a | b", 2.4, 3.0)], "lines": ["x"]}
    sections = {"sweep": sweep, "sweep bfloat16": {"seconds": {"side by side": [4.0, 6.0]}}}
    assert run.arithmetic_figures(sections)[0]["value"] == "1.80×"  # float32 median 9 s / bfloat16 5 s
    sections["lessons"] = {"title": "Lessons", "error": "RuntimeError: no kernel"}
    report = {"date": "d", "command": "c", "quick": True, "bfloat16": "ran", "sections": sections}
    report["machine"] = run.machine()
    text = run.markdown(json.loads(json.dumps(report)))  # what report.json holds renders
    assert "| sweep | a / b | 2.40× | ≥ 3× | **not met** |" in text
    assert "| lessons | the section failed | RuntimeError: no kernel | – | **not met** |" in text


def test_a_partial_run_refuses_the_full_runs_report_folder(bench, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(bench[0], "REPORT", tmp_path / "report")  # with the guard broken: no write there,
    monkeypatch.setattr(bench[0], "run_section", None)  # and no benchmark run (a TypeError instead)
    with pytest.raises(SystemExit) as stop:
        bench[0].main(["--quick"])
    assert stop.value.code == 2 and "--out" in capsys.readouterr().err
