"""BlittedFigure: the fast slider figure (cached background + redrawn artists)."""

import matplotlib.pyplot as plt

from helpers.widgets import BlittedFigure


def _figure():
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], color="grey")
    (line,) = ax.plot([0, 1], [1, 0], color="red")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return figure, ax, line


def test_render_png_redraws_only_what_changed_and_is_deterministic():
    figure, ax, line = _figure()
    live = BlittedFigure(figure, [line, ax.title])
    first = live.render_png()
    assert first.startswith(b"\x89PNG")
    line.set_data([0, 1], [0.5, 0.5])
    ax.set_title("moved")
    assert live.render_png() != first
    line.set_data([0, 1], [1, 0])
    ax.set_title("")
    assert live.render_png() == first  # the background was restored, not drawn over


def test_refresh_puts_the_png_in_the_image_widget():
    figure, _, line = _figure()
    live = BlittedFigure(figure, [line])
    line.set_data([0, 1], [0.2, 0.8])
    live.refresh()
    assert live.widget.format == "png" and bytes(live.widget.value) == live.render_png()

