"""The main job's trials on a Ray cluster, through Ray Tune (``python -m helpers.experiment --ray ...``).

Locally the main job trains all penalties of a seed side by side in one fit
(:func:`helpers.lesson02_cnn_penalties.run_experiment`). A sweep at full size (both
penalties, 6-8 strengths, 5 seeds: 60-80 trainings of a quarter hour each in float32)
outgrows one machine. Each (penalty, seed) is independent, so here each is one Ray
Tune trial that calls :func:`~helpers.lesson02_cnn_penalties.run_trial`, the same
training code as a local run, on whichever node has the CPUs free. The records come
back into the same results dict (same ``results.json``, table and figures), each with
the node that computed it; a trial that fails is retried and, if it fails again,
reported with its penalty and seed, never dropped.

Ray is an optional extra (``pip install -e ".[cluster]"``), imported inside the
functions: the rest of the course runs without it.
"""

import json
import logging
import os
import re
import socket
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

from helpers.internal.runtime import arithmetic_platform, hardware, numeric_settings, start_tensorflow
from helpers.internal.validation import check_positive_int
from helpers.lesson02_cnn_penalties import experiment_data, experiment_results, make_config, run_trial
from helpers.penalties import Penalty

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "RAY_INSTALL",
    "ClusterError",
    "TrialsFailedError",
    "check_ray_address",
    "connect",
    "disconnect",
    "run_experiment_on_ray",
]

RAY_INSTALL = 'pip install -e ".[cluster]"'
# ray.init() on an address where no Ray answers waits without end (measured: still waiting after
# 200 s on a refused port); the course gives up after this many seconds with a message instead.
CONNECT_TIMEOUT_SECONDS = 30
_TOKEN_FILE = Path.home() / ".ray" / "auth_token"
_ADDRESS = re.compile(r"(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})")  # HOST:PORT, [IPv6]:PORT


class ClusterError(RuntimeError):
    """Ray is not installed, or no Ray cluster answers at the address given."""


class TrialsFailedError(RuntimeError):
    """Some trials failed even after their retries; ``failed`` says which, ``results`` holds the others."""

    def __init__(self, failed, results):
        self.failed, self.results = failed, results
        listed = "; ".join(f"{f['label']} seed {f['seed']}: {f['error']}" for f in failed)
        super().__init__(f"{len(failed)} of {len(failed) + len(results['runs'])} trials failed: {listed}")


def check_ray_address(address):
    """``address`` if it is 'local', 'auto' or HOST:PORT -> str; else ValueError naming --ray."""
    if not isinstance(address, str):
        raise TypeError(f"--ray must be text like 'auto' or '10.0.0.5:6379', got {address!r}")
    address = address.strip()
    if address in ("local", "auto"):
        return address
    match = _ADDRESS.fullmatch(address)
    if not match or not 1 <= int(match["port"]) <= 65535:
        raise ValueError(
            f"--ray must be 'local' (start Ray on this machine), 'auto' (the cluster this machine joined with "
            f"'ray start') or a head node's HOST:PORT such as 10.0.0.5:6379; got {address!r}"
        )
    return address


def _ray():
    """Import Ray and Ray Tune -> the ray module; a ClusterError that says how to install them."""
    try:
        import ray
        import ray.tune  # Ray without its tune extra has no ray.tune
    except ImportError as error:
        raise ClusterError(
            f"--ray needs Ray Tune, which is not installed ({error}): run {RAY_INSTALL} in the course's folder"
        ) from None
    return ray


def connect(address, num_cpus=None, timeout=CONNECT_TIMEOUT_SECONDS):
    """Connect to Ray at ``address`` ('local' starts one here with ``num_cpus``) -> what it offers, a dict.

    Gives up with a ClusterError after ``timeout`` seconds instead of waiting without end.
    """
    address = check_ray_address(address)
    if address not in ("local", "auto"):
        match = _ADDRESS.fullmatch(address)
        host, port = match["host"].strip("[]"), int(match["port"])
        try:  # a refused or unroutable address fails here at once, not after Ray's retries
            socket.create_connection((host, port), timeout=timeout).close()
        except OSError as error:
            raise ClusterError(
                f"no Ray cluster answers at {address} ({error}); start one there with 'ray start --head "
                f"--port {port}', or check the address 'ray start' printed"
            ) from None
        _use_token_if_there()  # before Ray is imported: it reads RAY_AUTH_MODE once
    ray = _ray()
    if ray.is_initialized():  # never run on another Ray than the one asked for
        raise ClusterError(
            f"this process is connected to Ray at {ray.get_runtime_context().gcs_address} already: "
            "call helpers.cluster.disconnect() before connecting again"
        )
    options = {"address": address, "include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address == "local":  # a new Ray here, even where 'ray start' runs one ('auto' joins that)
        num_cpus = check_positive_int("num_cpus", num_cpus or os.cpu_count() or 1)
        # In the calling thread: Ray's processes started from a thread die when that thread ends
        # (measured: the local Ray was gone a minute after a thread started it).
        ray.init(num_cpus=num_cpus, **options)
        return _offer(ray, address)
    outcome = {}

    def init():
        try:
            outcome["ray"] = ray.init(**options)
        except Exception as error:  # reported below, in the caller's thread
            outcome["error"] = error

    # ray.init() cannot be interrupted: it runs in a thread we stop waiting for (abandoned at exit).
    thread = threading.Thread(target=init, daemon=True, name="ray-connect")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise ClusterError(f"Ray at {address} did not answer within {timeout} s: is it a Ray head node's address?")
    if "error" in outcome:
        hint = (
            " (no Ray runs on this machine: start one with 'ray start --head')"
            if address == "auto"
            else f" (if Ray runs there, it may want its token: run 'ray get-auth-token' on the head node and "
            f"save what it prints in {_TOKEN_FILE} here)"
        )
        raise ClusterError(f"could not connect to Ray at {address}: {outcome['error']}{hint}") from None
    return _offer(ray, address)


def _use_token_if_there():
    """Turn on Ray's token authentication when this machine has a token, as 'ray start' does for its own.

    Since Ray 2.59 'ray start --head' makes a token (~/.ray/auth_token) and the cluster refuses
    drivers without it; a driver given an address sends it only with RAY_AUTH_MODE=token.
    """
    if "RAY_AUTH_MODE" not in os.environ and (os.environ.get("RAY_AUTH_TOKEN") or _TOKEN_FILE.is_file()):
        os.environ["RAY_AUTH_MODE"] = "token"


def _offer(ray, address):
    """What the connected Ray offers -> dict (address, version, live nodes, CPUs)."""
    return {
        "address": address,
        "ray_version": ray.__version__,
        "nodes": len([node for node in ray.nodes() if node.get("Alive")]),
        "cpus": int(ray.cluster_resources().get("CPU", 0)),
    }


def disconnect():
    """Leave Ray: a cluster keeps running, a 'local' Ray started by :func:`connect` stops."""
    import ray

    if ray.is_initialized():
        ray.shutdown()


def _trial(params, *, config, data, threads, fast_path):
    """One Ray Tune trial, on a worker: train one (penalty, seed) and report its record."""
    from ray import tune

    start_tensorflow(threads=threads, fast_path=fast_path)  # this worker's CPU decides its arithmetic
    clock = time.perf_counter()
    params = params["trial"]  # Tune's configuration of this trial: {"trial": {"penalty": ..., "seed": ...}}
    record = run_trial(config, params["penalty"], params["seed"], data=data)
    record["computed_on"] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "trial_seconds": round(time.perf_counter() - clock, 2),
        "hardware": hardware(),
        "made_on": arithmetic_platform(),
        **numeric_settings(),
    }
    tune.report({"test_accuracy": record["test"]["accuracy"], "record_json": json.dumps(record)})


def _trial_name(trial):
    params = trial.config["trial"]
    return f"{Penalty(**params['penalty']).label}-seed{params['seed']}".replace("(", "_").replace(")", "")


def _cause(error):
    """The exception a trial raised, without Ray's wrapping -> 'ValueError: ...'."""
    cause = getattr(error, "cause", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[-1] if text else ''}"


def run_experiment_on_ray(
    config,
    data=None,
    *,
    threads=2,
    fast_path="auto",
    retries=1,
    storage=None,
    log=print,
):
    """Run ``config``'s (penalty, seed) trials on the connected Ray (see :func:`connect`) -> results dict.

    Each trial asks Ray for ``threads`` CPUs and trains with as many TensorFlow threads;
    a failed trial is tried again up to ``retries`` times. The results equal
    :func:`~helpers.lesson02_cnn_penalties.run_experiment`'s for the same configuration (runs in
    the same order, same numbers up to float rounding on the same kind of CPU), plus
    ``results["ray"]`` (address, nodes, CPUs) and each run's ``computed_on``. Tune's own
    files (trial logs, error.txt) go to ``storage`` (default: a temporary folder, removed).
    Raises TrialsFailedError, holding the finished runs, when a trial failed for good.
    """
    ray = _ray()
    from ray import tune

    if not ray.is_initialized():
        raise ClusterError("not connected to Ray: call helpers.cluster.connect(address) first")
    config = make_config(config)
    data = experiment_data(config, data=data)
    threads = check_positive_int("threads", threads)
    retries = check_positive_int("retries", retries, minimum=0)
    wanted = [{"penalty": penalty, "seed": seed} for penalty in config["penalties"] for seed in config["seeds"]]
    log = log or (lambda message: None)
    started, clock = datetime.now(timezone.utc), time.perf_counter()

    class Progress(tune.Callback):
        """One line per finished or failed trial (Tune's own progress table is turned off)."""

        def __init__(self):
            self.finished = 0

        def on_trial_complete(self, iteration, trials, trial, **info):
            self.finished += 1
            record = json.loads(trial.last_result["record_json"])
            log(
                f"trial {self.finished}/{len(wanted)} done: {record['label']} seed {record['seed']}, "
                f"test accuracy {record['test']['accuracy']:.4f}, {record['computed_on']['trial_seconds']:.0f} s "
                f"on {record['computed_on']['host']}"
            )

        def on_trial_error(self, iteration, trials, trial, **info):
            params = trial.config["trial"]
            log(f"trial failed: {Penalty(**params['penalty']).label} seed {params['seed']} (see its error.txt)")

    trainable = tune.with_resources(
        # with_parameters puts the data into Ray's object store once; every trial reads it from there.
        tune.with_parameters(_trial, config=config, data=data, threads=threads, fast_path=fast_path),
        {"cpu": threads},
    )
    with tempfile.TemporaryDirectory(prefix="ray-tune-") as scratch:
        tuner = tune.Tuner(
            trainable,
            param_space={"trial": tune.grid_search(wanted)},
            tune_config=tune.TuneConfig(
                trial_name_creator=_trial_name, trial_dirname_creator=_trial_name, reuse_actors=True
            ),
            run_config=tune.RunConfig(
                name=f"experiment-{started:%Y%m%d-%H%M%S}",
                storage_path=str(Path(storage).resolve()) if storage else scratch,
                failure_config=tune.FailureConfig(max_failures=retries),
                callbacks=[Progress()],
                verbose=0,
            ),
        )
        # Progress is ours, one line per trial; Tune's reporter (tables, tracebacks) stays silent.
        tune_logger = logging.getLogger("ray.tune")
        level = tune_logger.level
        tune_logger.setLevel(logging.CRITICAL)  # failed trials are reported below, with their configuration
        try:  # RAY_AIR_NEW_OUTPUT=0: the older reporter, which verbose=0 silences
            with mock.patch.dict(os.environ, {"RAY_AIR_NEW_OUTPUT": "0"}):
                grid = tuner.fit()
        finally:
            tune_logger.setLevel(level)
    records, failed = {}, []
    for result in grid:
        params = result.config["trial"]
        key = (Penalty(**params["penalty"]).label, params["seed"])
        if result.error is not None or not result.metrics or "record_json" not in result.metrics:
            failed.append(
                {"label": key[0], "seed": key[1], "penalty": params["penalty"], "error": _cause(result.error)}
            )
        else:
            records[key] = json.loads(result.metrics["record_json"])
    order = [(Penalty(**t["penalty"]).label, t["seed"]) for t in wanted]  # run_experiment's: penalty by penalty
    results = experiment_results(
        config, data, [records[key] for key in order if key in records], started, time.perf_counter() - clock
    )
    results["ray"] = {
        **_offer(ray, ray.get_runtime_context().gcs_address),
        "cpus_per_trial": threads,
        "retries": retries,
        "trials": len(wanted),
    }
    if failed:
        results["failed_trials"] = failed
        raise TrialsFailedError(failed, results)
    return results
