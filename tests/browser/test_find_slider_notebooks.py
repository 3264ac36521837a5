"""The harness's own logic that needs no browser: which notebooks it opens, and what counts as a changed output."""

import json

from browser_harness import FIXTURE_NOTEBOOK, describe_change, find_slider_notebooks


def test_notebooks_that_build_a_slider_are_found_and_others_are_not(tmp_path):
    def notebook(name, *sources):
        cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in sources]
        (tmp_path / name).write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        return tmp_path / name

    with_helper = notebook("01_a.ipynb", "import numpy", "slider = strength_slider(value=1e-3)")
    with_ipywidgets = notebook("02_b.ipynb", ["s = widgets.IntSlider(\n", "    value=3)"])
    notebook("03_c.ipynb", "print('no widget here')  # a Slider in a comment has no call")
    assert find_slider_notebooks(tmp_path) == [with_helper, with_ipywidgets]
    assert find_slider_notebooks(FIXTURE_NOTEBOOK.parent) == [FIXTURE_NOTEBOOK]


def test_a_changed_image_or_text_is_reported_per_cell():
    before, after = [{"cell": 2, "text": "λ = 0.1", "images": ["a"]}], [{"cell": 2, "text": "λ = 0.2", "images": ["b"]}]
    assert describe_change(before, before) == [] and describe_change(before, after) == ["cell 2: image", "cell 2: text"]
