"""helpers.cluster: the main job's runs as Ray Tune trials, on a real Ray started on this machine (``--ray local``).

Ray is the optional extra ``pip install -e ".[cluster]"``. The tests that need it are marked ``cluster`` and run
by the README's cluster check (``pytest -m cluster``, which .ci/run runs after installing the extra, with
``COURSE_REQUIRE_RAY=1``: there they fail without Ray; elsewhere they skip). What needs no Ray (an address
nobody listens on, a malformed one) runs in the plain ``pytest``.
"""

import dataclasses
import os
import re
import socket
import time

import numpy as np
import pytest

from helpers.__main__ import main
from helpers.experiment import experiment_data, make_config, run_experiment

# Two trials, seconds each: 100 training images (40 % wrong labels), 2 epochs, two L2 strengths.
SWEEP = make_config(n_train=100, epochs=2, kinds=["l2"], l2_strength=[1e-3, 1e-2], seeds=[0])


@pytest.fixture(scope="module")
def ray():
    """Ray Tune, or a skip (a failure with COURSE_REQUIRE_RAY=1) where the extra is not installed."""
    try:
        import ray
        from ray import tune  # noqa: F401 (the extra installs Ray with Tune)
    except ImportError as error:
        if os.environ.get("COURSE_REQUIRE_RAY") == "1":
            pytest.fail(f"COURSE_REQUIRE_RAY=1 but Ray Tune does not import ({error}): pip install -e '.[cluster]'")
        pytest.skip("Ray is the optional extra: pip install -e '.[cluster]'")
    return ray


@pytest.fixture(scope="module")
def local_and_ray(ray, mnist_5k):
    """The sweep run here (side by side, run_experiment) and as two Ray Tune trials on a local Ray."""
    from helpers.cluster import run_experiment_on_ray

    data = experiment_data(SWEEP)
    local = run_experiment(SWEEP, data=data)
    lines = []
    on_ray, failed = run_experiment_on_ray(SWEEP, data, "local", threads=1, log=lines.append)
    return local, on_ray, failed, lines


@pytest.mark.cluster
def test_ray_trials_equal_the_local_run_in_order_histories_and_metrics(local_and_ray):
    local, on_ray, failed, _ = local_and_ray
    assert failed == [] and "failed_trials" not in on_ray
    assert [(r["label"], r["seed"]) for r in on_ray["runs"]] == [("L2(0.001)", 0), ("L2(0.01)", 0)]
    for mine, reference in zip(on_ray["runs"], local["runs"], strict=True):
        assert mine["label"] == reference["label"]
        # The same training code, alone on a Ray worker instead of side by side here: equal up to float rounding.
        assert mine["history"].keys() == reference["history"].keys()
        for name, values in reference["history"].items():
            np.testing.assert_allclose(mine["history"][name], values, rtol=1e-5, atol=1e-6, err_msg=name)
        for split in ("train", "train_true", "val", "test"):
            for metric, value in reference[split].items():
                assert mine[split][metric] == pytest.approx(value, rel=1e-5, abs=1e-6), (split, metric)
    # The two strengths trained different networks: the comparison above is not of two copies.
    assert on_ray["runs"][0]["history"]["penalty"] != on_ray["runs"][1]["history"]["penalty"]


@pytest.mark.cluster
def test_each_ray_run_says_it_was_computed_in_another_process(local_and_ray):
    _, on_ray, _, lines = local_and_ray
    assert on_ray["config"] == SWEEP and on_ray["ray"]["cpus_per_trial"] == 1
    assert all(run["computed_on"]["pid"] != os.getpid() for run in on_ray["runs"])
    assert sorted(line for line in lines if line.startswith("trial done")) == [
        f"trial done: {run['label']} seed 0, test accuracy {run['test']['accuracy']:.4f}" for run in on_ray["runs"]
    ]


@pytest.mark.cluster
def test_a_trial_that_raises_on_a_worker_is_reported_with_its_penalty_seed_and_tunes_error_file(ray, tmp_path):
    from helpers.cluster import run_experiment_on_ray

    one = make_config(SWEEP, epochs=1, l2_strength=1e-2, seeds=[3])
    good = experiment_data(one)
    broken = dataclasses.replace(good, x_test=np.repeat(good.x_test, 3, axis=-1))  # trains, then fails to evaluate
    results, failed = run_experiment_on_ray(one, broken, "local", threads=1, retries=0, storage=tmp_path, log=print)
    assert [(f["label"], f["seed"], f["penalty"]) for f in failed] == [("L2(0.01)", 3, one["penalties"][0])]
    assert re.match(r"\w+Error: ", failed[0]["error"]), failed  # the worker's exception, by name
    assert results["runs"] == [] and results["failed_trials"] == failed
    assert len(list(tmp_path.rglob("error.txt"))) == 1, "Tune keeps the failed trial's error.txt"


def test_an_address_where_nothing_listens_is_reported_at_once(tmp_path, capsys):
    with socket.socket() as probe:  # a free port: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = time.perf_counter()
    code = main(["--ray", f"127.0.0.1:{port}", "--n-train", "100", "--quiet", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and time.perf_counter() - clock < 20, err
    assert "Traceback" not in err and f"no Ray cluster answers at 127.0.0.1:{port}" in err, err
    assert "ray start --head" in err and not (tmp_path / "out" / "results.json").exists()


@pytest.mark.parametrize("address", ["head-node", "10.0.0.5:99999", "10.0.0.5:", "http://10.0.0.5:6379"])
def test_a_malformed_ray_address_exits_2_naming_the_option(address, tmp_path, capsys):
    code = main(["--ray", address, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--ray must be" in err and repr(address) in err, err
