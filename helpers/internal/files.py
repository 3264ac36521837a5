"""The one way the course writes a file: atomically, as an ordinary file."""

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path, content):
    """Write ``content`` (bytes, or a function that writes to a binary stream) to ``path`` -> ``path``.

    A temporary file in the same folder, flushed to disk, then renamed into place: an
    interrupted write leaves the old complete file or none, never half of one
    (helpers.internal.store removes the temporary files a killed write leaves).
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600; a result is an ordinary file
        with os.fdopen(handle, "wb") as stream:
            if callable(content):
                content(stream)
            else:
                stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
