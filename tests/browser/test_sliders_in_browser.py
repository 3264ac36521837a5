"""Every notebook with a slider, in JupyterLab in headless Chromium: Run All, move each slider, see a redraw.

nbval runs the kernels without a browser, so it cannot see a widget render or a
figure change. Here a slider must render, move with the keyboard, and change a
figure or printed text, with no error anywhere. The lessons are found by
scanning ``notebooks/`` (see ``find_slider_notebooks``); ``fixture_slider.ipynb``
keeps the harness honest before any lesson has a slider, and broken copies of it
check that the harness fails when a callback is dead or raises, or a cell raises.
"""

import json
import os

import pytest
from browser_harness import FIXTURE_NOTEBOOK, REPO, exercise_sliders, find_slider_notebooks

pytestmark = pytest.mark.browser
# Fixture order: lab_page first, so a missing Chromium skips (or fails in CI) before JupyterLab starts.

RUN_TIMEOUT = float(os.environ.get("COURSE_BROWSER_RUN_TIMEOUT", 1200))  # Run All of one notebook, s
REDRAW_TIMEOUT = float(os.environ.get("COURSE_BROWSER_REDRAW_TIMEOUT", 30))  # one slider move -> new output, s

NOTEBOOKS = [FIXTURE_NOTEBOOK, *find_slider_notebooks(REPO / "notebooks")]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_slider_redraws_in_jupyterlab(notebook, lab_page, jupyter_lab):
    moved = exercise_sliders(lab_page.page, jupyter_lab, f"notebooks/{notebook.name}", RUN_TIMEOUT, REDRAW_TIMEOUT)
    print("\n".join(moved))
    assert moved


def _broken_fixture(server, name, old, new, drop_last_cell):
    """Serve a copy of the fixture notebook with one line of its callback replaced -> its path in the server."""
    notebook = json.loads(FIXTURE_NOTEBOOK.read_text(encoding="utf-8"))
    cells = notebook["cells"][:-1] if drop_last_cell else notebook["cells"]  # the last cell asserts the callback
    sources = ["".join(cell["source"]) for cell in cells]
    assert sum(old in source for source in sources) == 1, f"fixture notebook no longer contains {old!r}"
    for cell, source in zip(cells, sources, strict=True):
        cell["source"] = source.replace(old, new)
    notebook["cells"] = cells
    (server.root / "notebooks" / name).write_text(json.dumps(notebook), encoding="utf-8")
    return f"notebooks/{name}"


def test_the_harness_fails_when_a_callback_does_not_redraw(lab_page, jupyter_lab):
    path = _broken_fixture(
        jupyter_lab,
        "broken_dead_callback.ipynb",
        'slider.observe(on_strength, names="value")',
        "pass  # callback never attached",
        True,
    )
    with pytest.raises(AssertionError, match=r"figure in its cell .* did not change within 5 s .*changed: nothing"):
        exercise_sliders(lab_page.page, jupyter_lab, path, RUN_TIMEOUT, redraw_timeout=5)


def test_the_harness_fails_when_the_figure_goes_stale_while_the_text_updates(lab_page, jupyter_lab):
    # The artists change in the kernel, so a check cell (and nbval) still passes; the learner sees an old PNG.
    path = _broken_fixture(jupyter_lab, "broken_stale_figure.ipynb", "    live.refresh()\n", "", True)
    with pytest.raises(
        AssertionError, match=r"figure in its cell .* did not change within 5 s \(changed: cell \d+: text\)"
    ):
        exercise_sliders(lab_page.page, jupyter_lab, path, RUN_TIMEOUT, redraw_timeout=5)


def test_the_harness_fails_when_a_callback_raises(lab_page, jupyter_lab):
    path = _broken_fixture(
        jupyter_lab,
        "broken_raising_callback.ipynb",
        "    live.refresh()",
        '    raise RuntimeError("broken on purpose")',
        True,
    )
    with pytest.raises(AssertionError, match="broken on purpose"):
        exercise_sliders(lab_page.page, jupyter_lab, path, RUN_TIMEOUT, REDRAW_TIMEOUT)


def test_the_harness_fails_when_a_cell_raises_during_run_all(lab_page, jupyter_lab):
    path = _broken_fixture(
        jupyter_lab,
        "broken_cell.ipynb",
        "w = np.linspace(-1, 1, 201)",
        'raise ValueError("a cell broken on purpose")',
        False,
    )
    with pytest.raises(AssertionError, match=r"(?s)Run All did not finish cleanly.*a cell broken on purpose"):
        exercise_sliders(lab_page.page, jupyter_lab, path, RUN_TIMEOUT, REDRAW_TIMEOUT)
