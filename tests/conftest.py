"""Shared test setup: hermetic result folders, TensorFlow started as the lessons start it, seeded fixtures."""

import atexit
import os
import shutil
import tempfile

import pytest

# Lessons run under nbval show their published results; nothing a test trains may land in the
# user's own cache or be read from it (a learner's retrained results would hide a mismatch), and a
# retrain switch left on in the shell must not turn the notebook tests into a retraining run.
# Set before any kernel starts, so nbval's kernels inherit it; xdist workers inherit the
# controller's folder.
if not os.environ.get("COURSE_TESTS_CACHE_DIR"):
    folder = tempfile.mkdtemp(prefix="course-tests-cache-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["COURSE_TESTS_CACHE_DIR"] = folder
os.environ["COURSE_CACHE_DIR"] = os.environ["COURSE_TESTS_CACHE_DIR"]
os.environ["COURSE_RETRAIN"] = "no"

from helpers.internal.runtime import start_tensorflow

# The same numeric setup as every lesson (threads, op determinism, the bfloat16 fast path where
# the CPU has it), so tests that retrain a point of a published result compute it the same way.
start_tensorflow()


@pytest.fixture(scope="session")
def mnist_5k():
    """The default offline data set, loaded once per test session."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k")
