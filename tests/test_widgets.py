"""The shared slider pieces."""

import pytest

from helpers.widgets import measure_latency, strength_slider


def test_strength_slider_is_log_scale():
    slider = strength_slider(value=1e-3, min_exponent=-5, max_exponent=-1)
    assert (slider.base, slider.min, slider.max, slider.value) == (10, -5, -1, pytest.approx(1e-3))


def test_measure_latency_counts_every_call():
    seen = []
    result = measure_latency(seen.append, [1, 2], repeats=2)
    assert seen == [1, 2, 1, 2] and result["calls"] == 4 and result["median_ms"] >= 0


def test_blitted_figure_redraws_changed_artists():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.widgets import BlittedFigure

    fig, ax = plt.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 0], lw=5)
    blit = BlittedFigure(fig, [line])
    first = bytes(blit.widget.value)
    assert first.startswith(b"\x89PNG")
    line.set_ydata([1, 1])
    assert bytes(blit.refresh()) != first
