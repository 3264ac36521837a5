"""The course's main job: lesson 03's CNN experiment, run headless or from a notebook.

One code path for both: :func:`make_config` checks a configuration,
:func:`run_experiment` trains the seed text's CNN once per (penalty, seed) with
:func:`helpers.training.train_cnns` (all penalties of a seed in one fit) and returns plain JSON-able results,
:func:`format_table` prints them, :mod:`helpers.experiment_plots` draws them.

From a shell (``python -m helpers.experiment --help`` lists every option)::

    python -m helpers.experiment                              # overfitting regime, offline, ~30 s
    python -m helpers.experiment --full --dataset fashion-mnist   # the seed's full-size spec, offline
    python -m helpers.experiment --full                       # the seed's spec exactly (downloads MNIST)

Each run writes ``results.json`` (configuration, data source, library versions,
hardware, command, per-run histories and metrics) and PNG figures into an output
folder, by default ``results/experiment-<UTC time>-<config hash>/``.
"""

import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from helpers.penalties import PENALTY_KINDS, Penalty
from helpers.validation import check_choice, check_positive_int, check_strength

__all__ = [
    "OVERFIT_CONFIG",
    "FULL_SPEC_CONFIG",
    "make_config",
    "penalties_of",
    "sweep_config",
    "experiment_data",
    "run_experiment",
    "summarize",
    "format_table",
    "choose_strength",
    "sweep_point",
    "config_hash",
    "save_results",
    "load_results",
    "cached_results",
    "main",
    "REFERENCE_DIR",
]

# Published results of long runs of the main job (the full-size spec), results.json files with their
# provenance inside; beside the lessons' published results (helpers.published).
REFERENCE_DIR = Path(__file__).resolve().parents[1] / "published"

# The course's regime (the default), where a penalty pays: 1,000 training images, 40 % of their
# labels wrong, 20 epochs. Without a penalty the CNN memorizes the wrong labels and its test
# accuracy falls; L2(0.01) or L1(0.001) keep it from fitting them (measured over 5 seeds: about
# +15 points each, lesson 02). The strengths are ten times the seed's 0.001: that is too weak here.
OVERFIT_CONFIG = {
    "dataset": "mnist-5k",
    "n_train": 1000,
    "n_val": None,  # None: the source's default (1,000 for mnist-5k)
    "n_test": None,
    "split_seed": 0,
    "label_noise": 0.4,  # share of training labels replaced by another class (helpers.data.with_label_noise)
    "epochs": 20,
    "batch_size": 64,
    "learning_rate": 1e-3,
    "kinds": ["none", "l1", "l2", "l1_l2"],
    "l1_strength": 1e-3,
    "l2_strength": 1e-2,
    "seeds": [0],
}

# The seed text's spec: all 60,000 training images (no validation split), 5 epochs, batch 64,
# L2 = 0.001. It names no L1 strength; 1e-4 is ours (a penalty of the same order at initialization).
FULL_SPEC_CONFIG = {
    **OVERFIT_CONFIG,
    "dataset": "mnist",
    "n_train": None,
    "n_val": 0,
    "label_noise": 0.0,
    "epochs": 5,
    "l1_strength": 1e-4,
    "l2_strength": 1e-3,
}


def penalties_of(kinds, l1_strength, l2_strength):
    """The :class:`Penalty` for each kind: 'l1' uses ``l1_strength``, 'l2' ``l2_strength``, 'l1_l2' both."""
    penalties = []
    for kind in kinds:
        check_choice("penalty kind", kind, PENALTY_KINDS)
        if kind in ("l1", "l1_l2") and l1_strength == 0:
            raise ValueError(f"penalty kind {kind!r} needs l1_strength > 0 (or leave {kind!r} out of kinds)")
        if kind in ("l2", "l1_l2") and l2_strength == 0:
            raise ValueError(f"penalty kind {kind!r} needs l2_strength > 0 (or leave {kind!r} out of kinds)")
        penalties.append(
            Penalty(
                l1_strength=l1_strength if kind in ("l1", "l1_l2") else 0.0,
                l2_strength=l2_strength if kind in ("l2", "l1_l2") else 0.0,
            )
        )
    return penalties


def make_config(base=None, **changes):
    """A checked copy of ``base`` (default :data:`OVERFIT_CONFIG`) with ``changes`` applied -> dict.

    Adds ``penalties``: one ``{"l1_strength", "l2_strength"}`` per run, unless given.
    """
    from helpers.data import DATASETS

    config = dict(OVERFIT_CONFIG if base is None else base)
    unknown = set(changes) - set(OVERFIT_CONFIG) - {"penalties"}
    if unknown:
        allowed = ", ".join(sorted({*OVERFIT_CONFIG, "penalties"}))
        raise ValueError(f"unknown configuration key(s): {', '.join(sorted(unknown))}; allowed: {allowed}")
    config.update(changes)
    check_choice("dataset", config["dataset"], DATASETS)
    for name, minimum in (("n_train", 1), ("n_val", 0), ("n_test", 1)):
        if config[name] is not None:
            check_positive_int(name, config[name], minimum=minimum)
    check_positive_int("split_seed", config["split_seed"], minimum=0)
    noise = config.setdefault("label_noise", 0.0)  # results made before label noise existed had none
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < 1:
        raise ValueError(f"label_noise must be a number in [0, 1) (the share of wrong training labels), got {noise!r}")
    config["label_noise"] = float(noise)
    check_positive_int("epochs", config["epochs"])
    check_positive_int("batch_size", config["batch_size"])
    if check_strength("learning_rate", config["learning_rate"]) == 0:
        raise ValueError(f"learning_rate must be > 0, got {config['learning_rate']!r}")
    config["l1_strength"] = check_strength("l1_strength", config["l1_strength"])
    config["l2_strength"] = check_strength("l2_strength", config["l2_strength"])
    config["seeds"] = [check_positive_int("seed", s, minimum=0) for s in config["seeds"]]
    if not config["seeds"] or len(set(config["seeds"])) != len(config["seeds"]):
        raise ValueError(f"seeds must be a non-empty list of distinct integers >= 0, got {config['seeds']}")
    config["kinds"] = list(config["kinds"])
    # Penalties follow kinds and strengths unless given explicitly (a sweep) and left alone since.
    keep = "penalties" in changes or ("penalties" in config and not {"kinds", "l1_strength", "l2_strength"} & set(changes))
    if not keep:
        penalties = penalties_of(config["kinds"], config["l1_strength"], config["l2_strength"])
        config["penalties"] = [{"l1_strength": p.l1_strength, "l2_strength": p.l2_strength} for p in penalties]
    if not config["penalties"]:
        raise ValueError("kinds is empty: nothing to run")
    config["penalties"] = [dict(Penalty(**p).__dict__) for p in config["penalties"]]  # validates each
    return config


def sweep_config(base, strengths_by_kind, seed=0):
    """``base`` with one run per strength of each kind, for one seed -> dict.

    ``strengths_by_kind``: ``{"l1": [...], "l2": [...]}`` (either or both). All runs
    train side by side in one fit (see :func:`run_experiment`).
    """
    if not isinstance(strengths_by_kind, dict) or not strengths_by_kind:
        raise ValueError(f"strengths_by_kind must be a dict like {{'l2': [1e-3, 1e-2]}}, got {strengths_by_kind!r}")
    penalties = []
    for kind, strengths in strengths_by_kind.items():
        check_choice("sweep kind", kind, ("l1", "l2"))
        strengths = [check_strength("strength", s) for s in strengths]
        if not strengths or min(strengths) <= 0:
            raise ValueError(f"{kind} strengths must be a non-empty list of numbers > 0, got {strengths}")
        penalties += [{"l1_strength": s if kind == "l1" else 0.0, "l2_strength": s if kind == "l2" else 0.0}
                      for s in strengths]
    return make_config(base, kinds=list(strengths_by_kind), seeds=[seed], penalties=penalties)


def config_hash(config):
    """Eight hex digits that identify a configuration (for folder and cache names)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]


def _hardware():
    """CPU model and count, OS and machine: where a timing or a result came from."""
    from helpers.fastpath import cpuinfo_field

    return {"cpu": cpuinfo_field("model name") or platform.processor() or "", "logical_cpus": os.cpu_count(),
            "os": platform.platform(), "machine": platform.machine()}


def _progress_callback(label, labels, epochs, log, every=1):
    """A Keras callback for :func:`helpers.training.train_cnns` that logs every ``every`` epochs and the last.

    One line per epoch: each model's training and validation data loss / accuracy.
    """
    import keras

    class EpochLog(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % every and epoch + 1 != epochs:
                return
            logs = logs or {}
            parts = []
            for index, name in enumerate(labels):
                shown = f"{logs.get(f'model_{index}_data_loss', math.nan):.3f}/{logs.get(f'model_{index}_accuracy', math.nan):.3f}"
                if f"val_model_{index}_data_loss" in logs:
                    shown += f" val {logs[f'val_model_{index}_data_loss']:.3f}/{logs[f'val_model_{index}_accuracy']:.3f}"
                parts.append(f"{name} {shown}")
            log(f"{label} epoch {epoch + 1:>3}/{epochs} ({time.perf_counter() - self.start:.1f} s) "
                f"data loss/acc: " + "; ".join(parts))

    return EpochLog()


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


def experiment_data(config, path=None):
    """The data set a configuration names: split, then its training labels made noisy -> Dataset."""
    from helpers.data import load_dataset, with_label_noise

    data = load_dataset(config["dataset"], n_train=config["n_train"], n_val=config["n_val"], n_test=config["n_test"],
                        split_seed=config["split_seed"], path=path)
    return with_label_noise(data, config["label_noise"], seed=config["split_seed"]) if config["label_noise"] else data


def run_experiment(config, data=None, log=_stderr, log_every=1):
    """Train once per (penalty, seed) in ``config`` and return JSON-able results -> dict.

    ``data`` (a helpers.data.Dataset) is loaded from the configuration when None.
    Each run records its per-epoch history (``data_loss``, ``accuracy``, their ``val_``
    versions, ``penalty``, and ``val_loss`` = validation data loss + penalty) and, after
    training, accuracy and data loss on the whole training, validation and test sets.
    ``log`` gets a progress line every ``log_every`` epochs and after the last (None: silent).
    """
    from helpers.fastpath import arithmetic_platform, numeric_settings
    from helpers.published import library_versions
    from helpers.training import evaluate, train_cnns

    config = make_config(config)
    if data is None:
        data = experiment_data(config)
    if data.split.get("label_noise", 0.0) != config["label_noise"]:
        raise ValueError(f"data has label noise {data.split.get('label_noise', 0.0)}, the configuration "
                         f"{config['label_noise']}: load it with experiment_data(config)")
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    penalties = [Penalty(**p) for p in config["penalties"]]
    runs_of_penalty = [[] for _ in penalties]  # listed penalty by penalty, seeds inside
    # One fit per seed trains every penalty side by side (train_cnns): the same results as one
    # train_cnn per (penalty, seed), in a fraction of the time.
    for number, seed in enumerate(config["seeds"], start=1):
        label = f"[seed {seed}, {number}/{len(config['seeds'])}]"
        callbacks = [_progress_callback(label, [p.label for p in penalties], config["epochs"], log, log_every)] if log else None
        fit_clock = time.perf_counter()
        trained = train_cnns(data, penalties, num_epochs=config["epochs"], batch_size=config["batch_size"], seed=seed,
                             learning_rate=config["learning_rate"], callbacks=callbacks)
        seconds = time.perf_counter() - fit_clock
        for penalty, run, runs in zip(penalties, trained, runs_of_penalty):
            record = {"kind": penalty.kind, "label": penalty.label, "l1_strength": penalty.l1_strength,
                      "l2_strength": penalty.l2_strength, "seed": seed,
                      "train_seconds": round(seconds / len(penalties), 2),  # the shared fit's time, split evenly
                      "history": {name: [float(v) for v in values] for name, values in run.history.items()},
                      "train": evaluate(run.model, data.x_train, data.y_train),
                      # With wrong labels: how many training images the model gets right by their true label.
                      **({"train_true": evaluate(run.model, data.x_train, data.y_train_true)}
                         if data.y_train_true is not None else {}),
                      "test": evaluate(run.model, data.x_test, data.y_test)}
            if len(data.y_val):
                record["val"] = evaluate(run.model, data.x_val, data.y_val)
            runs.append(record)
    runs = [run for runs in runs_of_penalty for run in runs]
    return {"config": config, "data": {"name": data.name, "source": data.source, "split": data.split,
                                        "summary": data.summary()},
            "versions": {**library_versions(), **numeric_settings()}, "hardware": _hardware(),
            "made_on": arithmetic_platform(), "started_utc": started.isoformat(timespec="seconds"),
            "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "wall_seconds": round(time.perf_counter() - clock, 1), "runs": runs}


def summarize(results):
    """One row per penalty, over its seeds -> list of dicts (means; test accuracy also std and values).

    ``test_vs_first``: the first penalty's runs (usually no penalty) compared with this one's,
    seed by seed (helpers.compare.paired_difference), when both have the same two or more seeds.
    """
    from helpers.compare import paired_difference

    rows = {}
    for run in results["runs"]:
        rows.setdefault(run["label"], []).append(run)
    summary = []
    for label, runs in rows.items():
        test_accuracy = np.array([r["test"]["accuracy"] for r in runs])
        row = {"label": label, "kind": runs[0]["kind"], "l1_strength": runs[0]["l1_strength"],
               "l2_strength": runs[0]["l2_strength"], "seeds": [r["seed"] for r in runs],
               "test_accuracy_values": test_accuracy.tolist(),
               "test_accuracy_mean": float(test_accuracy.mean()),
               # Sample standard deviation (ddof=1): the spread we expect from seed to seed.
               "test_accuracy_std": float(test_accuracy.std(ddof=1)) if len(runs) > 1 else math.nan}
        for split in ("train", "train_true", "test", "val"):
            for metric in ("accuracy", "data_loss"):
                if split in runs[0]:
                    row[f"{split}_{metric}"] = float(np.mean([r[split][metric] for r in runs]))
        row["gap_accuracy"] = row["train_accuracy"] - row["test_accuracy"]
        row["gap_data_loss"] = row["test_data_loss"] - row["train_data_loss"]
        first = summary[0] if summary else row
        if summary and first["seeds"] == row["seeds"] and len(row["seeds"]) > 1:
            row["test_vs_first"] = paired_difference(first["test_accuracy_values"], row["test_accuracy_values"])
        summary.append(row)
    return summary


def format_table(results):
    """Aligned text table of :func:`summarize`: accuracy and data loss per penalty, and the gain over the first.

    With wrong training labels, training accuracy is shown against the given (partly wrong)
    labels and against the true ones: fitting the given labels is memorizing the mistakes.
    """
    summary = summarize(results)
    noisy = "train_true_accuracy" in summary[0]
    train = f"{'train acc (given / true labels)':>32}" if noisy else f"{'train acc':>11}"
    header = (f"{'penalty':<20}{'seeds':>6}{train}{'test acc (mean ± std)':>24}{'vs ' + summary[0]['label']:>28}"
              f"{'train data loss':>17}{'test data loss':>16}")
    lines = [header, "-" * len(header)]
    for index, row in enumerate(summary):
        spread = f" ± {row['test_accuracy_std']:.4f}" if len(row["seeds"]) > 1 else " (1 seed)"
        test = f"{row['test_accuracy_mean']:.4f}{spread}"
        if index == 0:
            versus = ""
        elif "test_vs_first" in row:
            versus = f"{100 * row['test_vs_first'].mean:+.1f} pt ± {100 * row['test_vs_first'].standard_error:.1f} (SE)"
        else:
            versus = f"{100 * (row['test_accuracy_mean'] - summary[0]['test_accuracy_mean']):+.1f} pt"
        fitted = (f"{row['train_accuracy']:.4f} / {row['train_true_accuracy']:.4f}" if noisy
                  else f"{row['train_accuracy']:.4f}")
        lines.append(f"{row['label']:<20}{len(row['seeds']):>6}{fitted:>{len(train)}}{test:>24}{versus:>28}"
                     f"{row['train_data_loss']:>17.4f}{row['test_data_loss']:>16.4f}")
    return "\n".join(lines)


def choose_strength(results, metric="val_accuracy"):
    """The run with the best final-epoch validation accuracy (ties: lower validation data loss) -> dict."""
    check_choice("metric", metric, ("val_accuracy",))
    runs = results["runs"]
    if not runs or "val_accuracy" not in runs[0]["history"]:
        raise ValueError("results have no validation history to choose a strength on (n_val was 0)")
    return max(runs, key=lambda r: (r["history"]["val_accuracy"][-1], -r["history"]["val_data_loss"][-1]))


def sweep_point(results, strength):
    """The run of a one-kind sweep whose strength is nearest ``strength`` on a log scale -> dict.

    Returns ``{"strength", "kind", "label", "epochs", "history", "train", "test", "val"}``: what a
    λ slider shows. Pure: no training, no drawing.
    """
    strength = check_strength("strength", strength)
    if strength <= 0:
        raise ValueError(f"strength must be > 0, got {strength!r}")
    runs = results["runs"]
    if not runs:
        raise ValueError("results have no runs")
    kind = runs[0]["kind"]
    if kind not in ("l1", "l2") or any(r["kind"] != kind for r in runs):
        raise ValueError("results must be a sweep of one penalty kind ('l1' or 'l2'), see sweep_config")
    key = f"{kind}_strength"
    run = min(runs, key=lambda r: abs(math.log10(r[key]) - math.log10(strength)))
    return {"strength": run[key], "kind": kind, "label": run["label"], "epochs": np.arange(1, len(run["history"]["data_loss"]) + 1),
            "history": {k: np.asarray(v) for k, v in run["history"].items()},
            "train": run["train"], "test": run["test"], "val": run.get("val")}


def save_results(results, folder):
    """Write ``results.json`` into ``folder`` (created if needed) atomically -> its path."""
    import tempfile

    from helpers.validation import check_writable_dir

    path = check_writable_dir("folder", folder) / "results.json"
    text = json.dumps(results, indent=1, allow_nan=True) + "\n"
    # Temporary file, then rename: an interrupted run leaves the old complete file or none.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; a results file is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_results(path):
    """Read a results file written by :func:`save_results` -> dict; a clear error if it is not one."""
    path = Path(path)
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"results file {str(path)!r} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"results file {str(path)!r} is not valid JSON ({error})") from None
    if not isinstance(results, dict) or not {"config", "data", "runs"} <= set(results):
        raise ValueError(f"results file {str(path)!r} lacks config / data / runs")
    return results


def cached_results(name, config, data=None, log=print, directory=None, progress=None, log_every=1, borrowed=False):
    """:func:`run_experiment`'s published result (helpers.published): trained only when the config differs.

    ``borrowed=True`` when another lesson owns the result (see ``published_or_trained``).
    """
    from helpers.published import published_or_trained

    config = make_config(config)

    def compute():
        return {"results_json": np.array(json.dumps(run_experiment(config, data=data, log=progress, log_every=log_every)))}

    arrays = published_or_trained(name, config, compute, cache_dir=directory, log=log, borrowed=borrowed)
    return json.loads(str(arrays["results_json"]))


# ---------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One clear line and exit code 2, instead of argparse's usage block.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _int_at_least(minimum):
    """An argparse type: an integer >= ``minimum``, or one clear message."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


_positive_int, _non_negative_int = _int_at_least(1), _int_at_least(0)


def _strength(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _fraction(text):
    """An argparse type: a number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    return value


def _rate(text):
    rate = _strength(text)
    if rate == 0:  # Adam with rate 0 trains nothing: every run would silently equal its initialization
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return rate


def _seeds(text):
    try:
        seeds = [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers >= 0 like 0,1,2, got {text!r}") from None
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"expected distinct integers >= 0 like 0,1,2, got {text!r}")
    return seeds


def _kinds(text):
    kinds = [part for part in text.replace(",", " ").split()]
    bad = [k for k in kinds if k not in PENALTY_KINDS]
    if not kinds or bad:
        raise argparse.ArgumentTypeError(f"expected some of {','.join(PENALTY_KINDS)}, got {text!r}")
    return kinds


def build_parser():
    """The command line of ``python -m helpers.experiment``."""
    from helpers.data import DATASETS

    parser = _Parser(
        prog="python -m helpers.experiment",
        description="Train the seed text's CNN with no penalty, L1, L2 and L1+L2; print a results table; "
        "write results.json and PNG figures. Without options: the course's regime on the offline "
        f"mnist-5k digits ({OVERFIT_CONFIG['n_train']:,} training images, {OVERFIT_CONFIG['label_noise']:.0%} of "
        f"their labels wrong, {OVERFIT_CONFIG['epochs']} epochs).",
        epilog="Options given explicitly override --full's values. Exit codes: 0 done, 1 data unavailable or "
        "failed, 2 bad option.",
    )
    add = parser.add_argument
    add("--full", action="store_true", help="the seed text's spec: all 60,000 training images, no validation "
        "split, 10,000 test images, 5 epochs, batch 64, L2 0.001, L1 1e-4; dataset 'mnist' (needs one "
        "download) unless --dataset says otherwise, e.g. --dataset fashion-mnist (offline on Debian)")
    add("--dataset", choices=DATASETS, help="data source (default mnist-5k; mnist with --full)")
    add("--n-train", type=_positive_int, metavar="N", help="training images, a stratified subset (default 1000; all with --full)")
    add("--label-noise", type=_fraction, metavar="F", help="share of training labels replaced by another class "
        "(default 0.4; 0 with --full)")
    add("--n-val", type=_non_negative_int, metavar="N", help="validation images held out of the training pool (default: the source's, 1000 for mnist-5k; 0 with --full)")
    add("--epochs", type=_positive_int, metavar="N", help=f"epochs per run (default {OVERFIT_CONFIG['epochs']}; 5 with --full)")
    add("--batch-size", type=_positive_int, metavar="N", help="batch size (default 64)")
    add("--l1", type=_strength, metavar="λ1", help="L1 strength λ1 for kinds l1 and l1_l2 (default 1e-3; 1e-4 with --full)")
    add("--l2", type=_strength, metavar="λ2", help="L2 strength λ2 for kinds l2 and l1_l2 (default 1e-2; the seed text's 1e-3 with --full)")
    add("--kinds", type=_kinds, metavar="LIST", help="penalty kinds to run, comma-separated (default none,l1,l2,l1_l2)")
    add("--seeds", type=_seeds, metavar="LIST", help="seeds, comma-separated, e.g. 0,1,2: one run per penalty and seed (default 0)")
    add("--learning-rate", type=_rate, metavar="RATE", help="Adam learning rate (default 0.001)")
    add("--threads", type=_positive_int, metavar="N", default=2, help="CPU threads for TensorFlow (default 2)")
    add("--data-path", metavar="FILE", help="a local copy of Keras' mnist.npz for --dataset mnist / --full (no download needed)")
    add("--out", metavar="DIR", help="output folder (default results/experiment-<UTC time>-<config hash>)")
    add("--quiet", action="store_true", help="no per-epoch progress lines")
    add("--no-fast-path", action="store_true", help="train in float32 even where the CPU has native bfloat16 "
        "(the fast path, chosen by a capability check; also COURSE_FAST_PATH=off)")
    return parser


def config_from_args(args):
    """The checked configuration for parsed command-line ``args`` -> dict."""
    base = FULL_SPEC_CONFIG if args.full else OVERFIT_CONFIG
    options = {"dataset": args.dataset, "n_train": args.n_train, "n_val": args.n_val, "epochs": args.epochs,
               "label_noise": args.label_noise,
               "batch_size": args.batch_size, "l1_strength": args.l1, "l2_strength": args.l2,
               "kinds": args.kinds, "seeds": args.seeds, "learning_rate": args.learning_rate}
    return make_config(base, **{k: v for k, v in options.items() if v is not None})


def main(argv=None):
    """Run the experiment from the command line -> exit code (0 done, 1 failed, 2 bad option)."""
    from helpers.data import CorruptDataError, DataUnavailableError
    from helpers.validation import check_writable_dir

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a bad option (2): return the code, main() never exits itself
        return stop.code
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        config = config_from_args(args)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        if args.data_path and config["dataset"] != "mnist":
            raise ValueError(f"--data-path is only for --dataset mnist, not {config['dataset']!r}")
        out = check_writable_dir("--out", args.out or Path("results") / f"experiment-{stamp}-{config_hash(config)}")
    except (ValueError, TypeError) as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    from helpers.notebook import setup_notebook

    try:
        data = experiment_data(config, path=args.data_path)
    except (DataUnavailableError, CorruptDataError) as error:
        hint = " With --full, '--dataset fashion-mnist' is the offline full-size run." if args.full else ""
        print(f"{parser.prog}: error: {error}{hint}", file=sys.stderr)
        return 1
    except ValueError as error:  # e.g. n_train larger than the source
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    from helpers.fastpath import FAST_PATH_ENV

    # The main job takes the fast path where the CPU has it, unless told otherwise (--no-fast-path, $COURSE_FAST_PATH).
    fast_path = False if args.no_fast_path else os.environ.get(FAST_PATH_ENV, "auto")
    setup_notebook(seed=config["seeds"][0], threads=args.threads, fast_path=fast_path)
    from helpers.fastpath import choose_dtype_policy

    policy, reason = choose_dtype_policy(fast_path)
    _stderr(f"data: {data.summary()}")
    _stderr(f"arithmetic: {policy} ({reason})")
    _stderr(f"runs: {len(config['penalties'])} penalties x {len(config['seeds'])} seed(s), "
            f"{config['epochs']} epochs each; output: {out}")
    try:
        results = run_experiment(config, data=data, log=None if args.quiet else _stderr)
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted; nothing written to {out}", file=sys.stderr)
        return 130
    results["command"] = " ".join(["python -m helpers.experiment", *argv])
    results["threads"] = args.threads
    table = format_table(results)
    results["table"] = table
    path = save_results(results, out)
    from helpers.experiment_plots import save_figures

    figures = save_figures(results, out)
    print(f"{data.summary()}")
    print(f"{config['epochs']} epochs, batch {config['batch_size']}, seeds {config['seeds']}; "
          f"train = all {len(data.y_train):,} training images after training\n")
    print(table)
    print(f"\nwall time {results['wall_seconds']:.0f} s; wrote {path} and {', '.join(f.name for f in figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
