"""Lesson 04's helpers: a cross-validation fold's training images, lesson 02's runs to compare with, and the
seed's CNN as a scikit-learn estimator (for ``GridSearchCV``, "Going further").

The lesson writes its K-fold loop itself (scikit-learn's ``StratifiedKFold``, every λ of the grid side by
side in one fit per fold, helpers.training.train_cnns); these only keep it short.
"""

import dataclasses

import keras
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from helpers.experiment import LAMBDA_GRID, published_experiment, sweep_config
from helpers.models import build_cnn
from helpers.penalties import Penalty
from helpers.training import evaluate

__all__ = ["CNNClassifier", "lesson02_runs", "training_subset"]


def training_subset(data, index):
    """``data`` with only the training images at ``index`` (given and true labels alike) and no validation images.

    One fold's training part: the test images stay, the validation images go, so nothing outside the fold
    is looked at while training.
    """
    index = np.asarray(index)
    true = None if data.y_train_true is None else data.y_train_true[index]
    fold = {"x_train": data.x_train[index], "y_train": data.y_train[index], "y_train_true": true}
    return dataclasses.replace(data, **fold, x_val=data.x_val[:0], y_val=data.y_val[:0])


def lesson02_runs(regime, log=print):
    """Lesson 02's published results in ``regime`` (its make_config dict) -> ``(five_seeds, l2_sweep)``.

    ``five_seeds``: its five-seed experiment (none, L1, L2, L1+L2); ``l2_sweep``: ``{strength: run}`` of
    seed 0 for no penalty (strength 0) and every L2 strength of its sweep. Lesson 02 owns them
    (``borrowed``): asked to retrain, this lesson reads your retrained copies, it never retrains them.
    """
    five_seeds = published_experiment("lesson02_noisy", regime, log=log, borrowed=True)
    new = {kind: [s for s in strengths if s != regime[f"{kind}_strength"]] for kind, strengths in LAMBDA_GRID.items()}
    swept = published_experiment("lesson02_sweep", sweep_config(regime, new, seed=0), log=log, borrowed=True)
    seed0 = [run for run in five_seeds["runs"] if run["seed"] == 0 and run["kind"] in ("none", "l2")]
    l2_sweep = {run["l2_strength"]: run for run in seed0 + [r for r in swept["runs"] if r["kind"] == "l2"]}
    return five_seeds, dict(sorted(l2_sweep.items()))


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """The seed's CNN as a scikit-learn classifier, trained as helpers.training.train_cnn does; X is (n, 28, 28, 1)."""

    def __init__(self, kind="none", strength=0.0, num_epochs=20, batch_size=64, seed=0, learning_rate=1e-3):
        # scikit-learn's convention: keep the arguments as given, check them in fit().
        self.kind, self.strength, self.num_epochs = kind, strength, num_epochs
        self.batch_size, self.seed, self.learning_rate = batch_size, seed, learning_rate

    def fit(self, X, y):
        """Train on images X (n, 28, 28, 1) float32 and labels y (n,); no validation images."""
        keras.utils.set_random_seed(self.seed)
        self.model_ = build_cnn(Penalty.of(self.kind, self.strength), learning_rate=self.learning_rate)
        self.model_.fit(X, y, batch_size=self.batch_size, epochs=self.num_epochs, verbose=0)
        self.classes_ = np.arange(10)
        return self

    def predict(self, X):
        """The predicted digit of each image in X -> (n,) int64."""
        return np.argmax(self.model_.predict(X, verbose=0), axis=1)

    def score(self, X, y, sample_weight=None):
        """Accuracy on (X, y), as Keras computes it."""
        return evaluate(self.model_, X, y)["accuracy"]
