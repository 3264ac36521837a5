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
