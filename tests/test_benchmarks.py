"""The benchmark script's pure parts: FLOP count, reading each lesson's latency lines."""

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("benchmarks_run", REPO / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_training_flops_match_keras_parameter_shapes(bench):
    from helpers.models import build_cnn

    model = build_cnn()
    # Multiply-adds per image from Keras' own shapes: each kernel's size times its output positions.
    macs = sum(
        int(np.prod(layer.output.shape[1:-1])) * int(np.prod(layer.kernel.shape))
        for layer in model.layers
        if hasattr(layer, "kernel")
    )
    assert bench.training_flops_per_image() == 6 * macs
    assert bench.training_flops_per_image() / 1e6 == pytest.approx(
        16.8, abs=0.1
    )  # benchmarks/latest/report.md's figure


def test_the_slider_probe_times_every_slider_and_its_lines_are_read(bench, capsys):
    """The lessons do not time their sliders; the benchmark's probe does, in the lesson's kernel."""
    import ipywidgets

    seen = []

    def slow(kind):  # an observer that takes a measurable time, like a redraw
        return lambda change: (time.sleep(0.002), seen.append((kind, change["new"])))

    log_slider = ipywidgets.FloatLogSlider(value=1e-3, min=-5, max=-1, description="λ")
    log_slider.observe(slow("log"), names="value")
    int_slider = ipywidgets.IntSlider(value=3, min=1, max=9, description="degree")
    int_slider.observe(slow("int"), names="value")
    try:
        exec(bench.SLIDER_PROBE, {})
    finally:
        log_slider.close()
        int_slider.close()
    rows = bench.slider_latencies({"cells": [{"outputs": [{"text": capsys.readouterr().out}]}]})
    mine = [row for row in rows if row["slider"].split(" #")[0] in ("λ", "degree")]
    assert [row["slider"].split(" #")[0] for row in mine] == ["λ", "degree"]
    assert all(2 <= row["median_ms"] <= row["p95_ms"] < 1000 for row in mine)
    assert {value for kind, value in seen if kind == "log"} >= {1e-5, 1e-1}  # moved across the whole range
    assert {value for kind, value in seen if kind == "int"} >= {1, 9}
    assert log_slider.value == 1e-3 and int_slider.value == 3  # left where the learner had it


def test_a_latency_line_in_each_format_is_read(bench):
    cell = {
        "outputs": [
            {
                "text": "- geometry: median 47 ms, p95 244 ms wall (26 updates)\n"
                "slider callback (blit, PNG): median 12.2 ms, 95th percentile 13.9 ms over 30 calls\n"
                "✓ slider callback median at most 50 ms: 12.2 ms\n"
            }
        ]
    }
    assert bench.slider_latencies({"cells": [cell]}) == [
        {"slider": "geometry", "median_ms": 47.0, "p95_ms": 244.0},
        {"slider": "slider callback (blit, PNG)", "median_ms": 12.2, "p95_ms": 13.9},
    ]


def _structured_row(name, flops, ms256, accuracy, std=0.002):
    return {
        "name": name,
        "strength": None if name in ("dense", "l1") else 0.3,
        "units": {"conv1": 32, "conv2": 64, "conv3": 64, "dense1": 64},
        "parameters": 1000,
        "flops": flops,
        "raw_bytes": 50_000,
        "gzipped_bytes": 40_000,
        "ms": {"as_started": {"1": 1.0, "256": ms256}, "laptop": {"1": 1.2, "256": 2 * ms256}},
        "accuracy_mean": accuracy,
        "accuracy_std": std,
        "accuracy_seeds": 3,
    }


def test_the_structured_goal_on_hand_made_rows(bench):
    """Within 1 point of dense, >= 4x fewer FLOPs, >= 2x faster at batch 256: per model and setting."""
    rows = [
        _structured_row("dense", 8_000_000, 10.0, 0.970),
        _structured_row("s0", 1_000_000, 4.0, 0.962),  # meets it: 0.8 points, 8x FLOPs, 2.5x
        _structured_row("s1", 1_000_000, 4.0, 0.955),  # 1.5 points lower
        _structured_row("s2", 1_000_000, 6.0, 0.968),  # only 1.67x faster
        _structured_row("s3", 4_000_000, 4.0, 0.968),  # only 2x fewer FLOPs
        _structured_row("l1", 8_000_000, 10.0, 0.956, std=None),
    ]
    summary = bench.structured_summary(rows)
    assert summary["meeting_goal"] == {"as_started": ["s0"], "laptop": ["s0"]}
    goal = {row["name"]: row["goal"]["as_started"] for row in summary["rows"]}
    assert goal["s0"] == {"met": True, "misses": []}
    assert goal["s1"]["misses"] == ["accuracy"]
    assert goal["s2"]["misses"] == ["speed at 256"]
    assert goal["s3"]["misses"] == ["FLOPs"]
    assert set(goal["l1"]["misses"]) == {"accuracy", "FLOPs", "speed at 256"}
    s0 = summary["rows"][1]
    assert s0["flops_ratio"] == 8.0 and s0["speedup"]["as_started"] == {"1": 1.0, "256": 2.5}
    assert summary["settings"]["laptop"] == "laptop-like float32/AVX2"


def test_the_structured_section_renders(bench):
    rows = [_structured_row("dense", 8_000_000, 10.0, 0.970), _structured_row("s2", 1_000_000, 6.0, 0.968)]
    results = {
        "date": "2026-12-03 18:00 UTC",
        "command": "python benchmarks/run.py --only structured",
        "machine": {"cpu": "test CPU", "logical_cpus": 2, "load_average_at_start": (0.5, 0.5, 0.5), "versions": {}},
        "structured": {**bench.structured_summary(rows), "repeats": 5, "laptop_fast_path": "fast path off"},
    }
    text = bench.markdown(results)
    assert "## 3b. A smaller, faster CNN (lesson 06)" in text
    table = [line for line in text.splitlines() if line.startswith("| s2")]
    assert len(table) == 1 and "32/64/64/64" in table[0] and "1.00 (8×)" in table[0] and "96.8 ± 0.2%" in table[0]
    assert "ms @256, laptop-like float32/AVX2" in text
    assert "this machine as started: **not met**; laptop-like float32/AVX2: **not met**" in text


def test_the_layer_profile_counts_the_same_operations_as_the_benchmark(bench):
    spec = importlib.util.spec_from_file_location("profile_layers", REPO / "benchmarks" / "profile_layers.py")
    profile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile)
    from helpers.models import build_cnn

    macs = [profile.layer_macs(layer) for layer in build_cnn().layers]
    assert 6 * sum(macs) == bench.training_flops_per_image()
    assert [m > 0 for m in macs] == [True, False, True, False, True, False, True, True]  # pooling, flatten: none


def test_the_goals_table_has_a_column_per_arithmetic_and_judges_each_figure_by_its_own_goal(bench):
    def sweep(speedup):
        return {"speedup": speedup}

    results = {
        "arithmetic": {"policy": "mixed_bfloat16"},
        "sweep": sweep(4.2),
        "mainjob": {"speedup": 3.1},
        "laptop": {"arithmetic": {"policy": "float32"}, "sweep": sweep(2.4), "mainjob": {"speedup": 2.0}},
    }
    lines = bench.goals_markdown(results)
    assert lines[2] == "| what | as started (mixed_bfloat16) | laptop-like (float32) |"
    (sweep_row,) = [line for line in lines if line.startswith("| λ sweep")]
    assert "**4.2×** (goal ≥ 4×: met)" in sweep_row and "**2.4×** (goal ≥ 3×: missed)" in sweep_row
    (main_row,) = [line for line in lines if line.startswith("| the main job")]
    # No goal was set for the main job in bfloat16: the figure is shown, not judged.
    assert "| **3.1×** |" in main_row and "**2.0×** (goal ≥ 2×: met)" in main_row
    assert not any(line.startswith("| seed spec") for line in lines)  # a section not run has no row
    assert any("what bounds them" in line for line in lines)  # a goal was missed: the report says where to read why
    met = {**results, "laptop": {**results["laptop"], "sweep": sweep(3.0)}}
    assert not any("what bounds them" in line for line in bench.goals_markdown(met))
