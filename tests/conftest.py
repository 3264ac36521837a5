"""Shared test setup: quiet TensorFlow before anything imports it; seeded small fixtures."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def mnist_5k():
    """The default offline data set, loaded once per test session."""
    from helpers.data import load_dataset

    return load_dataset("mnist-5k")
