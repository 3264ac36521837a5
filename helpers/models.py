"""The seed text's CNN, built the working way: a penalty is attached to each layer's kernel.

Conv 32-64-64 with 3x3 kernels and 2x2 max-pooling, Dense 64, Dense 10 softmax: 93,322 parameters.
Keras has no "regularization layer" (the seed text's ``layers.RegularizationTokenBucket`` does not exist):
each weighted layer takes its own ``kernel_regularizer``. Biases stay unpenalized, as usual: a bias
shifts a unit's output and does not make the model more complex.
"""

import keras
from keras import layers

from helpers.penalties import Penalty

__all__ = ["build_cnn", "compile_cnn"]

WIDTHS = {"conv1": 32, "conv2": 64, "conv3": 64, "dense1": 64}


def build_cnn(penalty=None, *, widths=None, learning_rate=1e-3, name=None):
    """The seed's CNN for (n, 28, 28, 1) images, ``penalty`` on every kernel, compiled by :func:`compile_cnn`.

    ``widths``: other numbers of units ``{"conv1": .., "conv2": .., "conv3": .., "dense1": ..}`` (lesson 06).
    """
    penalty = penalty or Penalty()
    widths = {**WIDTHS, **(widths or {})}

    def penalized(layer, *args, **kwargs):
        return layer(*args, kernel_regularizer=penalty.keras_regularizer(), **kwargs)

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            penalized(layers.Conv2D, widths["conv1"], (3, 3), activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2), name="pool1"),
            penalized(layers.Conv2D, widths["conv2"], (3, 3), activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2), name="pool2"),
            penalized(layers.Conv2D, widths["conv3"], (3, 3), activation="relu", name="conv3"),
            layers.Flatten(name="flatten"),
            penalized(layers.Dense, widths["dense1"], activation="relu", name="dense1"),
            # float32 even when asked for bfloat16 arithmetic: probabilities and losses keep full precision.
            penalized(layers.Dense, 10, activation="softmax", name="output", dtype="float32"),
        ],
        name=name or f"cnn_{penalty.kind}",
    )
    return compile_cnn(model, learning_rate)


def compile_cnn(model, learning_rate=1e-3, optimizer=None, outputs=None):
    """Compile as every model of the course: Adam (or ``optimizer``), cross-entropy, ``accuracy`` and ``data_loss``.

    ``data_loss`` is the cross-entropy without the penalty (Keras' ``loss`` and ``val_loss`` include it).
    ``outputs``: the output names of a model of several CNNs side by side (helpers.training.train_cnns).
    """

    def metrics():
        return [
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseCategoricalCrossentropy(name="data_loss"),
        ]

    loss = "sparse_categorical_crossentropy"
    model.compile(
        optimizer=optimizer or keras.optimizers.Adam(learning_rate),
        loss=loss if outputs is None else dict.fromkeys(outputs, loss),
        metrics=metrics() if outputs is None else {name: metrics() for name in outputs},
    )
    return model
