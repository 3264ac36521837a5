"""Reliability of the foundation: identical results in fresh processes, and writes that survive a kill."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from helpers.cache import load_arrays, provenance, save_arrays

TRAIN_AND_PRINT = textwrap.dedent(
    """
    import json
    from helpers.notebook import setup_notebook
    setup_notebook(seed=0)
    from helpers.data import load_dataset
    from helpers.penalties import Penalty
    from helpers.training import train_cnn
    data = load_dataset("mnist-5k", n_train=200, n_val=100)
    run = train_cnn(data, Penalty(l1_strength=1e-4, l2_strength=1e-3), num_epochs=2, seed=3)
    print(json.dumps({name: values.tolist() for name, values in run.history.items()}))
    """
)


def test_same_configuration_and_seed_give_identical_metrics_in_two_fresh_processes():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    outputs = [
        json.loads(subprocess.run([sys.executable, "-c", TRAIN_AND_PRINT], capture_output=True, text=True,
                                  check=True, env=env).stdout.strip().splitlines()[-1])
        for _ in range(2)
    ]
    assert outputs[0] == outputs[1]  # bit-identical, not just close
    assert set(outputs[0]) >= {"data_loss", "val_data_loss", "accuracy", "val_accuracy"}


WRITE_FOREVER = textwrap.dedent(
    """
    import sys, numpy as np
    from helpers.cache import provenance, save_arrays
    big = np.random.default_rng(0).random((40, 1_000_000))  # 320 MB: the write takes a while
    print("writing", flush=True)
    save_arrays(sys.argv[1], {"value": big}, provenance({"version": "new"}))
    """
)


def test_a_write_killed_midway_leaves_the_old_complete_file(tmp_path):
    target = tmp_path / "result.npz"
    save_arrays(target, {"value": np.arange(5.0)}, provenance({"version": "old"}))
    process = subprocess.Popen([sys.executable, "-c", WRITE_FOREVER, str(target)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "writing"
    # Kill while the temporary file is being written (it exists and is growing).
    deadline = time.time() + 30
    while not list(tmp_path.glob("result.npz.*.tmp")) and time.time() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    arrays, record = load_arrays(target, provenance({"version": "old"}))
    np.testing.assert_array_equal(arrays["value"], np.arange(5.0))
    assert record["config"] == {"version": "old"}, "the old file was replaced by a partial one"


def test_truncated_cache_file_is_reported_as_damaged(tmp_path):
    target = tmp_path / "result.npz"
    save_arrays(target, {"value": np.arange(1000.0)}, provenance({}))
    target.write_bytes(target.read_bytes()[:500])
    with pytest.raises(ValueError, match="damaged"):
        load_arrays(target)


def test_altered_cache_file_is_reported_as_damaged(tmp_path):
    target = tmp_path / "result.npz"
    save_arrays(target, {"value": np.arange(1000.0)}, provenance({}))
    data = bytearray(target.read_bytes())
    data[200] ^= 0xFF  # flip bits inside the stored array: the zip CRC no longer matches
    target.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        load_arrays(target)


def test_cache_with_pickled_objects_is_refused(tmp_path):
    target = tmp_path / "result.npz"
    np.savez(target, value=np.array([{"code": "object"}], dtype=object))
    with pytest.raises(ValueError, match="damaged"):
        load_arrays(target)
