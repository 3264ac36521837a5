"""The lessons' expensive results: published with the course, retrained on request into your own cache.

A trained sweep or a cross-validation is published like a textbook's figure, as ``published/<name>.npz``:
its arrays and a record (the configuration it was computed for, a checksum of the arrays, when and how
it was trained). A lesson shows it whenever its configuration equals the recorded one, and trains it
here when you changed the configuration or asked to (``setup_notebook(retrain=True)``, or
``COURSE_RETRAIN=yes``), into your cache folder ($COURSE_CACHE_DIR, else the platform's), never over a
published file; only ``COURSE_RETRAIN=publish`` writes ``published/``.
"""

import hashlib
import json
import os
import platform
import re
import tempfile
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import platformdirs

from helpers._machine import cpu_name
from helpers._text import _

__all__ = ["PUBLISHED_DIR", "RETRAIN_ENV", "published_or_trained", "retrain_mode"]

PUBLISHED_DIR = Path(__file__).resolve().parents[1] / "published"
RETRAIN_ENV = "COURSE_RETRAIN"
CACHE_DIR_ENV = "COURSE_CACHE_DIR"
_MODES = {**dict.fromkeys(("", "0", "no", "off", "false"), "no"), **dict.fromkeys(("1", "yes", "on", "true"), "yes")}
_MODES["publish"] = "publish"
_RECORD = "__result__"
# Part of every result's key besides its configuration. Bump "version" when a change to the training code
# changes what is computed (not only how fast): the published results then no longer match, and are retrained.
TRAINING_RECIPE = {
    "version": 1,
    "model": "the seed's CNN (Conv 32-64-64, Dense 64, Dense 10), seeded Glorot weights",
    "training": "cross-entropy, Adam unless the configuration says otherwise, batches shuffled by the seed",
}


class ResultFileError(ValueError):
    """A result file that cannot be trusted: damaged, altered after it was written, or holding another result."""


def retrain_mode():
    """'no' (show the published results), 'yes' (train here, into your cache) or 'publish', from $COURSE_RETRAIN."""
    text = os.environ.get(RETRAIN_ENV, "").strip().lower()
    if text not in _MODES:
        raise ValueError(f"{RETRAIN_ENV} must be no, yes or publish (or 0/1, off/on), got {os.environ[RETRAIN_ENV]!r}")
    return _MODES[text]


def _cache_dir():
    folder = Path(os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("l1-l2-course", appauthor=False))
    if folder.resolve() == PUBLISHED_DIR or PUBLISHED_DIR in folder.resolve().parents:
        raise ValueError(f"{CACHE_DIR_ENV} must not be inside {PUBLISHED_DIR}: retraining never overwrites it")
    return folder


def _canonical(value):
    # Floats a configuration computes (np.logspace, 2 * λ ...) may differ in their last bits between platforms.
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return float(f"{value:.9g}") if isinstance(value, float) else value


def _checksum(arrays):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def _read(path, name):
    """``(arrays, record)`` of a result file; ResultFileError naming the file if it cannot be trusted."""
    try:
        with np.load(path, allow_pickle=False) as stored:  # a result file must never be able to run code
            arrays = {key: stored[key] for key in stored.files}
        record = json.loads(str(arrays.pop(_RECORD)))
        altered, other = _checksum(arrays) != record["sha256"], record["name"] != name
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, TypeError) as error:
        raise ResultFileError(f"{path} is damaged or not a result file ({type(error).__name__}: {error})") from None
    if altered:
        raise ResultFileError(f"{path} was altered after it was written: its arrays do not match their checksum")
    if other:
        raise ResultFileError(f"{path} holds the result {record['name']!r}, not {name!r}")
    return arrays, record


def _save(path, name, key, arrays):
    import keras  # inside: TensorFlow has started by the time anything is trained and saved

    arrays = {array_name: np.asarray(value) for array_name, value in arrays.items()}
    provenance = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "dtype_policy": keras.mixed_precision.global_policy().name,
        "cpu": {"cpu": cpu_name()},
        "versions": {"python": platform.python_version(), "keras": keras.__version__, "numpy": np.__version__},
    }
    record = {"name": name, "key": key, "sha256": _checksum(arrays), "provenance": provenance}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:  # written whole, then renamed into place: an interrupted write never leaves half a file
        with os.fdopen(handle, "wb") as stream:
            np.savez_compressed(stream, **arrays, **{_RECORD: np.array(json.dumps(record, sort_keys=True))})
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return arrays


def published_or_trained(name, config, train, *, log=print, borrowed=False):
    """The arrays of result ``name`` for ``config`` (JSON-able): the published ones when they match, else trained.

    ``train()`` returns a dict of arrays; it runs only when neither the published file nor your cache
    holds this configuration, or when retraining is asked for. ``log`` gets one line saying which.
    ``borrowed=True``: another lesson owns this result; asked to retrain, this lesson reads your retrained
    copy, else the published one, and trains only when neither matches.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"name must be letters, digits, '_' or '-' (it names a file), got {name!r}")
    mode = retrain_mode()
    key = json.loads(json.dumps({"config": config, "recipe": TRAINING_RECIPE}, sort_keys=True))
    digest = hashlib.sha256(json.dumps(_canonical(key), sort_keys=True).encode()).hexdigest()[:12]
    published, mine = PUBLISHED_DIR / f"{name}.npz", _cache_dir() / f"{name}-{digest}.npz"
    for path in [mine, published] if borrowed and mode != "no" else [published, mine] if mode == "no" else []:
        if not path.is_file():
            continue
        try:
            arrays, record = _read(path, name)
        except ResultFileError as problem:
            if path == published:  # the course's own result is never silently replaced by training
                raise ResultFileError(
                    f"published result {problem}. Restore it with `git checkout -- published/{path.name}`, "
                    f"or set RETRAIN = True in the lesson's first cell to train it here"
                ) from None
            log(_("Retraining: {problem}.").format(problem=problem))
            continue
        if _canonical(record["key"]) == _canonical(key):
            made = record["provenance"]
            how = f"{made['dtype_policy'].removeprefix('mixed_')}, {made['date']}"
            offer = "" if borrowed else _(" Set RETRAIN = True to train it here.")  # borrowed: its lesson retrains it
            if path == mine:
                log(_("Your result, trained here ({how}).").format(how=how))
            else:
                log(_("Published result (trained in {how}).").format(how=how) + offer)
            return arrays
    why = _("as asked") if mode != "no" and not borrowed else _("a new configuration")
    log(_("Training {name} here ({why}).").format(name=name, why=why))
    target = published if mode == "publish" and not borrowed else mine
    arrays = _save(target, name, key, train())
    log(_("Saved to {target}.").format(target=target))
    return arrays
