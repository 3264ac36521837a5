"""Every notebook with a slider, in JupyterLab in headless Chromium: Run All, move each slider, see a redraw (nbval
cannot see a widget render or a figure change), with no error anywhere. Broken copies of ``fixture_slider.ipynb``
check that the harness fails when a callback is dead, leaves its figure stale or raises, or a cell raises."""

import json
import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_harness import FIXTURE_NOTEBOOK, REPO, exercise_sliders, find_slider_notebooks

pytestmark = pytest.mark.browser
# Fixture order: lab_page first, so a missing Chromium skips (or fails in CI) before JupyterLab starts.
RUN_TIMEOUT = float(os.environ.get("COURSE_BROWSER_RUN_TIMEOUT", 1200))  # Run All of one notebook, s
REDRAW_TIMEOUT = float(os.environ.get("COURSE_BROWSER_REDRAW_TIMEOUT", 30))  # one slider move -> new output, s
# The README's suite opens the Chinese lesson 03 (the quickest Run All of the lessons with sliders, no network trained
# live; the Chinese edition, to see its characters and its readouts in a real browser); every English lesson with a
# slider, and the harness's own checks (the fixture, and the fixture broken four ways), run with the slow tests
# (`-m slow`, as CI runs them): each notebook costs half a minute or more of the suite's 4 minutes.
NOTEBOOKS = [
    pytest.param(FIXTURE_NOTEBOOK, marks=pytest.mark.slow),
    *(pytest.param(p, marks=pytest.mark.slow) for p in find_slider_notebooks(REPO / "notebooks")),
    *(p for p in find_slider_notebooks(REPO / "notebooks" / "zh") if p.name.startswith("03_")),
]


# axe-core (accessibility rules) on what the notebook itself shows after Run All: rendered markdown and outputs, not
# JupyterLab's own interface. Excluded: the handle of an ipywidgets slider (noUi-slider), which carries no
# aria-label of its own (its visible label sits beside it); that needs a fix in ipywidgets, not in the course.
SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
NOTEBOOK_CONTENT = {
    "include": [[f"{SHOWN} .jp-MarkdownOutput"], [f"{SHOWN} .jp-OutputArea-output"]],
    "exclude": [[f"{SHOWN} .noUi-handle"]],
}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_slider_redraws_in_jupyterlab(notebook, lab_page, jupyter_lab):
    relative = notebook.relative_to(REPO).as_posix() if notebook.is_relative_to(REPO / "notebooks") else None
    relative = relative or f"notebooks/{notebook.name}"  # the fixture, copied next to the lessons
    moved = exercise_sliders(lab_page, jupyter_lab, relative, RUN_TIMEOUT, REDRAW_TIMEOUT)
    print("\n".join(moved))  # exercise_sliders asserts; this shows what each slider changed (pytest -s)
    violations = Axe().run(lab_page, context=NOTEBOOK_CONTENT).response["violations"]
    found = [f"{v['id']} ({v['impact']}): {v['help']}: {v['nodes'][0]['html'][:120]}" for v in violations]
    assert not found, "axe-core finds in the notebook's own content:\n" + "\n".join(found)


# The fixture with one line replaced, and without its last cell (whose check in the kernel would fail first) -> what
# the harness must report; a redraw that never comes is waited for 5 s.
@pytest.mark.parametrize(
    ("old", "new", "reported"),
    [
        ('slider.observe(on_strength, names="value")', "", r"figure in its cell .* within 5 s \(changed: nothing\)"),
        ("    live.refresh()\n", "", r"figure in its cell .* within 5 s \(changed: cell \d+: text\)"),
        ("    live.refresh()", '    raise RuntimeError("broken on purpose")', "broken on purpose"),
        ("w = np.linspace(-1, 1, 201)", 'raise ValueError("broken cell")', r"(?s)Run All did not finish.*broken cell"),
    ],
    ids=["dead_callback", "stale_figure", "raising_callback", "raising_cell"],
)
@pytest.mark.slow
def test_the_harness_fails_on_a_broken_slider_notebook(old, new, reported, request, lab_page, jupyter_lab):
    notebook = json.loads(FIXTURE_NOTEBOOK.read_text(encoding="utf-8"))
    notebook["cells"] = notebook["cells"][:-1]
    sources = ["".join(cell["source"]) for cell in notebook["cells"]]
    assert sum(old in source for source in sources) == 1, f"fixture notebook no longer contains {old!r}"
    for cell, source in zip(notebook["cells"], sources, strict=True):
        cell["source"] = source.replace(old, new)
    path = f"notebooks/broken_{request.node.callspec.id}.ipynb"
    (jupyter_lab.root / path).write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(AssertionError, match=reported):
        exercise_sliders(lab_page, jupyter_lab, path, RUN_TIMEOUT, 5 if "5 s" in reported else REDRAW_TIMEOUT)
