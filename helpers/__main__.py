"""The course's main job: lesson 02's experiment, headless (``python -m helpers``; ``--help`` lists the options).

    python -m helpers                                  # the course's regime, offline
    python -m helpers --full --dataset fashion-mnist   # the seed text's full-size spec, offline on Debian
    python -m helpers --full                           # the seed text's spec exactly (downloads MNIST once)

Each run prints a results table and writes ``results.json`` (configuration, data source, versions,
hardware, command, per-run histories and metrics) and PNG figures into an output folder, by default
``results/experiment-<UTC time>-<config hash>/``. The experiment is :mod:`helpers.experiment`.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from helpers._machine import cpu_flags, cpu_name
from helpers._validation import check_choice, check_int, check_nonnegative, check_positive, check_share
from helpers.notebook import setup_notebook

PROG = "python -m helpers"
KINDS = ("none", "l1", "l2", "l1_l2")
# The seed text's spec: all 60,000 training images (no validation split), 5 epochs, batch 64, its L2 of
# 0.001. It names no L1 strength; 1e-4 is ours (a penalty of the same order at initialization).
FULL_SPEC = {"dataset": "mnist", "n_train": None, "n_val": 0, "label_noise": 0.0, "epochs": 5}
FULL_SPEC.update(l1_strength=1e-4, l2_strength=1e-3)
RAY_INSTALL = 'pip install -e ".[cluster]"'


def why_no_bfloat16():
    """Why this CPU cannot do bfloat16 arithmetic natively -> str, or None when it can (then it is faster)."""
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper()
    if cap and not re.search(r"BF16|AMX|AVX10|ALL|DEFAULT", cap):
        return f"ONEDNN_MAX_CPU_ISA={cap} keeps TensorFlow below its bfloat16 instructions"
    if not cpu_flags() & {"avx512_bf16", "amx_bf16"}:
        return f"this CPU ({platform.machine()}) has no avx512_bf16 or amx_bf16 instructions that TensorFlow uses"
    return None


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line and exit code 2, not argparse's usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _checked(convert, check, *args, name="the value", listed=False):
    """An argparse type: convert the text (a comma-separated list if ``listed``; A-B for integers), then check."""

    def one(text):
        try:
            return check(name, convert(text), *args)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(f"{error} (from {text!r})") from None

    def parse(text):
        values = []
        for part in text.replace(",", " ").split():
            low, dash, high = part.partition("-")
            values += range(one(low), one(high) + 1) if convert is int and dash and low else [one(part)]
        if not values or len(set(values)) != len(values):
            raise argparse.ArgumentTypeError(f"expected a list of distinct values like 0,1,2, got {text!r}")
        return values

    return parse if listed else one


def build_parser():
    """The command line of ``python -m helpers``."""
    parser = _Parser(
        prog=PROG,
        description="Train the seed text's CNN with no penalty, L1, L2 and L1+L2; print a results table; write "
        "results.json and PNG figures. Without options: the course's regime on the offline mnist-5k digits "
        "(1,000 training images, 40% of their labels wrong, 20 epochs).",
        epilog="Options given explicitly override --full's. "
        "Exit codes: 0 done, 1 data unavailable or failed, 2 bad option.",
    )
    count, strengths = _checked(int, check_int, 1), _checked(float, check_nonnegative, listed=True)
    options = [  # flag, type (None: a text), metavar, help
        ("--n-train", count, "N", "training images, a stratified subset (default 1000; all with --full)"),
        ("--label-noise", _checked(float, check_share, "the share of wrong training labels"), "F",
         "share of training labels replaced by another class (default 0.4; 0 with --full)"),
        ("--n-val", _checked(int, check_int, 0), "N",
         "validation images held out of the training images (default: the source's; 0 with --full)"),
        ("--epochs", count, "N", "epochs per run (default 20; 5 with --full)"),
        ("--batch-size", count, "N", "batch size (default 64)"),
        ("--l1", strengths, "λ1[,λ1...]", "L1 strength(s) for kinds l1 and l1_l2 (default 1e-3; 1e-4 with --full); "
         "a list is a sweep: kind l1 runs once per strength, l1_l2 once per (λ1, λ2) pair"),
        ("--l2", strengths, "λ2[,λ2...]",
         "L2 strength(s) for kinds l2 and l1_l2 (default 1e-2; 1e-3 with --full); a list is a sweep"),
        ("--kinds", _checked(str, check_choice, KINDS, name="penalty kind", listed=True), "LIST",
         "penalty kinds to run, comma-separated (default none,l1,l2,l1_l2)"),
        ("--seeds", _checked(int, check_int, 0, name="a seed", listed=True), "LIST",
         "seeds, comma-separated or a range, e.g. 0,1,2 or 0-4: one run per penalty and seed (default 0)"),
        ("--learning-rate", _checked(float, check_positive), "RATE", "Adam's learning rate (default 0.001)"),
        ("--threads", count, "N",
         "CPU threads for TensorFlow (default: all); with --ray, the CPUs each trial asks of Ray (default 2)"),
        ("--ray", None, "ADDRESS", "run each (penalty, seed) as a Ray Tune trial: 'auto' (the cluster this machine "
         "joined with 'ray start'), a head node's HOST:PORT, or 'local' (Ray on this machine); needs " + RAY_INSTALL),
        ("--retries", _checked(int, check_int, 0), "N",
         "with --ray, how often a failed trial is tried again before it is reported (default 1)"),
        ("--data-path", None, "FILE", "a local copy of Keras' mnist.npz for --dataset mnist / --full (no download)"),
        ("--out", None, "DIR", "output folder (default results/experiment-<UTC time>-<config hash>)"),
    ]  # fmt: skip
    parser.add_argument("--full", action="store_true", help="the seed text's spec: all 60,000 training images, no "
                        "validation split, 5 epochs, batch 64, L2 0.001, L1 1e-4; dataset mnist (one download) "
                        "unless --dataset says otherwise")  # fmt: skip
    parser.add_argument("--dataset", choices=("mnist-5k", "mnist", "fashion-mnist"),
                        help="data source (default mnist-5k; mnist with --full)")  # fmt: skip
    for flag, convert, metavar, text in options:
        parser.add_argument(flag, type=convert, metavar=metavar, help=text)
    parser.set_defaults(retries=1)
    parser.add_argument("--bfloat16", action="store_true", help="bfloat16 arithmetic (weights and output stay "
                        "float32): faster on CPUs with native bfloat16 (AVX-512 BF16, AMX), refused "
                        "elsewhere")  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress lines")
    return parser


def _error(message, code=2):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def main(argv=None):
    """Run the main job -> exit code (0 done, 1 data unavailable or trials failed, 2 bad option)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a bad option (2): returned, never raised
        return stop.code
    argv = sys.argv[1:] if argv is None else list(argv)
    if args.bfloat16 and (why := why_no_bfloat16()):
        return _error(
            f"--bfloat16: {why}; without them bfloat16 is emulated, slower than float32. Leave --bfloat16 out."
        )
    if args.ray:
        from helpers import cluster  # Ray is an optional extra: imported only when asked for

        try:
            cluster.check_ray_address(args.ray)
        except ValueError as error:
            return _error(error)
    setup_notebook(seed=(args.seeds or [0])[0])  # quiet TensorFlow, deterministic ops, seeds
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import keras
    import tensorflow as tf

    from helpers.experiment import REGIME, experiment_data, format_table, make_config, run_experiment
    from helpers.lesson02_cnn_penalties import plot_learning_curves, plot_test_accuracy

    if args.threads and not args.ray:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    if args.bfloat16:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    names = ("dataset", "n_train", "n_val", "epochs", "label_noise", "batch_size", "kinds", "seeds", "learning_rate")
    options = {name: getattr(args, name) for name in names}
    # One strength stays a number: a run without a sweep keeps the configuration (and hash) it always had.
    options["l1_strength"] = args.l1 if args.l1 is None or len(args.l1) > 1 else args.l1[0]
    options["l2_strength"] = args.l2 if args.l2 is None or len(args.l2) > 1 else args.l2[0]
    base = {**REGIME, **FULL_SPEC} if args.full else REGIME
    try:
        config = make_config(base, **{key: value for key, value in options.items() if value is not None})
        if args.data_path and config["dataset"] != "mnist":
            raise ValueError(f"--data-path is only for --dataset mnist, not {config['dataset']!r}")
        digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        out = Path(args.out or Path("results") / f"experiment-{stamp}-{digest}")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ValueError(f"--out {out}: cannot make this folder ({error.strerror})") from None
    except (ValueError, TypeError) as error:
        return _error(error)
    try:
        data = experiment_data(config, path=args.data_path)
    except RuntimeError as error:  # helpers.data.DataError: the source cannot be had, or a file fails its check
        hint = " With --full, '--dataset fashion-mnist' is the offline full-size run." if args.full else ""
        return _error(f"{error}{hint}", 1)
    except ValueError as error:  # e.g. more training images than the source has
        return _error(error)
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    runs = f"{len(config['penalties'])} penalties x {len(config['seeds'])} seed(s), {config['epochs']} epochs each"
    arithmetic = "bfloat16" if args.bfloat16 else "float32"
    print(f"data: {data.summary()}\nruns: {runs}; arithmetic: {arithmetic}; output: {out}", file=sys.stderr, flush=True)
    failed = []
    try:
        if args.ray:
            results, failed = cluster.run_experiment_on_ray(
                config,
                data,
                args.ray,
                threads=args.threads or 2,
                retries=args.retries,
                bfloat16=args.bfloat16,
                storage=out / "ray-tune",
                log=log or (lambda line: None),
            )
        else:
            results = run_experiment(config, data=data, log=log)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing written to {out}", file=sys.stderr)
        return 130
    except RuntimeError as error:  # from helpers.cluster: no Ray, or no cluster at that address
        return _error(error, 1)
    hardware = {"cpu": cpu_name(), "logical_cpus": os.cpu_count(), "os": platform.platform()}
    results.update(command=" ".join([PROG, *argv]), threads=args.threads, hardware=hardware)
    drawn = {"learning_curves.png": plot_learning_curves, "test_accuracy.png": plot_test_accuracy}
    figures = list(drawn) if results["runs"] else []
    if results["runs"]:
        results["table"] = format_table(results)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    for name in figures:
        drawn[name](results).savefig(out / name)
    print(
        f"{data.summary()}\n{config['epochs']} epochs, batch {config['batch_size']}, seeds {config['seeds']}; "
        f"train = all {len(data.y_train):,} training images after training\n"
    )
    if results["runs"]:
        print(results["table"])
    print(f"\nwall time {results['wall_seconds']:.0f} s; wrote {', '.join([str(out / 'results.json'), *figures])}")
    for trial in failed:
        _error(
            f"trial {trial['label']} seed {trial['seed']} failed {args.retries + 1} time(s): "
            f"{trial['error']} (Tune's logs: {out / 'ray-tune'})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
