"""helpers.lesson02_cnn_penalties: the λ slider's pure function and its figure, the learning curves and test accuracy
drawn from a hand-made results dict, the published full-size run (the experiment: tests/test_experiment.py), and the
early-stopping study: its noisy held-out labels and its per-epoch record against a plain train_cnn run."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from helpers.experiment import experiment_data, format_table, make_config
from helpers.lesson02_cnn_penalties import (
    STUDY_NETWORKS,
    draw_sweep_point,
    full_spec_results,
    monitor_split,
    plot_learning_curves,
    plot_test_accuracy,
    stopping_study,
    sweep_figure,
    sweep_point,
)
from helpers.penalties import Penalty
from helpers.plotting import penalty_style
from helpers.training import evaluate, train_cnn

matplotlib.use("Agg")


def fake_run(kind, strength, seed, test_accuracy, val_accuracy=0.7, scale=1.0):
    """A run record as helpers.experiment.run_experiment writes it, three epochs."""
    history = {
        "data_loss": [scale * 1.0, scale * 0.5, scale * 0.2],
        "accuracy": [0.5, 0.8, 0.95],
        "val_data_loss": [1.1, 0.7, 0.6],
        "val_accuracy": [0.4, 0.6, val_accuracy],
    }
    return {
        "kind": kind,
        "label": "none" if kind == "none" else f"{kind.upper()}({strength:g})",
        "l1_strength": strength if kind == "l1" else 0.0,
        "l2_strength": strength if kind == "l2" else 0.0,
        "seed": seed,
        "history": history,
        "train": {"accuracy": 0.99, "data_loss": 0.05},
        "test": {"accuracy": test_accuracy, "data_loss": 0.3},
        "val": {"accuracy": val_accuracy, "data_loss": 0.6},
    }


SWEEP = {"runs": [fake_run("l2", s, 0, 0.9, val_accuracy=v) for s, v in ((1e-4, 0.90), (1e-3, 0.93), (1e-2, 0.91))]}


@pytest.mark.parametrize("strength, snapped", [(1e-3, 1e-3), (2.5e-3, 1e-3), (4e-3, 1e-2), (3e-4, 1e-4), (1.0, 1e-2)])
def test_sweep_point_snaps_to_the_nearest_strength_on_a_log_scale(strength, snapped):
    # 2.5e-3 is nearer 1e-2 than 1e-3 in difference but nearer 1e-3 in ratio; 4e-3 is nearer 1e-2 in ratio.
    point = sweep_point(SWEEP, strength)
    assert point["strength"] == snapped and point["kind"] == "l2"
    run = next(r for r in SWEEP["runs"] if r["l2_strength"] == snapped)
    assert point["history"]["val_accuracy"].tolist() == run["history"]["val_accuracy"]
    assert point["epochs"].tolist() == [1, 2, 3] and point["val"] == run["val"]


def test_sweep_point_refuses_a_sweep_of_mixed_kinds():
    mixed = {"runs": [fake_run("l2", 1e-3, 0, 0.9), fake_run("l1", 1e-3, 0, 0.9)]}
    with pytest.raises(ValueError, match="results must be a sweep of one penalty kind"):
        sweep_point(mixed, 1e-3)


def test_draw_sweep_point_updates_the_same_artists_in_place():
    reference = fake_run("none", 0, 0, 0.8)
    fig, artists = sweep_figure(reference=reference, num_epochs=3)
    lines = {name: artists[name] for name in ("data_loss", "accuracy", "val_data_loss", "val_accuracy")}
    for strength in (1e-4, 1e-2):
        point = sweep_point(SWEEP, strength)
        draw_sweep_point(artists, point)
        for name, line in lines.items():
            assert artists[name] is line  # updated, not drawn anew
            assert line.get_ydata().tolist() == point["history"][name].tolist()
            assert to_hex(line.get_color()) == penalty_style("l2")["color"]
        gap = 100 * (0.99 - point["val"]["accuracy"])
        assert artists["text"].get_text() == (
            f"{point['label']}: train acc 0.990, val acc {point['val']['accuracy']:.3f}, gap {gap:.1f} pt"
        )
    grey = [line for line in fig.axes[1].lines if line.get_label() == "none: validation"]
    assert len(grey) == 1 and grey[0].get_ydata().tolist() == reference["history"]["val_accuracy"]


NONE_SEEDS = [(0.80, 1.0), (0.84, 3.0), (0.82, 30.0)]  # (test accuracy, scale of its loss curve) per seed


def noisy_results():
    """Three seeds without a penalty (one far off, as a collapsed run), one with L2: the curves are medians."""
    runs = [fake_run("none", 0, seed, accuracy, scale=scale) for seed, (accuracy, scale) in enumerate(NONE_SEEDS)]
    return {"runs": [*runs, fake_run("l2", 1e-2, 0, 0.9)], "data": {"name": "fake", "split": {"n_train": 3}}}


def test_plot_learning_curves_draws_the_median_over_seeds_per_penalty():
    fig = plot_learning_curves(noisy_results())
    training_loss, validation_loss = fig.axes[0], fig.axes[1]  # row 0: data loss, training then validation
    none, l2 = training_loss.lines
    np.testing.assert_allclose(none.get_ydata(), [3.0, 1.5, 0.6])  # scale 3's curve: the one far off moves no median
    np.testing.assert_allclose(l2.get_ydata(), [1.0, 0.5, 0.2])
    assert [line.get_label() for line in validation_loss.lines] == ["none", "L2(0.01)"]
    assert to_hex(l2.get_color()) == penalty_style("l2")["color"]


def test_plot_learning_curves_without_validation_has_one_column():
    results = noisy_results()
    for run in results["runs"]:
        run["history"] = {k: v for k, v in run["history"].items() if not k.startswith("val_")}
    assert len(plot_learning_curves(results).axes) == 2


def test_plot_test_accuracy_shows_mean_and_sample_std_and_each_seed():
    ax = plot_test_accuracy(noisy_results()).axes[0]
    data_line, _caps, (bars,) = ax.containers[0]
    assert data_line.get_ydata()[0] == pytest.approx(0.82)
    (_, low), (_, high) = bars.get_segments()[0]
    std = np.std([0.80, 0.84, 0.82], ddof=1)  # the sample std: the spread expected from seed to seed
    assert (low, high) == pytest.approx((0.82 - std, 0.82 + std))
    dots = [line.get_ydata().tolist() for line in ax.lines if line.get_marker() == "o"]
    assert dots == [[0.80, 0.84, 0.82], [0.9]]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["none", "L2(0.01)"]


def test_full_spec_results_hold_one_run_per_configured_penalty_and_format_as_a_table():
    full = full_spec_results()
    config = full["config"]
    assert [(r["l1_strength"], r["l2_strength"]) for r in full["runs"]] == [
        (p["l1_strength"], p["l2_strength"]) for p in config["penalties"]
    ]
    assert all(len(r["history"]["data_loss"]) == config["epochs"] for r in full["runs"])
    table = format_table(full).splitlines()
    assert len(table) == 2 + len(full["runs"])
    for line, run in zip(table[2:], full["runs"], strict=True):
        assert line.startswith(run["label"]) and f"{run['test']['accuracy']:.4f} (1 seed)" in line


STUDY_CONFIG = make_config(n_train=128, n_val=128, n_test=128, epochs=2, seeds=[0])


def test_the_monitor_images_are_held_out_with_labels_as_noisy_as_the_training_labels():
    data = experiment_data(make_config())  # 1,000 training images, 40 % of their labels wrong
    watched = monitor_split(data, 200)
    np.testing.assert_array_equal(watched.x_val, data.x_val[:200])
    wrong = watched.y_val != data.y_val[:200]
    assert wrong.mean() == pytest.approx(0.4)
    np.testing.assert_array_equal(watched.y_train, data.y_train)  # training labels untouched


@pytest.fixture(scope="module")
def study():
    return stopping_study(STUDY_CONFIG, monitor_size=50)


@pytest.fixture(scope="module")
def plain_run():
    """The unpenalized network of the study trained as a learner would, with no recording."""
    data = monitor_split(experiment_data(STUDY_CONFIG), 50)
    return data, train_cnn(data, Penalty(), num_epochs=2, seed=0)


def test_the_study_records_every_network_seed_and_epoch(study):
    assert list(study["networks"]) == list(STUDY_NETWORKS)
    for key in ("monitor_accuracy", "test_accuracy", "wrong_fitted", "sq_norm", "sq_travel"):
        assert study[key].shape == (3, 1, 2), key


def test_recording_changes_nothing_and_records_what_the_run_computes(study, plain_run):
    data, run = plain_run
    np.testing.assert_allclose(study["monitor_accuracy"][0, 0], run.history["val_accuracy"])
    assert study["test_accuracy"][0, 0, -1] == pytest.approx(evaluate(run.model, data.x_test, data.y_test)["accuracy"])
    wrong = data.y_train != data.y_train_true
    predicted = np.argmax(run.model.predict(data.x_train[wrong], verbose=0), axis=1)
    assert study["wrong_fitted"][0, 0, -1] == pytest.approx(np.mean(predicted == data.y_train[wrong]))
    weights = [layer.kernel.numpy() for layer in run.model.layers if hasattr(layer, "kernel")]
    assert study["sq_norm"][0, 0, -1] == pytest.approx(sum(np.square(w).sum() for w in weights), rel=1e-5)


def test_the_kernels_travel_from_their_start_and_l2_shrinks_them(study):
    assert np.all(study["sq_travel"] > 0) and np.all(np.diff(study["sq_travel"][0, 0]) > 0)
    assert study["sq_norm"][1, 0, -1] < study["sq_norm"][0, 0, -1]  # L2(0.01) against none, same seed
