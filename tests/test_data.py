"""helpers.data: the named data sources' shapes, ranges, deterministic stratified splits, and wrong labels on request
(reading and checking their files: tests/internal/test_data_files.py)."""

import numpy as np
import pytest

from helpers.data import load_dataset, with_label_noise


def test_mnist_5k_shapes_dtypes_and_ranges(mnist_5k):
    for images, labels in [
        (mnist_5k.x_train, mnist_5k.y_train),
        (mnist_5k.x_val, mnist_5k.y_val),
        (mnist_5k.x_test, mnist_5k.y_test),
    ]:
        assert images.dtype == np.float32 and images.shape[1:] == (28, 28, 1)
        assert images.min() == 0.0 and images.max() == 1.0
        assert labels.dtype == np.int64 and set(np.unique(labels)) == set(range(10))
    assert (len(mnist_5k.y_train), len(mnist_5k.y_val), len(mnist_5k.y_test)) == (3000, 1000, 1000)
    assert mnist_5k.name == "mnist-5k"


def test_mnist_5k_split_is_stratified_disjoint_and_deterministic(mnist_5k):
    assert np.bincount(mnist_5k.y_train).tolist() == [300] * 10
    assert np.bincount(mnist_5k.y_test).tolist() == [100] * 10
    flat = lambda x: {row.tobytes() for row in x.reshape(len(x), -1)}  # noqa: E731
    assert not flat(mnist_5k.x_train) & flat(mnist_5k.x_test)
    again = load_dataset("mnist-5k")
    np.testing.assert_array_equal(again.x_train, mnist_5k.x_train)


def test_n_train_takes_a_stratified_subset():
    small = load_dataset("mnist-5k", n_train=500)
    assert np.bincount(small.y_train).tolist() == [50] * 10


def test_label_noise_flips_exactly_that_share_to_another_class_and_keeps_the_truth():
    clean = load_dataset("mnist-5k", n_train=1000)
    noisy = with_label_noise(clean, 0.4, seed=0)
    assert np.mean(noisy.y_train != clean.y_train) == 0.4  # every chosen label moved to another class
    assert np.array_equal(noisy.y_train_true, clean.y_train) and np.array_equal(noisy.y_val, clean.y_val)
    assert np.array_equal(noisy.y_train, with_label_noise(clean, 0.4, seed=0).y_train)  # same arguments, same labels
    assert not np.array_equal(noisy.y_train, with_label_noise(clean, 0.4, seed=1).y_train)
    # The wrong labels are spread over the nine other classes, not shifted to one.
    wrong = noisy.y_train != clean.y_train
    assert len(set(((noisy.y_train - clean.y_train) % 10)[wrong])) == 9
    assert "40% of labels wrong" in noisy.summary() and noisy.split["label_noise"] == 0.4
    assert with_label_noise(clean, 0.0).summary() == clean.summary()


@pytest.mark.parametrize(
    "fraction, error, message",
    [
        (1.0, ValueError, r"got 1\.0"),
        (-0.1, ValueError, "got -0.1"),
        (float("nan"), ValueError, "got nan"),
        (True, TypeError, "bool"),
    ],
)
def test_label_noise_is_a_share_in_0_to_1(mnist_5k, fraction, error, message):
    with pytest.raises(error, match=message):
        with_label_noise(mnist_5k, fraction)
