"""helpers.lesson05_other_regularizers: the scheduled L2
strength inside the compiled step, the variant CNN, and recipe tables paired with train_cnn's runs."""

import dataclasses

import keras
import numpy as np
import pytest

from helpers.data import with_label_noise
from helpers.experiment import make_config
from helpers.lesson05_other_regularizers import (
    StrengthSchedule,
    build_variant_cnn,
    linear_warmup,
    recipe_row,
    scheduled_l2,
    train_variant,
    variant_config,
    variant_table,
)
from helpers.models import build_cnn, compile_cnn
from helpers.penalties import Penalty
from helpers.training import early_stopping_epochs, evaluate, train_cnn
from helpers.weights import kernels


def without_validation(data):
    return dataclasses.replace(data, x_val=data.x_val[:0], y_val=data.y_val[:0])


# --- a scheduled strength ----------------------------------------------------------------------------


def test_linear_warmup_values():
    schedule = linear_warmup(1e-3, 4)
    assert [schedule(e) for e in range(6)] == pytest.approx([0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3])


def test_variable_l2_reads_the_variable_each_time():
    penalty = scheduled_l2(1e-3, initial_strength=0.5)
    regularizer, weight = penalty.keras_regularizer(), np.full((2, 3), 2.0, dtype=np.float32)
    assert float(regularizer(weight)) == pytest.approx(0.5 * 24)
    penalty.strength.assign(0.25)
    assert float(regularizer(weight)) == pytest.approx(0.25 * 24)


def test_the_penalty_term_follows_the_schedule_inside_one_compiled_fit(tiny):
    penalty = scheduled_l2(0.01)
    model = compile_cnn(build_cnn(penalty), optimizer=keras.optimizers.SGD(0.0))  # rate 0: Σw² stays as it is
    squares = Penalty(l2_strength=1.0).value(list(kernels(model).values()))
    schedule = StrengthSchedule(penalty, linear_warmup(0.01, 2))
    history = model.fit(tiny.x_train, tiny.y_train, epochs=3, batch_size=64, verbose=0, callbacks=[schedule])
    assert schedule.strengths == pytest.approx([0.0, 0.005, 0.01])
    penalty_term = np.subtract(history.history["loss"], history.history["data_loss"])
    np.testing.assert_allclose(penalty_term, np.array(schedule.strengths) * squares, rtol=1e-4, atol=1e-6)


# --- the variant CNN -----------------------------------------------------------------------------------


def test_variant_cnn_is_the_seed_cnn_plus_weightless_layers_from_the_same_weights():
    keras.utils.set_random_seed(4)
    seed_cnn = build_cnn(Penalty.of("l2", 1e-3))
    keras.utils.set_random_seed(4)
    variant = build_variant_cnn(Penalty.of("l2", 1e-3), dropout_rate=0.5, augment=True)
    names = [layer.name for layer in variant.layers]
    assert names[1:3] == ["shift", "rotate"] and names[names.index("dense1") + 1] == "dropout"
    assert [n for n in names[1:] if n not in ("shift", "rotate", "dropout")] == [la.name for la in seed_cnn.layers]
    for mine, theirs in zip(variant.get_weights(), seed_cnn.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert float(sum(variant.losses)) == pytest.approx(Penalty.of("l2", 1e-3).value(list(kernels(variant).values())))


def test_weight_decay_shrinks_kernels_and_leaves_biases_alone():
    model = build_variant_cnn(weight_decay=1e-2)
    variables = model.trainable_variables
    for variable in variables:
        if "bias" in variable.path:  # biases start at 0, which no decay would move: make a change visible
            variable.assign(np.full(variable.shape, 0.5, dtype=variable.dtype))
    before = [v.numpy() for v in variables]
    # Zero gradients: Adam's own step is 0, so a weight moves by the decoupled decay alone, w·(1 − lr·wd).
    model.optimizer.apply([np.zeros(v.shape, dtype=v.dtype) for v in variables], variables)
    for variable, old in zip(variables, before, strict=True):
        expected = old * (1 - 1e-3 * 1e-2) if "kernel" in variable.path else old
        np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-6, atol=0, err_msg=variable.path)


@pytest.fixture(scope="module")
def plain_run(tiny):
    return train_cnn(without_validation(tiny), num_epochs=2, seed=0)


def test_a_variant_without_a_recipe_is_train_cnns_run(tiny, plain_run):
    variant = train_variant(without_validation(tiny), num_epochs=2, seed=0)
    for name, values in plain_run.history.items():
        np.testing.assert_array_equal(variant.history[name], values, err_msg=name)
    assert int(variant.history["epochs_run"]) == 2


def test_early_stopping_recipe_stops_where_the_rule_says_and_restores_the_best_weights(tiny):
    # 40 % wrong labels, a high rate and small batches: the validation loss turns up within a few epochs
    noisy = with_label_noise(tiny, 0.4, seed=0)
    run = train_variant(noisy, early_stopping_patience=1, num_epochs=6, batch_size=32, seed=0, learning_rate=1e-2)
    curve = run.history["val_data_loss"]
    ran, restored = early_stopping_epochs(curve, 1)
    assert int(run.history["epochs_run"]) == ran == len(curve) and restored < ran < 6
    assert evaluate(run.model, noisy.x_val, noisy.y_val)["data_loss"] == pytest.approx(curve[restored - 1], rel=1e-5)


@pytest.mark.parametrize(
    "arguments, name",
    [
        ({"kind": "l1", "strength": 1e-3, "warmup_epochs": 2}, "warmup_epochs"),
        ({"early_stopping_patience": 2}, "early_stopping_patience"),
    ],
)
def test_train_variant_refuses_a_recipe_it_cannot_train(tiny, arguments, name):
    with pytest.raises(ValueError, match=name):
        train_variant(without_validation(tiny), num_epochs=1, **arguments)


# --- recipe tables -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table(tiny):
    config = variant_config(make_config(epochs=2), {"plain": {}, "stop": {"early_stopping_patience": 1}}, [0])
    return variant_table(tiny, config)


def test_variant_config_keeps_the_regime_and_the_recipes():
    config = variant_config(make_config(seeds=[0, 1, 2]), {"dropout": {"dropout_rate": 0.5}}, [0, 1])
    assert (config["label_noise"], config["n_train"], config["epochs"]) == (0.4, 1000, 20)
    assert config["seeds"] == [0, 1] and config["runs"] == {"dropout": {"dropout_rate": 0.5}}
    with pytest.raises(ValueError, match="unknown argument"):
        variant_config(make_config(), {"a": {"dropout": 0.5}}, [0])


def test_a_table_row_is_train_cnns_run_with_the_same_seed(tiny, table, plain_run):
    test = evaluate(plain_run.model, tiny.x_test, tiny.y_test)
    weights = list(kernels(plain_run.model).values())
    plain = {key: recipe_row(table, "plain", key)[0] for key in table if key not in ("names", "seeds")}
    assert (plain["test_accuracy"], plain["test_data_loss"]) == pytest.approx((test["accuracy"], test["data_loss"]))
    assert plain["kernel_sq_norm"] == pytest.approx(Penalty(l2_strength=1.0).value(weights), rel=1e-6)
    assert plain["kernel_max_abs"] == pytest.approx(max(np.abs(w).max() for w in weights))
    assert plain["epochs_run"] == 2 and np.isnan(plain["val_data_loss"]).all()  # it never looked at them


def test_an_early_stopping_row_keeps_its_curve_up_to_the_stop(table):
    ran = int(recipe_row(table, "stop", "epochs_run")[0])
    curve = recipe_row(table, "stop", "val_data_loss")[0]
    assert np.isfinite(curve[:ran]).all() and np.isnan(curve[ran:]).all()
    assert early_stopping_epochs(curve[:ran], 1)[0] == ran


def test_recipe_row_names_what_exists():
    table = {"names": np.array(["a", "b"]), "seeds": np.array([0, 1]), "test_accuracy": np.array([[1, 2], [3, 4]])}
    np.testing.assert_array_equal(recipe_row(table, "b"), [3, 4])
    with pytest.raises(KeyError, match="there are: a, b"):
        recipe_row(table, "c")
    with pytest.raises(KeyError, match="there are: test_accuracy"):
        recipe_row(table, "a", "seeds")
