"""Shared test setup: results never touch your own cache, TensorFlow starts as in a lesson, shared small data."""

import atexit
import dataclasses
import os
import shutil
import tempfile

import pytest

# Lessons run under nbval show their published results; nothing a test trains may land in your own cache or
# be read from it, and a retrain switch left on in the shell must not turn the tests into a retraining run.
# Set before any kernel starts (nbval's kernels inherit it); pytest-xdist's workers share the controller's folder.
if not os.environ.get("COURSE_TESTS_CACHE_DIR"):
    os.environ["COURSE_TESTS_CACHE_DIR"] = tempfile.mkdtemp(prefix="course-tests-cache-")
    atexit.register(shutil.rmtree, os.environ["COURSE_TESTS_CACHE_DIR"], ignore_errors=True)
os.environ["COURSE_CACHE_DIR"] = os.environ["COURSE_TESTS_CACHE_DIR"]
os.environ["COURSE_RETRAIN"] = "no"


def pytest_configure(config):
    """Quiet TensorFlow, deterministic ops, float32: every test computes as a lesson does. pytest-xdist's
    controller only hands tests to its workers, so it does not start TensorFlow at all."""
    if config.getoption("numprocesses", None) and not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from helpers.notebook import setup_notebook

    setup_notebook()


# The test files that train networks, longest first (with -m slow, the retrained points first): each holds a worker
# for many seconds, so they go before the quick files. A file left out of this list runs with the quick ones.
TRAINING_TESTS = [
    "test_published_results",
    "test_training",
    "test_lesson02_cnn_penalties",
    "test_lesson05_other_regularizers",
    "test_experiment",
    "test_lesson03_weights_and_sparsity",
    "test_lesson06_structured_sparsity",
    "test_main",
    "test_lesson04_choosing_lambda",
]


def pytest_collection_modifyitems(items):
    """The longest units of work first (the browser tests, the lessons, then the test files that train), so that
    pytest-xdist's two workers finish together rather than one running the last long file alone. The sort is
    stable: each file keeps its order."""
    rank = {stem: 2 + i for i, stem in enumerate(TRAINING_TESTS)}

    def order(item):
        if "browser" in item.path.parts:
            return 0
        return 1 if item.path.suffix == ".ipynb" else rank.get(item.path.stem, 2 + len(rank))

    items.sort(key=order)


@pytest.fixture(scope="session")
def mnist_5k():
    """The default offline data set, loaded once per worker."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k")


@pytest.fixture(scope="session")
def tiny(mnist_5k):
    """128 training, validation and test images, enough for an epoch or two in seconds: whole batches of 64 and of 32
    (fit's and evaluate's default), so Keras traces each step once, not again for a smaller last batch."""
    arrays = [f"{xy}_{split}" for xy in "xy" for split in ("train", "val", "test")]
    return dataclasses.replace(mnist_5k, **{name: getattr(mnist_5k, name)[:128] for name in arrays})
