"""helpers.lesson02_cnn_penalties: the experiment's configuration, its summary table, the sweep's slider and figures,
reading a results file (its command line, helpers.experiment: tests/test_experiment.py)."""

import math

import numpy as np
import pytest

from helpers.lesson02_cnn_penalties import (
    OVERFIT_CONFIG,
    choose_strength,
    format_table,
    load_results,
    make_config,
    summarize,
    sweep_config,
    sweep_point,
)


def test_sweep_config_lists_each_kinds_strengths_for_one_seed():
    config = sweep_config(OVERFIT_CONFIG, {"l1": [1e-5, 1e-3], "l2": [1e-2]}, seed=2)
    assert config["seeds"] == [2] and config["kinds"] == ["l1", "l2"]
    assert config["penalties"] == [
        {"l1_strength": 1e-5, "l2_strength": 0.0},
        {"l1_strength": 1e-3, "l2_strength": 0.0},
        {"l1_strength": 0.0, "l2_strength": 1e-2},
    ]


def fake_run(kind, strength, seed, val_accuracy, test_accuracy, epochs=3):
    history = {
        "data_loss": [1.0, 0.5, 0.2],
        "accuracy": [0.5, 0.8, 0.95],
        "val_data_loss": [1.1, 0.7, 0.6],
        "val_accuracy": [0.4, 0.7, val_accuracy],
    }
    return {
        "kind": kind,
        "label": f"{kind}({strength:g})" if kind != "none" else "none",
        "l1_strength": strength if kind == "l1" else 0.0,
        "l2_strength": strength if kind == "l2" else 0.0,
        "seed": seed,
        "history": {k: v[:epochs] for k, v in history.items()},
        "train": {"accuracy": 0.99, "data_loss": 0.05},
        "test": {"accuracy": test_accuracy, "data_loss": 0.3},
        "val": {"accuracy": val_accuracy, "data_loss": 0.6},
    }


def test_summarize_means_and_sample_std_over_seeds():
    results = {
        "runs": [
            fake_run("none", 0, 0, 0.9, 0.90),
            fake_run("none", 0, 1, 0.9, 0.92),
            fake_run("l2", 1e-3, 0, 0.9, 0.95),
        ]
    }
    none, l2 = summarize(results)
    assert none["test_accuracy_mean"] == pytest.approx(0.91)
    assert none["test_accuracy_std"] == pytest.approx(np.std([0.90, 0.92], ddof=1))
    assert math.isnan(l2["test_accuracy_std"]) and none["gap_accuracy"] == pytest.approx(0.08)
    table = format_table(results)
    assert "0.9100 ± 0.0141" in table and "(1 seed)" in table
    assert len({len(line) for line in table.splitlines()}) == 1  # aligned columns


def test_choose_strength_and_sweep_point():
    sweep = {"runs": [fake_run("l2", s, 0, v, 0.9) for s, v in ((1e-4, 0.90), (1e-3, 0.93), (1e-2, 0.91))]}
    assert choose_strength(sweep)["l2_strength"] == 1e-3
    point = sweep_point(sweep, 2.5e-3)  # nearer 1e-3 than 1e-2 on a log scale
    assert point["strength"] == 1e-3 and point["epochs"].tolist() == [1, 2, 3]
    assert point["history"]["val_accuracy"][-1] == 0.93


def test_draw_sweep_point_updates_the_artists_in_place():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.lesson02_cnn_penalties import draw_sweep_point, sweep_figure

    sweep = {"runs": [fake_run("l1", s, 0, 0.9, 0.9) for s in (1e-5, 1e-4)]}
    _fig, artists = sweep_figure()
    line = artists["val_accuracy"]
    draw_sweep_point(artists, sweep_point(sweep, 1e-4))
    assert artists["val_accuracy"] is line and line.get_ydata().tolist() == [0.4, 0.7, 0.9]
    assert "L1" in artists["text"].get_text() or "l1" in artists["text"].get_text()


def test_load_results_rejects_what_is_not_a_results_file(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_results(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("{}")
    with pytest.raises(ValueError, match="lacks"):
        load_results(tmp_path / "y.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_results(tmp_path / "z.json")


def test_blitted_figure_redraws_only_its_artists_into_a_png_widget():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.lesson02_cnn_penalties import draw_sweep_point, sweep_figure
    from helpers.widgets import BlittedFigure

    sweep = {"runs": [fake_run("l2", s, 0, 0.9, 0.9) for s in (1e-4, 1e-3)]}
    fig, artists = sweep_figure(num_epochs=3)
    draw_sweep_point(artists, sweep_point(sweep, 1e-4))
    live = BlittedFigure(fig, [artists["val_accuracy"], artists["text"]])
    first = live.widget.value
    draw_sweep_point(artists, sweep_point(sweep, 1e-3))
    second = live.refresh()
    assert first[:8] == second[:8] == b"\x89PNG\r\n\x1a\n" and first != second  # the title changed
    assert artists["val_accuracy"].get_animated()


def test_a_checked_config_passes_make_config_unchanged():
    sweep = sweep_config(OVERFIT_CONFIG, {"l2": [1e-5, 1e-2]})
    assert make_config(sweep) == sweep
    assert make_config(sweep, l2_strength=0.5)["penalties"] == [{"l1_strength": 0.0, "l2_strength": 0.5}]
    assert make_config(sweep, kinds=["l1_l2"])["penalties"] == [{"l1_strength": 1e-3, "l2_strength": 1e-2}]
