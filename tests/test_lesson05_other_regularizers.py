"""helpers.lesson05_other_regularizers: scheduled λ, the variant CNN (weight decay, dropout, augmentation), recipe
tables paired with lesson 02's runs, and where early stopping acts."""

import numpy as np
import pytest

from helpers.lesson02_cnn_penalties import make_config
from helpers.lesson05_other_regularizers import (
    build_variant_cnn,
    early_stopping_epochs,
    linear_warmup,
    recipe_row,
    scheduled_l2,
    train_variant,
    variant_config,
    variant_table,
)
from helpers.penalties import Penalty
from helpers.weights import kernels

REGIME = make_config(seeds=[0, 1, 2, 3, 4])


@pytest.fixture(scope="module")
def tiny(mnist_5k):
    """120 training and 60 validation images: enough to run two epochs in a second."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k", n_train=120, n_val=60)


# --- scheduled λ ---------------------------------------------------------------------------


def test_linear_warmup_values():
    schedule = linear_warmup(1e-3, 4)
    assert [schedule(e) for e in range(6)] == pytest.approx([0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3])


def test_variable_l2_reads_the_variable_each_time():
    penalty = scheduled_l2(1e-3, initial_strength=0.5)
    regularizer = penalty.keras_regularizer()
    weight = np.full((2, 3), 2.0, dtype=np.float32)
    assert float(regularizer(weight)) == pytest.approx(0.5 * 24)
    penalty.strength.assign(0.25)
    assert float(regularizer(weight)) == pytest.approx(0.25 * 24)
    assert penalty.kind == "l2" and penalty.label == "L2(0.001), scheduled"


def test_schedule_changes_the_penalty_inside_the_compiled_training_step(tiny):
    run = train_variant(tiny, kind="l2", strength=1e-2, warmup_epochs=2, num_epochs=3, seed=0)
    gap = run.history["loss"] - run.history["data_loss"]
    assert gap[0] == pytest.approx(0.0, abs=1e-5)  # strength 0 in epoch 0
    assert 0 < gap[1] < gap[2]  # half strength, then full strength


# --- the variant CNN -----------------------------------------------------------------------


def test_variant_without_extras_trains_exactly_like_train_cnn(tiny):
    from helpers.training import train_cnn

    reference = train_cnn(tiny, Penalty.of("l2", 1e-3), num_epochs=2, seed=1)
    variant = train_variant(tiny, kind="l2", strength=1e-3, num_epochs=2, seed=1)
    for name, values in reference.history.items():
        np.testing.assert_array_equal(variant.history[name], values, err_msg=name)


def test_variant_keeps_the_penalty_and_adds_the_requested_layers():
    model = build_variant_cnn(Penalty.of("l2", 1e-3), dropout_rate=0.5, augment=True, weight_decay=1e-2)
    names = [layer.name for layer in model.layers]
    assert names[1:3] == ["shift", "rotate"] and names[names.index("dense1") + 1] == "dropout"
    assert model.count_params() == 93_322  # the extra layers have no weights
    assert float(sum(model.losses)) == pytest.approx(
        Penalty.of("l2", 1e-3).value(list(kernels(model).values())), rel=1e-5
    )
    optimizer = model.optimizer
    assert optimizer.weight_decay == 1e-2
    # One step with zero gradients moves a weight by the decoupled weight decay alone: Adam's own step is 0.
    for variable in model.trainable_variables:
        if "bias" in variable.path:  # biases start at 0, which no decay would move: make a change visible
            variable.assign(np.full(variable.shape, 0.5, dtype=variable.dtype))
    before = [v.numpy() for v in model.trainable_variables]
    optimizer.apply([np.zeros(v.shape, dtype=v.dtype) for v in model.trainable_variables], model.trainable_variables)
    shrink = 1 - float(optimizer.learning_rate) * 1e-2
    kinds = set()
    for variable, old in zip(model.trainable_variables, before, strict=True):
        kind = "kernel" if "kernel" in variable.path else "bias"
        kinds.add(kind)
        expected = old * shrink if kind == "kernel" else old  # kernels decay, biases excluded
        np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-6, atol=0, err_msg=variable.path)
    assert kinds == {"kernel", "bias"}


# --- where early stopping stops, read off a curve ----------------------------------------------


def keras_early_stopping(curve, patience):
    """What Keras' own EarlyStopping does on ``curve``: (epochs run, epoch whose weights it restores)."""
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    callback = keras.callbacks.EarlyStopping(
        monitor="val_data_loss",
        mode="min",
        patience=patience,
        restore_best_weights=True,
    )
    model.stop_training = False  # fit() sets it; the callback sets it to True to stop
    callback.set_model(model)
    callback.on_train_begin()
    ran = len(curve)
    for epoch, value in enumerate(curve):
        model.layers[0].bias.assign([float(epoch)])  # the weights remember their epoch
        callback.on_epoch_end(epoch, {"val_data_loss": value})
        if model.stop_training:
            ran = epoch + 1
            break
    callback.on_train_end()
    return ran, int(model.layers[0].bias.numpy()[0]) + 1


# A stop on a bump before the true minimum; still falling (never stops, keeps the last epoch);
# best at once; a tie is no improvement.
CURVES = [
    [1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7],
    [1.0, 0.9, 0.8, 0.7, 0.6],
    [0.5, 0.6, 0.7, 0.8],
    [1.0, 0.9, 0.9, 0.9, 0.9, 0.8],
]


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("patience", [1, 3])
def test_early_stopping_epochs_agree_with_keras(curve, patience):
    assert early_stopping_epochs(curve, patience) == keras_early_stopping(curve, patience)


def test_early_stopping_epochs_by_hand():
    assert early_stopping_epochs([1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7], 3) == (6, 3)
    assert early_stopping_epochs([1.0, 0.9, 0.8], 3) == (3, 3)


@pytest.mark.parametrize(
    "curve, patience, message",
    [
        ([], 3, "non-empty"),
        ([[1.0]], 3, "1-D"),
        ([1.0, np.nan], 3, "finite"),
        ([1.0], -1, "patience"),
    ],
)
def test_early_stopping_epochs_bad_input(curve, patience, message):
    with pytest.raises(ValueError, match=message):
        early_stopping_epochs(curve, patience)


# --- the configuration a table is keyed by ------------------------------------------------------


def test_variant_config_keeps_the_regime_and_the_recipes():
    config = variant_config(REGIME, {"dropout": {"dropout_rate": 0.5}}, [0, 1])
    assert config["label_noise"] == 0.4 and config["n_train"] == 1000 and config["epochs"] == 20
    assert config["seeds"] == [0, 1] and config["runs"] == {"dropout": {"dropout_rate": 0.5}}
    assert "kinds" not in config  # lesson 02's penalties are not part of a recipe table


@pytest.mark.parametrize(
    "regime, runs, seeds, message",
    [
        ({"dataset": "mnist-5k"}, {"a": {}}, [0], "lacks"),
        (REGIME, {}, [0], "non-empty dict"),
        (REGIME, {"": {}}, [0], "name"),
        (REGIME, {"a": 0.5}, [0], "dict of train_variant"),
        (REGIME, {"a": {"dropout": 0.5}}, [0], "unknown argument"),
        (REGIME, {"a": {}}, [], "seeds"),
        (REGIME, {"a": {}}, [0, 0], "distinct"),
        (REGIME, {"a": {}}, [-1], "seed"),
    ],
)
def test_variant_config_bad_input(regime, runs, seeds, message):
    with pytest.raises((ValueError, TypeError), match=message):
        variant_config(regime, runs, seeds)


def test_recipe_row_picks_one_recipe_and_names_what_exists():
    table = {
        "names": np.array(["a", "b"]),
        "seeds": np.array([0, 1]),
        "test_accuracy": np.array([[0.1, 0.2], [0.3, 0.4]]),
    }
    np.testing.assert_array_equal(recipe_row(table, "b"), [0.3, 0.4])
    with pytest.raises(KeyError, match="there are: a, b"):
        recipe_row(table, "c")
    with pytest.raises(KeyError, match="there are: test_accuracy"):
        recipe_row(table, "a", "seeds")


# --- training a table ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_tiny(mnist_5k):
    """120 training images (25 % of labels wrong), 60 validation: two epochs in about a second."""
    from helpers.data import load_dataset, with_label_noise

    return with_label_noise(load_dataset("mnist-5k", n_train=120, n_val=60), 0.25, seed=0)


def test_a_plain_recipe_is_the_run_train_cnn_gives_the_same_seed(noisy_tiny):
    """The pairing the lesson rests on: the same initial weights and batches as lesson 02's runs."""
    from helpers.training import evaluate, train_cnn

    regime = make_config(REGIME, n_train=120, n_val=60, label_noise=0.25, epochs=2)
    table = variant_table(noisy_tiny, variant_config(regime, {"L2": {"kind": "l2", "strength": 0.01}}, [3]))
    # train_cnn looks at the validation images every epoch, as lesson 02's runs did; the table's run does not
    run = train_cnn(noisy_tiny, Penalty(l2_strength=0.01), num_epochs=2, seed=3)
    test = evaluate(run.model, noisy_tiny.x_test, noisy_tiny.y_test)
    assert (table["test_accuracy"][0, 0], table["test_data_loss"][0, 0]) == (
        test["accuracy"],
        test["data_loss"],
    )
    assert np.isnan(table["val_data_loss"][0, 0]).all()


def test_variant_table_shapes_and_early_stop_padding(noisy_tiny):
    regime = make_config(REGIME, n_train=120, n_val=60, label_noise=0.25, epochs=3)
    runs = {
        "dropout": {"dropout_rate": 0.5},
        "stop at once": {"early_stopping_patience": 1},
    }
    table = variant_table(noisy_tiny, variant_config(regime, runs, [0, 1]))
    assert table["names"].tolist() == ["dropout", "stop at once"] and table["seeds"].tolist() == [0, 1]
    assert table["test_accuracy"].shape == (2, 2) and table["val_data_loss"].shape == (
        2,
        2,
        3,
    )
    assert np.all((table["train_true_accuracy"] >= 0) & (table["train_true_accuracy"] <= 1))
    assert np.all(table["kernel_max_abs"] ** 2 <= table["kernel_sq_norm"])
    assert np.isnan(table["val_data_loss"][0]).all()  # only early stopping watches the validation images
    # An early stop leaves NaN after its last epoch, and its curve agrees with the rule.
    for j in range(2):
        ran = int(table["epochs_run"][1, j])
        curve = table["val_data_loss"][1, j]
        assert np.isfinite(curve[:ran]).all() and np.isnan(curve[ran:]).all()
        assert early_stopping_epochs(curve[:ran], 1)[0] == ran
