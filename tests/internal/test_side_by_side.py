"""helpers.internal.side_by_side: train_cnns (all penalties in one fit) must equal one train_cnn per penalty."""

import dataclasses

import numpy as np
import pytest

from helpers.internal.side_by_side import train_cnns
from helpers.penalties import Penalty
from helpers.training import train_cnn

PENALTIES = [Penalty(), Penalty(l2_strength=1e-2), Penalty(l1_strength=1e-3, l2_strength=1e-3)]


@pytest.fixture(scope="module")
def small(mnist_5k):
    return dataclasses.replace(
        mnist_5k,
        x_train=mnist_5k.x_train[:150],
        y_train=mnist_5k.y_train[:150],
        x_val=mnist_5k.x_val[:100],
        y_val=mnist_5k.y_val[:100],
    )


@pytest.fixture(scope="module")
def side_by_side_and_alone(small):
    together = train_cnns(small, PENALTIES, num_epochs=2, seed=3)
    alone = [train_cnn(small, penalty, num_epochs=2, seed=3) for penalty in PENALTIES]
    return together, alone


@pytest.mark.parametrize("index", range(len(PENALTIES)), ids=[p.label for p in PENALTIES])
def test_side_by_side_training_equals_training_alone(side_by_side_and_alone, index):
    together, alone = (runs[index] for runs in side_by_side_and_alone)
    assert together.penalty == alone.penalty and together.config == alone.config
    for name in ("data_loss", "accuracy", "val_data_loss", "val_accuracy"):
        # Same initial weights, batches and updates: equal up to float rounding (1e-6).
        np.testing.assert_allclose(together.history[name], alone.history[name], rtol=1e-6, atol=1e-7, err_msg=name)
    for mine, reference in zip(together.model.get_weights(), alone.model.get_weights(), strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("index", [1, 2], ids=[PENALTIES[1].label, PENALTIES[2].label])
def test_val_loss_is_keras_regularized_validation_loss(side_by_side_and_alone, index):
    together, alone = (runs[index] for runs in side_by_side_and_alone)
    assert np.all(together.history["penalty"] > 0.01)
    # Keras' own val_loss (data loss + penalty), from the model trained alone.
    np.testing.assert_allclose(together.history["val_loss"], alone.history["val_loss"], rtol=1e-5)


def test_one_penalty_side_by_side_is_plain_training(small):
    (run,) = train_cnns(small, [Penalty(l2_strength=1e-3)], num_epochs=1, seed=0)
    reference = train_cnn(small, Penalty(l2_strength=1e-3), num_epochs=1, seed=0)
    np.testing.assert_allclose(run.history["val_data_loss"], reference.history["val_data_loss"], rtol=1e-6)


def test_train_cnns_rejects_no_penalties_and_text(small):
    with pytest.raises(ValueError, match="penalties is empty"):
        train_cnns(small, [], num_epochs=1)
    with pytest.raises(TypeError, match=r"penalty must be a helpers\.penalties\.Penalty"):
        train_cnns(small, ["l2"], num_epochs=1)


# The main job trains its penalties side by side with one thread per operation and the models' operations
# spread over the cores (helpers.internal.runtime.thread_layout); the lessons and train_cnn use every thread
# for each operation. TensorFlow fixes its threads when it starts, so the other layout runs in a subprocess.
SIDE_BY_SIDE_IN_A_FRESH_PROCESS = """
import dataclasses, json, sys
from helpers.internal.runtime import start_tensorflow
start_tensorflow(models_per_fit=3)
from helpers.data import load_dataset
from helpers.internal.runtime import numeric_settings
from helpers.internal.side_by_side import train_cnns
from helpers.penalties import Penalty
data = load_dataset("mnist-5k")
small = dataclasses.replace(data, x_train=data.x_train[:150], y_train=data.y_train[:150],
                            x_val=data.x_val[:100], y_val=data.y_val[:100])
runs = train_cnns(small, [Penalty(**p) for p in json.loads(sys.argv[1])], num_epochs=2, seed=3)
print(json.dumps({"settings": numeric_settings(),
                  "histories": [{k: v.tolist() for k, v in run.history.items()} for run in runs]}))
"""


def test_one_thread_per_operation_trains_the_same_models(side_by_side_and_alone):
    import json
    import subprocess
    import sys
    from pathlib import Path

    penalties = json.dumps([penalty.__dict__ for penalty in PENALTIES])
    completed = subprocess.run(
        [sys.executable, "-c", SIDE_BY_SIDE_IN_A_FRESH_PROCESS, penalties],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=300,
        check=True,
    )
    fresh = json.loads(completed.stdout.strip().splitlines()[-1])
    assert fresh["settings"]["threads_per_operation"] == 1
    _, alone = side_by_side_and_alone
    for history, reference in zip(fresh["histories"], alone, strict=True):
        for name in ("data_loss", "accuracy", "val_data_loss", "val_accuracy"):
            # Measured equal bit for bit here (Intel Xeon, float32 and bfloat16); a kernel that splits a sum
            # over threads on another CPU may round differently, hence 10x the rounding tolerance above.
            np.testing.assert_allclose(history[name], reference.history[name], rtol=1e-5, atol=1e-6, err_msg=name)
