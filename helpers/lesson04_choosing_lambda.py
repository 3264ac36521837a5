"""Lesson 04's helpers: one cross-validation fold's training images, and lesson 02's runs to compare with.

The lesson writes its K-fold loop itself (scikit-learn's ``StratifiedKFold`` over the
training images, one side-by-side fit of every λ per fold); :func:`training_subset` and
:func:`lesson02_runs` only keep it short. :class:`CNNClassifier` is the seed's CNN as a
scikit-learn estimator, for ``GridSearchCV`` ("Going further").
"""

import dataclasses

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from helpers.data import Dataset
from helpers.internal.side_by_side import train_cnns
from helpers.internal.validation import check_images, check_labels
from helpers.lesson02_cnn_penalties import cached_results, sweep_config
from helpers.penalties import Penalty
from helpers.training import evaluate, train_cnn

# train_cnns is offered here for the lesson's fold loop: every λ of the grid trains side by side in one fit.
__all__ = ["LESSON02_SWEEP", "CNNClassifier", "lesson02_runs", "train_cnns", "training_subset"]


def training_subset(data, index):
    """``data`` with only the training images ``index`` (given and true labels alike) and no validation images.

    One cross-validation fold's training part: the test images stay, the validation images
    go, so that nothing outside the fold is looked at while training.
    """
    index = np.asarray(index)
    if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer) or not index.size:
        raise ValueError(f"index must be a non-empty 1-D array of integer positions, got {index!r}")
    if index.min() < -len(data.y_train) or index.max() >= len(data.y_train):
        raise ValueError(f"index holds positions outside the {len(data.y_train)} training images")
    true = None if data.y_train_true is None else data.y_train_true[index]
    return dataclasses.replace(
        data,
        x_train=data.x_train[index],
        y_train=data.y_train[index],
        y_train_true=true,
        x_val=data.x_val[:0],
        y_val=data.y_val[:0],
    )


# Lesson 02's λ sweep (seed 0), as its notebook configures it; the runs at the regime's own
# strengths come from its five-seed experiment.
LESSON02_SWEEP = {
    "l2": [0.001, 0.003, 0.01, 0.03, 0.1],
    "l1": [0.0001, 0.0003, 0.001, 0.003, 0.01],
}


def lesson02_runs(regime, log=print):
    """Lesson 02's published results in ``regime`` (its make_config dict) -> ``(five_seeds, l2_sweep)``.

    ``five_seeds``: the results of its five-seed experiment (none, L1, L2, L1+L2);
    ``l2_sweep``: ``{strength: run}`` of seed 0 for no penalty (strength 0) and every L2 strength
    of its sweep. Read with the same configurations as lesson 02, so nothing is trained; lesson 02
    owns them (``borrowed``): a retrain here reads the user's retrained copy, never retrains them.
    """
    five_seeds = cached_results("lesson02_noisy", regime, log=log, borrowed=True)
    new = {
        kind: [s for s in strengths if s != regime[f"{kind}_strength"]] for kind, strengths in LESSON02_SWEEP.items()
    }
    swept = cached_results("lesson02_sweep", sweep_config(regime, new, seed=0), log=log, borrowed=True)
    seed0 = [run for run in five_seeds["runs"] if run["seed"] == 0 and run["kind"] in ("none", "l2")]
    l2_sweep = {run["l2_strength"]: run for run in seed0 + [r for r in swept["runs"] if r["kind"] == "l2"]}
    return five_seeds, dict(sorted(l2_sweep.items()))


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """The seed's CNN as a scikit-learn classifier: ``fit`` calls ``train_cnn``; X is (n, 28, 28, 1)."""

    def __init__(
        self,
        kind="none",
        strength=0.0,
        num_epochs=20,
        batch_size=64,
        seed=0,
        learning_rate=1e-3,
    ):
        # scikit-learn convention: store the arguments unchanged, check them in fit().
        self.kind = kind
        self.strength = strength
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.seed = seed
        self.learning_rate = learning_rate

    def fit(self, X, y):
        """Train on images X (n, 28, 28, 1) float32 and labels y (n,); no validation data."""
        check_images("X", X)
        check_labels("y", y, count=len(X))
        penalty = Penalty.of(self.kind, self.strength)
        empty_x, empty_y = X[:0], y[:0]
        fold = Dataset("fold", "a cross-validation fold", X, y, empty_x, empty_y, empty_x, empty_y)
        run = train_cnn(
            fold,
            penalty,
            num_epochs=self.num_epochs,
            batch_size=self.batch_size,
            seed=self.seed,
            learning_rate=self.learning_rate,
        )
        self.model_, self.history_ = run.model, run.history
        self.classes_ = np.arange(10)
        return self

    def predict(self, X):
        """Predicted digit for each image in X -> (n,) int64."""
        return np.argmax(self.model_.predict(X, batch_size=256, verbose=0), axis=1)

    def score(self, X, y, sample_weight=None):
        """Accuracy on (X, y), as Keras computes it."""
        return evaluate(self.model_, X, y)["accuracy"]
