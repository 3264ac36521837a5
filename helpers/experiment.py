"""The course's main job: lesson 02's experiment, run headless (``python -m helpers.experiment``).

From a shell (``python -m helpers.experiment --help`` lists every option)::

    python -m helpers.experiment                              # the course's regime, offline, ~30 s
    python -m helpers.experiment --full --dataset fashion-mnist   # the seed's full-size spec, offline
    python -m helpers.experiment --full                       # the seed's spec exactly (downloads MNIST)

Each run writes ``results.json`` (configuration, data source, library versions,
hardware, command, per-run histories and metrics) and PNG figures into an output
folder, by default ``results/experiment-<UTC time>-<config hash>/``. The experiment
itself is :mod:`helpers.lesson02_cnn_penalties`; this module is its command line.
"""

import argparse
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import matplotlib

from helpers.cluster import (
    RAY_INSTALL,
    ClusterError,
    TrialsFailedError,
    check_ray_address,
    connect,
    disconnect,
    run_experiment_on_ray,
)
from helpers.data import DATASETS
from helpers.internal.data_files import CorruptDataError, DataUnavailableError
from helpers.internal.files import atomic_write
from helpers.internal.runtime import FAST_PATH_ENV, choose_dtype_policy
from helpers.internal.validation import (
    check_choice,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
    check_writable_dir,
)
from helpers.lesson02_cnn_penalties import (
    FULL_SPEC_CONFIG,
    OVERFIT_CONFIG,
    config_hash,
    experiment_data,
    format_table,
    make_config,
    plot_learning_curves,
    plot_test_accuracy,
    run_experiment,
)
from helpers.notebook import setup_notebook
from helpers.penalties import PENALTY_KINDS

__all__ = ["build_parser", "config_from_args", "main", "save_figures", "save_results"]


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


def save_results(results, folder):
    """Write ``results.json`` into ``folder`` (created if needed) atomically -> its path."""
    path = check_writable_dir("folder", folder) / "results.json"
    return atomic_write(path, (json.dumps(results, indent=1, allow_nan=True) + "\n").encode())


def save_figures(results, folder):
    """Write learning_curves.png and test_accuracy.png into ``folder`` -> list of paths."""
    import matplotlib.pyplot as plt  # inside: main() chooses the Agg backend first

    paths = []
    for name, draw in (("learning_curves.png", plot_learning_curves), ("test_accuracy.png", plot_test_accuracy)):
        fig = draw(results)
        path = Path(folder) / name
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- command line


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # One clear line and exit code 2, instead of argparse's usage block.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _checked(convert, check, *args, name="the value"):
    """An argparse type: ``convert`` the text, then apply the course's own check (one rule for lesson and shell)."""
    expected = {int: "an integer", float: "a number"}.get(convert, "a value")

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        try:
            return check(name, value, *args)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(f"{error} (from {text!r})") from None

    return parse


def _listed(convert, check, *args, name="the value", ranges=False):
    """An argparse type: a comma-separated list of distinct values, each converted and checked.

    ``ranges=True`` (integers): ``A-B`` stands for A, A+1, ..., B, e.g. 0-4.
    """
    item = _checked(convert, check, *args, name=name)

    def parse(text):
        values = []
        for part in text.replace(",", " ").split():
            first, dash, last = part.partition("-")
            if ranges and dash and first:
                low, high = item(first), item(last)
                if high < low:
                    raise argparse.ArgumentTypeError(f"a range runs upwards, like 0-4, got {part!r}")
                values += range(low, high + 1)
            else:
                values.append(item(part))
        if not values or len(set(values)) != len(values):
            raise argparse.ArgumentTypeError(f"expected a list of distinct values like 0,1,2, got {text!r}")
        return values

    return parse


_positive_int = _checked(int, check_positive_int)
_non_negative_int = _checked(int, check_positive_int, 0)
_strengths = _listed(float, check_nonnegative)
_rate = _checked(float, check_positive)  # Adam with rate 0 trains nothing: every run would equal its initialization
_fraction = _checked(float, check_probability, "the share of wrong training labels")
_seeds = _listed(int, check_positive_int, 0, name="a seed", ranges=True)
_ray_address = _checked(str, lambda name, value: check_ray_address(value), name="--ray")
_kinds = _listed(str, check_choice, PENALTY_KINDS, name="penalty kind")


def build_parser():
    """The command line of ``python -m helpers.experiment``."""
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
    add(
        "--full",
        action="store_true",
        help="the seed text's spec: all 60,000 training images, no validation "
        "split, 10,000 test images, 5 epochs, batch 64, L2 0.001, L1 1e-4; dataset 'mnist' (needs one "
        "download) unless --dataset says otherwise, e.g. --dataset fashion-mnist (offline on Debian)",
    )
    add("--dataset", choices=DATASETS, help="data source (default mnist-5k; mnist with --full)")
    add(
        "--n-train",
        type=_positive_int,
        metavar="N",
        help="training images, a stratified subset (default 1000; all with --full)",
    )
    add(
        "--label-noise",
        type=_fraction,
        metavar="F",
        help="share of training labels replaced by another class (default 0.4; 0 with --full)",
    )
    add(
        "--n-val",
        type=_non_negative_int,
        metavar="N",
        help="validation images held out of the training pool (default: the source's, 1000 for mnist-5k; 0 with --full)",  # noqa: E501
    )
    add(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help=f"epochs per run (default {OVERFIT_CONFIG['epochs']}; 5 with --full)",
    )
    add("--batch-size", type=_positive_int, metavar="N", help="batch size (default 64)")
    add(
        "--l1",
        type=_strengths,
        metavar="λ1[,λ1...]",
        help="L1 strength(s) for kinds l1 and l1_l2 (default 1e-3; 1e-4 with --full). A list is a sweep: "
        "kind l1 runs once per strength, l1_l2 once per (λ1, λ2) pair",
    )
    add(
        "--l2",
        type=_strengths,
        metavar="λ2[,λ2...]",
        help="L2 strength(s) for kinds l2 and l1_l2 (default 1e-2; the seed text's 1e-3 with --full); "
        "a list is a sweep, as for --l1",
    )
    add("--kinds", type=_kinds, metavar="LIST", help="penalty kinds to run, comma-separated (default none,l1,l2,l1_l2)")
    add(
        "--seeds",
        type=_seeds,
        metavar="LIST",
        help="seeds, comma-separated or a range, e.g. 0,1,2 or 0-4: one run per penalty and seed (default 0)",
    )
    add("--learning-rate", type=_rate, metavar="RATE", help="Adam learning rate (default 0.001)")
    add(
        "--threads",
        type=_positive_int,
        metavar="N",
        default=2,
        help=(
            "CPU threads for TensorFlow (default 2): the penalties of a seed train side by side, that many "
            "operations at once, one thread each; with --ray, the CPUs each trial asks of Ray"
        ),
    )
    add(
        "--ray",
        type=_ray_address,
        metavar="ADDRESS",
        help="run each (penalty, seed) as a Ray Tune trial: 'auto' (the cluster this machine joined with "
        "'ray start'), a head node's HOST:PORT, or 'local' (Ray on this machine). Needs the cluster extra: "
        f"{RAY_INSTALL}",
    )
    add(
        "--retries",
        type=_non_negative_int,
        metavar="N",
        default=1,
        help="with --ray, how often a failed trial is tried again before it is reported (default 1)",
    )
    add(
        "--data-path",
        metavar="FILE",
        help="a local copy of Keras' mnist.npz for --dataset mnist / --full (no download needed)",
    )
    add("--out", metavar="DIR", help="output folder (default results/experiment-<UTC time>-<config hash>)")
    add("--quiet", action="store_true", help="no per-epoch progress lines")
    add(
        "--no-fast-path",
        action="store_true",
        help="train in float32 even where the CPU has native bfloat16 "
        "(the fast path, chosen by a capability check; also COURSE_FAST_PATH=off)",
    )
    return parser


def config_from_args(args):
    """The checked configuration for parsed command-line ``args`` -> dict."""
    base = FULL_SPEC_CONFIG if args.full else OVERFIT_CONFIG
    options = {
        "dataset": args.dataset,
        "n_train": args.n_train,
        "n_val": args.n_val,
        "epochs": args.epochs,
        "label_noise": args.label_noise,
        "batch_size": args.batch_size,
        # One strength stays a number (the configuration, and its hash, of a run without a sweep).
        "l1_strength": args.l1 if args.l1 is None or len(args.l1) > 1 else args.l1[0],
        "l2_strength": args.l2 if args.l2 is None or len(args.l2) > 1 else args.l2[0],
        "kinds": args.kinds,
        "seeds": args.seeds,
        "learning_rate": args.learning_rate,
    }
    return make_config(base, **{k: v for k, v in options.items() if v is not None})


def main(argv=None):
    """Run the experiment from the command line -> exit code (0 done, 1 failed, 2 bad option)."""

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
    matplotlib.use("Agg")  # files only, no window
    if args.ray:
        try:  # before the data: a cluster that does not answer is known in seconds
            cluster = connect(args.ray)
        except ClusterError as error:
            print(f"{parser.prog}: error: {error}", file=sys.stderr)
            return 1
    try:
        data = experiment_data(config, path=args.data_path)
    except (DataUnavailableError, CorruptDataError) as error:
        hint = " With --full, '--dataset fashion-mnist' is the offline full-size run." if args.full else ""
        print(f"{parser.prog}: error: {error}{hint}", file=sys.stderr)
        return 1
    except ValueError as error:  # e.g. n_train larger than the source
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    # The main job takes the fast path where the CPU has it, unless told otherwise (--no-fast-path, $COURSE_FAST_PATH).
    fast_path = False if args.no_fast_path else os.environ.get(FAST_PATH_ENV, "auto")
    # Locally all penalties of a seed train side by side in one fit; a Ray trial trains one.
    models_per_fit = 1 if args.ray else len(config["penalties"])
    setup_notebook(seed=config["seeds"][0], threads=args.threads, fast_path=fast_path, models_per_fit=models_per_fit)
    policy, reason = choose_dtype_policy(fast_path)
    _stderr(f"data: {data.summary()}")
    runs = f"{len(config['penalties'])} penalties x {len(config['seeds'])} seed(s), {config['epochs']} epochs each"
    if args.ray:
        _stderr(
            f"Ray {cluster['ray_version']} at {args.ray}: {cluster['nodes']} node(s), {cluster['cpus']} CPUs; "
            f"{runs}: one trial per run, {args.threads} CPUs each; output: {out}"
        )
    else:
        _stderr(f"arithmetic: {policy} ({reason})")
        _stderr(f"runs: {runs}, side by side per seed; output: {out}")
    failed = []
    try:
        if args.ray:
            results = run_experiment_on_ray(
                config,
                data,
                threads=args.threads,
                fast_path=fast_path,
                retries=args.retries,
                storage=out / "ray-tune",  # Tune's own logs, error.txt of failed trials among them
                log=_stderr,
            )
        else:
            results = run_experiment(config, data=data, log=None if args.quiet else _stderr)
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted; nothing written to {out}", file=sys.stderr)
        return 130
    except TrialsFailedError as error:  # the finished runs are kept, the failed ones listed in results.json
        results, failed = error.results, error.failed
    finally:
        if args.ray:
            disconnect()
    results["command"] = " ".join(["python -m helpers.experiment", *argv])
    results["threads"] = args.threads
    if results["runs"]:
        results["table"] = format_table(results)
    path = save_results(results, out)
    figures = save_figures(results, out) if results["runs"] else []
    print(f"{data.summary()}")
    print(
        f"{config['epochs']} epochs, batch {config['batch_size']}, seeds {config['seeds']}; "
        f"train = all {len(data.y_train):,} training images after training\n"
    )
    if results["runs"]:
        print(results["table"])
    print(f"\nwall time {results['wall_seconds']:.0f} s; wrote {path}{''.join(', ' + f.name for f in figures)}")
    if failed:
        for trial in failed:
            print(
                f"{parser.prog}: error: trial {trial['label']} seed {trial['seed']} failed "
                f"{args.retries + 1} time(s): {trial['error']} (Tune's logs: {out / 'ray-tune'})",
                file=sys.stderr,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
