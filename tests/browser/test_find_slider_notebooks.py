"""Which notebooks the browser suite opens: found from the notebooks' JSON, no browser needed."""

import json

from browser_harness import FIXTURE_NOTEBOOK, describe_change, find_slider_notebooks


def _notebook(path, *sources):
    cells = [
        {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}
        for source in sources
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_notebooks_that_build_a_slider_are_found_and_others_are_not(tmp_path):
    with_helper = _notebook(tmp_path / "01_a.ipynb", "import numpy", "slider = strength_slider(value=1e-3)")
    with_ipywidgets = _notebook(tmp_path / "02_b.ipynb", ["s = widgets.IntSlider(\n", "    value=3)"])
    _notebook(tmp_path / "03_c.ipynb", "print('no widget here')  # a Slider in a comment has no call")
    assert find_slider_notebooks(tmp_path) == [with_helper, with_ipywidgets]


def test_the_fixture_notebook_has_a_slider():
    assert find_slider_notebooks(FIXTURE_NOTEBOOK.parent) == [FIXTURE_NOTEBOOK]


def test_a_changed_image_or_text_is_reported_per_cell():
    before = [{"cell": 2, "text": "λ = 0.1", "images": ["data:a"]}]
    assert describe_change(before, before) == []
    assert describe_change(before, [{"cell": 2, "text": "λ = 0.2", "images": ["data:b"]}]) == [
        "cell 2: image",
        "cell 2: text",
    ]
