"""The seed text's CNN, built the working way: penalties attach to each layer's kernel."""

from helpers.penalties import Penalty

__all__ = ["build_cnn", "SEED_CNN_LAYERS"]

# The architecture of the seed text (Conv 32-64-64 with 3x3 kernels, 2x2 max-pooling,
# Dense 64, Dense 10 softmax); 93,322 parameters.
SEED_CNN_LAYERS = ("conv1", "conv2", "conv3", "dense1", "output")


def build_cnn(penalty=None, learning_rate=1e-3, compile_model=True):
    """Return the seed's CNN for (n, 28, 28, 1) images with ``penalty`` on every kernel.

    Each weighted layer gets its own ``kernel_regularizer`` (Keras has no
    "regularization layer"; the seed text's ``layers.RegularizationTokenBucket``
    does not exist). Biases are left unpenalized, as is usual: a bias shifts a
    unit's output and does not make the model more complex.
    Compiled with Adam, sparse categorical cross-entropy, and two metrics:
    ``accuracy`` and ``data_loss`` (the cross-entropy without the penalty).
    """
    import keras
    from keras import layers

    penalty = Penalty() if penalty is None else penalty
    if not isinstance(penalty, Penalty):
        raise TypeError(f"penalty must be a helpers.penalties.Penalty, got {type(penalty).__name__}")

    def weighted(layer_class, *args, **kwargs):
        # A fresh regularizer object per layer, as Keras expects.
        return layer_class(*args, kernel_regularizer=penalty.keras_regularizer(), **kwargs)

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            weighted(layers.Conv2D, 32, (3, 3), activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2)),
            weighted(layers.Conv2D, 64, (3, 3), activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2)),
            weighted(layers.Conv2D, 64, (3, 3), activation="relu", name="conv3"),
            layers.Flatten(),
            weighted(layers.Dense, 64, activation="relu", name="dense1"),
            weighted(layers.Dense, 10, activation="softmax", name="output"),
        ],
        name=f"seed_cnn_{penalty.kind}",
    )
    if compile_model:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
            # Keras' loss and val_loss include the penalty; this metric does not.
            metrics=["accuracy", keras.metrics.SparseCategoricalCrossentropy(name="data_loss")],
        )
    return model
