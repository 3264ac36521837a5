"""helpers.plotting.show: a figure goes out with its text alternative, as alt metadata and as a printed caption."""

import base64

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from helpers.plotting import show


@pytest.fixture
def shown(monkeypatch):
    """What ``show`` hands to IPython's display: [(bundle, metadata)]."""
    calls = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw, metadata: calls.append((obj, metadata)))
    return calls


def test_the_figure_goes_out_with_its_description_as_alt_text_and_caption(shown, capsys):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    show(fig, "A falling line from (0, 1) to (1, 0).")
    ((bundle, metadata),) = shown
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert metadata == {"image/png": {"alt": "A falling line from (0, 1) to (1, 0)."}}
    image = bundle["image/png"]  # the same picture as HTML, with the description as its alt text
    assert (
        bundle["text/html"] == f'<img src="data:image/png;base64,{image}" alt="A falling line from (0, 1) to (1, 0).">'
    )
    assert capsys.readouterr().out == "Figure: A falling line from (0, 1) to (1, 0).\n"
    assert not plt.fignum_exists(fig.number)  # closed: the inline backend does not show it a second time


def test_a_figure_without_a_description_is_refused(shown):
    with pytest.raises(ValueError, match="description"):
        show(plt.figure(), "a plot")
