"""Results on disk: written atomically, keyed by their full provenance, checked on load.

A cache file is one ``.npz`` holding NumPy arrays plus a ``__provenance__`` entry
(JSON text: the configuration, seed, data source and library versions) and a
``__made_on__`` entry (the kind of CPU that computed it; not part of the key). It is
loaded only when that provenance equals the one asked for; a file that is
missing, stale (other configuration or versions) or damaged is reported and
recomputed, never shown. Writes go to a temporary file that is renamed into
place, so an interrupted run leaves the old complete file or none; the
temporary file a killed write leaves behind is removed by the next write of
that name (see :func:`remove_stale_temporaries`).
"""

import json
import os
import platform
import re
import stat
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from helpers.validation import check_writable_dir

__all__ = [
    "cache_dir",
    "library_versions",
    "provenance",
    "save_arrays",
    "load_arrays",
    "cached",
    "remove_stale_temporaries",
    "made_on",
    "same_arithmetic",
]

_PROVENANCE_KEY = "__provenance__"
# Where a cache was computed (helpers.fastpath.arithmetic_platform): recorded, not part of its key,
# because the same results are fine to show on any CPU; tests use it to pick their tolerance.
_MADE_ON_KEY = "__made_on__"

# A temporary file untouched for this long belongs to a dead write. Age is the test because a
# live write (another kernel or test worker saving the same name) rewrites its file every few
# milliseconds and the largest cache takes seconds, while asking whether a process still holds
# the file needs /proc or lsof, which is not portable. An hour is far beyond any write.
STALE_TEMPORARY_SECONDS = 3600
# tempfile.mkstemp names: our prefix "<name>.", 8 characters from this alphabet, our suffix.
_TEMPORARY_PART = r"\.[a-z0-9_]{8}\.tmp"
_CACHE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def cache_dir():
    """Folder for cached results: $COURSE_CACHE_DIR, else ``cache/`` in the repository checkout."""
    if os.environ.get("COURSE_CACHE_DIR"):
        return Path(os.environ["COURSE_CACHE_DIR"])
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").is_file():
        return repo / "cache"
    return Path.home() / ".cache" / "l1-l2-course"


def library_versions():
    """What can change numerical results: Python, NumPy, TensorFlow, Keras, scikit-learn versions,
    and the numeric settings (Keras' dtype policy, oneDNN; see helpers.fastpath)."""
    from importlib.metadata import PackageNotFoundError, version

    from helpers.fastpath import numeric_settings

    versions = {"python": platform.python_version()}
    for package in ("numpy", "tensorflow-cpu", "tensorflow", "keras", "scikit-learn"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    versions.update(numeric_settings())
    return versions


def provenance(config):
    """The full key of a result: its configuration (JSON-able dict) plus library versions."""
    return {"config": json.loads(json.dumps(config, sort_keys=True)), "versions": library_versions()}


def save_arrays(path, arrays, provenance_record, made_on=None):
    """Write ``arrays``, their provenance and where they were computed to ``path`` atomically.

    ``made_on``: the CPU that computed them (default: this one, helpers.fastpath.arithmetic_platform).
    Written to a temporary file that is then renamed into place.
    """
    from helpers.fastpath import arithmetic_platform

    path = Path(path)
    check_writable_dir("directory", path.parent)
    remove_stale_temporaries(path)
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    payload[_PROVENANCE_KEY] = np.array(json.dumps(provenance_record, sort_keys=True))
    payload[_MADE_ON_KEY] = np.array(json.dumps(made_on or arithmetic_platform(), sort_keys=True))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; a cache is an ordinary file
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_arrays(path, expected_provenance=None):
    """Load arrays saved by :func:`save_arrays` -> (arrays, provenance).

    Raises ``ValueError`` naming the file if it is damaged or its provenance differs
    from ``expected_provenance``; ``FileNotFoundError`` if it is missing.
    """
    path = Path(path)
    try:
        # allow_pickle=False: a cache file must never be able to run code.
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValueError(f"cache file {str(path)!r} is damaged ({type(error).__name__}: {error})") from None
    if _PROVENANCE_KEY not in arrays:
        raise ValueError(f"cache file {str(path)!r} has no provenance record")
    arrays.pop(_MADE_ON_KEY, None)  # read by made_on()
    record = json.loads(str(arrays.pop(_PROVENANCE_KEY)))
    if expected_provenance is not None and record != json.loads(json.dumps(expected_provenance, sort_keys=True)):
        raise ValueError(f"cache file {str(path)!r} was made with another configuration or library versions")
    return arrays, record


def made_on(path):
    """The kind of CPU that computed a cache file (a dict, see helpers.fastpath.arithmetic_platform), or None."""
    with np.load(Path(path), allow_pickle=False) as stored:
        return json.loads(str(stored[_MADE_ON_KEY])) if _MADE_ON_KEY in stored.files else None


def same_arithmetic(path):
    """Was the cache file computed on this kind of CPU? Then retraining gives its numbers bit for bit."""
    from helpers.fastpath import arithmetic_platform

    return made_on(path) == arithmetic_platform()


def cached(name, config, compute, *, directory=None, log=print):
    """Return ``compute()``'s arrays for ``config``, from ``<directory>/<name>.npz`` when it matches.

    ``compute`` returns a dict of arrays. A missing, stale or damaged file is
    recomputed and replaced; ``log`` gets one line saying which happened.
    """
    if not isinstance(name, str) or not _CACHE_NAME.fullmatch(name):
        # The name becomes a file name: "../x" or "a/b" would write outside the cache folder.
        raise ValueError(f"name must be letters, digits, '_' or '-' (a plain file name), got {name!r}")
    path = Path(directory or cache_dir()) / f"{name}.npz"
    for leftover in remove_stale_temporaries(path):
        log(f"Removed {leftover.name}: a temporary file left by an interrupted write of {path.name}.")
    expected = provenance(config)
    try:
        arrays, _ = load_arrays(path, expected)
        log(f"Loaded {name} from cache ({path.name}, provenance matches).")
        return arrays
    except FileNotFoundError:
        log(f"No cache for {name}: computing it (saved to {path.name}).")
    except ValueError as problem:
        log(f"Recomputing {name}: {problem}.")
    arrays = compute()
    save_arrays(path, arrays, expected)
    return arrays


def remove_stale_temporaries(path, max_age_seconds=STALE_TEMPORARY_SECONDS):
    """Delete the ``<name>.<random>.tmp`` files that killed writes of ``path`` left behind -> their paths.

    Only files named exactly as :func:`save_arrays` names its temporary files and not
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
