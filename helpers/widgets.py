"""The slider pattern of every lesson: a pure function draws, a slider calls it, a later cell tests it.

Each lesson writes ``draw_something(ax_or_artists, strength)`` as a plain function (unit-testable, used once
without a widget for the static figure), and wires it to a λ slider with :func:`strength_slider` and
:class:`BlittedFigure`. Under nbval there is no browser, so a later cell sets ``slider.value`` and asserts
on what the callback computed: observers run synchronously in the kernel.
"""

import base64
import html
import io
import math

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from PIL import Image

from helpers._text import _
from helpers._validation import check_nonnegative, check_positive

__all__ = ["BlittedFigure", "nearest_index", "strength_slider"]


def strength_slider(description="λ", value=1e-3, min_exponent=-6, max_exponent=0, step=0.25):
    """A log-scale slider for a penalty strength: 10**min_exponent .. 10**max_exponent."""
    value = check_nonnegative("value", value)
    if not min_exponent < max_exponent:
        raise ValueError(f"min_exponent ({min_exponent}) must be < max_exponent ({max_exponent})")
    if not 10.0**min_exponent <= value <= 10.0**max_exponent:
        raise ValueError(f"value={value:g} must lie in [1e{min_exponent}, 1e{max_exponent}]")
    return ipywidgets.FloatLogSlider(
        value=value,
        base=10,
        min=min_exponent,
        max=max_exponent,
        step=step,
        description=description,
        readout_format=".1e",
        continuous_update=True,
        style={"description_width": "initial"},
    )


def nearest_index(grid, value):
    """Index of the strength in ``grid`` (all > 0) nearest ``value`` (> 0) on a log scale: where a slider snaps.

    The trained strength nearest in ratio, not in difference: 0.004 is nearer 0.003 than 0.01.
    """
    grid = [check_positive("grid", g) for g in np.ravel(np.asarray(grid, dtype=object))]
    if not grid:
        raise ValueError("grid is empty: give at least one strength > 0")
    value = check_positive("value", value)
    return min(range(len(grid)), key=lambda i: abs(math.log(grid[i]) - math.log(value)))


class BlittedFigure:
    """A figure shown as a PNG in an HTML widget (an <img> with alt text) whose changing artists are redrawn over a
    cached background.

    Drawing a few artists over a saved background is far faster than re-rendering the axes, ticks and
    legends. The lesson's draw function updates ``artists`` in place (``set_data``, ``set_text`` ...), then
    :meth:`refresh` redraws them into ``.widget``, the figure as an image to put in the layout, and writes the
    text of its text artists (a title that states the values shown) into ``.readout``, a label to put under it:
    the slider's text readout for everyone, and the image's alt text for a screen reader. Display the static
    figure (``display(figure)``) *before* creating this: the artists become "animated" and are left out of
    ordinary renders. Limits and scales must stay fixed.
    """

    def __init__(self, figure, artists):
        self.figure, self.artists = figure, list(artists)
        if not self.artists:
            raise ValueError("artists must list at least one artist of the figure to redraw")
        if any(artist.get_figure(root=True) is not figure for artist in self.artists):
            raise ValueError("artists must hold artists of this figure only")
        plt.close(figure)  # the widget shows it; keep the inline backend from showing it again
        self.canvas = FigureCanvasAgg(figure)  # our own off-screen pixel canvas
        for artist in self.artists:
            artist.set_animated(True)  # left out of full draws: they go over the background
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(figure.bbox)
        # One HTML widget holding an <img>, not an Output widget: an update is one widget message, with no
        # clear_output/display round trip (which nbconvert's executor was seen to stall on); not an Image widget,
        # which JupyterLab draws without alt text.
        self.widget = ipywidgets.HTML()
        self.readout = ipywidgets.Label()
        self.refresh()

    def refresh(self):
        """Redraw the artists over the cached background into the widget -> the PNG bytes shown."""
        self.canvas.restore_region(self.background)
        for artist in self.artists:
            self.figure.draw_artist(artist)
        buffer = io.BytesIO()
        # compress_level=1: a larger PNG, but encoded much faster than at the default level.
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        self.png = buffer.getvalue()
        texts = [artist.get_text() for artist in self.artists if isinstance(artist, Text) and artist.get_text()]
        self.readout.value = _("Shown: ") + _("; ").join(texts) if texts else ""
        alt = html.escape(self.readout.value or _("The figure, redrawn as the slider moves"))
        self.widget.value = f'<img src="data:image/png;base64,{base64.b64encode(self.png).decode()}" alt="{alt}">'
        return self.png
