"""Shared test setup: TensorFlow started as the lessons start it; seeded small fixtures."""

import pytest

from helpers.notebook import start_tensorflow

# The same numeric setup as every lesson (threads, op determinism, the bfloat16 fast path where
# the CPU has it), so tests that retrain a point of a committed cache compute it the same way.
start_tensorflow()


@pytest.fixture(scope="session")
def mnist_5k():
    """The default offline data set, loaded once per test session."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k")
