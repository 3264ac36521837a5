# ruff: noqa: E501 (one case per line: the table reads as a list)
"""One table of bad input: every entry point a learner calls refuses it with an error that names the argument.

A learner will type a wrong value, and nothing they type may turn into a silent wrong answer. Each row
makes one bad call and states the exception type and a regex for the argument's name only (rewording a
message breaks no row), so ``pytest -v`` on this file reads as the list of what the course refuses.
Command-line rows run ``main(argv)``: exit code 2 and one line on stderr, no traceback.
No row trains; the few that load data load the offline mnist-5k.
"""

import math
import os
import re

import numpy as np
import pytest

from helpers import compare, data, experiment, notebook, published, widgets
from helpers import lesson01_loss_formulas as lesson01
from helpers import lesson02_cnn_penalties as lesson02
from helpers import lesson03_weights_and_sparsity as lesson03
from helpers import lesson05_other_regularizers as lesson05
from helpers import lesson06_structured_sparsity as lesson06
from helpers.__main__ import main
from helpers.data import Dataset
from helpers.penalties import Penalty, ProximalL1

NAN = math.nan
_IMAGES, _LABELS = np.zeros((20, 28, 28, 1), np.float32), np.arange(20) % 10
# Twenty blank images with no validation or test images: enough for every check below, none trains on them.
NONE, NO_LABELS = _IMAGES[:0], _LABELS[:0]
TINY = Dataset("tiny", "20 blank images", _IMAGES, _LABELS, NONE, NO_LABELS, NONE, NO_LABELS, split={})
SWEEP = {"kind": np.array(["none", "l1", "l2"]), "strength": np.array([0.0, 1e-3, 1e-3])}
SWEEP["layers"] = np.array(["conv1", "all"])


def with_environment(name, value, call):
    """``call(tmp)`` with the environment variable ``name`` set to ``value``, then restored."""

    def run(tmp):
        saved = os.environ.get(name)
        os.environ[name] = value
        try:
            return call(tmp)
        finally:
            os.environ.pop(name) if saved is None else os.environ.__setitem__(name, saved)

    return run


def cli(*args):
    """A bad command line: main()'s exit code, raised as SystemExit as the shell sees it."""

    def call(tmp):
        blocked = tmp / "a-file"  # a path under a file: no folder can be made there
        blocked.write_text("not a folder")
        argv = [str(blocked / "sub") if a == "<blocked>" else a for a in args]
        raise SystemExit(main([*argv, *([] if "--out" in args else ["--out", str(tmp / "out")])]))

    return call


def adam_rule_with_sgd(tmp):
    """ProximalL1's Adam rule on a model trained with SGD: refused when training starts."""
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(np.eye(2), np.ones(2), epochs=1, verbose=0, callbacks=[ProximalL1(0.1, rule="adam")])


def not_the_seed_cnn():
    import keras

    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, name="output")])


def case(id, call, error, name, marks=()):
    return pytest.param(call, error, name, id=id, marks=marks)


# fmt: off
# One row per line: the table reads as the list of what the course refuses.
CASES = [
    # ---- setup_notebook, the first call of every lesson
    case("setup-negative-seed", lambda tmp: notebook.setup_notebook(seed=-1), ValueError, r"\bseed\b"),
    case("setup-retrain-as-text", lambda tmp: notebook.setup_notebook(retrain="yes"), TypeError, r"\bretrain\b"),
    case("setup-unknown-language", lambda tmp: notebook.setup_notebook(language="fr"), ValueError, r"\blanguage\b"),
    case("setup-unknown-retrain-switch", with_environment("COURSE_RETRAIN", "sometimes", lambda tmp: notebook.setup_notebook()), ValueError, r"COURSE_RETRAIN"),
    # ---- data sources, splits, wrong labels
    case("load-unknown-source", lambda tmp: data.load_dataset("cifar10"), ValueError, r"data source"),
    case("load-zero-n-train", lambda tmp: data.load_dataset("mnist-5k", n_train=0), ValueError, r"\bn_train\b"),
    case("load-n-train-beyond-the-data", lambda tmp: data.load_dataset("mnist-5k", n_train=3001), ValueError, r"\bn_train\b"),
    case("load-n-val-all-of-the-data", lambda tmp: data.load_dataset("mnist-5k", n_val=4000), ValueError, r"\bn_val\b"),
    case("load-split-seed-bool", lambda tmp: data.load_dataset("mnist-5k", split_seed=True), TypeError, r"\bsplit_seed\b"),
    case("load-path-for-another-source", lambda tmp: data.load_dataset("mnist-5k", path=tmp), ValueError, r"\bpath\b"),
    case("label-noise-all-labels", lambda tmp: data.with_label_noise(TINY, 1.0), ValueError, r"\bfraction\b"),
    case("label-noise-as-text", lambda tmp: data.with_label_noise(TINY, "0.4"), TypeError, r"\bfraction\b"),
    # ---- the experiment's configuration
    case("config-zero-epochs", lambda tmp: experiment.make_config(epochs=0), ValueError, r"\bepochs\b"),
    case("config-unknown-dataset", lambda tmp: experiment.make_config(dataset="imagenet"), ValueError, r"\bdataset\b"),
    case("config-negative-label-noise", lambda tmp: experiment.make_config(label_noise=-0.1), ValueError, r"\blabel_noise\b"),
    case("config-zero-learning-rate", lambda tmp: experiment.make_config(learning_rate=0.0), ValueError, r"\blearning_rate\b"),
    case("config-negative-l2", lambda tmp: experiment.make_config(l2_strength=-1.0), ValueError, r"\bl2_strength\b"),
    case("config-repeated-strengths", lambda tmp: experiment.make_config(l2_strength=[1e-3, 1e-3]), ValueError, r"\bl2_strength\b"),
    case("config-no-seeds", lambda tmp: experiment.make_config(seeds=[]), ValueError, r"\bseeds\b"),
    case("config-unknown-kind", lambda tmp: experiment.make_config(kinds=["none", "l3"]), ValueError, r"penalty kind"),
    case("config-unknown-key", lambda tmp: experiment.make_config(lambda_=1), ValueError, r"\blambda_"),
    case("sweep-unknown-kind", lambda tmp: experiment.sweep_config(None, {"l1_l2": [1e-3]}), ValueError, r"sweep kind"),
    case("sweep-not-a-dict", lambda tmp: experiment.sweep_config(None, "l2"), ValueError, r"\bstrengths_by_kind\b"),
    # ---- penalties and the proximal L1 step
    case("penalty-negative-l2", lambda tmp: Penalty(l2_strength=-0.1), ValueError, r"\bl2_strength\b"),
    case("penalty-text-l1", lambda tmp: Penalty(l1_strength="0.1"), TypeError, r"\bl1_strength\b"),
    case("penalty-bool-l2", lambda tmp: Penalty(l2_strength=True), TypeError, r"\bl2_strength\b"),
    case("penalty-of-unknown-kind", lambda tmp: Penalty.of("l3", 1e-3), ValueError, r"penalty kind"),
    case("penalty-of-zero-strength", lambda tmp: Penalty.of("l1", 0.0), ValueError, r"L1 strength"),
    case("penalty-of-both-one-missing", lambda tmp: Penalty.of("l1_l2", l1_strength=1e-3), ValueError, r"L2 strength"),
    case("proximal-zero-strength", lambda tmp: ProximalL1(0.0), ValueError, r"\bl1_strength\b"),
    case("proximal-unknown-rule", lambda tmp: ProximalL1(1e-3, rule="sgd"), ValueError, r"\brule\b"),
    case("proximal-adam-rule-with-sgd", adam_rule_with_sgd, ValueError, r"\brule\b"),
    # ---- the paired comparison over seeds
    case("paired-one-seed", lambda tmp: compare.paired_difference([0.9], [0.8]), ValueError, r"\bseeds\b"),
    case("paired-unequal-seeds", lambda tmp: compare.paired_difference([0.9, 0.8], [0.8]), ValueError, r"baseline and other"),
    # ---- lesson 01: conventions, linear fits, the 2-D picture
    case("to-keras-unknown-framework", lambda tmp: lesson01.to_keras(1.0, "torch", "l2"), ValueError, r"\bframework\b"),
    case("to-keras-negative-value", lambda tmp: lesson01.to_keras(-1.0, "keras", "l2"), ValueError, r"\bvalue\b"),
    case("from-keras-missing-n", lambda tmp: lesson01.from_keras(1e-3, "sklearn_ridge", "l2"), ValueError, r"\bn\b"),
    case("fit-polynomial-unknown-kind", lambda tmp: lesson01.fit_polynomial([0, 1], [0, 1], 2, "l1_l2", 0.1), ValueError, r"\bkind\b"),
    case("fit-polynomial-zero-degree", lambda tmp: lesson01.fit_polynomial([0, 1], [0, 1], 0, "l2", 0.1), ValueError, r"\bdegree\b"),
    # ---- lessons 02, 03, 05, 06: what their objects check
    case("sweep-point-not-one-kind", lambda tmp: lesson02.sweep_point({"runs": [{"kind": "none"}]}, 1e-3), ValueError, r"\bresults\b"),
    case("sweep-view-unknown-kind", lambda tmp: lesson03.sweep_view(SWEEP, "l3", 1e-3), ValueError, r"\bkind\b"),
    case("variant-dropout-one", lambda tmp: lesson05.build_variant_cnn(dropout_rate=1.0), ValueError, r"\bdropout_rate\b"),
    case("variant-warmup-needs-l2", lambda tmp: lesson05.train_variant(TINY, kind="l1", strength=1e-3, warmup_epochs=2), ValueError, r"\bwarmup_epochs\b"),
    case("group-proximal-unknown-weighting", lambda tmp: lesson06.GroupProximal(0.3, weighting="flops"), ValueError, r"\bweighting\b"),
    case("narrow-model-not-the-seed-cnn", lambda tmp: lesson06.narrow_model(not_the_seed_cnn()), ValueError, r"\bmodel\b"),
    # ---- sliders, and the result names a lesson asks for
    case("slider-text-value", lambda tmp: widgets.strength_slider(value="big"), TypeError, r"\bvalue\b"),
    case("slider-value-out-of-range", lambda tmp: widgets.strength_slider(value=10.0), ValueError, r"\bvalue\b"),
    case("nearest-index-empty-grid", lambda tmp: widgets.nearest_index([], 1e-3), ValueError, r"\bgrid\b"),
    case("nearest-index-negative-value", lambda tmp: widgets.nearest_index([1e-3], -1.0), ValueError, r"\bvalue\b"),
    case("result-name-with-a-path", lambda tmp: published.published_or_trained("../escape", {}, dict), ValueError, r"\bname\b"),
    # ---- the command line, python -m helpers
    case("cli-negative-strength", cli("--l2", "-0.1"), SystemExit, r"--l2\b"),
    case("cli-text-strength", cli("--l2", "lots"), SystemExit, r"--l2\b"),
    case("cli-zero-strength-for-its-kind", cli("--l1", "0"), SystemExit, r"L1 strength"),
    case("cli-unknown-kind", cli("--kinds", "none,l3"), SystemExit, r"--kinds\b"),
    case("cli-unknown-dataset", cli("--dataset", "cifar10"), SystemExit, r"--dataset\b"),
    case("cli-unknown-option", cli("--lambda", "1"), SystemExit, r"--lambda\b"),
    case("cli-zero-epochs", cli("--epochs", "0"), SystemExit, r"--epochs\b"),
    case("cli-fractional-epochs", cli("--epochs", "2.5"), SystemExit, r"--epochs\b"),
    case("cli-repeated-seeds", cli("--seeds", "0,0"), SystemExit, r"--seeds\b"),
    case("cli-seed-range-downwards", cli("--seeds", "4-0"), SystemExit, r"--seeds\b"),
    case("cli-n-train-beyond-the-data", cli("--n-train", "99999"), SystemExit, r"n.train\b"),
    case("cli-label-noise-one", cli("--label-noise", "1"), SystemExit, r"--label-noise\b"),
    case("cli-malformed-ray-address", cli("--ray", "head-node"), SystemExit, r"--ray\b"),
    case("cli-data-path-for-another-dataset", cli("--data-path", "x.npz"), SystemExit, r"--data-path\b"),
    case("cli-out-under-a-file", cli("--out", "<blocked>"), SystemExit, r"--out\b"),
]
# fmt: on


@pytest.mark.parametrize("call, error, name", CASES)
def test_bad_input_is_refused_naming_the_argument(call, error, name, tmp_path, capsys):
    with pytest.raises(error) as refused:
        call(tmp_path)
    if error is not SystemExit:
        assert re.search(name, str(refused.value)), f"{name!r} not in {str(refused.value)!r}"
        return
    err = capsys.readouterr().err
    assert refused.value.code == 2, err  # 2: a bad option (--help says so)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("python -m helpers: error: ") and re.search(name, err), err
