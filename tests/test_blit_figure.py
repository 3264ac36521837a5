"""BlitLiveFigure: redraws only the moving artists, into the Output widget's state."""

import base64
import io

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from helpers.widgets import BlitLiveFigure  # noqa: E402


def _shown_pixels(live):
    png = base64.b64decode(live.output.outputs[0]["data"]["image/png"])
    return np.asarray(Image.open(io.BytesIO(png)))


def test_blit_figure_redraws_the_moving_artist():
    figure, axes = plt.subplots(figsize=(3, 2), dpi=50)
    axes.plot([0, 1], [0, 1], color="grey")
    marker, = axes.plot([0.2], [0.2], "o", color="red", markersize=12)
    axes.set(xlim=(0, 1), ylim=(0, 1))
    live = BlitLiveFigure(figure, [marker])
    before = _shown_pixels(live)
    assert before.shape == (100, 150, 4)
    marker.set_data([0.8], [0.8])
    live.refresh()
    after = _shown_pixels(live)
    assert (before != after).any() and len(live.output.outputs) == 1


def test_blit_figure_rejects_foreign_or_missing_artists():
    figure, axes = plt.subplots()
    other_figure, other_axes = plt.subplots()
    foreign, = other_axes.plot([0], [0])
    with pytest.raises(ValueError, match="animated must be a non-empty list"):
        BlitLiveFigure(figure, [])
    with pytest.raises(ValueError, match="animated must be a non-empty list"):
        BlitLiveFigure(figure, [foreign])
