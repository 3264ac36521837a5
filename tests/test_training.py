"""helpers.training: train_cnn is a seeded plain Keras fit; train_cnns' side-by-side runs equal train_cnn's; where
early stopping acts, against Keras' own callback."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from helpers.models import build_cnn
from helpers.penalties import Penalty
from helpers.training import early_stopping_epochs, evaluate, train_cnn, train_cnns
from helpers.weights import kernels

PENALTIES = [Penalty.of("l2", 1e-2), Penalty(l1_strength=1e-3, l2_strength=1e-3)]
SEED = 3


@pytest.fixture(scope="module")
def alone(tiny):
    return [train_cnn(tiny, penalty, num_epochs=2, seed=SEED) for penalty in PENALTIES]


@pytest.fixture(scope="module")
def together(tiny):
    return train_cnns(tiny, PENALTIES, num_epochs=2, seed=SEED)


def _history_lists(run):
    return {name: values.tolist() for name, values in run.history.items()}


def test_the_same_seed_gives_the_same_run_bit_for_bit(tiny, alone):
    np.random.default_rng().random()  # whatever ran in between (other cells, other tests) does not matter
    keras.utils.set_random_seed(99)
    again = train_cnn(tiny, PENALTIES[0], num_epochs=2, seed=SEED)
    assert _history_lists(again) == _history_lists(alone[0])
    for mine, reference in zip(again.model.get_weights(), alone[0].model.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, reference)


def test_another_seed_gives_another_run(tiny, alone):
    other = train_cnn(tiny, PENALTIES[0], num_epochs=1, seed=SEED + 1)
    assert other.history["val_data_loss"][0] != alone[0].history["val_data_loss"][0]


def test_the_history_has_the_data_loss_apart_from_keras_loss(alone):
    history = alone[0].history
    assert {"loss", "data_loss", "accuracy", "val_loss", "val_data_loss", "val_accuracy"} <= set(history)
    assert all(len(values) == 2 for values in history.values())
    assert np.all(history["loss"] > history["data_loss"])  # Keras' loss includes the L2 penalty


@pytest.mark.parametrize("index", range(len(PENALTIES)), ids=[p.label for p in PENALTIES])
def test_side_by_side_runs_equal_runs_alone(alone, together, index):
    mine, reference = together[index], alone[index]
    assert mine.penalty == reference.penalty
    for name in ("data_loss", "accuracy", "val_data_loss", "val_accuracy"):
        # The same initial weights, batches and updates: equal up to float rounding.
        np.testing.assert_allclose(mine.history[name], reference.history[name], rtol=1e-5, atol=1e-7, err_msg=name)
    for weights, expected in zip(mine.model.get_weights(), reference.model.get_weights(), strict=True):
        np.testing.assert_allclose(weights, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", range(len(PENALTIES)), ids=[p.label for p in PENALTIES])
def test_side_by_side_history_has_the_penalty_and_keras_val_loss(alone, together, index):
    run = together[index]
    assert run.history["penalty"][-1] == pytest.approx(run.penalty.value(list(kernels(run.model).values())))
    np.testing.assert_allclose(run.history["val_loss"], run.history["val_data_loss"] + run.history["penalty"])
    # Keras' own val_loss of the CNN trained alone: validation data loss + its regularization losses.
    np.testing.assert_allclose(run.history["val_loss"], alone[index].history["val_loss"], rtol=1e-5)


def test_without_validation_images_one_cnn_side_by_side_is_train_cnn(tiny, alone):
    """One penalty: Keras names a lone output's metrics without a prefix; no validation images: no val_ history
    (and the same training, which never sees them)."""
    no_val = dataclasses.replace(tiny, x_val=tiny.x_val[:0], y_val=tiny.y_val[:0])
    (run,) = train_cnns(no_val, [PENALTIES[0]], num_epochs=2, seed=SEED)
    assert set(run.history) == {"data_loss", "accuracy", "penalty"}
    for name in ("data_loss", "accuracy"):
        np.testing.assert_allclose(run.history[name], alone[0].history[name], rtol=1e-5, err_msg=name)


def test_evaluate_gives_the_last_epochs_validation_numbers(tiny, alone):
    scores = evaluate(alone[0].model, tiny.x_val, tiny.y_val)
    assert scores == pytest.approx(
        {"accuracy": alone[0].history["val_accuracy"][-1], "data_loss": alone[0].history["val_data_loss"][-1]},
        rel=1e-5,
    )


def test_build_trains_the_given_model(tiny):
    built = []

    def build():
        model = build_cnn(widths={"dense1": 8})
        built.append((model, [w.copy() for w in model.get_weights()]))
        return model

    run = train_cnn(tiny, num_epochs=1, build=build)
    ((model, initial),) = built
    assert run.model is model and run.model.get_layer("dense1").kernel.shape == (576, 8)
    assert all(not np.array_equal(w, w0) for w, w0 in zip(model.get_weights(), initial, strict=True))  # all trained


TRAIN_AND_PRINT = """
import hashlib, json
from helpers.notebook import setup_notebook
setup_notebook()
from helpers.data import load_dataset
from helpers.penalties import Penalty
from helpers.training import train_cnn
data = load_dataset("mnist-5k", n_train=150, n_val=100, n_test=100)
run = train_cnn(data, Penalty(l1_strength=1e-4, l2_strength=1e-3), num_epochs=1, seed=3)
weights = hashlib.sha256(b"".join(w.tobytes() for w in run.model.get_weights())).hexdigest()
print(json.dumps({"weights": weights, **{name: values.tolist() for name, values in run.history.items()}}))
"""


@pytest.mark.slow  # two TensorFlow starts; the same-process reproducibility tests above run every time
def test_the_same_seed_gives_the_same_run_bit_for_bit_in_two_fresh_processes():
    """What a learner sees: rerunning a lesson from a fresh kernel reproduces its numbers exactly."""
    command = [sys.executable, "-c", TRAIN_AND_PRINT]
    repo = Path(__file__).resolve().parents[1]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=repo) for _ in range(2)]
    first, second = (json.loads(process.communicate(timeout=300)[0].splitlines()[-1]) for process in processes)
    assert first == second and {"weights", "val_data_loss"} <= set(first)  # bit for bit, not just close


# --- where early stopping acts ------------------------------------------------------------------


class ScriptedValidation(keras.callbacks.Callback):
    """Puts curve[epoch] into the logs as the validation data loss and the epoch number into the model's bias."""

    def __init__(self, curve):
        super().__init__()
        self.curve = curve

    def on_epoch_end(self, epoch, logs=None):
        logs["val_data_loss"] = self.curve[epoch]  # the logs EarlyStopping reads next (it comes after this one)
        self.model.layers[0].bias.assign([float(epoch)])  # the weights remember their epoch


def keras_early_stopping(curve, patience, mode="min"):
    """Keras' EarlyStopping inside a real fit on ``curve``: (epochs run, epoch whose weights the model ends with)."""
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)  # only the callbacks matter: no graph to build
    stopping = keras.callbacks.EarlyStopping("val_data_loss", patience=patience, mode=mode, restore_best_weights=True)
    history = model.fit(
        np.zeros((4, 1)), np.zeros(4), epochs=len(curve), verbose=0, callbacks=[ScriptedValidation(curve), stopping]
    )
    return len(history.history["loss"]), int(model.layers[0].bias.numpy()[0]) + 1


CURVES = [
    [1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7],  # a bump before the true minimum
    [1.0, 0.9, 0.8, 0.7, 0.6],  # still falling: never stops, keeps the last epoch
    [0.5, 0.6, 0.7, 0.8],  # best at once
    [1.0, 0.9, 0.9, 0.9, 0.9, 0.8],  # a tie is no improvement
]


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize("patience", [1, 3])
@pytest.mark.parametrize("mode", ["min", "max"])
def test_early_stopping_epochs_agree_with_keras(curve, patience, mode):
    assert early_stopping_epochs(curve, patience, mode) == keras_early_stopping(curve, patience, mode)


def test_early_stopping_epochs_by_hand():
    # best 0.8 at epoch 3; epochs 4, 5, 6 do not improve: with patience 3 the fit stops after epoch 6
    assert early_stopping_epochs([1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7], 3) == (6, 3)
    assert early_stopping_epochs([1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7], 4) == (7, 7)
    # an accuracy: best 0.6 at epoch 2; epochs 3 and 4 do not beat it: with patience 2 the fit stops after epoch 4
    assert early_stopping_epochs([0.5, 0.6, 0.55, 0.6, 0.7], 2, mode="max") == (4, 2)
