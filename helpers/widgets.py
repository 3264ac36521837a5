"""The slider pattern of every lesson: a pure function draws, a slider calls it, a later cell tests it.

Each lesson writes ``draw_something(ax_or_artists, strength)`` as a plain function
(unit-testable, used once without a widget for the static figure), and wires it
to a λ slider with :func:`strength_slider` and :class:`LiveFigure`. Under nbval
there is no browser, so a later cell sets ``slider.value`` and asserts on what
the callback computed: observers run synchronously in the kernel.
"""

import statistics
import time

__all__ = ["strength_slider", "LiveFigure", "BlitLiveFigure", "measure_latency"]


def strength_slider(description="λ", value=1e-3, min_exponent=-6, max_exponent=0, step=0.25):
    """A log-scale slider for a penalty strength: 10**min_exponent .. 10**max_exponent."""
    import ipywidgets

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


class LiveFigure:
    """A matplotlib figure shown in an Output widget and re-rendered after its artists change.

    The artists are updated in place (``set_data``, ``set_height`` ...) by the
    lesson's draw function; :meth:`refresh` only re-renders the PNG.
    """

    def __init__(self, figure):
        import ipywidgets
        import matplotlib.pyplot as plt

        self.figure = figure
        self.output = ipywidgets.Output()
        plt.close(figure)  # keep the inline backend from showing it a second time
        self.refresh()

    def refresh(self):
        """Re-render the figure into the Output widget."""
        from IPython.display import clear_output, display

        with self.output:
            clear_output(wait=True)
            display(self.figure)


def measure_latency(callback, values, repeats=3):
    """Call ``callback(v)`` for every value, ``repeats`` times -> {"median_ms", "p95_ms", "calls"}."""
    timings = []
    for _ in range(repeats):
        for value in values:
            start = time.perf_counter()
            callback(value)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return {"median_ms": statistics.median(timings), "p95_ms": p95, "calls": len(timings)}


class BlitLiveFigure(LiveFigure):
    """A :class:`LiveFigure` that redraws only the artists a slider moves, over a cached background.

    A full re-render (ticks, labels, every line) takes ~100 ms on a slow CPU; drawing a few
    artists onto a saved background and encoding the PNG takes a few ms. ``animated`` lists
    the artists the callback changes; nothing else may change (axes limits included).
    """

    def __init__(self, figure, animated):
        animated = list(animated)
        if not animated or any(getattr(artist, "figure", None) is not figure for artist in animated):
            raise ValueError("animated must be a non-empty list of artists that belong to figure")
        self.animated, self._background = animated, None
        super().__init__(figure)

    def refresh(self):
        """Draw the animated artists over the background and show the PNG in the Output widget."""
        import base64
        import io

        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        if self._background is None:  # first call: draw everything but the animated artists, once
            canvas = FigureCanvasAgg(self.figure)
            for artist in self.animated:
                artist.set_animated(True)
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        canvas = self.figure.canvas
        canvas.restore_region(self._background)
        for artist in self.animated:
            self.figure.draw_artist(artist)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        # Set the widget's state directly: no display message, so nothing leaks into a cell's output.
        self.output.outputs = ({"output_type": "display_data", "data": {"image/png": png}, "metadata": {}},)
