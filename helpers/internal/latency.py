"""Timing a slider: how long a callback takes per value, as a learner moving it would wait."""

import statistics
import time

from helpers.internal.validation import check_positive_int

__all__ = ["measure_latency"]


def measure_latency(callback, values, repeats=3):
    """Call ``callback(v)`` for every value, ``repeats`` times -> {"median_ms", "p95_ms", "calls"}."""
    repeats = check_positive_int("repeats", repeats)
    values = list(values)
    if not values:
        raise ValueError("values is empty: give at least one value to call callback with")
    timings = []
    for _ in range(repeats):
        for value in values:
            start = time.perf_counter()
            callback(value)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return {"median_ms": statistics.median(timings), "p95_ms": p95, "calls": len(timings)}
