"""Where one training step of the seed's CNN spends its time, layer by layer (issue 19, step 1).

    COURSE_FAST_PATH=off ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/profile_layers.py   # as a laptop
    .venv/bin/python benchmarks/profile_layers.py --out benchmarks/profile                      # this CPU's own path

Each layer of the seed's CNN is timed alone at batch 64, in a compiled function: its forward
pass, and forward + backward (the gradients of its weights and of its input, what training
needs). Then Adam's update of all weights alone, and the whole compiled training step
(``model.train_step`` under ``tf.function``, with loss, penalty and metrics). What the layers
and Adam do not explain is the rest of the step (loss, metrics, penalty, bookkeeping), when
the parts timed alone add up to less than the whole.
Times are medians over rounds, less the cost of an empty compiled call; GFLOP/s counts 2 FLOPs
per multiply-add (backward: twice the forward's multiply-adds). Prints a Markdown table; ``--out``
writes it with a JSON copy.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BATCH = 64


def median_ms(function, rounds):
    function()  # trace and warm up
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def layer_macs(layer):
    """Multiply-adds of a layer's forward pass for one image (0 for pooling and flatten)."""
    import numpy as np

    if not hasattr(layer, "kernel"):
        return 0
    positions = int(np.prod(layer.output.shape[1:-1])) if len(layer.output.shape) > 2 else 1
    return positions * int(np.prod(layer.kernel.shape))


def profile(rounds):
    import keras
    import numpy as np
    import tensorflow as tf

    from helpers.internal.runtime import start_tensorflow
    from helpers.models import build_cnn
    from helpers.penalties import Penalty

    policy, reason = start_tensorflow()
    model = build_cnn(Penalty(l2_strength=1e-3))
    rng = np.random.default_rng(0)
    images = tf.constant(rng.random((BATCH, 28, 28, 1), dtype=np.float32))
    labels = tf.constant(rng.integers(0, 10, BATCH))
    # A compiled call costs something even when it does nothing; the layers' rows leave it out,
    # as inside the whole step, where one call holds everything.
    empty = tf.function(lambda x: tf.identity(x))
    call_ms = median_ms(lambda: empty(images), rounds)
    rows, flowing = [], images
    for index, layer in enumerate(model.layers):
        inputs = tf.constant(flowing)
        forward = tf.function(lambda x, layer=layer: layer(x))

        @tf.function
        def forward_backward(x, layer=layer, first=index == 0):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = layer(x)
                total = tf.reduce_sum(tf.cast(y, tf.float32))
            # Training needs no gradient of the images: the first layer computes only its weights'.
            return tape.gradient(total, ([] if first else [x]) + layer.trainable_weights)

        flowing = forward(inputs).numpy()
        macs = BATCH * layer_macs(layer)
        row = {
            "layer": layer.name,
            "output": list(flowing.shape[1:]),
            "mflop_forward": round(2 * macs / 1e6, 1),
            "forward_ms": max(median_ms(lambda f=forward, x=inputs: f(x), rounds) - call_ms, 0.0),
            "forward_backward_ms": max(median_ms(lambda f=forward_backward, x=inputs: f(x), rounds) - call_ms, 0.0),
        }
        row["gflops"] = round(6 * macs / 1e9 / (row["forward_backward_ms"] / 1000), 1) if macs else None
        rows.append(row)
    optimizer = model.optimizer
    gradients = [tf.zeros_like(w) for w in model.trainable_weights]
    apply = tf.function(lambda: optimizer.apply(gradients, model.trainable_weights))
    adam_ms = median_ms(apply, rounds) - call_ms
    step = tf.function(lambda: model.train_step((images, labels)))
    step_ms = median_ms(step, rounds)
    layers_ms = sum(r["forward_backward_ms"] for r in rows)
    return {
        "policy": policy,
        "fast_path": reason,
        "batch": BATCH,
        "rounds": rounds,
        "rows": rows,
        "call_ms": call_ms,
        "adam_ms": adam_ms,
        "train_step_ms": step_ms,
        "layers_ms": layers_ms,
        "rest_ms": step_ms - layers_ms - adam_ms,
        "keras": keras.__version__,
    }


def markdown(result, setting):
    lines = [
        f"### One training step of the seed's CNN, batch {result['batch']}, layer by layer ({setting}; "
        f"{result['policy']}; medians of {result['rounds']} rounds)",
        "",
        "| layer | output | forward MFLOP | forward ms | forward + backward ms | share of the step | GFLOP/s |",
        "|---|---|---|---|---|---|---|",
    ]
    step = result["train_step_ms"]
    for r in result["rows"]:
        lines.append(
            f"| {r['layer']} | {'×'.join(map(str, r['output']))} | {r['mflop_forward']} | {r['forward_ms']:.2f} "
            f"| {r['forward_backward_ms']:.2f} | {100 * r['forward_backward_ms'] / step:.0f} % "
            f"| {r['gflops'] if r['gflops'] is not None else '–'} |"
        )
    lines += [
        f"| Adam update (all weights) | | | | {result['adam_ms']:.2f} | {100 * result['adam_ms'] / step:.0f} % | |",
        f"| the rows above, added | | | | {result['layers_ms'] + result['adam_ms']:.2f} "
        f"| {100 * (result['layers_ms'] + result['adam_ms']) / step:.0f} % | |",
        f"| **whole compiled training step** | | | | **{step:.2f}** | 100 % | "
        f"{sum(6 * r['mflop_forward'] / 2 for r in result['rows']) / step:.1f} |",
        "",
        f"Rows leave out the cost of a compiled call that does nothing ({result['call_ms']:.2f} ms), which the "
        "whole step pays once. GFLOP/s: 2 FLOPs per multiply-add, forward + backward = 3 × forward. "
        + (
            f"The parts timed alone add up to more than the whole step ({result['rest_ms']:+.2f} ms): in one graph "
            "TensorFlow fuses and overlaps them, so loss, penalty and metrics cannot be read off as a difference."
            if result["rest_ms"] < 0
            else f"Loss, penalty, metrics and bookkeeping: the remaining {result['rest_ms']:.2f} ms."
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/profile_layers.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--out", help="folder for profile.md and profile.json (default: print only)")
    args = parser.parse_args(argv)
    setting = " ".join(f"{k}={os.environ[k]}" for k in ("COURSE_FAST_PATH", "ONEDNN_MAX_CPU_ISA") if k in os.environ)
    result = profile(args.rounds)
    result["setting"] = setting or "as started"
    text = markdown(result, result["setting"])
    print(text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "profile.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        (out / "profile.md").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
