"""Argument checks shared by every helper: each error names the argument and what is allowed, each check is
named for what it checks (a number >= 0, > 0, a share in [0, 1), an integer, a choice, images, labels, a folder)."""

import math
import numbers
import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "check_choice",
    "check_images",
    "check_labels",
    "check_nonnegative",
    "check_positive",
    "check_positive_int",
    "check_probability",
    "check_training_args",
    "check_writable_dir",
]


def _finite_real(name, value, allowed):
    """``value`` as a float if it is a finite real number; else raise naming ``name`` and what is ``allowed``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_nonnegative(name, value):
    """``value`` as a float if it is a finite number >= 0 (a penalty strength, a threshold); else raise."""
    value = _finite_real(name, value, "a finite number >= 0")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def check_positive(name, value):
    """``value`` as a float if it is a finite number > 0 (a learning rate, a radius); else raise."""
    value = _finite_real(name, value, "a finite number > 0")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def check_probability(name, value, what="a share"):
    """``value`` as a float if it is in [0, 1) (a dropout rate, a share of wrong labels); else raise.

    ``what`` says what the number is, for the message.
    """
    value = _finite_real(name, value, f"a number in [0, 1) ({what})")
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1) ({what}), got {value!r}")
    return value


def check_choice(name, value, allowed):
    """Return ``value`` if it is one of ``allowed``; else raise listing the allowed values."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"unknown {name} {value!r}; allowed: {choices}")
    return value


def check_positive_int(name, value, minimum=1):
    """Return ``value`` if it is an integer >= ``minimum``; else raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_images(name, images):
    """Check images are float32 in [0, 1] with shape (n, 28, 28, 1), n >= 1."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(images).__name__}")
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1):
        raise ValueError(f"{name} must have shape (n, 28, 28, 1), got {images.shape}")
    if images.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 images): need at least 1 image")
    if images.dtype != np.float32:
        raise ValueError(f"{name} must be float32 in [0, 1], got dtype {images.dtype}")
    if not (np.isfinite(images).all() and images.min() >= 0.0 and images.max() <= 1.0):
        raise ValueError(f"{name} must hold finite values in [0, 1]")
    return images


def check_labels(name, labels, num_classes=10, count=None):
    """Check labels are integers in 0..num_classes-1 (and ``count`` of them, if given)."""
    if not isinstance(labels, np.ndarray) or labels.ndim != 1:
        raise ValueError(f"{name} must be a 1-D NumPy array of integer labels")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name} must hold integers 0..{num_classes - 1}, got dtype {labels.dtype}")
    if count is not None and labels.shape[0] != count:
        raise ValueError(f"{name} has {labels.shape[0]} labels for {count} images: need one label per image")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{name} must hold labels in 0..{num_classes - 1}, found {labels.min()}..{labels.max()}")
    return labels


def check_writable_dir(name, path):
    """Create ``path`` if needed and check we can write there; return it as a Path."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError as error:
        raise ValueError(f"{name} {str(path)!r} is not a writable folder: {error.strerror or error}") from None
    if not os.access(path, os.W_OK):
        raise ValueError(f"{name} {str(path)!r} is not a writable folder")
    return path


def check_training_args(data, num_epochs, batch_size, seed):
    """Check the data set's arrays and the numbers of a run -> (num_epochs, batch_size, seed)."""
    check_images("x_train", data.x_train)
    check_labels("y_train", data.y_train, count=len(data.x_train))
    if len(data.y_val):
        check_images("x_val", data.x_val)
        check_labels("y_val", data.y_val, count=len(data.x_val))
    return (
        check_positive_int("num_epochs", num_epochs),
        check_positive_int("batch_size", batch_size),
        check_positive_int("seed", seed, minimum=0),
    )
