"""helpers.cluster: the main job's trials on a real Ray (a local one, ``ray.init(num_cpus=2)``) through Ray Tune.

Ray is the optional extra ``.[cluster]``. Without it these tests skip, unless
``COURSE_REQUIRE_RAY=1`` (the README's cluster check, which .ci/run runs after installing the
extra): then a missing Ray fails them. What needs no Ray (the message that says how to install
it, a malformed --ray) is in tests/test_bad_input_table.py.
"""

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from helpers.cluster import ClusterError, TrialsFailedError, connect, disconnect, run_experiment_on_ray
from helpers.experiment import main
from helpers.internal.runtime import FAST_PATH_ENV
from helpers.lesson02_cnn_penalties import experiment_data, load_results, make_config, run_experiment

REPO = Path(__file__).resolve().parents[1]

try:
    import ray
    from ray import tune  # noqa: F401  (the extra installs Ray with Tune)
except ImportError as error:
    if os.environ.get("COURSE_REQUIRE_RAY") == "1":
        raise ImportError(
            f"COURSE_REQUIRE_RAY=1 but Ray Tune does not import ({error}): pip install -e '.[cluster]'"
        ) from None
    pytest.skip("Ray is the optional extra: pip install -e '.[cluster]'", allow_module_level=True)


# A two-trial sweep, small enough for seconds per trial: 100 training images, 2 epochs.
SWEEP = make_config(n_train=100, epochs=2, kinds=["l2"], l2_strength=[1e-3, 1e-2], seeds=[0])
FAST_PATH = os.environ.get(FAST_PATH_ENV, "auto")  # as conftest started TensorFlow in this process


def test_auto_without_a_running_cluster_says_how_to_start_one():
    # First in this module: before its own Ray starts, which 'auto' would find.
    script = (
        "from helpers.cluster import ClusterError, connect\n"
        "try:\n"
        "    connect('auto')\n"
        "    print('connected')\n"
        "except ClusterError as error:\n"
        "    print(error)\n"
    )
    env = {**os.environ, "RAY_ADDRESS": ""}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120, env=env
    )
    if "connected" in done.stdout:
        pytest.skip("a Ray cluster runs on this machine")
    assert "could not connect to Ray at auto" in done.stdout and "ray start --head" in done.stdout, done.stdout


@pytest.fixture(scope="module")
def local_ray():
    """A Ray on this machine with 2 CPUs, for this module's tests; stopped after them."""
    offer = connect("local", num_cpus=2)
    yield offer
    disconnect()


@pytest.fixture(scope="module")
def local_and_ray(local_ray, mnist_5k):
    """The same sweep run locally (side by side) and as two Ray Tune trials, with the wall time of each."""
    data = experiment_data(SWEEP)
    clock = time.perf_counter()
    local = run_experiment(SWEEP, data=data, log=None)
    local_seconds = time.perf_counter() - clock
    lines = []
    clock = time.perf_counter()
    on_ray = run_experiment_on_ray(SWEEP, data, threads=2, fast_path=FAST_PATH, log=lines.append)
    ray_seconds = time.perf_counter() - clock
    print(f"local side by side {local_seconds:.1f} s, two Ray Tune trials {ray_seconds:.1f} s")
    return local, on_ray, lines


def test_local_ray_offers_its_cpus(local_ray):
    assert local_ray["cpus"] == 2 and local_ray["nodes"] == 1 and local_ray["ray_version"] == ray.__version__


def test_ray_trials_equal_the_local_path(local_and_ray):
    local, on_ray, _ = local_and_ray
    assert [r["label"] for r in on_ray["runs"]] == [r["label"] for r in local["runs"]] == ["L2(0.001)", "L2(0.01)"]
    for mine, reference in zip(on_ray["runs"], local["runs"], strict=True):
        assert mine["seed"] == reference["seed"] == 0
        # The same training code, alone in a Ray worker instead of side by side here: equal up to float
        # rounding, the tolerance of tests/internal/test_side_by_side.py (measured: bit for bit on one CPU).
        for name, values in reference["history"].items():
            np.testing.assert_allclose(mine["history"][name], values, rtol=1e-6, atol=1e-7, err_msg=name)
        for split in ("train", "train_true", "val", "test"):
            for metric, value in reference[split].items():
                assert mine[split][metric] == pytest.approx(value, rel=1e-6, abs=1e-7), (split, metric)
    # The two strengths really trained different networks: the comparison above is not of two copies.
    assert on_ray["runs"][0]["history"]["penalty"] != on_ray["runs"][1]["history"]["penalty"]


def test_ray_results_say_where_each_trial_ran(local_and_ray):
    local, on_ray, lines = local_and_ray
    assert set(on_ray) - set(local) == {"ray"} and on_ray["config"] == local["config"]
    assert on_ray["ray"]["cpus_per_trial"] == 2 and on_ray["ray"]["trials"] == 2
    for run in on_ray["runs"]:
        computed = run["computed_on"]
        assert computed["pid"] != os.getpid() and computed["trial_seconds"] > 0
        assert computed["dtype_policy"] == local["versions"]["dtype_policy"]
    # Progress: one line per finished trial, with its penalty, seed and test accuracy.
    assert sorted(line.split(" done: ")[1].split(",")[0] for line in lines) == ["L2(0.001) seed 0", "L2(0.01) seed 0"]
    assert all(line.startswith(("trial 1/2 done", "trial 2/2 done")) for line in lines), lines
    json.dumps(on_ray)


def test_a_trial_that_raises_is_reported_with_its_configuration(local_ray, mnist_5k, tmp_path):
    # Test images of the wrong shape: every trial trains, then fails on its worker when it evaluates.
    good = experiment_data(SWEEP)
    broken = dataclasses.replace(good, x_test=good.x_test[:, :27])
    with pytest.raises(TrialsFailedError) as failure:
        run_experiment_on_ray(SWEEP, broken, threads=2, fast_path=FAST_PATH, retries=0, storage=tmp_path, log=None)
    failed = failure.value.failed
    assert [(f["label"], f["seed"]) for f in failed] == [("L2(0.001)", 0), ("L2(0.01)", 0)]
    assert all(f["penalty"]["l2_strength"] in (1e-3, 1e-2) for f in failed)
    assert all(f["error"].startswith("ValueError: images must have shape") for f in failed), failed
    assert failure.value.results["runs"] == [] and failure.value.results["failed_trials"] == failed
    assert "2 of 2 trials failed: L2(0.001) seed 0: ValueError" in str(failure.value)
    assert list(tmp_path.rglob("error.txt")), "Tune keeps each failed trial's error.txt in the storage folder"


def test_a_refused_address_is_reported_at_once(capsys, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = time.perf_counter()
    code = main(["--ray", f"127.0.0.1:{port}", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and time.perf_counter() - clock < 10, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in err and "ray start --head" in err, err
    assert not (tmp_path / "out" / "results.json").exists()


def test_an_address_where_ray_does_not_answer_gives_up_in_bounded_time(tmp_path):
    # A port that accepts connections but is not Ray: ray.init() would wait without end. In a fresh
    # process, so the abandoned connection attempt cannot disturb this module's Ray.
    script = (
        "import socket, sys, time\n"
        "from helpers.cluster import ClusterError, connect\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "clock = time.perf_counter()\n"
        "try:\n"
        "    connect(f'127.0.0.1:{server.getsockname()[1]}', timeout=3)\n"
        "except ClusterError as error:\n"
        "    print(f'{time.perf_counter() - clock:.1f}', error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    seconds, _, message = done.stdout.strip().partition(" ")
    assert "did not answer within 3 s" in message, done.stdout + done.stderr
    assert 2.9 <= float(seconds) < 10


def test_the_main_job_runs_the_sweep_on_ray_and_writes_the_same_files(tmp_path):
    # The command line end to end in a fresh process with its own local Ray ('--ray local').
    args = ["--n-train", "100", "--epochs", "2", "--kinds", "l2", "--l2", "1e-3,1e-2", "--seeds", "0"]
    done = subprocess.run(
        [sys.executable, "-m", "helpers.experiment", *args, "--ray", "local", "--out", str(tmp_path / "ray")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Ray 2." in done.stderr and "one trial per run, 2 CPUs each" in done.stderr
    assert done.stderr.count(" done: L2(") == 2, done.stderr
    for name in ("results.json", "learning_curves.png", "test_accuracy.png"):
        assert (tmp_path / "ray" / name).is_file(), name
    results = load_results(tmp_path / "ray" / "results.json")
    assert results["config"] == SWEEP and [r["label"] for r in results["runs"]] == ["L2(0.001)", "L2(0.01)"]
    assert results["command"].endswith("--ray local --out " + str(tmp_path / "ray"))
    assert "L2(0.01)" in results["table"] and results["ray"]["trials"] == 2


def test_a_second_connection_is_refused_not_silently_the_first(local_ray):
    with pytest.raises(ClusterError, match=r"connected to Ray at .* already: call helpers\.cluster\.disconnect\(\)"):
        connect("local", num_cpus=1)
