"""helpers.internal.fast_fit: fit_model's one compiled call per epoch gives Keras' own numbers bit for bit."""

import dataclasses

import numpy as np
import pytest

from helpers.internal.fast_fit import EVALUATION_BATCH_SIZE, fit_model
from helpers.models import build_cnn
from helpers.notebook import reseed
from helpers.penalties import Penalty


@pytest.fixture(scope="module")
def small(mnist_5k):
    return dataclasses.replace(
        mnist_5k,
        x_train=mnist_5k.x_train[:150],
        y_train=mnist_5k.y_train[:150],
        x_val=mnist_5k.x_val[:100],
        y_val=mnist_5k.y_val[:100],
    )


def _plain_fit(data, penalty, callbacks=None):
    """The seed's CNN trained by Keras' own fit, one call per batch (steps_per_execution=1) -> (history, weights)."""
    reseed(5)
    model = build_cnn(penalty)
    fitted = model.fit(
        data.x_train,
        data.y_train,
        epochs=2,
        batch_size=64,
        validation_data=(data.x_val, data.y_val),
        validation_batch_size=EVALUATION_BATCH_SIZE,
        callbacks=callbacks,
        verbose=0,
    )
    return fitted.history, model.get_weights()


def test_one_call_per_epoch_gives_the_same_numbers_bit_for_bit(small):
    penalty = Penalty(l1_strength=1e-3, l2_strength=1e-3)
    reference_history, reference_weights = _plain_fit(small, penalty)
    reseed(5)
    model = build_cnn(penalty)
    # 150 images in batches of 64: 3 batches, the last one of 22, all in one call per epoch.
    history = fit_model(
        model, small.x_train, small.y_train, num_epochs=2, batch_size=64, validation=(small.x_val, small.y_val)
    ).history
    assert history.keys() == reference_history.keys()
    for name in history:
        np.testing.assert_array_equal(history[name], reference_history[name], err_msg=name)
    for mine, reference in zip(model.get_weights(), reference_weights, strict=True):
        np.testing.assert_array_equal(mine, reference)
    assert model.steps_per_execution == 1  # the model keeps Keras' default for whoever fits it next


def test_a_callback_acting_on_every_batch_still_sees_every_batch(small):
    import keras

    class CountBatches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    class EpochsOnly(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen_steps_per_execution = self.model.steps_per_execution

    counter, epochs_only = CountBatches(), EpochsOnly()
    reseed(5)
    fit_model(build_cnn(), small.x_train, small.y_train, num_epochs=2, batch_size=64, callbacks=[counter])
    assert counter.batches == [0, 1, 2, 0, 1, 2]  # 150 images = 3 batches, each its own call
    reseed(5)
    fit_model(build_cnn(), small.x_train, small.y_train, num_epochs=1, batch_size=64, callbacks=[epochs_only])
    assert epochs_only.seen_steps_per_execution == 3  # no per-batch hook: the epoch's 3 batches in one call


def test_fit_model_refuses_an_uncompiled_model_and_no_images(small):
    reseed(5)
    with pytest.raises(ValueError, match="must be compiled first"):
        fit_model(build_cnn(compile_model=False), small.x_train, small.y_train, num_epochs=1, batch_size=64)
    with pytest.raises(ValueError, match="no images"):
        fit_model(build_cnn(), small.x_train[:0], small.y_train[:0], num_epochs=1, batch_size=64)
