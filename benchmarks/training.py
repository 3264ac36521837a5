"""Training time: the sections ``sweep`` (with one seed's train_cnn) and ``mainjob`` of benchmarks/run.py.

Each way of training runs in its own fresh process (``python benchmarks/training.py WORKER JSON``, started by
run.fresh), so each pays TensorFlow's start and its own tracing, as a learner's run does; the ways alternate.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import GOALS, REPO, at_least, environment, fresh, judged, log, speedup, worker_main

# The seed's CNN: (name, output positions, kernel shape) of each weighted layer for a 28x28x1 image.
SEED_LAYERS = (
    ("conv1", 26 * 26, (3, 3, 1, 32)),
    ("conv2", 11 * 11, (3, 3, 32, 64)),
    ("conv3", 3 * 3, (3, 3, 64, 64)),
    ("dense1", 1, (576, 64)),
    ("output", 1, (64, 10)),
)


def forward_flops_per_image():
    """FLOPs of the seed CNN's forward pass per image: 2 per multiply-add of each kernel weight at each position."""
    total = 0
    for _, positions, shape in SEED_LAYERS:
        weights = 1
        for size in shape:
            weights *= size
        total += 2 * positions * weights
    return total


def training_flops(n_train, n_val, epochs):
    """FLOPs of a fit: each training image's step is a forward and a backward pass (about 3 forward passes),
    each validation image one forward pass, every epoch."""
    return epochs * forward_flops_per_image() * (3 * n_train + n_val)


def _config(quick):
    """Lesson 02's regime (1,000 images, 40 % wrong labels, 20 epochs), or tiny with --quick -> make_config's dict."""
    from helpers.experiment import make_config

    return make_config(n_train=200, n_val=100, epochs=1) if quick else make_config()


def _start(bfloat16):
    from helpers.notebook import setup_notebook

    setup_notebook()
    import keras

    keras.mixed_precision.set_global_policy("mixed_bfloat16" if bfloat16 else "float32")


# ------------------------------------------------------------------ workers (each in a fresh process)


def sweep_worker(way, quick, bfloat16):
    """Lesson 02's λ sweep (8 penalties) one way: one train_cnns fit ("side by side") or 8 train_cnn fits."""
    _start(bfloat16)
    from helpers.experiment import LAMBDA_GRID, experiment_data, sweep_config
    from helpers.penalties import Penalty
    from helpers.training import train_cnn, train_cnns

    base = _config(quick)
    new = {kind: [s for s in grid if s != base[f"{kind}_strength"]] for kind, grid in LAMBDA_GRID.items()}
    config = sweep_config(base, new)  # the lesson's sweep: the strengths its main runs do not have
    data, penalties = experiment_data(config), [Penalty(**p) for p in config["penalties"]]
    fit = {"num_epochs": config["epochs"], "batch_size": config["batch_size"]}
    clock, each = time.perf_counter(), []
    if way == "side by side":
        runs = train_cnns(data, penalties, **fit)
    else:
        runs = []
        for penalty in penalties:
            started = time.perf_counter()
            runs.append(train_cnn(data, penalty, **fit))
            each.append(time.perf_counter() - started)
    return {
        "seconds": time.perf_counter() - clock,
        "each": each,
        "val_accuracy": [float(run.history["val_accuracy"][-1]) for run in runs],
        "sizes": [len(data.y_train), len(data.y_val), config["epochs"]],
    }


def one_by_one_worker(quick, bfloat16):
    """The main job's runs (its default regime: 4 penalties) trained one after another with train_cnn, each then
    evaluated as helpers.experiment.run_experiment does."""
    _start(bfloat16)
    from helpers.experiment import experiment_data
    from helpers.penalties import Penalty
    from helpers.training import evaluate, train_cnn

    config = _config(quick)
    data = experiment_data(config)
    accuracy = []
    for penalty in config["penalties"]:
        model = train_cnn(data, Penalty(**penalty), num_epochs=config["epochs"], batch_size=config["batch_size"]).model
        for x, y in ((data.x_train, data.y_train), (data.x_train, data.y_train_true), (data.x_val, data.y_val)):
            evaluate(model, x, y)
        accuracy.append(evaluate(model, data.x_test, data.y_test)["accuracy"])
    return {"test_accuracy": accuracy}


WORKERS = {"sweep_worker": sweep_worker, "one_by_one_worker": one_by_one_worker}


# ------------------------------------------------------------------ sections


def sweep(quick, bfloat16):
    """Lesson 02's λ sweep of 8 penalties: one side-by-side train_cnns fit vs 8 train_cnn fits; one seed's time."""
    repeats = 1 if quick else 2
    arithmetic = "bfloat16" if bfloat16 else "float32"
    seconds, done = {"one by one": [], "side by side": []}, {}
    for repeat in range(repeats):
        for way in seconds:
            done[way], _ = fresh(__file__, "sweep_worker", bfloat16=bfloat16, way=way, quick=quick)
            seconds[way].append(round(done[way]["seconds"], 1))
            log(f"  sweep {repeat + 1}/{repeats}, {way}, {arithmetic}: {done[way]['seconds']:.1f} s")
    ratio = speedup(seconds["one by one"], seconds["side by side"])
    pairs = zip(done["one by one"]["val_accuracy"], done["side by side"]["val_accuracy"], strict=True)
    difference = max(abs(a - b) for a, b in pairs)
    first, *rest = done["one by one"]["each"]
    n_train, n_val, epochs = done["one by one"]["sizes"]
    gflops = training_flops(n_train, n_val, epochs) / first / 1e9
    goal = GOALS[f"sweep {arithmetic}"]
    return {
        "title": f"One seed and lesson 02's λ sweep, {arithmetic}",
        "seconds": seconds,
        "seed_seconds": [first, *rest],
        "ratio": ratio,
        "figures": [
            judged(f"one seed's train_cnn, {arithmetic} (first fit of a fresh process)", f"{first:.1f} s"),
            at_least(f"8 penalties: one by one / side by side, {arithmetic}", ratio, goal),
        ],
        "lines": [
            f"{n_train:,} training images (40 % wrong labels), {n_val:,} validation images, {epochs} epoch(s), "
            "batch 64; the 8 penalties of lesson 02's sweep (L2 and L1, 4 strengths each). The two ways alternate, "
            f"{repeats} run(s) each, each in a fresh process; training time only (after TensorFlow's start).",
            "",
            f"- One seed: `train_cnn` {first:.1f} s as the first fit of a process (tracing included), "
            f"{(sum(rest) / len(rest)) if rest else first:.1f} s on average for the next ones; the first reaches "
            f"about {gflops:.1f} GFLOP/s ({training_flops(1, 0, 1) / 1e6:.1f} MFLOPs per training image and step).",
            f"- 8 `train_cnn` fits one after another: {seconds['one by one']} s; one `train_cnns` fit: "
            f"{seconds['side by side']} s → **{ratio:.2f}×** (goal ≥ {goal:g}×).",
            f"- Final validation accuracy, largest difference between the two ways: {difference:.4f} "
            "(the same runs: 0 expected).",
        ],
    }


def _main_job(quick, bfloat16):
    """``python -m helpers`` as a learner runs it (default regime, or tiny with --quick)
    -> (the process's wall seconds, its run_experiment's seconds, its options)."""
    options = ["--quiet", *(["--n-train", "200", "--n-val", "100", "--epochs", "1"] if quick else [])]
    options += ["--bfloat16"] if bfloat16 else []
    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        command = [sys.executable, "-m", "helpers", *options, "--out", scratch]
        clock = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=environment(bfloat16))
        seconds = time.perf_counter() - clock
        if done.returncode:
            raise RuntimeError(f"python -m helpers failed ({done.returncode}): {done.stderr[-2000:]}")
        inside = json.loads((Path(scratch) / "results.json").read_text(encoding="utf-8"))["wall_seconds"]
    return seconds, inside, " ".join(options)


def mainjob(quick, bfloat16):
    """``python -m helpers`` (4 penalties side by side) vs the same 4 runs one by one; the quick start's pieces."""
    repeats = 1 if quick else 2
    arithmetic = "bfloat16" if bfloat16 else "float32"
    seconds = {"one by one": [], "main job": [], "run_experiment": []}
    for repeat in range(repeats):
        _, wall = fresh(__file__, "one_by_one_worker", bfloat16=bfloat16, quick=quick)
        seconds["one by one"].append(round(wall, 1))
        wall, inside, options = _main_job(quick, bfloat16)
        seconds["main job"].append(round(wall, 1))
        seconds["run_experiment"].append(inside)
        log(f"  main job {repeat + 1}/{repeats}, {arithmetic}: {wall:.1f} s, one by one {seconds['one by one'][-1]} s")
    ratio = speedup(seconds["one by one"], seconds["main job"])
    clock = time.perf_counter()
    subprocess.run([sys.executable, "tools/check_python.py"], cwd=REPO, check=True, capture_output=True)
    check = time.perf_counter() - clock
    main = statistics.median(seconds["main job"])
    figures = [
        judged(f"`python -m helpers {options}`, {arithmetic}: wall time", f"{main:.0f} s"),
        at_least(f"4 penalties one by one / the main job, {arithmetic}", ratio, GOALS[f"mainjob {arithmetic}"]),
    ]
    if not bfloat16:
        figures.append(judged("quick start without the install: check_python.py + main job", f"{check + main:.0f} s"))
    return {
        "title": f"The main job, {arithmetic}: `python -m helpers` vs its runs one by one",
        "seconds": seconds,
        "ratio": ratio,
        "figures": figures,
        "lines": [
            "Whole processes timed, as a learner waits: Python and TensorFlow's start, data, training, evaluation. "
            f"`python -m helpers {options}` (it also writes results.json and two figures): {seconds['main job']} s, "
            f"of which its `run_experiment` (training, evaluation) {seconds['run_experiment']} s. "
            "A process training the same 4 runs one after another with `train_cnn`, each evaluated as the main job "
            f"does: {seconds['one by one']} s → **{ratio:.2f}×**. Alternating, {repeats} run(s) each.",
            "",
            f"Quick start: `python3 tools/check_python.py` {check:.2f} s; the install (`pip install -r "
            "requirements.txt -e .`) depends on the network and is not timed; the main job as above.",
        ],
    }


if __name__ == "__main__":
    worker_main(WORKERS)
