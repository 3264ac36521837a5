"""One table of bad input: every public entry point rejects it with a message naming the argument.

Purpose: a learner will type a wrong value, and nothing they type may turn into a
silent wrong answer. Each row makes one bad call and states the exception and a
regex that names the argument and what is allowed, so ``pytest -v`` on this file
reads as the list of what the course refuses. Every bad-input case of the course
lives here (the other test modules test behaviour); the rows cover:

- penalty strengths: negative, NaN, infinite, text, bool, None, and zero where a
  kind needs a strength (``Penalty``, the NumPy penalties, the converters, the
  linear solvers, schedules, sweeps, the proximal step, sliders);
- unknown names: penalty kinds, data sources, frameworks, layers, metrics, proximal
  rules. No public function takes an optimizer name (``build_cnn`` always uses
  Adam); the one optimizer check, ProximalL1's Adam rule on an SGD model, is a row,
  and the CLI has no ``--optimizer`` (a row shows it is refused as unknown);
- data: wrong image shapes, dtypes and ranges, labels out of range or miscounted,
  empty data, a split larger than the data;
- output: a non-writable folder for a result file, results.json and the CLI's ``--out``;
  a result name that would leave its folder; the retrain switch's unknown values and a
  user cache inside the published results (bad published files: tests/test_store.py);
- the command line ``python -m helpers.experiment``: every bad option exits with
  code 2 and one line on stderr, no traceback.

No row trains for more than one epoch on 20 images; most never reach training.
"""

import dataclasses
import math
import re
import sys
import warnings

import numpy as np
import pytest

from helpers import (
    cluster,
    compare,
    data,
    experiment,
    models,
    notebook,
    penalties,
    plotting,
    training,
    weights,
    widgets,
)
from helpers import lesson01_loss_formulas as lesson01
from helpers import lesson02_cnn_penalties as lesson02
from helpers import lesson03_weights_and_sparsity as lesson03
from helpers import lesson04_choosing_lambda as lesson04
from helpers import lesson05_other_regularizers as lesson05
from helpers import lesson06_structured_sparsity as lesson06
from helpers.data import Dataset
from helpers.internal import fast_fit, latency, runtime, side_by_side, store, validation
from helpers.penalties import Penalty

NAN, INF = math.nan, math.inf
_IMAGES = np.zeros((20, 28, 28, 1), np.float32)
_LABELS = np.arange(20, dtype=np.int64) % 10
# Twenty blank images: enough for every check, and a 1-epoch run takes about a second.
TINY = Dataset("tiny", "20 blank images", _IMAGES, _LABELS, _IMAGES[:0], _LABELS[:0], _IMAGES[:0], _LABELS[:0])
SWEEP = {
    "kind": np.array(["none", "l1", "l2"]),
    "strength": np.array([0.0, 1e-3, 1e-3]),
    "layers": np.array(["conv1", "all"]),
}
X2, Y4 = np.arange(8.0).reshape(4, 2), np.ones(4)
X2_NAN = np.where(X2 == 0, NAN, X2)
RESULTS = {"runs": [{"kind": "l2", "label": "L2(0.001)", "l2_strength": 1e-3, "history": {}}]}


def with_environment(name, value, call):
    """``call()`` with the environment variable ``name`` set to ``value``, then restored."""
    import os

    def run(tmp):
        saved = os.environ.get(name)
        os.environ[name] = value
        try:
            return call(tmp)
        finally:
            os.environ.pop(name) if saved is None else os.environ.__setitem__(name, saved)

    return run


def blocked(tmp):
    """A folder path that cannot be created, even by root: its parent is a file."""
    (tmp / "a-file").write_text("not a folder")
    return tmp / "a-file" / "sub"


def train(**change):
    """A bad call of train_cnn: TINY with ``change`` applied to its arrays."""
    return lambda tmp: training.train_cnn(dataclasses.replace(TINY, **change), num_epochs=1)


def train_with(**kwargs):
    """A bad call of train_cnn on TINY with ``kwargs``; one epoch if it ever gets to training."""
    return lambda tmp: training.train_cnn(TINY, **{"num_epochs": 1, **kwargs})


def cli(*args):
    """A bad command line: main() returns its exit code, which we raise as SystemExit like the shell sees it."""

    def call(tmp):
        out = [] if "--out" in args else ["--out", str(tmp / "out")]
        sys.exit(experiment.main([str(blocked(tmp)) if a == "<blocked>" else a for a in args] + out))

    return call


def without_ray(call):
    """``call`` as on a machine without the cluster extra: importing Ray fails."""

    def run(tmp):
        saved = {name: sys.modules.get(name) for name in ("ray", "ray.tune")}
        sys.modules.update(dict.fromkeys(saved))  # None in sys.modules: import raises ImportError
        try:
            return call(tmp)
        finally:
            for name, module in saved.items():
                sys.modules.pop(name) if module is None else sys.modules.__setitem__(name, module)

    return run


def adam_rule_with_sgd(tmp):
    """A proximal step for Adam on a model trained with SGD: the only optimizer check there is."""
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    callback = lesson03.ProximalL1(0.1, rule="adam")
    model.fit(np.eye(2), np.ones(2), epochs=1, verbose=0, callbacks=[callback])


def blitted_figure(foreign=False):
    """BlittedFigure with no artists, or with an artist of another figure."""

    def call(tmp):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        try:
            (line,) = plt.figure().gca().plot([0, 1])
            widgets.BlittedFigure(plt.figure(), [line] if foreign else [])
        finally:
            plt.close("all")

    return call


def warned(call):
    """Run ``call`` with warnings raised as errors: a warning row of the table is then an exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def weak_group_step():
    """One epoch of the seed CNN on 20 blank images with a group step far too weak to remove a unit."""
    notebook.reseed(0)
    model = lesson06.seed_model()
    model.fit(_IMAGES, _LABELS, epochs=1, batch_size=10, verbose=0, callbacks=[lesson06.GroupProximal(1e-9)])


def not_the_seed_cnn():
    import keras

    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, name="output")])


def with_dead_layer(name):
    model = lesson06.seed_model()
    kernel, bias = model.get_layer(name).get_weights()
    model.get_layer(name).set_weights([np.zeros_like(kernel), bias])
    return model


def case(id, call, error, match, marks=()):
    return pytest.param(call, error, match, id=id, marks=marks)


# fmt: off
# One row per line: the table reads as the list of what the course refuses.
CASES = [
    # ---- strengths (Penalty and the NumPy penalties)
    case("penalty-negative-l2", lambda tmp: Penalty(l2_strength=-0.1), ValueError,
         r"l2_strength must be >= 0, got -0\.1"),
    case("penalty-nan-l1", lambda tmp: Penalty(l1_strength=NAN), ValueError,
         r"l1_strength must be a finite number >= 0, got nan"),
    case("penalty-inf-l2", lambda tmp: Penalty(l2_strength=INF), ValueError,
         r"l2_strength must be a finite number >= 0, got inf"),
    case("penalty-text-l1", lambda tmp: Penalty(l1_strength="0.1"), TypeError,
         r"l1_strength must be a finite number >= 0, got '0\.1' \(str\)"),
    case("penalty-bool-l2", lambda tmp: Penalty(l2_strength=True), TypeError,
         r"l2_strength must be a finite number >= 0, got True \(bool\)"),
    case("penalty-none-l1", lambda tmp: Penalty(l1_strength=None), TypeError,
         r"l1_strength must be a finite number >= 0, got None"),
    case("penalty-of-unknown-kind", lambda tmp: Penalty.of("l3", 1e-3), ValueError,
         r"unknown penalty kind 'l3'; allowed: 'none', 'l1', 'l2', 'l1_l2'"),
    case("penalty-of-zero-strength", lambda tmp: Penalty.of("l1", 0.0), ValueError,
         r"penalty kind 'l1' needs an L1 strength > 0 \(use kind 'none' for no penalty\)"),
    case("penalty-of-no-strength", lambda tmp: Penalty.of("l2"), ValueError,
         r"penalty kind 'l2' needs an L2 strength > 0"),
    case("penalty-of-both-one-missing", lambda tmp: Penalty.of("l1_l2", l1_strength=1e-3), ValueError,
         r"penalty kind 'l1_l2' needs an L2 strength > 0"),
    case("penalty-of-nan-l1", lambda tmp: Penalty.of("l1", l1_strength=NAN), ValueError,
         r"l1_strength must be a finite number >= 0, got nan"),
    case("soft-threshold-inf", lambda tmp: penalties.soft_threshold(np.ones(3), INF), ValueError,
         r"threshold must be a finite number >= 0"),
    case("soft-threshold-negative", lambda tmp: penalties.soft_threshold(np.ones(2), -0.1), ValueError,
         r"threshold must be >= 0"),
    # ---- conventions and the linear solvers of lesson 01
    case("to-keras-unknown-framework", lambda tmp: lesson01.to_keras(1.0, "torch", "l2"), ValueError,
         r"unknown framework 'torch'; allowed: 'keras', .*'sklearn_logistic'"),
    case("to-keras-negative-value", lambda tmp: lesson01.to_keras(-1.0, "keras", "l2"), ValueError,
         r"value must be >= 0"),
    case("from-keras-zero-n", lambda tmp: lesson01.from_keras(1e-3, "sklearn_ridge", "l2", n=0), ValueError,
         r"n must be an integer >= 1, got 0"),
    case("from-keras-unknown-kind", lambda tmp: lesson01.from_keras(1e-3, "keras", "l3"), ValueError,
         r"unknown kind 'l3'; allowed: 'l1', 'l2'"),
    case("from-keras-missing-combination", lambda tmp: lesson01.from_keras(1e-3, "sklearn_ridge", "l1", n=10),
         ValueError, r"framework 'sklearn_ridge' has no 'l1' penalty; it has: l2"),
    case("from-keras-negative", lambda tmp: lesson01.from_keras(-1e-3, "keras", "l2"), ValueError,
         r"keras_strength must be >= 0"),
    case("to-keras-nan-value", lambda tmp: lesson01.to_keras(NAN, "keras", "l2"), ValueError,
         r"value must be a finite number >= 0, got nan"),
    case("to-keras-text-value", lambda tmp: lesson01.to_keras("0.1", "keras", "l1"), TypeError,
         r"value must be a finite number >= 0, got '0\.1'"),
    case("from-keras-missing-n", lambda tmp: lesson01.from_keras(1e-3, "sklearn_ridge", "l2"), ValueError,
         r"n \(the number of training samples\) is required for sklearn_ridge l2"),
    case("to-keras-fractional-n", lambda tmp: lesson01.to_keras(1e-3, "seed_text", "l2", n=2.5), TypeError,
         r"n must be an integer >= 1, got 2\.5"),
    case("to-keras-zero-c", lambda tmp: lesson01.to_keras(0.0, "sklearn_logistic", "l2", n=10), ValueError,
         r"value must be > 0 for sklearn_logistic"),
    case("ridge-nan-strength", lambda tmp: lesson01.ridge_closed_form(np.eye(3), np.ones(3), NAN), ValueError,
         r"l2_strength must be a finite number >= 0"),
    case("ridge-wrong-x-shape", lambda tmp: lesson01.ridge_closed_form(np.ones(3), np.ones(3), 0.1), ValueError,
         r"X must be a 2-D array of shape \(n, d\) with n, d >= 1, got shape \(3,\)"),
    case("lasso-empty-data", lambda tmp: lesson01.lasso_ista(np.ones((0, 2)), np.ones(0), 0.1), ValueError,
         r"X must be a 2-D array of shape \(n, d\) with n, d >= 1, got shape \(0, 2\)"),
    case("fit-polynomial-unknown-kind", lambda tmp: lesson01.fit_polynomial([0, 1], [0, 1], 2, "l1_l2", 0.1),
         ValueError, r"unknown kind 'l1_l2'; allowed: 'none', 'l1', 'l2'"),
    case("level-curve-indefinite-a", lambda tmp: lesson01.level_curve(np.diag([1.0, -1.0]), np.zeros(2), 1.0),
         ValueError, r"A must be positive definite \(eigenvalues > 0\)"),
    case("ball-boundary-negative-radius", lambda tmp: lesson01.ball_boundary("l1", -1.0), ValueError,
         r"radius must be >= 0"),
    case("lasso-y-does-not-match-x", lambda tmp: lesson01.lasso_ista(X2, Y4[:-1], 0.1), ValueError,
         r"y must have shape \(4,\) to match X, got \(3,\)"),
    case("ridge-nan-in-x", lambda tmp: lesson01.ridge_closed_form(X2_NAN, Y4, 0.1), ValueError,
         r"X and y must hold finite numbers \(no NaN or inf\)"),
    case("ridge-negative-l2", lambda tmp: lesson01.ridge_closed_form(X2, Y4, -0.1), ValueError,
         r"l2_strength must be >= 0"),
    case("lasso-negative-l1", lambda tmp: lesson01.lasso_ista(X2, Y4, -0.1), ValueError, r"l1_strength must be >= 0"),
    case("lasso-zero-max-steps", lambda tmp: lesson01.lasso_ista(X2, Y4, 0.1, max_steps=0), ValueError,
         r"max_steps must be an integer >= 1, got 0"),
    case("lasso-negative-tol", lambda tmp: lesson01.lasso_ista(X2, Y4, 0.1, tol=-1.0), ValueError, r"tol must be >= 0"),
    case("poly-data-one-point", lambda tmp: lesson01.make_poly_data(n_train=1), ValueError,
         r"n_train must be an integer >= 2, got 1"),
    case("poly-data-negative-noise", lambda tmp: lesson01.make_poly_data(noise=-0.1), ValueError, r"noise must be >= 0"),
    case("fit-polynomial-zero-degree", lambda tmp: lesson01.fit_polynomial(np.linspace(-1, 1, 5), np.zeros(5), 0, "l2", 0.1),
         ValueError, r"degree must be an integer >= 1, got 0"),
    case("fit-polynomial-negative-strength",
         lambda tmp: lesson01.fit_polynomial(np.linspace(-1, 1, 5), np.zeros(5), 3, "l2", -1.0), ValueError,
         r"strength must be >= 0"),
    case("optimum-2d-wrong-shape", lambda tmp: lesson01.penalized_optimum_2d(np.eye(3), np.zeros(3), "l1", 0.1),
         ValueError, r"A must have shape \(2, 2\) and w_ls shape \(2,\), got \(3, 3\)"),
    case("optimum-2d-unknown-kind", lambda tmp: lesson01.penalized_optimum_2d(np.eye(2), np.zeros(2), "none", 0.1),
         ValueError, r"unknown kind 'none'; allowed: 'l1', 'l2'"),
    case("level-curve-negative-level", lambda tmp: lesson01.level_curve(np.eye(2), np.zeros(2), -1.0), ValueError,
         r"level must be >= 0"),
    case("ball-boundary-few-points", lambda tmp: lesson01.ball_boundary("l1", 1.0, num_points=3), ValueError,
         r"num_points must be an integer >= 5, got 3"),
    # ---- data sources and splits
    case("load-unknown-source", lambda tmp: data.load_dataset("cifar10"), ValueError,
         r"unknown data source 'cifar10'; allowed: 'mnist-5k', 'mnist', 'fashion-mnist'"),
    case("load-n-train-larger-than-data", lambda tmp: data.load_dataset("mnist-5k", n_train=3001), ValueError,
         r"n_train=3001 does not fit: data source 'mnist-5k' has only 3,000"),
    case("load-n-val-larger-than-data", lambda tmp: data.load_dataset("mnist-5k", n_val=4000), ValueError,
         r"n_val=4000 does not fit: data source 'mnist-5k' has 4,000 training images"),
    case("load-n-train-too-small-to-stratify", lambda tmp: data.load_dataset("mnist-5k", n_train=5), ValueError,
         r"n_train=5 is too small for a stratified split: need at least 10"),
    case("load-n-train-zero", lambda tmp: data.load_dataset("mnist-5k", n_train=0), ValueError,
         r"n_train must be an integer >= 1, got 0"),
    case("load-n-test-negative", lambda tmp: data.load_dataset("mnist-5k", n_test=-3), ValueError,
         r"n_test must be an integer >= 1, got -3"),
    case("load-split-seed-bool", lambda tmp: data.load_dataset("mnist-5k", split_seed=True), TypeError,
         r"split_seed must be an integer >= 0, got True"),
    case("load-path-for-another-source", lambda tmp: data.load_dataset("mnist-5k", path=tmp), ValueError,
         r"path= is only for data source 'mnist'"),
    # ---- images and labels given to training (no run gets as far as training)
    case("train-image-shape", train(x_train=np.zeros((20, 28, 28), np.float32)), ValueError,
         r"x_train must have shape \(n, 28, 28, 1\), got \(20, 28, 28\)"),
    case("train-image-dtype", train(x_train=np.zeros((20, 28, 28, 1), np.uint8)), ValueError,
         r"x_train must be float32 in \[0, 1\], got dtype uint8"),
    case("train-image-range", train(x_train=np.full((20, 28, 28, 1), 255.0, np.float32)), ValueError,
         r"x_train must hold finite values in \[0, 1\]"),
    case("train-image-nan", train(x_train=np.full((20, 28, 28, 1), NAN, np.float32)), ValueError,
         r"x_train must hold finite values in \[0, 1\]"),
    case("train-empty-data", train(x_train=_IMAGES[:0], y_train=_LABELS[:0]), ValueError,
         r"x_train is empty \(0 images\): need at least 1 image"),
    case("train-label-out-of-range", train(y_train=np.full(20, 10)), ValueError,
         r"y_train must hold labels in 0\.\.9, found 10\.\.10"),
    case("train-label-negative", train(y_train=np.full(20, -1)), ValueError,
         r"y_train must hold labels in 0\.\.9, found -1\.\.-1"),
    case("train-label-count", train(y_train=_LABELS[:19]), ValueError,
         r"y_train has 19 labels for 20 images: need one label per image"),
    case("train-label-dtype", train(y_train=_LABELS.astype(np.float32)), ValueError,
         r"y_train must hold integers 0\.\.9, got dtype float32"),
    case("train-val-image-shape", train(x_val=np.zeros((3, 28, 28, 3), np.float32), y_val=_LABELS[:3]), ValueError,
         r"x_val must have shape \(n, 28, 28, 1\)"),
    case("train-zero-epochs", train_with(num_epochs=0), ValueError, r"num_epochs must be an integer >= 1, got 0"),
    case("train-negative-batch-size", train_with(batch_size=-64), ValueError,
         r"batch_size must be an integer >= 1, got -64"),
    case("train-negative-seed", train_with(seed=-1), ValueError, r"seed must be an integer >= 0, got -1"),
    case("train-penalty-as-text", train_with(penalty="l2"), TypeError,
         r"penalty must be a helpers.penalties.Penalty, got str"),
    case("train-nan-learning-rate", train_with(learning_rate=NAN), ValueError,
         r"learning_rate must be a finite number > 0, got nan"),
    case("train-zero-learning-rate", train_with(learning_rate=0.0), ValueError, r"learning_rate must be > 0, got 0\.0"),
    case("train-cnns-no-penalties", lambda tmp: side_by_side.train_cnns(TINY, [], num_epochs=1), ValueError,
         r"penalties is empty: give at least one helpers.penalties.Penalty"),
    case("train-cnns-penalty-as-text", lambda tmp: side_by_side.train_cnns(TINY, ["l2"], num_epochs=1), TypeError,
         r"penalty must be a helpers.penalties.Penalty, got str"),
    case("fit-model-not-compiled", lambda tmp: fast_fit.fit_model(models.build_cnn(compile_model=False),
                                                                  _IMAGES, _LABELS, num_epochs=1, batch_size=8),
         ValueError, r"model must be compiled first"),
    case("fit-model-no-images", lambda tmp: fast_fit.fit_model(models.build_cnn(), _IMAGES[:0],
                                                               _LABELS[:0], num_epochs=1, batch_size=8),
         ValueError, r"x holds no images: give at least one"),
    case("fit-model-zero-batch-size", lambda tmp: fast_fit.fit_model(None, _IMAGES, _LABELS, num_epochs=1, batch_size=0),
         ValueError, r"batch_size must be an integer >= 1, got 0"),
    case("evaluate-zero-batch-size", lambda tmp: training.evaluate(None, _IMAGES, _LABELS, batch_size=0), ValueError,
         r"batch_size must be an integer >= 1, got 0"),
    case("fast-path-unknown-switch", lambda tmp: runtime.choose_dtype_policy("fast"), ValueError,
         r"fast_path \(or \$COURSE_FAST_PATH\) must be one of auto, on, off, True, False; got 'fast'"),
    case("build-cnn-penalty-as-text", lambda tmp: models.build_cnn("l2"), TypeError,
         r"penalty must be a helpers.penalties.Penalty, got str"),
    case("evaluate-label-count", lambda tmp: training.evaluate(None, _IMAGES, _LABELS[:3]),
         ValueError, r"labels has 3 labels for 20 images"),
    case("setup-notebook-negative-seed", lambda tmp: notebook.setup_notebook(seed=-1),
         ValueError, r"seed must be an integer >= 0, got -1"),
    case("setup-notebook-zero-threads", lambda tmp: notebook.setup_notebook(threads=0), ValueError,
         r"threads must be an integer >= 1, got 0"),
    case("setup-notebook-zero-models-per-fit", lambda tmp: notebook.setup_notebook(models_per_fit=0), ValueError,
         r"models_per_fit must be an integer >= 1, got 0"),
    # ---- lesson 04: cross-validation, schedules, variants, the proximal step
    case("cnn-classifier-image-dtype",
         lambda tmp: lesson04.CNNClassifier().fit(_IMAGES.astype(np.float64), _LABELS), ValueError,
         r"X must be float32 in \[0, 1\], got dtype float64"),
    case("cnn-classifier-unknown-kind", lambda tmp: lesson04.CNNClassifier(kind="L1").fit(_IMAGES, _LABELS),
         ValueError, r"unknown penalty kind 'L1'; allowed: 'none', 'l1', 'l2', 'l1_l2'"),
    case("cnn-classifier-image-shape", lambda tmp: lesson04.CNNClassifier().fit(_IMAGES[..., 0], _LABELS), ValueError,
         r"X must have shape \(n, 28, 28, 1\), got \(20, 28, 28\)"),
    case("cnn-classifier-label-count", lambda tmp: lesson04.CNNClassifier().fit(_IMAGES, _LABELS[:-1]), ValueError,
         r"y has 19 labels for 20 images"),
    case("variant-negative-weight-decay", lambda tmp: lesson05.build_variant_cnn(weight_decay=-0.1), ValueError,
         r"weight_decay must be >= 0"),
    case("variant-early-stopping-without-validation", lambda tmp: lesson05.train_variant(TINY, early_stopping_patience=2),
         ValueError, r"early_stopping_patience needs validation images \(data.y_val is empty\)"),
    case("variant-zero-patience", lambda tmp: lesson05.train_variant(TINY, early_stopping_patience=0), ValueError,
         r"early_stopping_patience must be an integer >= 1, got 0"),
    case("scheduled-l2-zero", lambda tmp: lesson05.scheduled_l2(0.0), ValueError,
         r"l2_strength must be > 0, got 0\.0"),
    case("scheduled-l2-negative-initial", lambda tmp: lesson05.scheduled_l2(1e-3, initial_strength=-1.0), ValueError,
         r"initial_strength must be >= 0"),
    case("variable-l2-float-strength", lambda tmp: lesson05.VariableL2(0.1), TypeError,
         r"strength must be a keras.Variable, got float"),
    case("schedule-needs-scheduled-penalty",
         lambda tmp: lesson05.StrengthSchedule(Penalty.of("l2", 1e-3), lesson05.linear_warmup(1e-3, 2)), TypeError,
         r"penalty must be a ScheduledPenalty, got Penalty"),
    case("schedule-not-callable", lambda tmp: lesson05.StrengthSchedule(lesson05.scheduled_l2(1e-3), 0.5), TypeError,
         r"schedule must be a function epoch -> strength, got float"),
    case("schedule-returns-negative",
         lambda tmp: lesson05.StrengthSchedule(lesson05.scheduled_l2(1e-3), lambda epoch: -1.0).on_epoch_begin(0), ValueError,
         r"schedule\(0\) must be >= 0"),
    case("warmup-negative-target", lambda tmp: lesson05.linear_warmup(-1.0, 4), ValueError, r"target_strength must be >= 0"),
    case("warmup-zero-epochs", lambda tmp: lesson05.linear_warmup(1e-3, 0), ValueError,
         r"warmup_epochs must be an integer >= 1, got 0"),
    case("variant-dropout-one", lambda tmp: lesson05.build_variant_cnn(dropout_rate=1.0), ValueError,
         r"dropout_rate must be a number in \[0, 1\) \(the share of units dropped\), got 1\.0"),
    case("variant-nan-learning-rate", lambda tmp: lesson05.build_variant_cnn(learning_rate=NAN), ValueError,
         r"learning_rate must be a finite number > 0, got nan"),
    case("variant-warmup-needs-l2", lambda tmp: lesson05.train_variant(TINY, kind="l1", strength=1e-3, warmup_epochs=2),
         ValueError, r"warmup_epochs needs kind 'l2', got kind 'l1'"),
    case("scheduled-l2-negative", lambda tmp: lesson05.scheduled_l2(-1e-3), ValueError, r"l2_strength must be > 0, got -0\.001"),
    case("proximal-negative-strength", lambda tmp: lesson03.ProximalL1(-1e-4), ValueError,
         r"l1_strength must be > 0, got -0\.0001"),
    case("proximal-text-strength", lambda tmp: lesson03.ProximalL1("big"), TypeError,
         r"l1_strength must be a finite number > 0, got 'big'"),
    case("proximal-adam-rule-with-sgd-optimizer", adam_rule_with_sgd, ValueError,
         r"rule='adam' needs a keras.optimizers.Adam optimizer, got SGD"),
    case("proximal-unknown-rule", lambda tmp: lesson03.ProximalL1(1e-3, rule="sgd"),
         ValueError, r"unknown rule 'sgd'; allowed: 'learning_rate', 'adam'"),
    case("proximal-zero-strength", lambda tmp: lesson03.ProximalL1(0.0), ValueError,
         r"l1_strength must be > 0, got 0\.0"),
    # ---- lesson 06: group lasso, the narrower model, pruning (a strength or share that removes nothing warns)
    case("group-proximal-negative-strength", lambda tmp: lesson06.GroupProximal(-0.1), ValueError,
         r"strength must be > 0, got -0\.1"),
    case("group-proximal-nan-strength", lambda tmp: lesson06.GroupProximal(NAN), ValueError,
         r"strength must be a finite number > 0, got nan"),
    case("group-proximal-infinite-strength", lambda tmp: lesson06.GroupProximal(INF), ValueError,
         r"strength must be a finite number > 0, got inf"),
    case("group-proximal-text-strength", lambda tmp: lesson06.GroupProximal("big"), TypeError,
         r"strength must be a finite number > 0, got 'big'"),
    case("group-proximal-bool-strength", lambda tmp: lesson06.GroupProximal(True), TypeError,
         r"strength must be a finite number > 0, got True"),
    case("group-proximal-unknown-weighting", lambda tmp: lesson06.GroupProximal(0.3, weighting="flops"), ValueError,
         r"unknown weighting 'flops'; allowed: 'size', 'cost'"),
    case("group-proximal-removes-nothing", lambda tmp: warned(weak_group_step), UserWarning,
         r"GroupProximal\(strength=1e-09\) removed no unit"),
    case("group-weights-unknown-weighting", lambda tmp: lesson06.group_weights(lesson06.seed_model(), "none"),
         ValueError, r"unknown weighting 'none'"),
    case("group-norms-of-a-vector", lambda tmp: lesson06.group_norms(np.ones(3)), ValueError,
         r"kernel must be a Conv2D or Dense kernel \(2 or more axes\), got shape \(3,\)"),
    case("narrow-model-not-the-seed-cnn", lambda tmp: lesson06.narrow_model(not_the_seed_cnn()), ValueError,
         r"model must have the seed CNN's layers"),
    case("narrow-model-not-a-model", lambda tmp: lesson06.narrow_model({"conv1": np.ones((3, 3, 1, 32))}),
         ValueError, r"model must be a Keras model of the seed's CNN, got dict"),
    case("narrow-model-layer-all-removed", lambda tmp: lesson06.narrow_model(with_dead_layer("dense1")), ValueError,
         r"model's layer 'dense1' has every unit removed .* the model can no longer predict"),
    case("narrow-model-removes-nothing", lambda tmp: warned(lambda: lesson06.narrow_model(lesson06.seed_model())),
         UserWarning, r"model has no unit whose weights are all zero"),
    case("prune-sparsity-one", lambda tmp: lesson06.magnitude_prune({"a": np.ones((2, 2))}, 1.0), ValueError,
         r"sparsity must be a number in \[0, 1\) \(the share of weights to remove\), got 1\.0"),
    case("prune-negative-sparsity", lambda tmp: lesson06.magnitude_prune({"a": np.ones((2, 2))}, -0.1), ValueError,
         r"sparsity must be a number in \[0, 1\) \(the share of weights to remove\), got -0\.1"),
    case("prune-nan-sparsity", lambda tmp: lesson06.magnitude_prune({"a": np.ones((2, 2))}, NAN), ValueError,
         r"sparsity must be a (finite )?number"),
    case("prune-zero-sparsity", lambda tmp: warned(lambda: lesson06.magnitude_prune({"a": np.ones((2, 2))}, 0.0)),
         UserWarning, r"sparsity=0 removes no weight"),
    case("seed-model-zero-width", lambda tmp: lesson06.seed_model({"conv1": 0}), ValueError,
         r"widths\['conv1'\] must be an integer >= 1, got 0"),
    case("forward-pass-no-models", lambda tmp: lesson06.forward_pass_ms({}), ValueError,
         r"models must be a non-empty dict"),
    case("forward-pass-zero-repeats", lambda tmp: lesson06.forward_pass_ms({"m": None}, repeats=0), ValueError,
         r"repeats must be an integer >= 1, got 0"),
    case("group-lasso-sweep-negative-strength", lambda tmp: lesson06.run_group_lasso_sweep({}, [-1.0]), ValueError,
         r"strengths must be > 0, got -1\.0"),
    # ---- weights, lesson 02's sweep, plotting, widgets
    case("sparsity-zero-threshold", lambda tmp: weights.sparsity({"conv1": np.ones(3)}, [0.0]), ValueError,
         r"thresholds must be > 0, got 0\.0"),
    case("sparsity-text-threshold", lambda tmp: weights.sparsity({"conv1": np.ones(3)}, ["small"]), TypeError,
         r"thresholds must be a finite number > 0, got 'small'"),
    case("sparsity-empty-kernel", lambda tmp: weights.sparsity({"conv1": np.ones(0)}), ValueError,
         r"weights\['conv1'\] is empty: every kernel needs at least one weight"),
    case("sparsity-no-kernels", lambda tmp: weights.sparsity({}), ValueError, r"weights is empty"),
    case("nearest-run-unknown-kind", lambda tmp: lesson03.nearest_run(SWEEP, "l1_l2", 1e-3), ValueError,
         r"unknown kind 'l1_l2'; allowed: 'l1', 'l2'"),
    case("sweep-view-unknown-layer", lambda tmp: lesson03.sweep_view(SWEEP, "l1", 1e-3, layer="conv9"),
         ValueError, r"unknown layer 'conv9'; allowed: 'conv1', 'all'"),
    case("run-weight-sweep-zero-strength", lambda tmp: lesson03.run_weight_sweep(TINY, strengths=[0.0]),
         ValueError, r"strengths must be > 0, got 0\.0"),
    case("kernel-summary-no-weights", lambda tmp: lesson03.kernel_summary({}), ValueError,
         r"weights must be a non-empty dict \{layer name: kernel array\}"),
    case("kernel-summary-list-of-weights", lambda tmp: lesson03.kernel_summary([np.ones(3)]), ValueError,
         r"weights must be a non-empty dict"),
    case("kernel-summary-one-edge", lambda tmp: lesson03.kernel_summary({"a": np.ones(3)}, [0.0]), ValueError,
         r"edges must be a 1-D increasing array of at least 2 bin edges"),
    case("kernel-summary-decreasing-edges", lambda tmp: lesson03.kernel_summary({"a": np.ones(3)}, [1.0, 0.0]),
         ValueError, r"edges must be a 1-D increasing array"),
    case("sweep-view-kind-none", lambda tmp: lesson03.sweep_view(SWEEP, "none", 1e-3), ValueError,
         r"unknown kind 'none'; allowed: 'l1', 'l2'"),
    case("sweep-view-zero-strength", lambda tmp: lesson03.sweep_view(SWEEP, "l1", 0.0), ValueError,
         r"strength must be > 0"),
    case("sweep-view-negative-strength", lambda tmp: lesson03.sweep_view(SWEEP, "l1", -1e-3), ValueError,
         r"strength must be > 0, got -0\.001"),
    case("sweep-view-text-strength", lambda tmp: lesson03.sweep_view(SWEEP, "l1", "big"), TypeError,
         r"strength must be a finite number > 0, got 'big'"),
    case("run-weight-sweep-no-strengths", lambda tmp: lesson03.run_weight_sweep(None, []), ValueError,
         r"strengths must be a non-empty list of values > 0"),
    case("run-weight-sweep-unknown-kind", lambda tmp: lesson03.run_weight_sweep(None, [1e-3], ("l3",)),
         ValueError, r"unknown kind 'l3'; allowed: 'l1', 'l2', 'l1_l2'"),
    case("run-weight-sweep-kind-none", lambda tmp: lesson03.run_weight_sweep(None, [1e-3], ("none",)),
         ValueError, r"unknown kind 'none'"),
    case("train-runs-no-specs", lambda tmp: lesson03.train_runs(None, {}), ValueError,
         r"specs must be a non-empty dict \{run name: spec\}"),
    case("train-runs-proximal-and-regularizer", lambda tmp: lesson03.train_runs(
        None, {"x": {"l1_strength": 1e-4, "proximal": {"l1_strength": 1e-4, "rule": "adam"}}}), ValueError,
         r"a run with a proximal L1 step takes no L1/L2 regularizer as well"),
    case("penalty-style-unknown-kind", lambda tmp: plotting.penalty_style("L2"),
         ValueError, r"unknown penalty kind 'L2'; allowed: 'none', 'l1', 'l2', 'l1_l2'"),
    case("slider-text-value", lambda tmp: widgets.strength_slider(value="big"), TypeError,
         r"value must be a finite number >= 0, got 'big'"),
    case("slider-value-out-of-range", lambda tmp: widgets.strength_slider(value=10.0), ValueError,
         r"value=10 must lie in \[1e-6, 1e0\]"),
    case("latency-zero-repeats", lambda tmp: latency.measure_latency(print, [1e-3], repeats=0), ValueError,
         r"repeats must be an integer >= 1, got 0"),
    case("latency-no-values", lambda tmp: latency.measure_latency(print, []), ValueError,
         r"values is empty: give at least one value"),
    case("blitted-figure-no-artists", blitted_figure(), ValueError,
         r"artists must list at least one artist of the figure"),
    case("blitted-figure-foreign-artist", blitted_figure(foreign=True), ValueError,
         r"artists must hold artists of this figure only"),
    case("nearest-index-empty-grid", lambda tmp: widgets.nearest_index([], 1e-3), ValueError,
         r"grid is empty: give at least one strength > 0"),
    case("nearest-index-zero-in-grid", lambda tmp: widgets.nearest_index([0.0, 1e-3], 1e-3), ValueError,
         r"grid must be > 0, got 0\.0"),
    case("nearest-index-negative", lambda tmp: widgets.nearest_index([1e-3], -1.0), ValueError,
         r"value must be > 0, got -1\.0"),
    case("nearest-index-text", lambda tmp: widgets.nearest_index([1e-3], "big"), TypeError,
         r"value must be a finite number > 0, got 'big'"),
    # ---- the paired comparison of two recipes over seeds
    case("paired-one-seed", lambda tmp: compare.paired_difference([0.9], [0.8]), ValueError,
         r"need at least 2 seeds to estimate the seed noise, got 1"),
    case("paired-unequal-seeds", lambda tmp: compare.paired_difference([0.9, 0.8], [0.8]), ValueError,
         r"baseline and other must be 1-D with one value per seed, in the same order; got shapes \(2,\) and \(1,\)"),
    case("paired-nan", lambda tmp: compare.paired_difference([0.9, NAN], [0.8, 0.7]), ValueError,
         r"baseline and other must be finite numbers"),
    # ---- published results, the user's cache and output folders
    case("result-non-writable-directory",
         lambda tmp: store.save_result(blocked(tmp) / "r.npz", "r", {}, {"a": np.ones(2)}, {}),
         ValueError, r"directory '.*sub' is not a writable folder"),
    case("result-name-with-a-path", lambda tmp: store.published_or_trained("../escape", {}, dict, cache_dir=tmp),
         ValueError, r"name must be letters, digits, '_' or '-' \(a plain file name\), got '\.\./escape'"),
    case("result-empty-name", lambda tmp: store.published_or_trained("", {}, dict, cache_dir=tmp), ValueError,
         r"name must be letters, digits, '_' or '-'"),
    case("retrain-switch-unknown-value",
         with_environment("COURSE_RETRAIN", "sometimes", lambda tmp: store.retrain_mode()), ValueError,
         r"COURSE_RETRAIN must be one of no, yes, publish \(or 1/0, on/off, true/false\); got 'sometimes'"),
    case("retrain-flag-not-a-bool", lambda tmp: notebook.setup_notebook(retrain="yes"), TypeError,
         r"retrain must be True or False, got 'yes' \(str\)"),
    case("user-cache-inside-published",
         with_environment("COURSE_CACHE_DIR", str(store.PUBLISHED_DIR / "mine"), lambda tmp: store.user_cache_dir()),
         ValueError, r"COURSE_CACHE_DIR must not be inside .*published: retrained results never go over"),
    case("writable-dir-is-a-file", lambda tmp: validation.check_writable_dir("--out", blocked(tmp)), ValueError,
         r"--out '.*sub' is not a writable folder"),
    case("save-results-non-writable-folder", lambda tmp: experiment.save_results({}, blocked(tmp)), ValueError,
         r"folder '.*sub' is not a writable folder"),
    # ---- the experiment's shared functions
    case("config-zero-epochs", lambda tmp: lesson02.make_config(epochs=0), ValueError,
         r"epochs must be an integer >= 1, got 0"),
    case("config-unknown-dataset", lambda tmp: lesson02.make_config(dataset="imagenet"), ValueError,
         r"unknown dataset 'imagenet'; allowed: 'mnist-5k', 'mnist', 'fashion-mnist'"),
    case("config-negative-l2", lambda tmp: lesson02.make_config(l2_strength=-1.0), ValueError,
         r"l2_strength must be >= 0"),
    case("config-no-seeds", lambda tmp: lesson02.make_config(seeds=[]), ValueError,
         r"seeds must be a non-empty list of distinct integers >= 0"),
    case("config-unknown-key", lambda tmp: lesson02.make_config(lambda_=1), ValueError,
         r"unknown configuration key\(s\): lambda_; allowed: batch_size, dataset, epochs, "),
    case("config-zero-learning-rate", lambda tmp: lesson02.make_config(learning_rate=0.0), ValueError,
         r"learning_rate must be > 0, got 0\.0"),
    case("config-unknown-kind", lambda tmp: lesson02.make_config(kinds=["none", "l3"]), ValueError,
         r"unknown penalty kind 'l3'; allowed: 'none', 'l1', 'l2', 'l1_l2'"),
    case("sweep-config-unknown-kind", lambda tmp: lesson02.sweep_config(None, {"l1_l2": [1e-3]}), ValueError,
         r"unknown sweep kind 'l1_l2'; allowed: 'l1', 'l2'"),
    case("sweep-config-zero-strength", lambda tmp: lesson02.sweep_config(None, {"l2": [0.0]}), ValueError,
         r"strength must be > 0, got 0\.0"),
    case("sweep-config-not-a-dict", lambda tmp: lesson02.sweep_config(None, "l2"), ValueError,
         r"strengths_by_kind must be a dict like \{'l2': \[1e-3, 1e-2\]\}, got 'l2'"),
    case("sweep-point-negative", lambda tmp: lesson02.sweep_point(RESULTS, -1.0), ValueError,
         r"strength must be > 0, got -1\.0"),
    case("choose-strength-unknown-metric", lambda tmp: lesson02.choose_strength(RESULTS, metric="loss"),
         ValueError, r"unknown metric 'loss'; allowed: 'val_accuracy'"),
    case("sweep-point-not-one-kind", lambda tmp: lesson02.sweep_point({"runs": [{"kind": "none"}]}, 1e-3),
         ValueError, r"results must be a sweep of one penalty kind \('l1' or 'l2'\)"),
    case("config-repeated-strengths", lambda tmp: lesson02.make_config(l2_strength=[1e-3, 1e-3]), ValueError,
         r"l2_strength must be a number >= 0 or a non-empty list of distinct ones, got \[0\.001, 0\.001\]"),
    case("config-empty-strengths", lambda tmp: lesson02.make_config(l1_strength=[]), ValueError,
         r"l1_strength must be a number >= 0 or a non-empty list of distinct ones, got \[\]"),
    case("config-negative-strength-in-list", lambda tmp: lesson02.make_config(l2_strength=[1e-3, -1.0]), ValueError,
         r"l2_strength must be >= 0, got -1\.0"),
    case("trial-penalty-not-in-config", lambda tmp: lesson02.run_trial(lesson02.make_config(), Penalty(l2_strength=0.5), 0, data=TINY),
         ValueError, r"penalty L2\(0\.5\) is not one of the configuration's: none, L1\(0\.001\), L2\(0\.01\)"),
    case("trial-seed-not-in-config", lambda tmp: lesson02.run_trial(lesson02.make_config(), Penalty(), 7, data=TINY),
         ValueError, r"seed 7 is not one of the configuration's: \[0\]"),
    case("trial-penalty-text", lambda tmp: lesson02.run_trial(lesson02.make_config(), "l2", 0, data=TINY),
         TypeError, r"penalty must be a helpers\.penalties\.Penalty"),
    # ---- the cluster back end (helpers.cluster); what needs a running Ray is in tests/test_cluster.py
    case("ray-address-not-text", lambda tmp: cluster.check_ray_address(6379), TypeError,
         r"--ray must be text like 'auto' or '10\.0\.0\.5:6379', got 6379"),
    case("ray-address-without-port", lambda tmp: cluster.check_ray_address("head-node"), ValueError,
         r"--ray must be 'local' \(start Ray on this machine\), 'auto' .* or a head node's HOST:PORT"),
    case("ray-missing", without_ray(lambda tmp: cluster.connect("local")), cluster.ClusterError,
         r"--ray needs Ray Tune, which is not installed .*: run pip install -e \"\.\[cluster\]\" in the course's folder"),
    case("ray-trials-missing", without_ray(lambda tmp: cluster.run_experiment_on_ray(lesson02.make_config(), TINY)),
         cluster.ClusterError, r"--ray needs Ray Tune, which is not installed"),
    # ---- the command line: exit code 2, one line on stderr naming the option and what it allows
    case("cli-negative-strength", cli("--l2", "-0.1"), SystemExit, r"argument --l2: the value must be >= 0, got -0\.1 \(from '-0\.1'\)"),
    case("cli-nan-strength", cli("--l1", "nan"), SystemExit, r"argument --l1: the value must be a finite number >= 0, got nan \(from 'nan'\)"),
    case("cli-infinite-strength", cli("--l2", "inf"), SystemExit, r"argument --l2: the value must be a finite number >= 0, got inf"),
    case("cli-text-strength", cli("--l2", "lots"), SystemExit, r"argument --l2: expected a number, got 'lots'"),
    case("cli-bool-strength", cli("--l1", "True"), SystemExit, r"argument --l1: expected a number, got 'True'"),
    case("cli-zero-strength-for-its-kind", cli("--l1", "0"), SystemExit,
         r"penalty kind 'l1' needs an L1 strength > 0"),
    case("cli-unknown-kind", cli("--kinds", "none,l3"), SystemExit,
         r"argument --kinds: unknown penalty kind 'l3'; allowed: 'none', 'l1', 'l2', 'l1_l2' \(from 'l3'\)"),
    case("cli-unknown-dataset", cli("--dataset", "cifar10"), SystemExit,
         r"argument --dataset: invalid choice: 'cifar10' \(choose from .*mnist-5k"),
    case("cli-no-optimizer-option", cli("--optimizer", "sgd"), SystemExit,
         r"unrecognized arguments: --optimizer sgd \(see --help\)"),
    case("cli-unknown-option", cli("--lambda", "1"), SystemExit, r"unrecognized arguments: --lambda 1"),
    case("cli-zero-epochs", cli("--epochs", "0"), SystemExit, r"argument --epochs: the value must be an integer >= 1, got 0 \(from '0'\)"),
    case("cli-fractional-epochs", cli("--epochs", "2.5"), SystemExit,
         r"argument --epochs: expected an integer, got '2\.5'"),
    case("cli-zero-batch-size", cli("--batch-size", "0"), SystemExit,
         r"argument --batch-size: the value must be an integer >= 1, got 0"),
    case("cli-repeated-seeds", cli("--seeds", "0,0"), SystemExit,
         r"argument --seeds: expected a list of distinct values like 0,1,2, got '0,0'"),
    case("cli-negative-seed", cli("--seeds", "-1"), SystemExit,
         r"argument --seeds: a seed must be an integer >= 0, got -1"),
    case("cli-text-seed", cli("--seeds", "one"), SystemExit,
         r"argument --seeds: expected an integer, got 'one'"),
    case("cli-negative-n-val", cli("--n-val", "-1"), SystemExit, r"argument --n-val: the value must be an integer >= 0, got -1"),
    case("cli-zero-threads", cli("--threads", "0"), SystemExit, r"argument --threads: the value must be an integer >= 1, got 0"),
    case("cli-label-noise-one", cli("--label-noise", "1"), SystemExit,
         r"argument --label-noise: the value must be a number in \[0, 1\) \(the share of wrong training labels\), got 1\.0"),
    case("config-negative-label-noise", lambda tmp: lesson02.make_config(label_noise=-0.1), ValueError,
         r"label_noise must be a number in \[0, 1\) \(the share of wrong training labels\), got -0.1"),
    case("label-noise-all-labels", lambda tmp: data.with_label_noise(TINY, 1.0), ValueError,
         r"fraction must be a number in \[0, 1\) \(the share of wrong training labels\), got 1.0"),
    case("label-noise-text", lambda tmp: data.with_label_noise(TINY, "0.4"), TypeError,
         r"fraction must be a number in \[0, 1\).*got '0.4'"),
    case("experiment-data-without-its-noise", lambda tmp: lesson02.run_experiment(lesson02.make_config(epochs=1), data=TINY, log=None),
         ValueError, r"data has label noise 0.0, the configuration 0.4: load it with experiment_data\(config\)"),
    case("cli-zero-learning-rate", cli("--learning-rate", "0"), SystemExit,
         r"argument --learning-rate: the value must be > 0, got 0\.0"
),
    case("cli-n-train-larger-than-data", cli("--n-train", "99999"), SystemExit,
         r"n_train=99999 does not fit: data source 'mnist-5k' has only 3,000"),
    case("cli-data-path-for-another-dataset", cli("--data-path", "x.npz"), SystemExit,
         r"--data-path is only for --dataset mnist, not 'mnist-5k'"),
    case("cli-non-writable-out", cli("--out", "<blocked>"), SystemExit, r"--out '.*sub' is not a writable folder"),
    case("cli-ray-malformed-address", cli("--ray", "head-node"), SystemExit,
         r"argument --ray: --ray must be 'local' .* or a head node's HOST:PORT such as 10\.0\.0\.5:6379; got 'head-node'"),
    case("cli-ray-port-out-of-range", cli("--ray", "10.0.0.5:99999"), SystemExit,
         r"argument --ray: --ray must be .*got '10\.0\.0\.5:99999'"),
    case("cli-negative-retries", cli("--retries", "-1"), SystemExit, r"argument --retries: the value must be an integer >= 0, got -1"),
    case("cli-seed-range-downwards", cli("--seeds", "4-0"), SystemExit, r"argument --seeds: a range runs upwards, like 0-4, got '4-0'"),
    case("cli-repeated-strengths", cli("--l2", "1e-3,0.001"), SystemExit,
         r"argument --l2: expected a list of distinct values like 0,1,2, got '1e-3,0\.001'"),
    case("cli-negative-strength-in-sweep", cli("--l1", "1e-4,-1e-3"), SystemExit, r"argument --l1: the value must be >= 0, got -0\.001"),
]
# fmt: on


@pytest.mark.parametrize("call, error, match", CASES)
def test_bad_input_is_rejected(call, error, match, tmp_path, capsys):
    if error is not SystemExit:
        with pytest.raises(error, match=match):
            call(tmp_path)
        return
    with pytest.raises(SystemExit) as stop:
        call(tmp_path)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err  # 2: a bad option (documented in --help)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("python -m helpers.experiment: error: "), err
    assert re.search(match, err), f"{match!r} not in {err!r}"
