"""helpers.internal.files: the one atomic file writer."""

import pytest

from helpers.internal.files import atomic_write


def test_bytes_are_written_and_the_path_returned(tmp_path):
    path = tmp_path / "result.npz"
    assert atomic_write(path, b"first") == path and path.read_bytes() == b"first"
    atomic_write(path, b"second")
    assert path.read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.npz"]  # no temporary file left behind


def test_a_writer_function_gets_a_binary_stream(tmp_path):
    path = tmp_path / "result.npz"
    atomic_write(str(path), lambda stream: stream.write(b"written by a function"))
    assert path.read_bytes() == b"written by a function"


def test_a_failing_writer_leaves_the_old_file_intact_and_no_temporary_file(tmp_path):
    path = tmp_path / "result.npz"
    path.write_bytes(b"old and complete")

    def fails_half_way(stream):
        stream.write(b"half of the new ")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        atomic_write(path, fails_half_way)
    assert path.read_bytes() == b"old and complete"
    assert [p.name for p in tmp_path.iterdir()] == ["result.npz"]


def test_a_failing_first_write_leaves_no_file_at_all(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "result.npz", lambda stream: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert list(tmp_path.iterdir()) == []


def test_the_file_gets_ordinary_permissions(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "result.npz", b"x")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
