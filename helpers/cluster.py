"""The main job's (penalty, seed) runs as Ray Tune trials, for sweeps that outgrow one machine (``--ray``).

Each trial is helpers.experiment.run_experiment on one (penalty, seed), on any node with CPUs free; its record comes
back into the same results, or is reported as failed, never dropped. Ray is an extra: ``pip install -e ".[cluster]"``.
"""

import json
import logging
import os
import re
import socket
import threading
import time
from pathlib import Path

import keras

from helpers.experiment import make_config, run_experiment
from helpers.notebook import setup_notebook
from helpers.penalties import Penalty

__all__ = ["check_ray_address", "run_experiment_on_ray"]

_ADDRESS = re.compile(r"(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})")  # HOST:PORT or [IPv6]:PORT
_TOKEN_FILE = Path.home() / ".ray" / "auth_token"


def check_ray_address(address):
    """``address`` if it is 'local', 'auto' or HOST:PORT; else ValueError naming --ray."""
    match = _ADDRESS.fullmatch(address)
    if address in ("local", "auto") or (match and 1 <= int(match["port"]) < 65536):
        return address
    raise ValueError(f"--ray must be 'local', 'auto' or a head node's HOST:PORT such as 10.0.0.5:6379; got {address!r}")


def _connect(address, num_cpus=None, timeout=30):
    """Connect to Ray at a checked ``address`` ('local' starts one here) -> its CPUs and nodes; RuntimeError if none."""
    if address not in ("local", "auto"):
        match = _ADDRESS.fullmatch(address)
        try:  # ray.init() waits without end on an address where nothing answers
            socket.create_connection((match["host"].strip("[]"), int(match["port"])), timeout=timeout).close()
        except OSError as error:
            raise RuntimeError(f"no Ray cluster answers at {address} ({error}); try 'ray start --head'") from None
        # Since Ray 2.59 'ray start --head' makes a token, and a driver sends it only with RAY_AUTH_MODE=token.
        if "RAY_AUTH_MODE" not in os.environ and (os.environ.get("RAY_AUTH_TOKEN") or _TOKEN_FILE.is_file()):
            os.environ["RAY_AUTH_MODE"] = "token"
    try:
        import ray
        import ray.tune
    except ImportError as error:
        raise RuntimeError(f"--ray needs Ray Tune ({error}): pip install -e '.[cluster]'") from None
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address == "local":  # in this thread: Ray's processes started from a thread die with it
        ray.init(num_cpus=num_cpus or os.cpu_count(), **options)
    else:
        thread = threading.Thread(target=ray.init, kwargs={"address": address, **options}, daemon=True)
        thread.start()
        thread.join(timeout)
        if not ray.is_initialized():
            hint = "start one with 'ray start --head'" if address == "auto" else f"its token goes in {_TOKEN_FILE}"
            raise RuntimeError(f"could not connect to Ray at {address} within {timeout} s ({hint})")
    return {"nodes": len([node for node in ray.nodes() if node["Alive"]]), "cpus": int(ray.cluster_resources()["CPU"])}


def _trial(params, *, config, data, bfloat16):
    """One Ray Tune trial, on a worker: one (penalty, seed) of ``config`` trained and reported."""
    from ray import tune

    setup_notebook(seed=params["seed"])
    if bfloat16:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    clock = time.perf_counter()
    record = run_experiment(make_config(config, penalties=[params["penalty"]], seeds=[params["seed"]]), data)["runs"][0]
    seconds = round(time.perf_counter() - clock, 1)
    record["computed_on"] = {"host": socket.gethostname(), "pid": os.getpid(), "seconds": seconds}
    tune.report({"record_json": json.dumps(record)})


def run_experiment_on_ray(config, data, address, *, threads=2, retries=1, bfloat16=False, storage=None, log=print):
    """``config``'s runs as Ray Tune trials on the Ray at ``address`` -> ``(results, failed trials)``.

    The results equal run_experiment's up to float rounding, each run with its ``computed_on``; failed trials are
    also in ``results["failed_trials"]``. ``storage``: Tune's files (a failed trial's error.txt).
    """
    clock, offer = time.perf_counter(), _connect(address)
    import ray
    from ray import tune

    wanted = [{"penalty": penalty, "seed": seed} for penalty in config["penalties"] for seed in config["seeds"]]
    log(f"Ray at {address}: {offer['nodes']} node(s), {offer['cpus']} CPUs; {len(wanted)} trials, {threads} CPUs each")

    class Progress(tune.Callback):
        def on_trial_complete(self, iteration, trials, trial, **info):
            record = json.loads(trial.last_result["record_json"])
            log(f"trial done: {record['label']} seed {record['seed']}, test accuracy {record['test']['accuracy']:.4f}")

    try:
        trainable = tune.with_parameters(_trial, config=config, data=data, bfloat16=bfloat16)
        trainable = tune.with_resources(trainable, {"cpu": threads})
        failures, path = tune.FailureConfig(max_failures=retries), str(Path(storage).resolve()) if storage else None
        run_config = tune.RunConfig(storage_path=path, failure_config=failures, callbacks=[Progress()], verbose=0)
        tuner = tune.Tuner(trainable, param_space=tune.grid_search(wanted), run_config=run_config)
        logging.getLogger("ray.tune").setLevel(logging.CRITICAL)  # failed trials are reported below
        grid = tuner.fit()
        records, failed = {}, []  # records by their place in wanted: run_experiment's order
        for result in grid:
            if result.error is None and "record_json" in (result.metrics or {}):
                records[wanted.index(result.config)] = json.loads(result.metrics["record_json"])
            else:
                label, seed = Penalty(**result.config["penalty"]).label, result.config["seed"]
                cause = getattr(result.error, "cause", None) or result.error
                error = f"{type(cause).__name__}: {(str(cause).strip().splitlines() or [''])[-1]}"
                failed.append({"label": label, "seed": seed, "penalty": result.config["penalty"], "error": error})
    finally:
        ray.shutdown()
    about = {"name": data.name, "source": data.source, "split": data.split, "summary": data.summary()}
    results = {"config": config, "data": about, "wall_seconds": round(time.perf_counter() - clock, 1)}
    results.update(runs=[records[i] for i in sorted(records)], ray={**offer, "cpus_per_trial": threads})
    if failed:
        results["failed_trials"] = failed
    return results, failed
