"""helpers.published: the lessons' two names for results, published or retrained (the store behind them:
tests/internal/test_store.py)."""

import numpy as np

import helpers.published
from helpers.internal import store
from helpers.published import published_or_trained, retrain_mode


def test_the_facade_is_the_stores_two_functions():
    assert helpers.published.__all__ == ["published_or_trained", "retrain_mode"]
    assert published_or_trained is store.published_or_trained and retrain_mode is store.retrain_mode


def test_a_result_is_trained_once_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RETRAIN", "no")
    calls, messages = [], []

    def train():
        calls.append(1)
        return {"value": np.array([42.0])}

    for _ in range(2):
        arrays = published_or_trained(
            "r",
            {"seed": 0},
            train,
            log=messages.append,
            published_dir=tmp_path / "published",
            cache_dir=tmp_path / "mine",
        )
        assert arrays["value"].tolist() == [42.0]
    assert calls == [1] and messages[-1].startswith("Your result, trained here: ")
