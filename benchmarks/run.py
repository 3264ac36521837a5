"""The course's benchmarks: one command, a Markdown + JSON report and its figures.

    .venv/bin/python benchmarks/run.py                 # everything, both arithmetics: about 45 minutes on 2 cores
    .venv/bin/python benchmarks/run.py --quick         # small sizes, a few minutes: checks the script
    .venv/bin/python benchmarks/run.py --only seed,sweep --out /tmp/bench

Sections (each a function below, each writes into one results dict):

1. ``seed``    the seed experiment's speed: the course's training path vs the seed's plain
               Keras code (working API, float32), whole 5-epoch runs alternating A/B/A/B in
               one process, on the full Fashion-MNIST (60,000 images, offline from Debian's package).
2. ``sweep``   8 strengths trained the course's way (one fit, helpers.internal.side_by_side.train_cnns,
               fast path, in a fresh process started as the main job starts) vs 8 separate plain-Keras
               fits, in the overfitting regime.
2b. ``mainjob`` the main job at full size (``python -m helpers.experiment --full --dataset fashion-mnist
               --seeds 0``: 4 penalties side by side) vs 4 plain-Keras runs of the seed's code.
3. ``sliders`` each lesson's fresh-kernel run time with published results, then every slider it
               built, moved across its range in that kernel (SLIDER_PROBE) and timed.
3b. ``structured`` lesson 06's dense, L1 and group-lasso-narrowed CNNs (published sweep, no training):
               units, parameters, FLOPs, file size, forward pass at batch 1 and 256, as started and
               laptop-like (COURSE_FAST_PATH=off ONEDNN_MAX_CPU_ISA=AVX2, in a subprocess).
3c. ``cluster`` the main job's trials on a local Ray through Ray Tune (helpers.cluster) against the
               same trials run here one after another and side by side: Ray's overhead per trial
               (needs the extra ``.[cluster]``; without it the section says so).
4. ``growth``  seconds per epoch at n = 1k, 4k, 16k, 60k images, course path and plain Keras;
               ``memory``: peak resident set of the main job on full-size data.
5. ``suite``   wall time of the README's test command.

Sections 1, 2 and 2b run twice by default (``--arithmetic both``): as this machine starts (its fast
path, e.g. bfloat16) and laptop-like (float32 with oneDNN capped at AVX2, in a subprocess), so no
figure stands for a CPU a learner does not have. The report opens with each against its goal (GOALS).

Benchmarks, not tests: nothing here fails on a slow machine. Timings are medians over
repeats; ratios come from the same run (the machine may be shared and noisy).
"""

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

SECTIONS = ("seed", "sweep", "mainjob", "sliders", "structured", "cluster", "growth", "memory", "suite")
# Sections timed twice by default: as this machine starts (its fast path) and laptop-like, in a subprocess.
BOTH_ARITHMETICS = ("seed", "sweep", "mainjob")
SWEEP_STRENGTHS = [1e-5 * 10 ** (k / 2) for k in range(8)]  # L2, 1e-5 .. 3e-2, half a decade apart


# ------------------------------------------------------------------ the seed's code, as a baseline


def seed_keras_model(l2_strength=0.0, l1_strength=0.0):
    """The seed text's CNN written as plain Keras (its snippet with the working penalty API), float32."""
    import keras
    from keras import layers, regularizers

    def l2():  # the seed's name for it; also the L1 and L1+L2 penalties of the main job, as a learner writes them
        if l1_strength and l2_strength:
            return regularizers.L1L2(l1=l1_strength, l2=l2_strength)
        if l1_strength:
            return regularizers.L1(l1_strength)
        return regularizers.L2(l2_strength) if l2_strength else None

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu", kernel_regularizer=l2(), dtype="float32"),
            layers.MaxPooling2D((2, 2), dtype="float32"),
            layers.Conv2D(64, (3, 3), activation="relu", kernel_regularizer=l2(), dtype="float32"),
            layers.MaxPooling2D((2, 2), dtype="float32"),
            layers.Conv2D(64, (3, 3), activation="relu", kernel_regularizer=l2(), dtype="float32"),
            layers.Flatten(dtype="float32"),
            layers.Dense(64, activation="relu", kernel_regularizer=l2(), dtype="float32"),
            layers.Dense(10, activation="softmax", kernel_regularizer=l2(), dtype="float32"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def training_flops_per_image():
    """FLOPs of one training step per image of the seed's CNN: 2 per multiply-add, x3 for forward + backward."""
    macs = 26 * 26 * 32 * 9 * 1 + 11 * 11 * 64 * 9 * 32 + 3 * 3 * 64 * 9 * 64 + 576 * 64 + 64 * 10
    return 3 * 2 * macs


def peak_flops(policy):
    """Rough 2-core peak: cores x clock x FLOPs per cycle.

    One AVX-512 FMA unit: 32 float32 or 64 bfloat16 FLOPs per cycle; AMX (Intel's tile unit,
    ``amx_bf16``): 1,024 bfloat16 FLOPs per cycle. oneDNN uses AMX for bfloat16 where it exists.
    """
    from helpers.internal.runtime import arithmetic_platform, cpuinfo_field

    try:
        mhz = float(cpuinfo_field("cpu MHz") or 0.0)
    except ValueError:
        mhz = 0.0
    if policy != "mixed_bfloat16":
        per_cycle, unit = 32, "AVX-512 FMA, float32"
    elif "amx_bf16" in arithmetic_platform()["instruction_sets"]:
        per_cycle, unit = 1024, "AMX, bfloat16"
    else:
        per_cycle, unit = 64, "AVX-512 FMA, bfloat16"
    return {
        "ghz": mhz / 1000,
        "cores": 2,
        "flops_per_cycle": per_cycle,
        "unit": unit,
        "peak_gflops": 2 * mhz / 1000 * per_cycle,
    }


# ------------------------------------------------------------------ sections


def epoch_timer():
    """A Keras callback keeping each epoch's wall time in ``.seconds`` (epoch hooks only: no per-batch calls)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.started)

    return EpochTimer()


def bench_seed(results, quick):
    """Section 1: the course's path vs plain Keras, whole runs alternating A/B/A/B, same initial weights and batches."""
    import keras

    from helpers.data import load_dataset
    from helpers.internal.fast_fit import EVALUATION_BATCH_SIZE, fit_model
    from helpers.internal.runtime import choose_dtype_policy
    from helpers.models import build_cnn
    from helpers.notebook import reseed
    from helpers.penalties import Penalty

    n_train, epochs, repeats = (8000, 2, 1) if quick else (None, 5, 3)
    data = load_dataset("fashion-mnist", n_train=n_train, n_val=0)
    policy, reason = choose_dtype_policy()

    def plain_keras(timer):
        keras.mixed_precision.set_global_policy("float32")
        reseed(0)
        model = seed_keras_model(1e-3)
        model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=64, verbose=0, callbacks=[timer])
        return model

    def course_path(timer):
        keras.mixed_precision.set_global_policy(policy)
        reseed(0)  # the same initial weights and batch order as plain_keras
        model = build_cnn(Penalty(l2_strength=1e-3))
        fit_model(model, data.x_train, data.y_train, num_epochs=epochs, batch_size=64, callbacks=[timer])
        return model

    paths = {"plain Keras, float32": plain_keras, f"course path, {policy}": course_path}
    runs = {name: [] for name in paths}
    for repeat in range(repeats):
        for name, train in paths.items():
            timer, start = epoch_timer(), time.perf_counter()
            model = train(timer)
            wall = time.perf_counter() - start
            accuracy = model.evaluate(
                data.x_test, data.y_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0, return_dict=True
            )["accuracy"]
            runs[name].append({"wall_seconds": wall, "epoch_seconds": timer.seconds, "test_accuracy": accuracy})
            print(
                f"  seed spec, run {repeat + 1}/{repeats}, {name}: {wall:.1f} s "
                f"(epochs {', '.join(f'{s:.1f}' for s in timer.seconds)}), test accuracy {accuracy:.4f}",
                flush=True,
            )
    keras.mixed_precision.set_global_policy(policy)
    rows = []
    for name, done in runs.items():
        # The first epoch of a run also traces and compiles the step: steady state is epochs 2..n.
        steady = [s for run in done for s in (run["epoch_seconds"][1:] or run["epoch_seconds"])]
        median = statistics.median(steady)
        rows.append(
            {
                "path": name,
                "epoch_seconds": [[round(s, 2) for s in run["epoch_seconds"]] for run in done],
                "median_epoch_seconds": round(median, 2),
                "images_per_second": round(len(data.y_train) / median),
                "median_run_seconds": round(statistics.median(run["wall_seconds"] for run in done), 1),
                "gflops": round(training_flops_per_image() * len(data.y_train) / median / 1e9, 1),
                "test_accuracy": round(statistics.median(run["test_accuracy"] for run in done), 4),
            }
        )
    baseline, course = rows
    results["seed"] = {
        "data": data.summary(),
        "epochs": epochs,
        "repeats": repeats,
        "batch_size": 64,
        "penalty": "L2(0.001) on every kernel",
        "fast_path": reason,
        "rows": rows,
        "speedup": round(baseline["median_epoch_seconds"] / course["median_epoch_seconds"], 2),
        "run_speedup": round(baseline["median_run_seconds"] / course["median_run_seconds"], 2),
        "accuracy_difference_points": round(100 * (course["test_accuracy"] - baseline["test_accuracy"]), 2),
        "training_mflop_per_image": round(training_flops_per_image() / 1e6, 1),
        "peak": {"float32": peak_flops("float32"), policy: peak_flops(policy)},
        "goal": GOALS["seed"][policy],
        "accuracy_goal_points": 0.5,
    }


def sweep_data(quick):
    """The sweep's data and epochs: lesson 02's regime without its wrong labels -> (dataset, epochs)."""
    from helpers.data import load_dataset
    from helpers.lesson02_cnn_penalties import OVERFIT_CONFIG

    return load_dataset("mnist-5k", n_train=OVERFIT_CONFIG["n_train"]), 3 if quick else OVERFIT_CONFIG["epochs"]


def sweep_course_run(quick):
    """The course's side of the sweep, in a process started as the main job starts: -> its timing and results."""
    from helpers.internal.runtime import numeric_settings, start_tensorflow

    start_tensorflow(models_per_fit=len(SWEEP_STRENGTHS))
    from helpers.internal.side_by_side import train_cnns
    from helpers.penalties import Penalty

    data, epochs = sweep_data(quick)
    start = time.perf_counter()
    runs = train_cnns(data, [Penalty(l2_strength=s) for s in SWEEP_STRENGTHS], num_epochs=epochs, seed=0)
    return {
        "seconds": time.perf_counter() - start,
        "val_accuracy": [float(run.history["val_accuracy"][-1]) for run in runs],
        "settings": numeric_settings(),
    }


def in_a_fresh_process(arguments, quick, environment=None):
    """This script run again with ``arguments`` in a fresh process -> the ``report.json`` it wrote.

    ``environment`` is added to this one's (:data:`LAPTOP_ENVIRONMENT` for the laptop-like
    runs). The fresh process prints its progress here; its errors come back in the exception.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, __file__, *arguments, "--out", scratch, *(["--quick"] if quick else [])]
        finished = subprocess.run(
            command, cwd=REPO, env={**os.environ, **(environment or {})}, stderr=subprocess.PIPE, text=True
        )
        report = Path(scratch) / "report.json"
        if finished.returncode != 0 or not report.is_file():
            raise RuntimeError(f"{' '.join(command)} failed ({finished.returncode}): {finished.stderr[-2000:]}")
        return json.loads(report.read_text(encoding="utf-8"))


def seed_to_seed_spread():
    """Median seed-to-seed std of test accuracy in the sweep's regime, from lesson 02's published runs (5 seeds)."""
    import numpy as np

    from helpers.internal.store import PUBLISHED_DIR, read_result

    overfit = PUBLISHED_DIR / "lesson02_clean.npz"
    if not overfit.is_file():
        return None
    arrays, _ = read_result(overfit, "lesson02_clean")
    by_label = {}
    for run in json.loads(str(arrays["results_json"]))["runs"]:
        by_label.setdefault(run["label"], []).append(run["test"]["accuracy"])
    return float(np.median([np.std(values, ddof=1) for values in by_label.values()]))


def bench_sweep(results, quick):
    """Section 2: K = 8 strengths in one fit (course) vs 8 separate plain-Keras fits, alternating.

    The plain fits run here, with every thread on each operation (as a learner's Keras); the course's
    fit runs in a fresh process started as the main job starts it (one thread per operation, the
    models' operations at once: helpers.internal.runtime.thread_layout).
    """
    import keras
    import numpy as np

    from helpers.internal.fast_fit import EVALUATION_BATCH_SIZE
    from helpers.notebook import reseed

    data, epochs = sweep_data(quick)
    repeats = 1 if quick else 2
    policy = keras.mixed_precision.global_policy().name
    timings = {"separate": [], "course": []}
    final = {}
    for repeat in range(repeats):
        keras.mixed_precision.set_global_policy("float32")
        start, accuracies = time.perf_counter(), []
        for strength in SWEEP_STRENGTHS:
            reseed(0)
            model = seed_keras_model(strength)
            fitted = model.fit(
                data.x_train,
                data.y_train,
                epochs=epochs,
                batch_size=64,
                verbose=0,
                validation_data=(data.x_val, data.y_val),
            )
            accuracies.append(fitted.history["val_accuracy"][-1])
        timings["separate"].append(time.perf_counter() - start)
        final["separate"] = accuracies
        keras.mixed_precision.set_global_policy(policy)
        course = in_a_fresh_process(["--part", "sweep-course"], quick)
        timings["course"].append(course["seconds"])
        final["course"] = course["val_accuracy"]
        print(
            f"  sweep repeat {repeat + 1}/{repeats}: separate {timings['separate'][-1]:.1f} s, "
            f"course {timings['course'][-1]:.1f} s",
            flush=True,
        )
    spread = seed_to_seed_spread()
    differences = np.abs(np.subtract(final["course"], final["separate"]))
    results["sweep"] = {
        "strengths": SWEEP_STRENGTHS,
        "epochs": epochs,
        "repeats": repeats,
        "data": data.summary(),
        "separate_seconds": [round(s, 1) for s in timings["separate"]],
        "course_seconds": [round(s, 1) for s in timings["course"]],
        "course_settings": course["settings"],
        "speedup": round(statistics.median(timings["separate"]) / statistics.median(timings["course"]), 2),
        "val_accuracy_separate": [round(a, 4) for a in final["separate"]],
        "val_accuracy_course": [round(a, 4) for a in final["course"]],
        "max_abs_difference": round(float(differences.max()), 4),
        "seed_to_seed_std": None if spread is None else round(spread, 4),
        "within_spread": None if spread is None else bool(differences.max() <= 2 * spread),
        "validation_batch_size": {"separate": 64, "course": EVALUATION_BATCH_SIZE},
        "goal": GOALS["sweep"][policy],
    }


# Issue 19's goals, by arithmetic (the section's own dtype policy): x faster than the plain-Keras baseline.
GOALS = {
    "seed": {"float32": None, "mixed_bfloat16": 1.5},
    "sweep": {"float32": 3.0, "mixed_bfloat16": 4.0},
    "mainjob": {"float32": 2.0, "mixed_bfloat16": None},
}


def bench_mainjob(results, quick):
    """Section 2b: the main job at full size (4 penalties, 60,000 images, 5 epochs) vs 4 plain-Keras runs.

    The plain runs (the seed's code with each penalty, float32, then evaluated on the test images) run
    here; the main job runs as a learner starts it, ``python -m helpers.experiment --full ...``, and its
    whole wall time counts (start-up, data, training, evaluation, figures).
    """
    import tempfile

    import keras

    from helpers.data import load_dataset
    from helpers.internal.fast_fit import EVALUATION_BATCH_SIZE
    from helpers.lesson02_cnn_penalties import FULL_SPEC_CONFIG, load_results, make_config
    from helpers.notebook import reseed

    sizes = ["--n-train", "4000", "--epochs", "1"] if quick else []
    config = make_config(
        FULL_SPEC_CONFIG, dataset="fashion-mnist", seeds=[0], **({"n_train": 4000, "epochs": 1} if quick else {})
    )
    data = load_dataset("fashion-mnist", n_train=config["n_train"], n_val=0)
    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("float32")
    plain, start = [], time.perf_counter()
    for penalty in config["penalties"]:
        reseed(0)
        model = seed_keras_model(**penalty)
        model.fit(data.x_train, data.y_train, epochs=config["epochs"], batch_size=64, verbose=0)
        plain.append(model.evaluate(data.x_test, data.y_test, batch_size=EVALUATION_BATCH_SIZE, verbose=0)[1])
        print(f"  main job: plain Keras {penalty}: test accuracy {plain[-1]:.4f}", flush=True)
    plain_seconds = time.perf_counter() - start
    keras.mixed_precision.set_global_policy(policy)
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable, "-m", "helpers.experiment", "--full", "--dataset", "fashion-mnist", "--seeds", "0",
            *sizes, "--quiet", "--out", scratch,
        ]  # fmt: skip
        start = time.perf_counter()
        finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        main_seconds = time.perf_counter() - start
        if finished.returncode != 0:
            raise RuntimeError(f"the main job failed ({finished.returncode}): {finished.stderr[-2000:]}")
        made = load_results(Path(scratch) / "results.json")
    print(f"  main job: 4 plain-Keras runs {plain_seconds:.1f} s, the main job {main_seconds:.1f} s", flush=True)
    results["mainjob"] = {
        "command": "python -m helpers.experiment --full --dataset fashion-mnist --seeds 0 " + " ".join(sizes),
        "data": data.summary(),
        "epochs": config["epochs"],
        "penalties": [f"{p['l1_strength']:g}/{p['l2_strength']:g}" for p in config["penalties"]],
        "plain_seconds": round(plain_seconds, 1),
        "main_job_seconds": round(main_seconds, 1),
        "main_job_settings": {k: made["versions"][k] for k in ("dtype_policy", "threads_per_operation")},
        "speedup": round(plain_seconds / main_seconds, 2),
        "test_accuracy_plain": [round(a, 4) for a in plain],
        "test_accuracy_main_job": [round(run["test"]["accuracy"], 4) for run in made["runs"]],
        "goal": GOALS["mainjob"][policy],
    }


LATENCY_LINE = re.compile(
    r"^\W*(?P<name>.+?): median (?P<median>[\d.]+) ms, (?:p95|95th percentile) (?P<p95>[\d.]+) ms"
)

# Run in the lesson's own kernel after its last cell: move every slider the lesson built across its range and
# time what its observers do (they run synchronously in the kernel, as when a learner drags it). The lessons
# themselves no longer time anything: a learner has no use for it.
SLIDER_PROBE = """
import ipywidgets as _ipywidgets
import numpy as _np

from helpers.internal.latency import measure_latency as _measure_latency


def _slider_values(slider, count=8):
    if isinstance(slider, _ipywidgets.FloatLogSlider):
        return [float(v) for v in slider.base ** _np.linspace(slider.min, slider.max, count)]
    if isinstance(slider, (_ipywidgets.FloatSlider, _ipywidgets.IntSlider)):
        values = _np.linspace(slider.min, slider.max, count)
        if isinstance(slider, _ipywidgets.IntSlider):
            return [int(v) for v in _np.unique(_np.round(values))]
        return list(values)
    return list(slider.options)[:: max(1, len(slider.options) // count)]


for _number, _slider in enumerate([w for w in list(_ipywidgets.Widget.widgets.values())
                                   if isinstance(w, (_ipywidgets.FloatLogSlider, _ipywidgets.FloatSlider,
                                                     _ipywidgets.IntSlider, _ipywidgets.SelectionSlider))]):
    _start = _slider.value
    _timing = _measure_latency(lambda value: setattr(_slider, "value", value), _slider_values(_slider), repeats=3)
    _slider.value = _start
    print(f"{_slider.description or 'slider'} #{_number + 1}: median {_timing['median_ms']:.2f} ms, "
          f"p95 {_timing['p95_ms']:.2f} ms")
"""


def slider_latencies(notebook):
    """Latency lines in a notebook's outputs (the probe's, appended by bench_sliders).

    Returns a list of {slider, median_ms, p95_ms}.
    """
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) or "".join(output.get("data", {}).get("text/markdown", ""))
            for line in text.splitlines():
                match = LATENCY_LINE.match(line)
                if match:
                    found.append(
                        {
                            "slider": match["name"].strip(),
                            "median_ms": float(match["median"]),
                            "p95_ms": float(match["p95"]),
                        }
                    )
    return found


def bench_sliders(results, quick):
    """Section 3: run every lesson in a fresh kernel (published results), then time its sliders in that kernel."""
    import nbformat
    from nbclient import NotebookClient

    rows = []
    for path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(SLIDER_PROBE))
        start = time.perf_counter()
        NotebookClient(
            notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        timing = notebook.cells[-1].metadata["execution"]  # the probe's own time is not the lesson's
        probe_seconds = (
            datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
            - datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        ).total_seconds()
        seconds = time.perf_counter() - start - probe_seconds
        rows.append(
            {
                "notebook": path.name,
                "fresh_kernel_seconds": round(seconds, 1),
                "sliders": slider_latencies({"cells": notebook.cells[-1:]}),
            }
        )
        print(f"  {path.name}: {seconds:.0f} s, sliders {rows[-1]['sliders']}", flush=True)
    results["sliders"] = {"rows": rows, "goal": "median <= 30 ms per slider"}


def bench_growth(results, quick):
    """Section 4a: seconds per epoch against the number of training images, course path and plain Keras float32."""
    import keras

    from helpers.data import load_dataset
    from helpers.internal.fast_fit import fit_model
    from helpers.internal.runtime import choose_dtype_policy
    from helpers.models import build_cnn
    from helpers.notebook import reseed

    sizes = [1000, 4000] if quick else [1000, 4000, 16000, 60000]
    full = load_dataset("fashion-mnist", n_val=0)
    policy, _ = choose_dtype_policy()
    paths = {f"course path, {policy}": policy, "plain Keras, float32": "float32"}
    rows = []
    for path, chosen in paths.items():
        keras.mixed_precision.set_global_policy(chosen)
        for n in sizes:
            reseed(0)
            timer = epoch_timer()
            if chosen == "float32":
                seed_keras_model(0.0).fit(
                    full.x_train[:n], full.y_train[:n], epochs=3, batch_size=64, verbose=0, callbacks=[timer]
                )
            else:
                fit_model(
                    build_cnn(), full.x_train[:n], full.y_train[:n], num_epochs=3, batch_size=64, callbacks=[timer]
                )
            median = statistics.median(timer.seconds[1:])  # the first epoch also traces the step
            rows.append(
                {
                    "path": path,
                    "policy": chosen,
                    "n": n,
                    "epoch_seconds": round(median, 3),
                    "microseconds_per_image": round(1e6 * median / n, 1),
                }
            )
            print(f"  growth {path} n={n}: {median:.2f} s per epoch", flush=True)
    keras.mixed_precision.set_global_policy(policy)
    results["growth"] = {"rows": rows, "data": "fashion-mnist training images (first n); median of epochs 2 and 3"}


def bench_memory(results, quick):
    """Section 4b: peak resident set of the main job on full-size data (one epoch: memory does not grow with epochs)."""
    import tempfile

    scratch = tempfile.mkdtemp(prefix="main-job-")  # its results files are not part of the report
    command = [
        sys.executable,
        "-m",
        "helpers.experiment",
        "--full",
        "--dataset",
        "fashion-mnist",
        "--epochs",
        "1",
        "--quiet",
        "--out",
        scratch,
    ]
    if quick:
        command += ["--n-train", "8000"]
    start = time.perf_counter()
    exit_code, peak_bytes = run_measuring_memory(command)
    results["memory"] = {
        "command": " ".join(["python", *command[1:]]),
        "exit_code": exit_code,
        "wall_seconds": round(time.perf_counter() - start, 1),
        "peak_rss_gb": round(peak_bytes / 1e9, 2),
        "goal": "<= 2.5 GB",
    }
    print(f"  main job, full size: peak {results['memory']['peak_rss_gb']} GB", flush=True)


def run_measuring_memory(command, every=0.1):
    """Run ``command`` -> (exit code, peak resident set in bytes of it and its children, sampled every 0.1 s)."""
    import psutil

    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        with contextlib.suppress(psutil.Error):  # it ended between two samples
            peak = max(peak, sum(p.memory_info().rss for p in [watched, *watched.children(recursive=True)]))
        time.sleep(every)
    return process.returncode, peak


def bench_suite(results, quick):
    """Section 5: wall time of the README's test command (``.venv/bin/pytest`` from the checkout)."""
    pytest = Path(sys.executable).with_name("pytest")
    start = time.perf_counter()
    finished = subprocess.run([str(pytest), "-q"], cwd=REPO, capture_output=True, text=True)
    summary = finished.stdout.strip().splitlines()[-1] if finished.stdout.strip() else ""
    results["suite"] = {
        "command": ".venv/bin/pytest",
        "exit_code": finished.returncode,
        "summary": summary,
        "wall_seconds": round(time.perf_counter() - start, 1),
        "goal": "<= 300 s",
    }
    print(f"  suite: {summary} ({results['suite']['wall_seconds']:.0f} s)", flush=True)


# ------------------------------------------------------------------ section 3b: a smaller, faster CNN (lesson 06)

STRUCTURED_BATCHES = (1, 256)
STRUCTURED_SETTINGS = {
    "as_started": "this machine as started",
    "laptop": "laptop-like float32/AVX2",
}
LAPTOP_ENVIRONMENT = {"COURSE_FAST_PATH": "off", "ONEDNN_MAX_CPU_ISA": "AVX2"}
STRUCTURED_GOAL = {"accuracy_points": 1.0, "flops_ratio": 4.0, "speedup_256": 2.0}


def structured_models():
    """Lesson 06's published sweep (read, never trained here) and its models -> (sweep, {name: model}).

    ``dense``, ``l1`` (scattered zeros) and one narrowed model ``s<i>`` per strength whose weights
    the sweep keeps (a strength whose first seed lost a whole layer has none).
    """
    from helpers.internal.store import PUBLISHED_DIR
    from helpers.lesson02_cnn_penalties import make_config
    from helpers.lesson06_structured_sparsity import (
        REGIME_CHANGES,
        SWEEP_STRENGTHS,
        cached_group_lasso_sweep,
        stored_model,
    )

    if not (PUBLISHED_DIR / "lesson06_group_lasso.npz").is_file():
        raise RuntimeError("published/lesson06_group_lasso.npz is missing: the structured section would train it")

    def never_train(line):  # a benchmark reads the published sweep; it never trains it for many minutes
        if line.startswith("Training"):
            raise RuntimeError(f"the structured section would train lesson 06's sweep: {line}")

    sweep = cached_group_lasso_sweep(make_config(**REGIME_CHANGES), SWEEP_STRENGTHS["cost"], log=never_train)
    names = ["dense", "l1"] + [f"s{i}" for i in range(len(sweep["strength"])) if f"s{i}__conv1__kernel" in sweep]
    return sweep, {name: stored_model(sweep, name) for name in names}


def structured_timings(repeats, models=None):
    """Forward passes of every lesson 06 model, timed side by side in one call -> ``{name: {"1": ms, "256": ms}}``."""
    from helpers.lesson06_structured_sparsity import forward_pass_ms

    if models is None:
        _, models = structured_models()
    timed = forward_pass_ms(models, batch_sizes=STRUCTURED_BATCHES, repeats=repeats)
    return {name: {str(b): round(timed[(name, b)], 3) for b in STRUCTURED_BATCHES} for name in models}


def structured_timings_run(quick):
    """:func:`structured_timings` in this process, with its own account of how it computes."""
    from helpers.internal.runtime import start_tensorflow

    policy, reason = start_tensorflow()
    return {"timings": structured_timings(structured_repeats(quick)), "policy": policy, "fast_path": reason}


def structured_repeats(quick):
    return 5 if quick else 30


def laptop_sections(sections, quick):
    """``sections`` run again in a fresh process with :data:`LAPTOP_ENVIRONMENT` -> that run's report (a dict)."""
    arguments = ["--only", ",".join(sections), "--arithmetic", "as-started"]
    laptop = in_a_fresh_process(arguments, quick, LAPTOP_ENVIRONMENT)
    return {"environment": LAPTOP_ENVIRONMENT, **{key: laptop[key] for key in ("arithmetic", *sections)}}


def meets_structured_goal(row, dense, setting):
    """The issue's goal for ``row`` against ``dense`` in ``setting`` -> (met, reasons it misses)."""
    misses = []
    if row["accuracy_mean"] is None or dense["accuracy_mean"] is None:
        misses.append("no test accuracy")
    elif 100 * (dense["accuracy_mean"] - row["accuracy_mean"]) > STRUCTURED_GOAL["accuracy_points"]:
        misses.append("accuracy")
    if dense["flops"] / row["flops"] < STRUCTURED_GOAL["flops_ratio"]:
        misses.append("FLOPs")
    if dense["ms"][setting]["256"] / row["ms"][setting]["256"] < STRUCTURED_GOAL["speedup_256"]:
        misses.append("speed at 256")
    return not misses, misses


def structured_summary(rows):
    """Speed-ups against the ``dense`` row and the goal per setting -> the section's results (pure, tested)."""
    dense = next(row for row in rows if row["name"] == "dense")
    settings = list(dense["ms"])
    for row in rows:
        row["flops_ratio"] = round(dense["flops"] / row["flops"], 2)
        row["speedup"] = {
            setting: {b: round(dense["ms"][setting][b] / row["ms"][setting][b], 2) for b in dense["ms"][setting]}
            for setting in settings
        }
        row["goal"] = {}
        for setting in settings:
            met, misses = meets_structured_goal(row, dense, setting)
            row["goal"][setting] = {"met": met, "misses": misses}
    candidates = [row for row in rows if row["name"] != "dense"]
    return {
        "rows": rows,
        "settings": {setting: STRUCTURED_SETTINGS.get(setting, setting) for setting in settings},
        "goal": (
            f"a narrower model within {STRUCTURED_GOAL['accuracy_points']:g} point of the dense model's test "
            f"accuracy (mean) that needs >= {STRUCTURED_GOAL['flops_ratio']:g}x fewer FLOPs and runs "
            f">= {STRUCTURED_GOAL['speedup_256']:g}x faster at batch 256"
        ),
        "meeting_goal": {
            setting: [row["name"] for row in candidates if row["goal"][setting]["met"]] for setting in settings
        },
    }


def bench_structured(results, quick):
    """Section 3b: lesson 06's dense, L1 and narrowed CNNs: size, FLOPs, forward-pass time in two settings."""
    import numpy as np

    from helpers.lesson06_structured_sparsity import PRUNABLE, file_sizes, flops, parameter_count

    repeats = structured_repeats(quick)
    sweep, models = structured_models()
    timings = {"as_started": structured_timings(repeats, models)}
    print("  structured: timed as started; now laptop-like (subprocess)", flush=True)
    laptop = in_a_fresh_process(["--part", "structured-timings"], quick, LAPTOP_ENVIRONMENT)
    timings["laptop"] = laptop["timings"]

    def accuracy(name):
        if name == "dense":
            values = np.asarray(sweep["dense_tuned_test_accuracy"], dtype=float)
        elif name == "l1":
            values = np.atleast_1d(np.asarray(sweep["l1_test_accuracy"], dtype=float))
        else:
            values = np.asarray(sweep["tuned_test_accuracy"], dtype=float)[int(name[1:])]
        values = values[np.isfinite(values)]
        if not len(values):
            return None, None, 0
        std = float(np.std(values, ddof=1)) if len(values) > 1 else None
        return float(np.mean(values)), std, len(values)

    rows = []
    for name, model in models.items():
        sizes = file_sizes(model)
        mean, std, count = accuracy(name)
        strength = None if name in ("dense", "l1") else float(sweep["strength"][int(name[1:])])
        rows.append(
            {
                "name": name,
                "strength": strength,
                "units": {layer: int(model.get_layer(layer).kernel.shape[-1]) for layer in PRUNABLE},
                "parameters": parameter_count(model),
                "flops": int(flops(model)),
                "raw_bytes": sizes["raw"],
                "gzipped_bytes": sizes["gzipped"],
                "ms": {setting: timings[setting][name] for setting in timings},
                "accuracy_mean": None if mean is None else round(mean, 4),
                "accuracy_std": None if std is None else round(std, 4),
                "accuracy_seeds": count,
            }
        )
        print(f"  structured {name}: {rows[-1]['flops'] / 1e6:.2f} MFLOPs, ms {rows[-1]['ms']}", flush=True)
    results["structured"] = {
        **structured_summary(rows),
        "repeats": repeats,
        "batch_sizes": list(STRUCTURED_BATCHES),
        "laptop_environment": LAPTOP_ENVIRONMENT,
        "laptop_fast_path": laptop["fast_path"],
        "source": "published/lesson06_group_lasso.npz (weights: first seed; accuracy: mean ± std over seeds)",
    }


def bench_cluster(results, quick):
    """Section 3c: the main job's (penalty, seed) trials on a local Ray vs the same trials without Ray."""
    from helpers.cluster import connect, disconnect, run_experiment_on_ray
    from helpers.internal.runtime import choose_dtype_policy
    from helpers.lesson02_cnn_penalties import experiment_data, make_config, run_experiment, run_trial
    from helpers.penalties import Penalty

    try:
        import ray.tune  # noqa: F401  (the extra .[cluster])
    except ImportError:
        results["cluster"] = {"skipped": "Ray is not installed: pip install -e '.[cluster]'"}
        return
    # The main job's default runs (the course's regime), two seeds: 8 trials.
    config = make_config(seeds=[0, 1], **({"epochs": 3, "n_train": 200} if quick else {}))
    data = experiment_data(config)
    trials = [(Penalty(**p), seed) for p in config["penalties"] for seed in config["seeds"]]
    policy, _ = choose_dtype_policy()
    seconds, runs = {}, {}
    clock = time.perf_counter()
    runs["side by side"] = run_experiment(config, data=data, log=None)["runs"]
    seconds["side by side"] = time.perf_counter() - clock
    clock = time.perf_counter()
    one_by_one = {(p.label, seed): run_trial(config, p, seed, data=data) for p, seed in trials}
    runs["one at a time"] = [one_by_one[(p.label, seed)] for p, seed in trials]
    seconds["one at a time"] = time.perf_counter() - clock
    print(f"  cluster: side by side {seconds['side by side']:.1f} s, one at a time {seconds['one at a time']:.1f} s")
    clock = time.perf_counter()
    offer = connect("local", num_cpus=2)
    connect_seconds = time.perf_counter() - clock
    try:
        for cpus in (2, 1):
            name = f"Ray, {cpus} CPU(s) per trial"
            clock = time.perf_counter()
            runs[name] = run_experiment_on_ray(config, data, threads=cpus, fast_path="auto", log=None)["runs"]
            seconds[name] = time.perf_counter() - clock
            print(f"  cluster: {name} {seconds[name]:.1f} s", flush=True)
    finally:
        disconnect()
    reference = {(r["label"], r["seed"]): r["test"]["accuracy"] for r in runs["one at a time"]}
    rows = [
        {
            "path": name,
            "seconds": round(seconds[name], 1),
            "seconds_per_trial": round(seconds[name] / len(trials), 2),
            "max_test_accuracy_difference": max(
                abs(r["test"]["accuracy"] - reference[(r["label"], r["seed"])]) for r in runs[name]
            ),
        }
        for name in seconds
    ]
    results["cluster"] = {
        "config": {key: config[key] for key in ("dataset", "n_train", "epochs", "kinds", "seeds")},
        "trials": len(trials),
        "policy": policy,
        "ray_version": offer["ray_version"],
        "ray_start_seconds": round(connect_seconds, 1),
        "rows": rows,
        # What Ray adds per trial: its trials one after another (2 CPUs each, the machine's 2) against the
        # same trials one after another in this process.
        "overhead_per_trial_seconds": round(
            (seconds["Ray, 2 CPU(s) per trial"] - seconds["one at a time"]) / len(trials), 2
        ),
    }


def cluster_markdown(section):
    if "skipped" in section:
        return ["## 3c. The main job's trials on Ray", "", f"Skipped: {section['skipped']}", ""]
    config = section["config"]
    lines = [
        f"## 3c. The main job's trials on a local Ray (Ray {section['ray_version']}, {section['policy']})",
        "",
        f"{section['trials']} trials: kinds {', '.join(config['kinds'])} × seeds {config['seeds']}, "
        f"{config['n_train']:,} {config['dataset']} images, {config['epochs']} epochs. Starting Ray "
        f"(`ray.init(num_cpus=2)`) took {section['ray_start_seconds']} s, not counted below.",
        "",
        "| path | wall s | s per trial | largest test-accuracy difference vs one at a time |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['path']} | {r['seconds']} | {r['seconds_per_trial']} | {r['max_test_accuracy_difference']:.4f} |"
        for r in section["rows"]
    ]
    lines += [
        "",
        f"**Ray's overhead: {section['overhead_per_trial_seconds']} s per trial** (its trials one after another "
        "against the same trials one after another in one process: Tune schedules each trial, ships the data once "
        "and each result back; its worker processes are reused, so TensorFlow starts once per worker). Side by "
        "side on one machine stays the fastest; Ray pays off when it brings more machines. With 1 CPU per trial, "
        "TensorFlow runs 1 thread instead of 2 and adds in another order; training carries that rounding as far "
        "as another seed would: compare runs made with the same number of threads.",
        "",
    ]
    return lines


def structured_markdown(section):
    """The report's section 3b from ``results["structured"]``."""
    settings = section["settings"]
    header = ["model", "units kept (conv1/conv2/conv3/dense1)", "parameters", "MFLOPs", "raw kB", "gzip kB"]
    for label in settings.values():
        header += [f"ms @1, {label}", f"ms @256, {label}"]
    header.append("test accuracy")
    lines = [
        "## 3b. A smaller, faster CNN (lesson 06)",
        "",
        f"Models of {section.get('source', 'lesson 06 group-lasso sweep')}; forward pass, "
        f"{section.get('repeats', '?')} rounds timing the models in turn, compared round by round "
        "(`paired_times`). Laptop-like: "
        + " ".join(f"`{k}={v}`" for k, v in section.get("laptop_environment", LAPTOP_ENVIRONMENT).items())
        + f" in a fresh process ({section.get('laptop_fast_path', '?')}). (×: speed-up against dense.)",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in section["rows"]:
        name = row["name"] if row.get("strength") is None else f"{row['name']} (λ={row['strength']:g})"
        units = "/".join(str(row["units"][layer]) for layer in row["units"])
        cells = [
            name,
            units,
            f"{row['parameters']:,}",
            f"{row['flops'] / 1e6:.2f} ({row['flops_ratio']:g}×)",
            f"{row['raw_bytes'] / 1000:.1f}",
            f"{row['gzipped_bytes'] / 1000:.1f}",
        ]
        for setting in settings:
            for batch in ("1", "256"):
                cells.append(f"{row['ms'][setting][batch]:.2f} ({row['speedup'][setting][batch]:g}×)")
        if row["accuracy_mean"] is None:
            cells.append("–")
        elif row["accuracy_std"] is None:
            cells.append(f"{100 * row['accuracy_mean']:.1f}% (1 seed)")
        else:
            cells.append(f"{100 * row['accuracy_mean']:.1f} ± {100 * row['accuracy_std']:.1f}%")
        lines.append("| " + " | ".join(cells) + " |")
    verdicts = []
    for setting, label in settings.items():
        met = section["meeting_goal"][setting]
        verdicts.append(f"{label}: " + (f"**met** by {', '.join(met)}" if met else "**not met**"))
    lines += ["", f"Goal ({section['goal']}): " + "; ".join(verdicts) + ".", ""]
    return lines


# ------------------------------------------------------------------ report


def machine():
    from helpers.internal.runtime import hardware, numeric_settings
    from helpers.internal.store import library_versions

    return {
        **hardware(),
        "versions": {**library_versions(), **numeric_settings()},
        "load_average_at_start": os.getloadavg(),
    }


def write_figures(results, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    if "growth" in results:
        fig, ax = plt.subplots(figsize=(6, 4))
        for path in dict.fromkeys(r["path"] for r in results["growth"]["rows"]):
            rows = [r for r in results["growth"]["rows"] if r["path"] == path]
            ns = [r["n"] for r in rows]
            ax.loglog(ns, [r["epoch_seconds"] for r in rows], "o-", label=path)
            # A straight line through the largest size: where the points fall on it, cost grows linearly.
            ax.loglog(ns, [rows[-1]["epoch_seconds"] * n / ns[-1] for n in ns], ":", color="grey")
        ax.set(xlabel="training images per epoch", ylabel="seconds per epoch", title="Cost growth (dotted: linear)")
        ax.legend()
        fig.savefig(out / "growth.png", dpi=120, bbox_inches="tight")
        written.append("growth.png")
    if "seed" in results:
        fig, ax = plt.subplots(figsize=(6, 3))
        for row in results["seed"]["rows"]:
            for number, seconds in enumerate(row["epoch_seconds"]):
                ax.plot(
                    range(1, len(seconds) + 1),
                    seconds,
                    "o-",
                    color="C0" if row is results["seed"]["rows"][0] else "C1",
                    alpha=1.0 if number == 0 else 0.5,
                    label=row["path"] if number == 0 else None,
                )
        ax.set(xlabel="epoch", ylabel="seconds", title="Seed spec: seconds per epoch (whole runs, A/B alternating)")
        ax.legend()
        fig.savefig(out / "seed_epochs.png", dpi=120, bbox_inches="tight")
        written.append("seed_epochs.png")
    plt.close("all")
    return written


def training_markdown(results, where):
    """Sections 1, 2 and 2b of one arithmetic (``where``: as started, or laptop-like) -> Markdown lines."""
    arithmetic = results.get("arithmetic", {})
    setting = f"{where}: {arithmetic.get('policy', '?')}"
    lines = []
    if "seed" in results:
        seed = results["seed"]
        lines += [
            f"## 1. The seed experiment, {setting} ({seed['data']}; {seed['epochs']} epochs, batch 64, "
            f"{seed['penalty']})",
            "",
            f"{seed['fast_path']}. Whole runs alternating A/B, {seed['repeats']} of each; steady state = epochs 2..n.",
            "",
            "| path | median s/epoch (steady) | images/s | GFLOP/s | median s/run (incl. tracing) | test accuracy |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['path']} | {r['median_epoch_seconds']} | {r['images_per_second']:,} | {r['gflops']} "
            f"| {r['median_run_seconds']} | {r['test_accuracy']:.4f} |"
            for r in seed["rows"]
        ]
        peaks = ", ".join(
            f"{name} ≈ {p['peak_gflops']:.0f} GFLOP/s ({p.get('unit', '')})" for name, p in seed["peak"].items()
        )
        lines += [
            "",
            f"**Speed-up {seed['speedup']}× per epoch, {seed['run_speedup']}× per whole run**, accuracy difference "
            f"{seed['accuracy_difference_points']:+.2f} points (goal: {goal_text(seed['goal'])} per whole "
            f"run, accuracy within {seed['accuracy_goal_points']} points). One training step is "
            f"{seed['training_mflop_per_image']} MFLOP per image; 2-core peak estimates: {peaks}.",
            "",
        ]
    if "sweep" in results:
        sweep = results["sweep"]
        lines += [
            f"## 2. A λ sweep of {len(sweep['strengths'])} L2 strengths, {setting} ({sweep['data']}, "
            f"{sweep['epochs']} epochs)",
            "",
            f"8 separate plain-Keras fits: {sweep['separate_seconds']} s; "
            f"the course's one fit: {sweep['course_seconds']} s "
            f"→ **{sweep['speedup']}×** (goal: {goal_text(sweep['goal'])}); the course's fit ran with "
            f"{sweep['course_settings']['threads_per_operation']} thread(s) per operation. Final validation "
            f"accuracy, largest difference between the two: "
            f"{sweep['max_abs_difference']:.4f}; seed-to-seed std in this regime: {sweep['seed_to_seed_std']} "
            f"(within 2 std: {sweep['within_spread']}).",
            "",
        ]
    if "mainjob" in results:
        job = results["mainjob"]
        lines += [
            f"## 2b. The main job at full size, {setting} ({job['data']}; {job['epochs']} epochs, L1/L2 strengths "
            f"{', '.join(job['penalties'])})",
            "",
            f"4 plain-Keras runs (float32, then evaluated): {job['plain_seconds']} s; `{job['command'].strip()}` "
            f"(whole wall time: start-up, data, training, evaluation, figures; "
            f"{job['main_job_settings']['dtype_policy']}, {job['main_job_settings']['threads_per_operation']} "
            f"thread(s) per operation): {job['main_job_seconds']} s → **{job['speedup']}×** "
            f"(goal: {goal_text(job['goal'])}). Test accuracy, plain: {job['test_accuracy_plain']}; "
            f"main job: {job['test_accuracy_main_job']}.",
            "",
        ]
    return lines


def goal_text(goal):
    return "none set for this arithmetic" if goal is None else f"≥ {goal:g}×"


def goals_markdown(results):
    """The headline: each speed figure in each arithmetic, against issue 19's goal (GOALS) -> Markdown lines."""
    settings = [("as started", results)] + ([("laptop-like", results["laptop"])] if "laptop" in results else [])
    figures = [
        ("seed", "seed spec, one model (section 1): whole runs, plain Keras vs the course path"),
        ("sweep", "λ sweep of 8 L2 strengths (section 2): 8 plain fits vs one side-by-side fit"),
        ("mainjob", "the main job's 4 penalties (section 2b) vs 4 plain-Keras runs"),
    ]
    figures = [(key, what) for key, what in figures if any(key in part for _, part in settings)]
    if not figures:
        return []
    header = [f"{where} ({part['arithmetic']['policy']})" for where, part in settings if "arithmetic" in part]
    lines = ["## Speed against the goals", "", f"| what | {' | '.join(header)} |", "|---" * (len(header) + 1) + "|"]
    missed = False
    for key, what in figures:
        cells = []
        for _, part in settings:
            if key not in part:
                cells.append("–")
                continue
            value = part[key]["run_speedup" if key == "seed" else "speedup"]
            goal = GOALS[key].get(part["arithmetic"]["policy"])
            missed = missed or (goal is not None and value < goal)
            verdict = "" if goal is None else f" (goal ≥ {goal:g}×: {'met' if value >= goal else 'missed'})"
            cells.append(f"**{value}×**{verdict}")
        lines.append(f"| {what} | {' | '.join(cells)} |")
    if missed:
        lines += ["", f"What was tried for the missed goals, and what bounds them: {WHAT_BOUNDS_THE_GOALS}."]
    return [*lines, ""]


WHAT_BOUNDS_THE_GOALS = (
    "`benchmarks/profile/README.md` (per-layer profile, merged models, thread layout, input pipeline, tracing) "
    "and the README's speed section"
)


def markdown(results):
    lines = [
        f"# Benchmarks, {results['date']}",
        "",
        f"Machine: {results['machine']['cpu']}, {results['machine']['logical_cpus']} logical CPUs "
        f"(load average at start {results['machine']['load_average_at_start'][0]:.1f}); "
        f"TensorFlow {results['machine']['versions'].get('tensorflow-cpu', '?')}, "
        f"Keras {results['machine']['versions'].get('keras')}. Command: `{results['command']}`.",
        "",
    ]
    lines += goals_markdown(results)
    lines += training_markdown(results, "as started")
    if "laptop" in results:
        lines += training_markdown(results["laptop"], "laptop-like")
    if "sliders" in results:
        lines += [
            "## 3. Lesson run time (fresh kernel, published results) and slider latency "
            "(every slider moved across its range)",
            "",
            "| notebook | fresh-kernel s | slider | median ms | p95 ms |",
            "|---|---|---|---|---|",
        ]
        for row in results["sliders"]["rows"]:
            sliders = row["sliders"] or [{"slider": "–", "median_ms": "", "p95_ms": ""}]
            for number, s in enumerate(sliders):
                lines.append(
                    f"| {row['notebook'] if number == 0 else ''} "
                    f"| {row['fresh_kernel_seconds'] if number == 0 else ''} "
                    f"| {s['slider']} | {s['median_ms']} | {s['p95_ms']} |"
                )
        lines += ["", "Goal: median ≤ 30 ms.", ""]
    if "structured" in results:
        lines += structured_markdown(results["structured"])
    if "cluster" in results:
        lines += cluster_markdown(results["cluster"])
    if "growth" in results:
        lines += [
            "## 4. Cost growth and memory",
            "",
            "![growth](growth.png)",
            "",
            "| path | n | s/epoch | µs/image |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['path']} | {r['n']:,} | {r['epoch_seconds']} | {r['microseconds_per_image']} |"
            for r in results["growth"]["rows"]
        ]
        lines.append("")
    if "memory" in results:
        memory = results["memory"]
        lines += [
            f"Main job on full-size data (`{memory['command']}`): peak resident set **{memory['peak_rss_gb']} GB** "
            f"(goal ≤ 2.5 GB), exit code {memory['exit_code']}, {memory['wall_seconds']} s.",
            "",
        ]
    if "suite" in results:
        suite = results["suite"]
        lines += [
            "## 5. Test suite",
            "",
            f"`{suite['command']}`: {suite['summary']}, **{suite['wall_seconds']} s** wall "
            f"(goal ≤ 300 s), exit code {suite['exit_code']}.",
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections (default all: {','.join(SECTIONS)})"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the script in a few minutes")
    parser.add_argument(
        "--out", default=str(REPO / "benchmarks" / "latest"), help="output folder (default benchmarks/latest)"
    )
    parser.add_argument(
        "--arithmetic",
        choices=("both", "as-started"),
        default="both",
        help=(
            f"both (default): the sections {', '.join(BOTH_ARITHMETICS)} also laptop-like "
            f"({' '.join(f'{k}={v}' for k, v in LAPTOP_ENVIRONMENT.items())}, in a subprocess); "
            "as-started: only as this process computes"
        ),
    )
    # One part of a section, run by in_a_fresh_process: it writes its JSON to --out/report.json.
    parser.add_argument("--part", choices=("sweep-course", "structured-timings"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part:
        part = sweep_course_run(args.quick) if args.part == "sweep-course" else structured_timings_run(args.quick)
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "report.json").write_text(json.dumps(part) + "\n", encoding="utf-8")
        return 0
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from helpers.internal.runtime import start_tensorflow

    policy, reason = start_tensorflow()
    results = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "command": " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "arithmetic": {"policy": policy, "fast_path": reason},
    }
    runners = {
        "seed": bench_seed,
        "sweep": bench_sweep,
        "mainjob": bench_mainjob,
        "sliders": bench_sliders,
        "structured": bench_structured,
        "cluster": bench_cluster,
        "growth": bench_growth,
        "memory": bench_memory,
        "suite": bench_suite,
    }
    for section in SECTIONS:
        if section in chosen:
            print(f"[{section}]", flush=True)
            start = time.perf_counter()
            runners[section](results, args.quick)
            results[section]["section_seconds"] = round(time.perf_counter() - start, 1)
    again = [section for section in BOTH_ARITHMETICS if section in chosen]
    if args.arithmetic == "both" and again:
        print(f"[laptop-like: {', '.join(again)}, in a subprocess]", flush=True)
        results["laptop"] = laptop_sections(again, args.quick)
    results["figures"] = write_figures(results, out)
    (out / "report.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(results) + "\n", encoding="utf-8")
    print(f"wrote {out / 'report.md'}, {out / 'report.json'} and {', '.join(results['figures'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
