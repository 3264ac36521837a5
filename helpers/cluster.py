"""The main job's (penalty, seed) runs as Ray Tune trials, for sweeps that outgrow one machine (``--ray``).

Each trial runs :func:`helpers.experiment.run_experiment` on one penalty and one seed, the local run's own
training code, on whichever node has CPUs free; the records come back into the same results (same
``results.json``, table and figures), each with the node that computed it. A trial that fails is tried
again and, if it fails for good, reported with its penalty and seed, never dropped.
Ray is an optional extra (``pip install -e ".[cluster]"``): the rest of the course runs without it.
"""

import json
import logging
import os
import re
import socket
import threading
import time
from pathlib import Path

from helpers.experiment import make_config, run_experiment
from helpers.notebook import setup_notebook
from helpers.penalties import Penalty

__all__ = ["ClusterError", "check_ray_address", "connect", "run_experiment_on_ray"]

RAY_INSTALL = 'pip install -e ".[cluster]"'
_ADDRESS = re.compile(r"(?P<host>[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})")  # HOST:PORT or [IPv6]:PORT
_TOKEN_FILE = Path.home() / ".ray" / "auth_token"


class ClusterError(RuntimeError):
    """Ray is not installed, or no Ray cluster answers at the address given."""


def check_ray_address(address):
    """``address`` if it is 'local', 'auto' or HOST:PORT; else ValueError naming --ray."""
    if address in ("local", "auto") or (
        _ADDRESS.fullmatch(address) and 1 <= int(_ADDRESS.fullmatch(address)["port"]) < 65536
    ):
        return address
    raise ValueError(
        f"--ray must be 'local' (start Ray on this machine), 'auto' (the cluster this machine joined with "
        f"'ray start') or a head node's HOST:PORT such as 10.0.0.5:6379; got {address!r}"
    )


def connect(address, num_cpus=None, timeout=30):
    """Connect to Ray at ``address`` ('local' starts one here) -> its CPUs and nodes; ClusterError after ``timeout`` s."""
    check_ray_address(address)
    if address not in ("local", "auto"):
        match = _ADDRESS.fullmatch(address)
        try:  # ray.init() waits without end on an address where nothing answers
            socket.create_connection((match["host"].strip("[]"), int(match["port"])), timeout=timeout).close()
        except OSError as error:
            raise ClusterError(
                f"no Ray cluster answers at {address} ({error}): start one with 'ray start --head'"
            ) from None
        # Since Ray 2.59 'ray start --head' makes a token, and a driver sends it only with RAY_AUTH_MODE=token.
        if "RAY_AUTH_MODE" not in os.environ and (os.environ.get("RAY_AUTH_TOKEN") or _TOKEN_FILE.is_file()):
            os.environ["RAY_AUTH_MODE"] = "token"
    try:
        import ray
        import ray.tune
    except ImportError as error:
        raise ClusterError(f"--ray needs Ray Tune, which is not installed ({error}): run {RAY_INSTALL}") from None
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address == "local":  # in this thread: Ray's processes started from a thread die with it
        ray.init(num_cpus=num_cpus or os.cpu_count(), **options)
    else:
        outcome = {}
        thread = threading.Thread(target=lambda: outcome.update(ray=ray.init(address=address, **options)), daemon=True)
        thread.start()
        thread.join(timeout)
        if not ray.is_initialized():
            hint = "start one with 'ray start --head'" if address == "auto" else f"its token goes in {_TOKEN_FILE}"
            raise ClusterError(f"could not connect to Ray at {address} within {timeout} s ({hint})")
    return {"nodes": len([node for node in ray.nodes() if node["Alive"]]), "cpus": int(ray.cluster_resources()["CPU"])}


def _trial(params, *, config, data, bfloat16):
    """One Ray Tune trial, on a worker: one (penalty, seed) of ``config`` trained and reported."""
    from ray import tune

    setup_notebook(seed=params["seed"])
    if bfloat16:
        import keras

        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    clock = time.perf_counter()
    record = run_experiment(make_config(config, penalties=[params["penalty"]], seeds=[params["seed"]]), data)["runs"][0]
    record["computed_on"] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "seconds": round(time.perf_counter() - clock, 1),
    }
    tune.report({"record_json": json.dumps(record)})


def run_experiment_on_ray(config, data, address, *, threads=2, retries=1, bfloat16=False, storage=None, log=print):
    """``config``'s runs as Ray Tune trials on the Ray at ``address`` -> ``(results, failed trials)``.

    The results equal :func:`helpers.experiment.run_experiment`'s (the same runs in the same order, the same
    numbers up to float rounding), each run with its ``computed_on``. Each trial asks Ray for ``threads``
    CPUs and is tried again up to ``retries`` times; Tune's own files (error.txt of a failed trial) go to
    ``storage``. A trial that failed for good is listed in ``failed`` and in ``results["failed_trials"]``.
    """
    clock, offer = time.perf_counter(), connect(address)
    import ray
    from ray import tune

    wanted = [{"penalty": penalty, "seed": seed} for penalty in config["penalties"] for seed in config["seeds"]]
    log(f"Ray at {address}: {offer['nodes']} node(s), {offer['cpus']} CPUs; {len(wanted)} trials, {threads} CPUs each")

    class Progress(tune.Callback):
        def on_trial_complete(self, iteration, trials, trial, **info):
            record = json.loads(trial.last_result["record_json"])
            log(f"trial done: {record['label']} seed {record['seed']}, test accuracy {record['test']['accuracy']:.4f}")

    try:
        tuner = tune.Tuner(
            tune.with_resources(
                tune.with_parameters(_trial, config=config, data=data, bfloat16=bfloat16), {"cpu": threads}
            ),
            param_space=tune.grid_search(wanted),
            run_config=tune.RunConfig(
                storage_path=str(Path(storage).resolve()) if storage else None,
                failure_config=tune.FailureConfig(max_failures=retries),
                callbacks=[Progress()],
                verbose=0,
            ),
        )
        logging.getLogger("ray.tune").setLevel(logging.CRITICAL)  # failed trials are reported below
        grid = tuner.fit()
        records, failed = {}, []
        for result in grid:
            label, seed = Penalty(**result.config["penalty"]).label, result.config["seed"]
            if result.error is None and "record_json" in (result.metrics or {}):
                records[label, seed] = json.loads(result.metrics["record_json"])
            else:
                cause = getattr(result.error, "cause", None) or result.error
                error = f"{type(cause).__name__}: {(str(cause).strip().splitlines() or [''])[-1]}"
                failed.append({"label": label, "seed": seed, "penalty": result.config["penalty"], "error": error})
    finally:
        ray.shutdown()
    order = [(Penalty(**t["penalty"]).label, t["seed"]) for t in wanted]  # run_experiment's: penalty by penalty
    results = {"config": config, "data": {"name": data.name, "source": data.source, "split": data.split}}
    results["data"]["summary"] = data.summary()
    results.update(wall_seconds=round(time.perf_counter() - clock, 1))
    results.update(runs=[records[key] for key in order if key in records], ray={**offer, "cpus_per_trial": threads})
    if failed:
        results["failed_trials"] = failed
    return results, failed
