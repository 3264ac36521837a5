"""K seed CNNs as one bigger computation: does it pay on a CPU? (issue 19, step 2, first measurements)

    COURSE_FAST_PATH=off ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/merged_models.py   # as a laptop
    .venv/bin/python benchmarks/merged_models.py --k 8                                          # this CPU's path
    .venv/bin/python benchmarks/merged_models.py --threads-per-operation 1                      # the thread layout

One training step (forward, backward, Adam) at batch 64 for K models that see the same images,
built three ways, each in one compiled function:

- ``side by side``: K separate towers in one graph (what helpers.internal.side_by_side does);
- ``conv1 merged``: the first convolution once with K x 32 filters (the input is shared, so this
  is exactly K convolutions) and one pooling, then each model's slice of channels in its tower;
- ``all merged``: that first convolution, then ``Conv2D(groups=K)`` for conv2 and conv3 and a
  batched (block-diagonal) matmul for the dense layers.

All three have the same parameters. Only speed is measured here: a variant that is slower needs
no equality test. Prints the fastest of 3 medians of 60 steps per variant.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BATCH = 64


def tower_after_conv1(layers):
    return [
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
        layers.Dense(10),
    ]


def build(variant, k):
    """The K models of a variant as one Keras model -> (model, outputs stacked on axis 1?)."""
    import keras
    import tensorflow as tf
    from keras import layers

    images = keras.Input((28, 28, 1))
    if variant == "side by side":
        outputs = []
        for _ in range(k):
            flowing = layers.Conv2D(32, 3, activation="relu")(images)
            for layer in tower_after_conv1(layers):
                flowing = layer(flowing)
            outputs.append(flowing)
        return keras.Model(images, outputs)
    shared = layers.MaxPooling2D(2)(layers.Conv2D(32 * k, 3, activation="relu")(images))
    if variant == "conv1 merged":
        outputs = []
        for i in range(k):
            flowing = layers.Lambda(lambda z, i=i: z[..., 32 * i : 32 * (i + 1)])(shared)
            for layer in tower_after_conv1(layers)[1:]:
                flowing = layer(flowing)
            outputs.append(flowing)
        return keras.Model(images, outputs)

    class BatchedDense(layers.Layer):
        """K dense layers at once: one einsum over a (K, inputs, units) kernel."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, shape):
            self.kernel = self.add_weight(shape=(shape[1], shape[2], self.units))
            self.bias = self.add_weight(shape=(shape[1], self.units), initializer="zeros")

        def call(self, inputs):
            return tf.einsum("bkn,knu->bku", inputs, self.kernel) + self.bias

    flowing = layers.Conv2D(64 * k, 3, activation="relu", groups=k)(shared)
    flowing = layers.MaxPooling2D(2)(flowing)
    flowing = layers.Conv2D(64 * k, 3, activation="relu", groups=k)(flowing)  # (batch, 3, 3, 64 k)
    flowing = layers.Reshape((9, k, 64))(flowing)
    flowing = layers.Reshape((k, 576))(layers.Permute((2, 1, 3))(flowing))
    flowing = layers.ReLU()(BatchedDense(64)(flowing))
    outputs = BatchedDense(10)(flowing)
    return keras.Model(images, [outputs[:, i] for i in range(k)])


def step_ms(model, images, labels):
    import keras
    import tensorflow as tf

    optimizer = keras.optimizers.Adam()

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            outputs = model(images, training=True)
            loss = tf.add_n(
                [
                    tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, o, from_logits=True))
                    for o in outputs
                ]
            )
        optimizer.apply(tape.gradient(loss, model.trainable_weights), model.trainable_weights)

    step()
    step()
    medians = []
    for _ in range(3):
        times = []
        for _ in range(60):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        medians.append(1000 * statistics.median(times))
    return min(medians)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/merged_models.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=8, help="models trained together (default 8)")
    parser.add_argument(
        "--threads-per-operation",
        type=int,
        choices=(1, 2),
        help=(
            "only time side by side for K = 2, 4, 8 with TensorFlow started this way: 2 (a lesson's setting) "
            "or 1 (the main job's, helpers.internal.runtime.thread_layout)"
        ),
    )
    args = parser.parse_args(argv)
    import numpy as np
    import tensorflow as tf

    from helpers.internal.runtime import start_tensorflow

    policy, _ = start_tensorflow(models_per_fit=2 if args.threads_per_operation == 1 else 1)
    rng = np.random.default_rng(0)
    images = tf.constant(rng.random((BATCH, 28, 28, 1), dtype=np.float32))
    labels = tf.constant(rng.integers(0, 10, BATCH))
    if args.threads_per_operation:
        for k in (2, 4, 8):
            ms = step_ms(build("side by side", k), images, labels)
            print(f"{policy}, {args.threads_per_operation} thread(s) per operation, K = {k}: {ms:.1f} ms per step")
        return 0
    times = {}
    for variant in ("side by side", "conv1 merged", "all merged"):
        model = build(variant, args.k)
        times[variant] = step_ms(model, images, labels)
        print(
            f"{policy}, K = {args.k}, {variant}: {times[variant]:.1f} ms per step "
            f"({model.count_params():,} parameters)",
            flush=True,
        )
    for variant in ("conv1 merged", "all merged"):
        print(f"  {variant} vs side by side: {times['side by side'] / times[variant]:.2f}× as fast")
    return 0


if __name__ == "__main__":
    sys.exit(main())
