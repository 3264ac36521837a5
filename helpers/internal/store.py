"""The course's published results, and the learner's own retrained ones.

The expensive results the lessons show (trained sweeps, several seeds,
cross-validation) are published like a textbook's figures: committed in
``published/<name>.npz`` with their provenance (date, library versions, dtype
policy, CPU, command), and shown on every machine whose lesson configuration
matches. They match on *what* is computed (the configuration a lesson passes:
data, split, penalties, strengths, epochs, seeds ...; plus
:data:`TRAINING_RECIPE`), never on *how* (versions, CPU, dtype
policy), because another CPU only moves the numbers as far as another seed would
(tests/test_published_results.py retrains a point of each and checks that).

A result is trained on this machine only when its configuration differs from the
published one (a learner changed it) or when asked: ``COURSE_RETRAIN=yes`` in the
environment or ``setup_notebook(retrain=True)`` in a lesson. What is trained goes to
a per-user cache folder outside the repository (:func:`user_cache_dir`), never over
a published file; only ``COURSE_RETRAIN=publish`` (for maintainers) writes
``published/``.

A result file is one ``.npz``: the arrays plus a ``__result__`` entry (JSON: its
name, its key, its provenance and a checksum of the arrays). It is read with
``allow_pickle=False`` and checked, so a truncated, altered or misnamed published
file stops the lesson with an error that names it and the remedy.
"""

import contextlib
import hashlib
import json
import os
import platform
import re
import stat
import sys
import time
import zipfile
import zlib
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from helpers.internal.files import atomic_write
from helpers.internal.runtime import arithmetic_platform, numeric_settings
from helpers.internal.validation import check_writable_dir

__all__ = [
    "CACHE_DIR_ENV",
    "PUBLISHED_DIR",
    "RETRAIN_ENV",
    "TRAINING_RECIPE",
    "ResultFileError",
    "computed_the_same_way",
    "describe",
    "library_versions",
    "published_or_trained",
    "read_result",
    "remove_stale_temporaries",
    "result_key",
    "retrain_mode",
    "same_key",
    "save_result",
    "set_notebook_retrain",
    "user_cache_dir",
    "user_result_path",
]

REPOSITORY = Path(__file__).resolve().parents[2]  # helpers/internal/store.py -> the repository
PUBLISHED_DIR = REPOSITORY / "published"
RETRAIN_ENV = "COURSE_RETRAIN"
CACHE_DIR_ENV = "COURSE_CACHE_DIR"
_RETRAIN_VALUES = {
    "": "no",
    "0": "no",
    "no": "no",
    "off": "no",
    "false": "no",
    "1": "yes",
    "yes": "yes",
    "on": "yes",
    "true": "yes",
    "publish": "publish",
}
_META_KEY = "__result__"
_NAME = re.compile(r"[A-Za-z0-9_-]+")
# A temporary file untouched for this long belongs to a dead write: a live write (another kernel
# saving the same name) rewrites its file every few milliseconds, and the largest result takes seconds.
STALE_TEMPORARY_SECONDS = 3600
# tempfile.mkstemp names: our prefix "<name>.", 8 characters from this alphabet, our suffix.
_TEMPORARY_PART = r"\.[a-z0-9_]{8}\.tmp"

_notebook_retrain = False

# What every trained result depends on besides its configuration (results match on both). Bump "version"
# when a change to the training code changes what is computed, not only how fast: the published results
# then no longer match and are retrained (and must be published again).
TRAINING_RECIPE = {
    "version": 1,
    "model": "the seed's CNN (Conv 32-64-64, Dense 64, Dense 10), seeded Glorot weights",
    "training": "cross-entropy, Adam unless the configuration says otherwise, batches shuffled by the seed",
}


class ResultFileError(ValueError):
    """A published or cached result file that cannot be trusted: damaged, altered or misnamed."""


# ---------------------------------------------------------------- the switch and the folders


def set_notebook_retrain(flag):
    """The notebook flag (``setup_notebook(retrain=...)``): True retrains this kernel's results."""
    global _notebook_retrain
    if not isinstance(flag, bool):
        raise TypeError(f"retrain must be True or False, got {flag!r} ({type(flag).__name__})")
    _notebook_retrain = flag


def retrain_mode():
    """'no' (show published results), 'yes' (train here) or 'publish' (train into published/).

    Either switch turns retraining on: $COURSE_RETRAIN or the notebook flag.
    """
    text = os.environ.get(RETRAIN_ENV, "").strip().lower()
    if text not in _RETRAIN_VALUES:
        raise ValueError(
            f"{RETRAIN_ENV} must be one of no, yes, publish (or 1/0, on/off, true/false); "
            f"got {os.environ[RETRAIN_ENV]!r}"
        )
    mode = _RETRAIN_VALUES[text]
    return "yes" if mode == "no" and _notebook_retrain else mode


def user_cache_dir():
    """Where this user's retrained results go: $COURSE_CACHE_DIR, else the platform's cache folder."""
    if os.environ.get(CACHE_DIR_ENV):
        folder = Path(os.environ[CACHE_DIR_ENV]).expanduser()
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "l1-l2-course" / "cache"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Caches" / "l1-l2-course"
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "l1-l2-course"
    resolved = folder.resolve()
    if resolved == PUBLISHED_DIR.resolve() or PUBLISHED_DIR.resolve() in resolved.parents:
        raise ValueError(
            f"{CACHE_DIR_ENV} must not be inside {PUBLISHED_DIR}: retrained results never go "
            f"over the published ones (got {str(folder)!r})"
        )
    return folder


def user_result_path(name, config, folder=None):
    """The file in this user's cache (or ``folder``) that holds ``name`` trained for ``config``."""
    return Path(folder or user_cache_dir()) / f"{name}-{_key_digest(result_key(config))}.npz"


# ---------------------------------------------------------------- keys


def result_key(config):
    """What a result is: the lesson's configuration (JSON-able) plus the training recipe."""
    return json.loads(json.dumps({"config": config, "recipe": TRAINING_RECIPE}, sort_keys=True))


def _canonical(value):
    """``value`` with every float rounded to 9 significant digits.

    Configurations hold floats computed on the learner's machine (np.logspace, 2 * λ, ...) whose
    last bits may differ between platforms' math libraries: that is not another configuration.
    """
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.9g}")
    return value


def same_key(a, b):
    """Equal keys, floats compared to 9 significant digits (their last bits may differ between platforms)."""
    return _canonical(a) == _canonical(b)


def _key_digest(key):
    """A short name for a key: distinct configurations get distinct files in the user's cache."""
    return hashlib.sha256(json.dumps(_canonical(key), sort_keys=True).encode()).hexdigest()[:12]


# ---------------------------------------------------------------- provenance


def library_versions():
    """What can change the numbers (not what they mean): Python, NumPy, TensorFlow, Keras, scikit-learn."""
    versions = {"python": platform.python_version()}
    for package in ("numpy", "tensorflow-cpu", "tensorflow", "keras", "scikit-learn"):
        with contextlib.suppress(PackageNotFoundError):
            versions[package] = version(package)
    return versions


def _provenance_here(command):
    """How a result is computed on this machine right now: date, versions, numeric settings, CPU, command."""
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "versions": library_versions(),
        **numeric_settings(),
        "cpu": arithmetic_platform(),
        "command": command,
    }


def _command(name, mode):
    """The command that (re)computes ``name``: its lesson notebook run top to bottom, or this process."""
    match = re.match(r"lesson(\d\d)_", name)
    notebooks = sorted((REPOSITORY / "notebooks").glob(f"{match.group(1)}_*.ipynb")) if match else []
    prefix = f"{RETRAIN_ENV}={mode} "
    if notebooks:
        return prefix + f"jupyter nbconvert --to notebook --execute --inplace notebooks/{notebooks[0].name}"
    return prefix + " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])


# Numeric settings recorded only since a later version, with the value every result had before:
# two threads per operation (setup_notebook's default, the only setting then).
_BEFORE_RECORDED = {"threads_per_operation": 2}


def computed_the_same_way(meta):
    """Would this machine compute the result bit for bit? Same versions, numeric settings and kind of CPU."""
    here = {"versions": library_versions(), **numeric_settings(), "cpu": arithmetic_platform()}
    made = meta["provenance"]
    return all(made.get(field, _BEFORE_RECORDED.get(field)) == value for field, value in here.items())


def describe(meta):
    """One line: when, where and how a result was computed, and by which command."""
    made = meta["provenance"]
    versions = made.get("versions", {})
    tensorflow = versions.get("tensorflow-cpu") or versions.get("tensorflow", "?")
    arithmetic = "bfloat16 arithmetic" if made.get("dtype_policy") == "mixed_bfloat16" else "float32"
    return (
        f"{made.get('date', '?')}, {made.get('cpu', {}).get('cpu', '?')}, {arithmetic}, "
        f"TensorFlow {tensorflow}, Keras {versions.get('keras', '?')}; by: {made.get('command', '?')}"
    )


# ---------------------------------------------------------------- files


def _checksum(arrays):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def save_result(path, name, key, arrays, provenance):
    """Write a result file atomically: a temporary file in the same folder, renamed into place."""
    path = Path(path)
    check_writable_dir("directory", path.parent)
    remove_stale_temporaries(path)
    payload = {array_name: np.asarray(value) for array_name, value in arrays.items()}
    if _META_KEY in payload:
        raise ValueError(f"an array may not be called {_META_KEY!r}")
    meta = {"name": name, "key": key, "provenance": provenance, "sha256": _checksum(payload)}
    payload[_META_KEY] = np.array(json.dumps(meta, sort_keys=True))
    # Compressed: a kernel with many exact zeros (lessons 03 and 06) shrinks to a fraction.
    return atomic_write(path, lambda stream: np.savez_compressed(stream, **payload))


def read_result(path, name=None):
    """Read and check a result file -> ``(arrays, meta)``.

    Raises ``FileNotFoundError`` if it is missing and :class:`ResultFileError` naming
    the file if it is damaged, altered since it was written, or holds another result
    than ``name``.
    """
    path = Path(path)
    try:
        # allow_pickle=False: a result file must never be able to run code.
        with np.load(path, allow_pickle=False) as stored:
            arrays = {array_name: stored[array_name] for array_name in stored.files}
        meta = json.loads(str(arrays.pop(_META_KEY)))
        if not {"name", "key", "provenance", "sha256"} <= set(meta):
            raise KeyError("name, key, provenance, sha256")
    except FileNotFoundError:
        raise
    except KeyError as missing:
        raise ResultFileError(f"{path} is not a result file of this course (no record {missing})") from None
    # zlib.error: a damaged compressed array (save_result compresses) fails to inflate before any CRC check.
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, TypeError) as error:
        raise ResultFileError(f"{path} is damaged ({type(error).__name__}: {error})") from None
    if _checksum(arrays) != meta["sha256"]:
        raise ResultFileError(f"{path} was altered after it was written: its arrays do not match their checksum")
    if name is not None and meta["name"] != name:
        raise ResultFileError(f"{path} holds the result {meta['name']!r}, not {name!r}")
    return arrays, meta


# ---------------------------------------------------------------- the one call lessons make


def published_or_trained(name, config, train, *, log=print, published_dir=None, cache_dir=None, borrowed=False):
    """The arrays of result ``name`` for ``config``: the published ones when they match, else trained.

    ``train()`` returns a dict of arrays. Looked up in order: ``published/<name>.npz``
    (unless retraining is asked for), then this user's cache; trained only when neither
    matches, and then saved to the user's cache (``COURSE_RETRAIN=publish``: to
    ``published/``). ``log`` gets one line saying which happened.

    ``borrowed=True``: another lesson owns this result and trains it; here it is only read.
    Asked to retrain, such a lesson takes the user's own retrained copy if there is one, else
    the published one, and trains (into the user's cache) only when neither matches: a
    retrain switch in one lesson never retrains, nor republishes, another lesson's result.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        # The name becomes a file name: "../x" or "a/b" would write outside the folder.
        raise ValueError(f"name must be letters, digits, '_' or '-' (a plain file name), got {name!r}")
    if not isinstance(borrowed, bool):
        raise TypeError(f"borrowed must be True or False, got {borrowed!r}")
    mode = retrain_mode()
    key = result_key(config)
    published = Path(published_dir or PUBLISHED_DIR) / f"{name}.npz"
    mine = user_result_path(name, config, cache_dir)
    if mode == "no" or borrowed:
        if mode == "no":
            arrays, why = _published_arrays(published, name, key, log)
            found = arrays if arrays is not None else _user_result(mine, name, key, log)
        else:  # retraining, and the result is another lesson's: the user's retrained copy comes first
            found, why = _user_result(mine, name, key, log), None
            if found is None:
                found, why = _published_arrays(published, name, key, log)
        if found is not None:
            return found
        log(f"Training {name} here: {why}.")
        mode = "yes"  # never into published/: it is not this lesson's to publish
    else:
        asked = f"{RETRAIN_ENV}={mode}" if os.environ.get(RETRAIN_ENV, "").strip() else "retrain=True"
        log(f"Training {name} here, as asked ({asked}).")

    arrays = train()
    if mode == "publish":
        target = published
    else:
        target = mine
        target.parent.mkdir(parents=True, exist_ok=True)
    save_result(target, name, key, arrays, _provenance_here(_command(name, mode)))
    log(f"Saved to {target}.")
    return {array_name: np.asarray(value) for array_name, value in arrays.items()}


def _published_arrays(path, name, key, log):
    """``(arrays, None)`` when the published file holds ``key``, else ``(None, why not)``.

    A damaged, altered or misnamed published file raises, naming the remedy: it is the
    course's result, so it is never silently replaced by training.
    """
    if not path.is_file():
        return None, f"no published result {path.name} in {path.parent}"
    try:
        arrays, meta = read_result(path, name)
    except ResultFileError as problem:
        raise ResultFileError(
            f"published result {problem}. Restore it with `git checkout -- published/{path.name}`, or train "
            f"this result here instead: {RETRAIN_ENV}=yes, or setup_notebook(retrain=True) in the lesson"
        ) from None
    if not same_key(meta["key"], key):
        return None, "this configuration differs from the published one"
    log(f"Published result: {describe(meta)}")
    return arrays, None


def _user_result(path, name, key, log):
    """This user's earlier training of ``key``, or None. A damaged file there is only reported: it is retrained."""
    for leftover in remove_stale_temporaries(path):
        log(f"Removed {leftover.name}: a temporary file left by an interrupted write.")
    try:
        arrays, meta = read_result(path, name)
    except FileNotFoundError:
        return None
    except ResultFileError as problem:
        log(f"Retraining: {problem}.")
        return None
    if not same_key(meta["key"], key):
        return None
    log(f"Your result, trained here: {describe(meta)}")
    return arrays


def remove_stale_temporaries(path, max_age_seconds=STALE_TEMPORARY_SECONDS):
    """Delete the ``<name>.<random>.tmp`` files that killed writes of ``path`` left behind -> their paths.

    Only files named exactly as :func:`save_result` names its temporary files and not
    modified for ``max_age_seconds`` are removed: a younger one may be a write in progress.
    """
    path = Path(path)
    pattern = re.compile(re.escape(path.name) + _TEMPORARY_PART)
    try:
        candidates = [c for c in path.parent.iterdir() if pattern.fullmatch(c.name)]
    except OSError:  # no folder yet, or not readable: nothing of ours to remove
        return []
    removed = []
    for candidate in candidates:
        try:
            info = candidate.lstat()
            if not stat.S_ISREG(info.st_mode) or time.time() - info.st_mtime < max_age_seconds:
                continue  # a link or folder is not ours; a young file may be a live write
            candidate.unlink()
        except OSError:  # removed by another process meanwhile, or a read-only folder
            continue
        removed.append(candidate)
    return removed
