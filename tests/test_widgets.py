"""helpers.widgets: the λ slider, the log-nearest grid index, and BlittedFigure (a cached background, redrawn
artists)."""

import base64

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from helpers.widgets import BlittedFigure, nearest_index, strength_slider


def test_strength_slider_is_log_scale():
    slider = strength_slider(value=1e-3, min_exponent=-5, max_exponent=-1)
    try:
        assert (slider.base, slider.min, slider.max, slider.value) == (10, -5, -1, pytest.approx(1e-3))
    finally:
        slider.close()  # a live slider would be timed by tests/test_benchmarks.py's probe in this process


def test_nearest_index_is_log_scale():
    grid = [1e-4, 1e-3, 1e-2]
    assert nearest_index(grid, 3e-4) == 0  # log-midpoint is 3.16e-4
    assert nearest_index(grid, 3.3e-4) == 1  # nearer 1e-4 in difference, nearer 1e-3 in ratio
    assert nearest_index(grid, 1.0) == 2


@pytest.mark.parametrize(
    "grid, value, message",
    [([], 1e-3, "grid is empty"), ([1e-3, 0.0], 1e-3, "grid must be > 0"), ([1e-3], 0.0, "value must be > 0")],
)
def test_nearest_index_rejects_what_has_no_logarithm(grid, value, message):
    with pytest.raises(ValueError, match=message):
        nearest_index(grid, value)


def test_blitted_figure_redraws_changed_artists():
    fig, ax = plt.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 0], lw=5)
    blit = BlittedFigure(fig, [line])
    first = blit.png
    assert first.startswith(b"\x89PNG")
    line.set_ydata([1, 1])
    assert bytes(blit.refresh()) != first


def _figure():
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], color="grey")
    (line,) = ax.plot([0, 1], [1, 0], color="red")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return figure, ax, line


def test_refresh_redraws_only_what_changed_and_is_deterministic():
    figure, ax, line = _figure()
    live = BlittedFigure(figure, [line, ax.title])
    first = bytes(live.refresh())
    assert first.startswith(b"\x89PNG") and live.png == first and base64.b64encode(first).decode() in live.widget.value
    line.set_data([0, 1], [0.5, 0.5])
    ax.set_title("moved")
    assert bytes(live.refresh()) != first
    line.set_data([0, 1], [1, 0])
    ax.set_title("")
    assert bytes(live.refresh()) == first  # the background was restored, not drawn over


def test_the_readout_states_the_text_artists_after_every_refresh():
    fig, ax = plt.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0, 0])
    title = ax.set_title("λ = 0.01: test accuracy 0.85")
    blit = BlittedFigure(fig, [line, title])
    assert blit.readout.value == "Shown: λ = 0.01: test accuracy 0.85"
    title.set_text("λ = 0.1: test accuracy 0.10")
    blit.refresh()
    assert blit.readout.value == "Shown: λ = 0.1: test accuracy 0.10"
    assert 'alt="Shown: λ = 0.1: test accuracy 0.10"' in blit.widget.value  # the image's text alternative
