"""The course's main job, ``python -m helpers`` (helpers/__main__.py): its options, refusals and a tiny real run.

``main(argv)`` runs in-process (fast); one test starts a real process to see what a shell sees.
Every bad value of every option is a row of tests/test_bad_input.py.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from helpers import experiment
from helpers.__main__ import build_parser, main
from helpers._machine import cpu_flags
from helpers.data import DataError
from helpers.experiment import REGIME, format_table, make_config

REPO = Path(__file__).resolve().parents[1]
HELP = build_parser().format_help()
# The seed text's spec, as the seed text states it: all 60,000 training images, no validation split, 5 epochs,
# batch 64, its L2 of 0.001; the L1 strength of 1e-4 is the course's (the seed names none).
SEED_SPEC = {"dataset": "mnist", "n_train": None, "n_val": 0, "label_noise": 0.0, "epochs": 5, "batch_size": 64}
SEED_SPEC.update(l1_strength=1e-4, l2_strength=1e-3)


def run_main(argv, capsys):
    """main() in-process -> (exit code, stdout, stderr)."""
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err, *fragments):
    """What a shell user sees on a refusal: one line on stderr, no traceback, naming what to change."""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def configured(monkeypatch, tmp_path):
    """``configured(argv)`` -> the configuration main() builds from argv, stopped before any data is loaded."""
    seen = {}

    def stop(config, path=None):
        seen["config"] = config
        raise DataError("stopped by the test before loading data")

    monkeypatch.setattr(experiment, "experiment_data", stop)

    def configure(argv):
        assert main([*argv, "--out", str(tmp_path / "out")]) == 1
        return seen["config"]

    return configure


def labels(config):
    return [f"{p['l1_strength']:g}/{p['l2_strength']:g}" for p in config["penalties"]]


# ---------------------------------------------------------------- --help


def test_help_exits_0_and_documents_every_option(capsys):
    code, out, _ = run_main(["--help"], capsys)
    assert code == 0
    for option in (
        "--full",
        "--dataset",
        "--n-train",
        "--label-noise",
        "--n-val",
        "--epochs",
        "--batch-size",
        "--l1",
        "--l2",
        "--kinds",
        "--seeds",
        "--learning-rate",
        "--threads",
        "--bfloat16",
        "--ray",
        "--retries",
        "--data-path",
        "--out",
        "--quiet",
    ):
        assert re.search(rf"^  {option}\b.*\S", out, re.MULTILINE), f"{option} has no line of its own"
    assert "Exit codes: 0 done, 1 data unavailable or failed, 2 bad option" in " ".join(out.split())


def test_help_text_shows_percent_signs_as_written():
    assert "%%" not in HELP


def help_of(option):
    """The help text of one option, its wrapped lines joined."""
    lines = HELP.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"  {option}\b", line))
    text = [re.match(rf"  {option}\b.*?(?:\s{{2,}}(.+))?$", lines[start])[1] or ""]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 10):
            break
        text.append(line.strip())
    return " ".join(" ".join(text).split())


# option -> the REGIME key its stated default must equal
STATED_DEFAULTS = {
    "--n-train": "n_train",
    "--label-noise": "label_noise",
    "--epochs": "epochs",
    "--batch-size": "batch_size",
    "--l1": "l1_strength",
    "--l2": "l2_strength",
    "--kinds": "kinds",
    "--seeds": "seeds",
    "--learning-rate": "learning_rate",
}


@pytest.mark.parametrize("option, key", STATED_DEFAULTS.items())
def test_the_default_help_states_is_the_courses_regime(option, key):
    stated = re.search(r"\(default (\S+?)[;)]", help_of(option))[1]
    parsed = getattr(build_parser().parse_args([option, stated]), option[2:].replace("-", "_"))
    assert parsed in (REGIME[key], [REGIME[key]])  # a list option parses one value as a list of one


@pytest.mark.parametrize("option", ["--dataset", "--label-noise", "--n-val", "--epochs", "--l1", "--l2"])
def test_the_value_help_states_for_full_is_the_seed_spec(option):
    stated = re.search(r"(\S+) with --full", help_of(option))[1]
    key = {"--l1": "l1_strength", "--l2": "l2_strength"}.get(option, option[2:].replace("-", "_"))
    parsed = getattr(build_parser().parse_args([option, stated]), option[2:].replace("-", "_"))
    assert parsed in (SEED_SPEC[key], [SEED_SPEC[key]])


# ---------------------------------------------------------------- the configuration the options give


def test_without_options_the_job_runs_the_courses_regime(configured):
    assert configured([]) == make_config(REGIME)


def test_full_is_the_seed_texts_spec(configured):
    config = configured(["--full"])
    assert {key: config[key] for key in SEED_SPEC} == SEED_SPEC
    assert labels(config) == ["0/0", "0.0001/0", "0/0.001", "0.0001/0.001"]  # none, L1, L2, L1+L2


def test_options_given_with_full_override_it(configured):
    config = configured(["--full", "--dataset", "fashion-mnist", "--epochs", "2", "--l2", "0.01"])
    assert (config["dataset"], config["epochs"], config["l2_strength"]) == ("fashion-mnist", 2, 0.01)
    assert (config["n_train"], config["n_val"], config["l1_strength"]) == (None, 0, 1e-4)  # still --full's


def test_options_are_parsed_into_the_configuration(configured):
    argv = ["--n-train", "200", "--n-val", "100", "--label-noise", "0.2", "--batch-size", "32"]
    argv += ["--learning-rate", "0.002", "--kinds", "none,l2", "--seeds", "3"]
    config = configured(argv)
    assert (config["n_train"], config["n_val"], config["label_noise"], config["batch_size"]) == (200, 100, 0.2, 32)
    assert (config["learning_rate"], config["seeds"], labels(config)) == (0.002, [3], ["0/0", "0/0.01"])


@pytest.mark.parametrize(
    "text, seeds", [("0-4", [0, 1, 2, 3, 4]), ("0,2-3,7", [0, 2, 3, 7]), ("5", [5]), ("1 2", [1, 2])]
)
def test_seeds_take_lists_and_ranges(configured, text, seeds):
    assert configured(["--seeds", text])["seeds"] == seeds


def test_a_list_of_strengths_is_a_sweep_and_l1_l2_runs_every_pair(configured):
    config = configured(["--kinds", "l1,l1_l2", "--l1", "1e-4,1e-3", "--l2", "1e-3,1e-2"])
    assert labels(config) == ["0.0001/0", "0.001/0"] + [
        f"{a}/{b}" for a in ("0.0001", "0.001") for b in ("0.001", "0.01")
    ]


def test_a_bad_option_from_a_shell_exits_2_with_one_line_naming_it():
    done = subprocess.run(
        [sys.executable, "-m", "helpers", "--epochs", "-3"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "python -m helpers: error:", "--epochs")


# ---------------------------------------------------------------- data that cannot be had, arithmetic refused


def test_a_data_source_that_cannot_be_downloaded_exits_1_naming_the_offline_remedy(monkeypatch, tmp_path, capsys):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no network in this test")

    monkeypatch.setattr(keras.utils, "get_file", offline)  # the download fails, as it would offline
    code, _, err = run_main(["--full", "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    assert_one_line_error(err, "mnist.npz could not be downloaded", "--dataset fashion-mnist", "mnist-5k")


def test_a_missing_local_mnist_file_exits_1_naming_the_file(tmp_path, capsys):
    missing = tmp_path / "mnist.npz"
    code, _, err = run_main(["--full", "--data-path", str(missing), "--out", str(tmp_path / "out")], capsys)
    assert code == 1
    assert_one_line_error(err, str(missing), "does not exist", "Keras' original mnist.npz")


def test_bfloat16_is_refused_when_onednn_is_kept_below_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")  # AVX2 has no bfloat16 arithmetic on any CPU
    code, _, err = run_main(["--bfloat16", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, "--bfloat16", "ONEDNN_MAX_CPU_ISA=AVX2", "Leave --bfloat16 out")
    assert not (tmp_path / "out").exists(), "refused before anything is written"


@pytest.mark.skipif(
    not Path("/proc/cpuinfo").is_file() or bool(cpu_flags() & {"avx512_bf16", "amx_bf16"}),
    reason="this CPU has native bfloat16 (or no /proc/cpuinfo to tell)",
)
def test_bfloat16_is_refused_on_a_cpu_without_native_bfloat16(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    code, _, err = run_main(["--bfloat16", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert_one_line_error(err, "--bfloat16", "no avx512_bf16 or amx_bf16")


# ---------------------------------------------------------------- a tiny real run

TINY_ARGS = ["--n-train", "128", "--n-val", "128", "--epochs", "1", "--kinds", "none,l2", "--quiet"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A real run of the main job: 128 training and validation images, no penalty and L2(0.01), 1 epoch."""
    out = tmp_path_factory.mktemp("main-job")
    code = main([*TINY_ARGS, "--out", str(out)])
    results = json.loads((out / "results.json").read_text(encoding="utf-8")) if code == 0 else None
    return code, out, results


def test_a_tiny_run_exits_0_and_writes_results_json_and_two_png_figures(tiny_run):
    code, out, _ = tiny_run
    assert code == 0
    for name in ("learning_curves.png", "test_accuracy.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_results_json_records_configuration_data_versions_and_command(tiny_run):
    _, out, results = tiny_run
    assert results["config"] == make_config(n_train=128, n_val=128, epochs=1, kinds=["none", "l2"])
    assert results["data"]["name"] == "mnist-5k" and results["data"]["split"]["n_train"] == 128
    assert "40% of labels wrong" in results["data"]["summary"]
    assert results["versions"]["keras"] == keras.__version__ and results["dtype_policy"] == "float32"
    assert results["command"] == " ".join(["python -m helpers", *TINY_ARGS, "--out", str(out)])
    assert results["hardware"]["logical_cpus"] >= 1 and results["table"] == format_table(results)


def test_results_json_holds_each_runs_history_and_metrics(tiny_run):
    _, _, results = tiny_run
    none, l2 = results["runs"]
    assert (none["label"], l2["label"]) == ("none", "L2(0.01)")
    for run in (none, l2):
        assert all(len(values) == 1 for values in run["history"].values()), run["history"]
        for split, images in (("train", 128), ("train_true", 128), ("val", 128), ("test", 1000)):
            accuracy = run[split]["accuracy"]
            # a share of that split's images, so a whole number of them
            assert 0 <= accuracy <= 1 and abs(accuracy * images - round(accuracy * images)) < 1e-3, (split, accuracy)
            assert run[split]["data_loss"] > 0
    # Keras' validation loss includes the penalty, the data loss leaves it out: they differ by exactly it.
    history = l2["history"]
    assert history["val_loss"][0] == pytest.approx(history["val_data_loss"][0] + history["penalty"][0])
    assert none["history"]["penalty"] == [0.0] and history["penalty"][0] > 0
