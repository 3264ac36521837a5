"""helpers.tuning: a fold's training part, lesson 02's runs, the scikit-learn wrapper, the one-SE rule, scheduled λ,
the variant CNN."""

import numpy as np
import pytest

from helpers.penalties import Penalty
from helpers.tuning import (
    CNNClassifier,
    build_variant_cnn,
    lesson02_runs,
    linear_warmup,
    nearest_on_grid,
    one_standard_error_index,
    scheduled_l2,
    train_variant,
    training_subset,
)
from helpers.weights import kernels


@pytest.fixture(scope="module")
def tiny(mnist_5k):
    """120 training and 60 validation images: enough to run two epochs in a second."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k", n_train=120, n_val=60)


# --- a cross-validation fold's training part -------------------------------------------------


def test_training_subset_keeps_the_fold_and_its_true_labels_and_drops_validation(tiny):
    from helpers.data import with_label_noise

    noisy = with_label_noise(tiny, 0.4, seed=0)
    index = np.array([5, 0, 7])
    fold = training_subset(noisy, index)
    np.testing.assert_array_equal(fold.x_train, noisy.x_train[index])
    np.testing.assert_array_equal(fold.y_train, noisy.y_train[index])
    np.testing.assert_array_equal(fold.y_train_true, noisy.y_train_true[index])
    assert len(fold.y_val) == 0 and fold.x_val.shape[1:] == noisy.x_val.shape[1:]
    np.testing.assert_array_equal(fold.y_test, noisy.y_test)
    assert (
        training_subset(tiny, index).y_train_true is None
    )  # clean data has no separate true labels


@pytest.mark.parametrize(
    "index, message",
    [
        (np.array([], dtype=int), "non-empty"),
        (np.array([0.5]), "integer"),
        (np.array([[0, 1]]), "1-D"),
        (np.array([120]), "outside the 120"),
    ],
)
def test_training_subset_rejects_a_bad_index(tiny, index, message):
    with pytest.raises(ValueError, match=message):
        training_subset(tiny, index)


def test_lesson02_runs_reads_the_published_sweep_without_training():
    from helpers.experiment import make_config

    lines = []
    five_seeds, sweep = lesson02_runs(
        make_config(seeds=[0, 1, 2, 3, 4]), log=lines.append
    )
    assert (
        all(line.startswith("Published result") for line in lines) and len(lines) == 2
    )
    assert list(sweep) == [0.0, 0.001, 0.003, 0.01, 0.03, 0.1]
    assert all(
        run["seed"] == 0 and run["kind"] == ("none" if s == 0 else "l2")
        for s, run in sweep.items()
    )
    assert sorted({run["seed"] for run in five_seeds["runs"]}) == [0, 1, 2, 3, 4]


# --- one-standard-error rule --------------------------------------------------------------


def test_one_standard_error_picks_largest_strength_within_one_se_of_best():
    strengths = [1e-4, 1e-3, 1e-2, 1e-1]
    scores = [
        [0.80, 0.82, 0.84],
        [0.85, 0.83, 0.87],
        [0.82, 0.84, 0.86],
        [0.60, 0.62, 0.64],
    ]
    # best mean 0.85 at 1e-3, SE = 0.02 / sqrt(3) = 0.0115; 1e-2 has mean 0.84 >= 0.8385
    assert one_standard_error_index(strengths, scores) == 2


def test_one_standard_error_falls_back_to_best_when_nothing_else_is_close():
    assert one_standard_error_index([1.0, 2.0], [[0.9, 0.9], [0.5, 0.5]]) == 0


# --- the slider's grid lookup --------------------------------------------------------------


def test_nearest_on_grid_is_log_scale():
    grid = [1e-4, 1e-3, 1e-2]
    assert nearest_on_grid(grid, 3e-4) == 0  # log-midpoint is 3.16e-4
    assert nearest_on_grid(grid, 3.3e-4) == 1
    assert nearest_on_grid(grid, 1.0) == 2


# --- scheduled λ ---------------------------------------------------------------------------


def test_linear_warmup_values():
    schedule = linear_warmup(1e-3, 4)
    assert [schedule(e) for e in range(6)] == pytest.approx(
        [0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3]
    )


def test_variable_l2_reads_the_variable_each_time():
    penalty = scheduled_l2(1e-3, initial_strength=0.5)
    regularizer = penalty.keras_regularizer()
    weight = np.full((2, 3), 2.0, dtype=np.float32)
    assert float(regularizer(weight)) == pytest.approx(0.5 * 24)
    penalty.strength.assign(0.25)
    assert float(regularizer(weight)) == pytest.approx(0.25 * 24)
    assert penalty.kind == "l2" and penalty.label == "L2(0.001), scheduled"


def test_schedule_changes_the_penalty_inside_the_compiled_training_step(tiny):
    run = train_variant(
        tiny, kind="l2", strength=1e-2, warmup_epochs=2, num_epochs=3, seed=0
    )
    gap = run.history["loss"] - run.history["data_loss"]
    assert gap[0] == pytest.approx(0.0, abs=1e-5)  # strength 0 in epoch 0
    assert 0 < gap[1] < gap[2]  # half strength, then full strength


# --- scikit-learn wrapper ------------------------------------------------------------------


def test_cnn_classifier_fits_predicts_and_scores(tiny):
    from sklearn.base import clone

    estimator = CNNClassifier(kind="l2", strength=1e-3, num_epochs=1, seed=0)
    assert clone(estimator).get_params()["strength"] == 1e-3
    estimator.fit(tiny.x_train, tiny.y_train)
    predictions = estimator.predict(tiny.x_val)
    assert predictions.shape == (60,)
    assert estimator.score(tiny.x_val, tiny.y_val) == pytest.approx(
        np.mean(predictions == tiny.y_val), abs=1e-6
    )


# --- the variant CNN -----------------------------------------------------------------------


def test_variant_without_extras_trains_exactly_like_train_cnn(tiny):
    from helpers.training import train_cnn

    reference = train_cnn(tiny, Penalty.of("l2", 1e-3), num_epochs=2, seed=1)
    variant = train_variant(tiny, kind="l2", strength=1e-3, num_epochs=2, seed=1)
    for name, values in reference.history.items():
        np.testing.assert_array_equal(variant.history[name], values, err_msg=name)


def test_variant_keeps_the_penalty_and_adds_the_requested_layers():
    model = build_variant_cnn(
        Penalty.of("l2", 1e-3), dropout_rate=0.5, augment=True, weight_decay=1e-2
    )
    names = [layer.name for layer in model.layers]
    assert (
        names[1:3] == ["shift", "rotate"]
        and names[names.index("dense1") + 1] == "dropout"
    )
    assert model.count_params() == 93_322  # the extra layers have no weights
    assert float(sum(model.losses)) == pytest.approx(
        Penalty.of("l2", 1e-3).value(list(kernels(model).values())), rel=1e-5
    )
    assert model.optimizer.weight_decay == 1e-2
    decayed = {
        v.path
        for v in model.trainable_variables
        if model.optimizer._use_weight_decay(v)
    }
    assert decayed and all("kernel" in path for path in decayed)  # biases excluded
