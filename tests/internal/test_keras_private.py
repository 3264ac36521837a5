"""helpers.internal.keras_private: the one Keras internal the course reads, Adam's second moments.

If a Keras upgrade moves them, this test fails in CI before lesson 03's proximal step does.
"""

import numpy as np
import pytest

from helpers.internal.keras_private import adam_second_moment


def test_after_one_adam_step_the_second_moment_is_one_minus_beta_2_times_the_squared_gradient():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, dtype="float32")])
    optimizer = keras.optimizers.Adam(learning_rate=0.1, beta_2=0.99)
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    gradient = np.array([[0.5, -1.0], [2.0, 0.0], [-0.25, 3.0]], dtype=np.float32)  # known, not computed
    optimizer.apply([gradient, np.ones(2, dtype=np.float32)], [kernel, bias])
    second_moment = adam_second_moment(optimizer, kernel)
    assert tuple(second_moment.shape) == gradient.shape
    np.testing.assert_allclose(np.asarray(second_moment), (1 - 0.99) * gradient**2, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(adam_second_moment(optimizer, bias)), (1 - 0.99) * np.ones(2), rtol=1e-6)


def test_an_optimizer_without_second_moments_names_the_file_to_update():
    class NotAdam:
        def _get_variable_index(self, variable):
            return 0

    with pytest.raises(RuntimeError, match=r"helpers/internal/keras_private\.py"):
        adam_second_moment(NotAdam(), object())


def test_keras_batches_are_fits_batches_in_order_with_autotuning_off():
    import numpy as np

    from helpers.internal.keras_private import keras_batches

    x = np.arange(150 * 2, dtype="float32").reshape(150, 2)
    y = np.arange(150)
    batches = keras_batches(x, y, 64, shuffle=False)
    assert batches.options().autotune.enabled is False and batches.cardinality() == 3
    labels = [batch_y.numpy() for _, batch_y in batches]
    assert [len(b) for b in labels] == [64, 64, 22]
    np.testing.assert_array_equal(np.concatenate(labels), y)
    shuffled = np.concatenate([batch_y.numpy() for _, batch_y in keras_batches(x, y, 64, shuffle=True)])
    assert sorted(shuffled) == list(y) and list(shuffled) != list(y)
