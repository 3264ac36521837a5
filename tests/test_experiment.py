"""helpers.experiment: the configuration checked where it comes in, the data it names, the runs, their summary and table
(its command line: tests/test_main.py; more bad values: tests/test_bad_input.py)."""

import json
import math
import statistics
from dataclasses import asdict

import numpy as np
import pytest
from scipy import stats

from helpers import experiment
from helpers._text import set_language, width
from helpers.data import load_dataset, with_label_noise
from helpers.experiment import LAMBDA_GRID, REGIME, format_table, make_config, run_experiment, summarize
from helpers.penalties import Penalty


def strengths(config):
    return [(p["l1_strength"], p["l2_strength"]) for p in config["penalties"]]


BAD_FIELDS = [({"n_train": 0}, ValueError), ({"n_test": 1.5}, TypeError), ({"batch_size": True}, TypeError)]
BAD_FIELDS += [({"l1_strength": "0.1"}, TypeError), ({"l1_strength": []}, ValueError), ({"kinds": []}, ValueError)]
BAD_FIELDS += [({"seeds": [0, 0]}, ValueError), ({"split_seed": -1}, ValueError)]


@pytest.mark.parametrize("changes, error", BAD_FIELDS, ids=[str(changes) for changes, _ in BAD_FIELDS])
def test_make_config_refuses_a_bad_field_naming_it(changes, error):
    (name,) = changes
    with pytest.raises(error, match=rf"\b{name}\b"):
        make_config(**changes)
    with pytest.raises(error, match=rf"\b{name}\b"):  # a bad value in a base is refused just the same
        make_config({**REGIME, **changes}, epochs=1)


def test_the_penalties_follow_the_kinds_and_strengths_and_a_bases_stay_unless_those_change():
    config, l1, l2 = make_config(), REGIME["l1_strength"], REGIME["l2_strength"]
    assert strengths(config) == [(0.0, 0.0), (l1, 0.0), (0.0, l2), (l1, l2)] and make_config(config) == config
    sweep = make_config(kinds=["l2"], l2_strength=[1e-3, 1e-2])
    assert strengths(sweep) == [(0.0, 1e-3), (0.0, 1e-2)]
    assert make_config(sweep, epochs=2, seeds=[4])["penalties"] == sweep["penalties"]
    assert strengths(make_config(sweep, l2_strength=0.1)) == [(0.0, 0.1)]
    assert strengths(make_config(sweep, kinds=["none"])) == [(0.0, 0.0)]


def test_sweep_config_runs_each_strength_of_each_kind_for_one_seed():
    config = experiment.sweep_config(make_config(epochs=3), LAMBDA_GRID, seed=2)
    assert strengths(config) == [(0.0, s) for s in LAMBDA_GRID["l2"]] + [(s, 0.0) for s in LAMBDA_GRID["l1"]]
    assert (config["seeds"], config["kinds"], config["epochs"]) == ([2], ["l2", "l1"], 3)


def test_the_lambda_grid_is_half_a_decade_apart_and_holds_the_regimes_strengths():
    """Lesson 04 reuses the regime's L1 and L2 runs as points of its sweep: they must be grid points."""
    assert REGIME["l1_strength"] in LAMBDA_GRID["l1"] and REGIME["l2_strength"] in LAMBDA_GRID["l2"]
    for grid in LAMBDA_GRID.values():
        np.testing.assert_allclose(np.diff(np.log10(grid)), 0.5, atol=0.03)  # 3x, then 10/3x


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_experiment_data_has_the_configured_split_and_share_of_wrong_labels(noise):
    data = experiment.experiment_data(make_config(n_train=200, n_val=100, n_test=150, split_seed=1, label_noise=noise))
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (200, 100, 150)
    clean = load_dataset("mnist-5k", n_train=200, n_val=100, n_test=150, split_seed=1)
    np.testing.assert_array_equal(data.x_train, clean.x_train)
    np.testing.assert_array_equal(data.y_test, clean.y_test)  # validation and test labels stay right
    assert np.mean(data.y_train != clean.y_train) == noise  # 60 of 200 wrong, or none
    if noise:
        np.testing.assert_array_equal(data.y_train_true, clean.y_train)
    else:
        assert data.y_train_true is None


TINY_RUN = make_config(epochs=1, kinds=["none", "l2"], seeds=[0, 1])
LABELS = ["none", "L2(0.01)"]


@pytest.fixture(scope="module")
def tiny_results(tiny):
    """The results, the log lines, and the data: 128 training images, 40 % of their labels wrong."""
    lines, data = [], with_label_noise(tiny, 0.4)
    return run_experiment(TINY_RUN, data, log=lines.append), lines, data


def test_run_experiment_lists_one_run_per_penalty_and_seed(tiny_results):
    results, _, _ = tiny_results
    assert [(run["label"], run["seed"]) for run in results["runs"]] == [(a, s) for a in LABELS for s in (0, 1)]
    assert results["config"] == TINY_RUN and results["dtype_policy"] == "float32"
    history = ["data_loss", "accuracy", "penalty", "val_data_loss", "val_accuracy", "val_loss"]
    for run in results["runs"]:
        assert {name: len(values) for name, values in run["history"].items()} == dict.fromkeys(history, 1)
        assert {"train", "train_true", "val", "test"} <= set(run)
    json.dumps(results)  # JSON-able: it is published as JSON


def test_the_log_reports_each_penaltys_training_data_loss_per_seed(tiny_results):
    results, lines, _ = tiny_results
    loss = {(run["label"], run["seed"]): run["history"]["data_loss"][0] for run in results["runs"]}
    assert lines == [
        f"[seed {seed}] epoch 1/1, training data loss per penalty: "
        + ", ".join(f"{loss[label, seed]:.3f}" for label in LABELS)
        for seed in (0, 1)
    ]


def test_another_seed_gives_another_run(tiny_results):
    seed0, seed1 = tiny_results[0]["runs"][:2]  # no penalty, seeds 0 and 1
    assert (seed0["history"]["data_loss"], seed0["test"]) != (seed1["history"]["data_loss"], seed1["test"])


ACCURACY = {"none": [0.81, 0.84, 0.80, 0.83], "L2(0.01)": [0.86, 0.87, 0.86, 0.89]}
PENALTIES = {"none": Penalty(), "L2(0.01)": Penalty.of("l2", 0.01)}


def results_of(accuracy, seeds=(0, 1, 2, 3), noisy=False):
    """A results dict as run_experiment returns one, with these test accuracies and random other numbers."""
    rng = np.random.default_rng(0)
    runs = []
    for label, values in accuracy.items():
        penalty = PENALTIES[label]
        for seed, value in zip(seeds, values, strict=True):
            run = {**asdict(penalty), "kind": penalty.kind, "label": label, "seed": seed}
            run["test"] = {"accuracy": value, "data_loss": rng.random()}
            for split in ("train", "train_true") if noisy else ("train",):
                run[split] = {"accuracy": rng.random(), "data_loss": rng.random()}
            runs.append(run)
    return {"runs": runs}


def test_summarize_gives_each_penaltys_mean_spread_and_paired_interval():
    results = results_of(ACCURACY)
    none, l2 = summarize(results)
    for row in (none, l2):
        assert row["test_accuracy_mean"] == pytest.approx(statistics.fmean(ACCURACY[row["label"]]))
        assert row["test_accuracy_std"] == pytest.approx(statistics.stdev(ACCURACY[row["label"]]))
        losses = [run["train"]["data_loss"] for run in results["runs"] if run["label"] == row["label"]]
        assert row["train_data_loss"] == pytest.approx(statistics.fmean(losses))
    assert "test_vs_first" not in none
    differences = np.subtract(ACCURACY["L2(0.01)"], ACCURACY["none"])
    interval = stats.ttest_rel(ACCURACY["L2(0.01)"], ACCURACY["none"]).confidence_interval(0.95)
    paired = l2["test_vs_first"]
    assert (paired.mean, paired.standard_error) == pytest.approx((differences.mean(), stats.sem(differences)))
    assert (paired.low, paired.high) == pytest.approx((interval.low, interval.high))


def test_summarize_pairs_only_rows_with_the_same_two_or_more_seeds():
    one_seed = summarize(results_of({"none": [0.8], "L2(0.01)": [0.9]}, seeds=[0]))
    assert math.isnan(one_seed[1]["test_accuracy_std"]) and "test_vs_first" not in one_seed[1]
    results = results_of(ACCURACY)
    results["runs"].pop()  # L2 without its seed 3
    l2 = summarize(results)[1]
    assert "test_vs_first" not in l2 and l2["test_accuracy_mean"] == pytest.approx(statistics.fmean([0.86, 0.87, 0.86]))


def test_format_table_has_an_aligned_row_per_penalty_with_its_paired_gain():
    lines = format_table(results_of(ACCURACY)).splitlines()
    assert len(lines) == 4 and set(lines[1]) == {"-"} and len({len(line) for line in lines}) == 1
    assert [line.split()[0] for line in lines[2:]] == LABELS
    none = ACCURACY["none"]
    assert f"{statistics.fmean(none):.4f} ± {statistics.stdev(none):.4f}" in lines[2]
    differences = 100 * np.subtract(ACCURACY["L2(0.01)"], none)
    assert f"{differences.mean():+.1f} pt ± {stats.sem(differences):.1f} (SE)" in lines[3]


def test_format_table_with_one_seed_and_wrong_labels():
    results = results_of({"none": [0.80], "L2(0.01)": [0.86]}, seeds=[0], noisy=True)
    lines = format_table(results).splitlines()
    assert "given / true labels" in lines[0] and len({len(line) for line in lines}) == 1
    assert "(1 seed)" in lines[2] and "+6.0 pt" in lines[3] and "(SE)" not in lines[3]
    run = results["runs"][1]
    assert f"{run['train']['accuracy']:.4f} / {run['train_true']['accuracy']:.4f}" in lines[3]


def test_format_table_in_chinese_keeps_its_columns_aligned():
    set_language("zh")
    try:
        lines = format_table(results_of({"none": [0.80], "L2(0.01)": [0.86]}, seeds=[0], noisy=True)).splitlines()
    finally:
        set_language("en")
    assert lines[2].startswith("无惩罚") and len({width(line) for line in lines}) == 1  # a Chinese character: 2 columns
