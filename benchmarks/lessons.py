"""What a learner waits for in the lessons: the sections ``lessons`` and ``lesson06`` of benchmarks/run.py."""

import json
import math
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from run import GOALS, REPO, at_least, at_most, fresh, judged, log, worker_main

# Run in a lesson's own kernel after its last cell: every slider the lesson built is moved across its range and
# each move timed (its observers run synchronously in the kernel, as when a learner drags it), then put back.
SLIDER_PROBE = """
import json as _json, time as _time, warnings as _warnings
import ipywidgets as _widgets, numpy as _np


def _values(slider, count):
    if isinstance(slider, _widgets.FloatLogSlider):
        return [float(v) for v in slider.base ** _np.linspace(slider.min, slider.max, count)]
    if isinstance(slider, _widgets.IntSlider):
        return sorted({int(v) for v in _np.round(_np.linspace(slider.min, slider.max, count))})
    if isinstance(slider, _widgets.FloatSlider):
        return [float(v) for v in _np.linspace(slider.min, slider.max, count)]
    return list(slider.options)[:: max(1, len(slider.options) // count)]


with _warnings.catch_warnings():
    _warnings.simplefilter("ignore", DeprecationWarning)  # Widget.widgets: the kernel's widgets
    _kinds = (_widgets.FloatLogSlider, _widgets.FloatSlider, _widgets.IntSlider, _widgets.SelectionSlider)
    _sliders = [w for w in list(_widgets.Widget.widgets.values()) if isinstance(w, _kinds)]
for _number, _slider in enumerate(_sliders):
    _start, _ms = _slider.value, []
    for _ in range(REPEATS):
        for _value in _values(_slider, COUNT):
            if _value != _slider.value:  # setting the value it has calls no observer
                _clock = _time.perf_counter()
                _slider.value = _value
                _ms.append(1000 * (_time.perf_counter() - _clock))
    _slider.value = _start
    print("SLIDER " + _json.dumps({"slider": f"{_slider.description or 'slider'} #{_number + 1}", "moves": len(_ms),
                                    "median_ms": float(_np.median(_ms)), "p95_ms": float(_np.percentile(_ms, 95))}))
# The speed feature behind the sliders: a BlittedFigure redraws its few artists over a saved background; the
# alternative re-renders the whole figure (axes, ticks, legends) and encodes it the same way.
import gc as _gc, io as _io
from PIL import Image as _Image
from helpers.widgets import BlittedFigure as _Blitted
for _blit in [o for o in _gc.get_objects() if isinstance(o, _Blitted)]:
    _ms = {"blitted": [], "whole figure": []}
    for _ in range(10 * REPEATS):
        _clock = _time.perf_counter()
        _blit.refresh()
        _ms["blitted"].append(1000 * (_time.perf_counter() - _clock))
        _clock = _time.perf_counter()
        _blit.canvas.draw()
        for _artist in _blit.artists:
            _blit.figure.draw_artist(_artist)
        _Image.fromarray(_np.asarray(_blit.canvas.buffer_rgba())).save(_io.BytesIO(), format="png", compress_level=1)
        _ms["whole figure"].append(1000 * (_time.perf_counter() - _clock))
    print("BLIT " + _json.dumps({k: float(_np.median(v)) for k, v in _ms.items()}))
"""


def _outputs_text(cell):
    return "".join(
        o.get("text", "") or "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
    )


def sliders_in(text):
    """The probe's ``SLIDER {json}`` lines in a cell's output -> list of dicts."""
    return [json.loads(line[7:]) for line in text.splitlines() if line.startswith("SLIDER ")]


def _open_lesson(path, scratch, count, repeats):
    """One lesson in a fresh kernel, on a copy in ``scratch``, then the slider probe -> its row."""
    import nbformat
    from nbclient import NotebookClient

    copy = Path(shutil.copy(path, scratch))
    notebook = nbformat.read(copy, as_version=4)
    probe_index = len(notebook.cells)
    probe = SLIDER_PROBE.replace("REPEATS", str(repeats)).replace("COUNT", str(count))
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    finished = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell_index < probe_index:  # the lesson's last code cell is the last one before the probe
            finished["lesson"] = time.perf_counter()

    client = NotebookClient(notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": scratch}})
    client.on_cell_executed = on_cell_executed
    clock = time.perf_counter()
    client.execute()  # the kernel inherits run.py's environment: published results, laptop-like
    return {
        "notebook": path.name,
        "seconds": finished["lesson"] - clock,  # from the kernel's start to the lesson's last cell
        # "Training ..." is helpers.published's line when a published result does not match: not an open
        "trained": any(re.search(r"^Training ", _outputs_text(c), re.M) for c in notebook.cells[:-1]),
        "sliders": sliders_in(_outputs_text(notebook.cells[-1])),
        "blits": [
            json.loads(line[5:]) for line in _outputs_text(notebook.cells[-1]).splitlines() if line[:5] == "BLIT "
        ],
    }


def lessons(quick, bfloat16):
    """Each lesson's open time (fresh kernel, published results) and every slider moved across its range, timed."""
    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if quick:  # the first lesson with a slider: the probe runs too
        paths = [next(path for path in paths if "Slider(" in path.read_text(encoding="utf-8"))]
    count, repeats = (3, 1) if quick else (8, 3)
    rows, figures = [], []
    with tempfile.TemporaryDirectory(prefix="course-lessons-") as scratch:
        for path in paths:
            rows.append(_open_lesson(path, scratch, count, repeats))
            log(f"  {path.name}: {rows[-1]['seconds']:.1f} s, {len(rows[-1]['sliders'])} slider(s)")
    table = ["| notebook | open, s | slider | moves | median ms | p95 ms |", "|---|---|---|---|---|---|"]
    for row in rows:
        trained = " (trained: a published result did not match)" if row["trained"] else ""
        what = f"{row['notebook']}: open with published results{trained}"
        figures.append(at_most(what, row["seconds"], GOALS["lesson seconds"], "s"))
        figures[-1]["met"] = figures[-1]["met"] and not row["trained"]  # a lesson that trained did not just open
        for number, slider in enumerate(row["sliders"] or [None]):
            cells = [row["notebook"], f"{row['seconds']:.1f}{trained}"] if number == 0 else ["", ""]
            if slider is None:
                table.append("| " + " | ".join([*cells, "–", "", "", ""]) + " |")
                continue
            cells += [slider["slider"], str(slider["moves"]), f"{slider['median_ms']:.1f}", f"{slider['p95_ms']:.1f}"]
            table.append("| " + " | ".join(cells) + " |")
            what = f"{row['notebook']}: slider {slider['slider']}, median per move"
            figures.append(at_most(what, slider["median_ms"], GOALS["slider ms"], "ms"))
    blits = [blit for row in rows for blit in row.get("blits", [])]
    if blits:
        whole, blitted = ([blit[key] for blit in blits] for key in ("whole figure", "blitted"))
        gain = statistics.median(whole) / statistics.median(blitted)
        figures.append(at_least("slider figures: whole-figure redraw / blitted redraw (median ms)", gain, 1.1))
        table += [
            "",
            f"BlittedFigure, {len(blits)} figure(s): median {statistics.median(blitted):.1f} ms per "
            f"redraw, against {statistics.median(whole):.1f} ms re-rendering the whole figure: {gain:.1f}×.",
        ]
    return {
        "title": "Lessons: open time and slider latency",
        "rows": rows,
        "figures": figures,
        "lines": [
            "Each lesson executed with nbclient on a temporary copy, in a fresh kernel, showing its published results: "
            "the time from the kernel's start to its last cell's end. Then, in that kernel, every slider it built is "
            f"moved to {count} values across its range, {repeats} time(s), each move timed (its callback redraws "
            "synchronously), and put back." + (" --quick: the first lesson with a slider only." if quick else ""),
            "",
            *table,
        ],
    }


# ------------------------------------------------------------------ lesson 06: the speed claims of its prose


def lesson06_claims(rows, chosen=0.3):
    """Lesson 06's speed claims judged on ``rows`` -> goals-table rows.

    ``rows``: ``{name: {"strength", "flops", "ms1", "ms256"}}`` with ``"dense"``, ``"l1"`` (scattered zeros,
    strength None) and the narrowed models (their group-lasso strength); times in ms for 1 and 256 images.
    """
    dense = rows["dense"]
    found = [row for row in rows.values() if row["strength"] is not None and math.isclose(row["strength"], chosen)]
    if not found:
        raise ValueError(f"rows has no narrowed model at strength {chosen}")
    zeros = rows["l1"]["ms256"] / dense["ms256"]
    many, one = (dense[f"ms{images}"] / found[0][f"ms{images}"] for images in (256, 1))
    fewer = dense["flops"] / found[0]["flops"]
    band = GOALS["dense vs L1 band"]
    return [
        judged(
            "L1 zeros' time / dense's, 256 images",
            f"{zeros:.2f}",
            f"{1 - band:.2f} to {1 + band:.2f}",
            bool(1 - band <= zeros <= 1 + band),
        ),
        at_least(f"λ = {chosen:g} narrowed: speed-up over dense, 256 images", many, GOALS["narrowed speed-up"]),
        judged(
            f"λ = {chosen:g} narrowed: speed-up vs its FLOPs ratio, 256 images",
            f"{many:.2f}× vs {fewer:.2f}×",
            "speed-up < FLOPs ratio",
            bool(many < fewer),
        ),
        judged(
            f"λ = {chosen:g} narrowed: speed-up at 1 image vs at 256",
            f"{one:.2f}× vs {many:.2f}×",
            "less at 1 image",
            bool(one < many),
        ),
    ]


def lesson06_worker(quick, bfloat16):
    """Lesson 06's published dense, L1 and narrowed nets: FLOPs and forward-pass time at 1 and 256 images."""
    from helpers.notebook import setup_notebook

    setup_notebook()
    from helpers.experiment import make_config
    from helpers.lesson06_structured_sparsity import (
        PRUNABLE,
        REGIME_CHANGES,
        SWEEP_STRENGTHS,
        flops,
        forward_pass_ms,
        published_group_lasso_sweep,
        stored_model,
    )

    def never_train(line):  # a benchmark reads the published sweep; it never trains it for a quarter of an hour
        if line.startswith("Training"):
            raise RuntimeError(f"lesson06 would train the lesson's sweep: {line}")

    sweep = published_group_lasso_sweep(make_config(**REGIME_CHANGES), SWEEP_STRENGTHS["cost"], log=never_train)
    strengths = {f"s{i}": float(s) for i, s in enumerate(sweep["strength"]) if f"s{i}__conv1__kernel" in sweep}
    models = {name: stored_model(sweep, name) for name in ["dense", "l1", *strengths]}
    times = forward_pass_ms(models, batch_sizes=(1, 256), repeats=5 if quick else 50)  # the lesson's 50 rounds
    return {
        name: {
            "strength": strengths.get(name),
            "units": [int(model.get_layer(layer).kernel.shape[-1]) for layer in PRUNABLE],
            "flops": int(flops(model)),
            "ms1": times[name, 1],
            "ms256": times[name, 256],
        }
        for name, model in models.items()
    }


def lesson06(quick, bfloat16):
    """Lesson 06's published networks: forward-pass time at 1 and 256 images, and the speed claims of its prose."""
    rows, _ = fresh(__file__, "lesson06_worker", quick=quick)
    dense = rows["dense"]
    table = ["| model | units kept | MFLOPs (fewer) | ms at 1 image (speed-up) | ms at 256 images (speed-up) |"]
    table.append("|---|---|---|---|---|")
    for name, row in rows.items():
        label = "L1 zeros" if name == "l1" else name if row["strength"] is None else f"λ = {row['strength']:g}"
        table.append(
            f"| {label} | {'-'.join(map(str, row['units']))} | {row['flops'] / 1e6:.2f} "
            f"({dense['flops'] / row['flops']:.1f}×) | {row['ms1']:.2f} ({dense['ms1'] / row['ms1']:.2f}×) | "
            f"{row['ms256']:.1f} ({dense['ms256'] / row['ms256']:.2f}×) |"
        )
    return {
        "title": "Lesson 06: a smaller, faster CNN, measured",
        "rows": rows,
        "figures": lesson06_claims(rows),
        "lines": [
            "published/lesson06_group_lasso.npz's seed-0 models (dense; L1 zeros; each λ's narrowed, fine-tuned net), "
            f"timed as the lesson times them: `forward_pass_ms`, {5 if quick else 50} rounds of the models in turn, "
            "compared round by round. The claims are the lesson's prose (sections 1 and 4); the lesson prints its "
            "times but no longer checks them.",
            "",
            *table,
        ],
    }


WORKERS = {"lesson06_worker": lesson06_worker}

if __name__ == "__main__":
    worker_main(WORKERS)
