"""helpers.internal.latency: timing a slider's callback."""

import pytest

from helpers.internal.latency import measure_latency


def test_measure_latency_counts_every_call():
    seen = []
    result = measure_latency(seen.append, [1, 2], repeats=2)
    assert seen == [1, 2, 1, 2] and result["calls"] == 4 and result["median_ms"] >= 0
    assert result["p95_ms"] >= result["median_ms"]


@pytest.mark.parametrize("values, repeats, message", [([], 1, "values is empty"), ([1], 0, "repeats")])
def test_measure_latency_bad_input(values, repeats, message):
    with pytest.raises(ValueError, match=message):
        measure_latency(lambda value: None, values, repeats)
