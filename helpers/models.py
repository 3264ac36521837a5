"""The seed text's CNN, built the working way: penalties attach to each layer's kernel.

Keras is imported inside the functions: importing it starts TensorFlow (see helpers/__init__.py).
"""

from helpers.internal.validation import check_positive
from helpers.penalties import as_penalty

__all__ = ["build_cnn", "compile_cnn", "seed_cnn_layers"]

# The architecture of the seed text: Conv 32-64-64 with 3x3 kernels, 2x2 max-pooling,
# Dense 64, Dense 10 softmax; 93,322 parameters.


def seed_cnn_layers(penalty=None, suffix=""):
    """The seed's CNN as a list of fresh Keras layers, ``penalty`` on every kernel, names + ``suffix``.

    Each weighted layer gets its own ``kernel_regularizer`` (Keras has no
    "regularization layer"; the seed text's ``layers.RegularizationTokenBucket``
    does not exist). Biases are left unpenalized, as is usual: a bias shifts a
    unit's output and does not make the model more complex. The output layer
    always computes in float32, so probabilities and losses keep full precision
    under the bfloat16 fast path (helpers.internal.runtime).
    """
    from keras import layers  # inside, like every Keras import of the core: see helpers/__init__.py

    penalty = as_penalty(penalty)

    def weighted(layer_class, *args, name, **kwargs):
        # A fresh regularizer object per layer, as Keras expects.
        return layer_class(*args, kernel_regularizer=penalty.keras_regularizer(), name=name + suffix, **kwargs)

    return [
        weighted(layers.Conv2D, 32, (3, 3), activation="relu", name="conv1"),
        layers.MaxPooling2D((2, 2), name="pool1" + suffix),
        weighted(layers.Conv2D, 64, (3, 3), activation="relu", name="conv2"),
        layers.MaxPooling2D((2, 2), name="pool2" + suffix),
        weighted(layers.Conv2D, 64, (3, 3), activation="relu", name="conv3"),
        layers.Flatten(name="flatten" + suffix),
        weighted(layers.Dense, 64, activation="relu", name="dense1"),
        weighted(layers.Dense, 10, activation="softmax", name="output", dtype="float32"),
    ]


def compile_cnn(model, learning_rate=1e-3, outputs=None, optimizer=None):
    """Compile with Adam, sparse cross-entropy, and metrics ``accuracy`` and ``data_loss``: every model of the course.

    ``data_loss`` is the cross-entropy without the penalty (Keras' ``loss`` and
    ``val_loss`` include it). ``outputs``: names of a multi-output model's outputs.
    ``optimizer``: another Keras optimizer than ``Adam(learning_rate)``.
    """
    import keras

    if optimizer is None:
        optimizer = keras.optimizers.Adam(check_positive("learning_rate", learning_rate))

    def metrics():
        # Metric objects, not the string "accuracy": Keras resolves a string during the first training step,
        # and a variable made then makes TensorFlow trace the whole step a second time (seconds, same numbers).
        return [
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseCategoricalCrossentropy(name="data_loss"),
        ]

    loss = "sparse_categorical_crossentropy"
    model.compile(
        optimizer=optimizer,
        loss=loss if outputs is None else {name: loss for name in outputs},
        metrics=metrics() if outputs is None else {name: metrics() for name in outputs},
    )
    return model


def build_cnn(penalty=None, learning_rate=1e-3, compile_model=True):
    """Return the seed's CNN for (n, 28, 28, 1) images with ``penalty`` on every kernel.

    Layers from :func:`seed_cnn_layers`; compiled by :func:`compile_cnn` (Adam,
    sparse categorical cross-entropy, metrics ``accuracy`` and ``data_loss``).
    """
    import keras

    penalty = as_penalty(penalty)
    model = keras.Sequential(
        [keras.Input(shape=(28, 28, 1)), *seed_cnn_layers(penalty)], name=f"seed_cnn_{penalty.kind}"
    )
    if compile_model:
        compile_cnn(model, learning_rate)
    return model
