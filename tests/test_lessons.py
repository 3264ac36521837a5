"""The rules every lesson keeps (STYLE.md, "Version 2"), read from the committed notebooks: what a learner sees
(cells, checks, no tooling talk, one line per published result, no machine details) and the study times."""

import ast
import html
import itertools
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
each_lesson = pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
# The rules of what a learner sees hold in both editions; the Chinese lessons (notebooks/zh/) state the English times.
EDITIONS = LESSONS + sorted((REPO / "notebooks" / "zh").glob("[0-9][0-9]_*.ipynb"))
each_edition = pytest.mark.parametrize("path", EDITIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
# Words about the machinery, not about regularization (the README, benchmarks/ and tests/ hold that talk), matched
# with "_" read as a space so that identifiers count too (cached_sweep); PUBLISHED_LINE holds none of them.
TOOLING = re.compile(
    r"(?i)bfloat16|oneDNN|\bAMX\b|EPYC|latency|\bcach(e[sd]?|ing)\b|provenance|nbval|pytest|xdist|fast path"
    r"|maintainer|this machine|(?-i:\bCI\b)"
)
# A CPU's name, a library's version or a shell command: true on one machine or for one install, not for the learner.
MACHINE = re.compile(
    r"(?im)\b(python|tensorflow|keras|numpy|scipy|mlxtend|scikit-learn|matplotlib|ipywidgets|jupyterlab|ray)\s+v?\d+\.\d+"
    r"|\b(intel|amd|xeon|epyc|ryzen|core i\d|apple m\d|avx\w*|amx|x86[-_]64|aarch64|arm64|neoverse|graviton)\b"
    r"|(^|\s)(\$ |python3? -m |pip3? install|pytest\b|jupyter |git |conda |apt(-get)? install|brew install|\.venv/)"
)
# A result another lesson trains says only when it was trained: this lesson's RETRAIN does not train it.
PUBLISHED_LINE = re.compile(
    r"Published result \(trained in float32, [\d-]+\)\.( Set RETRAIN = True to train it here\.)?"
    r"|已发布的结果（训练于 float32, [\d-]+）。(设 RETRAIN = True 即可在本机训练。)?"
)
CHECK_CALL = re.compile(r"\b(check_\w*|guard)\(|^\s*assert\b", re.MULTILINE)
COURSE_MAP = REPO / "notebooks" / "00_course_map.ipynb"  # its third cell: the table of lessons and study times


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def folded(cell, part="source"):
    return cell["metadata"].get("jupyter", {}).get(f"{part}_hidden", False)


def source(cell):
    return "".join(cell["source"])


def output_text(cell):
    """What the cell's stored outputs show as text (streams, text/plain, text/markdown, text/html)."""
    shown = [{"text/stream": o.get("text", ""), **o.get("data", {})} for o in cell.get("outputs", [])]
    text = "\n".join("".join(text) for output in shown for kind, text in output.items() if kind.startswith("text/"))
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png", text)  # a figure's pixels are no text


def helper_names(path):
    """Every module and name the notebook imports from helpers (a learner meets them in code and completion)."""
    nodes = [node for c in cells(path) if c["cell_type"] == "code" for node in ast.walk(ast.parse(source(c)))]
    found = [node for node in nodes if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers")]
    return [name for node in found for name in (node.module, *(alias.name for alias in node.names))]


@each_edition
def test_a_learner_sees_at_most_40_cells_and_8_checks(path):
    shown = [cell for cell in cells(path) if not folded(cell)]
    checks = sum(len(CHECK_CALL.findall(source(c))) for c in shown if c["cell_type"] == "code")
    assert len(shown) <= 40, f"{path.name}: {len(shown)} visible cells"
    assert checks <= 8, f"{path.name}: {checks} visible checks; fold guards (metadata jupyter.source_hidden, tag guard)"


@each_edition
def test_guards_are_folded_tagged_and_still_run(path):
    for number, cell in enumerate(cells(path)):
        tagged = "guard" in cell["metadata"].get("tags", [])
        if tagged or folded(cell):
            ok = cell["cell_type"] == "code" and tagged and folded(cell) and folded(cell, "outputs")
            assert ok, f"{path.name} cell {number}: a guard is a code cell, tagged guard, source and outputs folded"
            assert CHECK_CALL.search(source(cell)), f"{path.name} cell {number}: a guard that checks nothing"
            assert cell.get("execution_count"), f"{path.name} cell {number}: a guard stored unexecuted is never run"
            # JupyterLab shows a folded cell's output again after Run All: a guard that holds prints nothing.
            assert not cell["outputs"], (
                f"{path.name} cell {number}: a guard that prints (use guard(), not check_true())"
            )


@each_edition
def test_no_tooling_talk_in_text_code_comments_outputs_or_imported_names(path):
    seen = [source(c) for c in cells(path) if not folded(c)]
    seen += [output_text(c) for c in cells(path) if not folded(c, "outputs")]
    found = {m[0] for m in TOOLING.finditer(" ".join(seen + helper_names(path)).replace("_", " "))}
    assert not found, f"{path.name}: {sorted(found)}"


@each_edition
def test_outputs_name_no_cpu_library_version_or_command(path):
    found = [m[0] for cell in cells(path) for m in MACHINE.finditer(output_text(cell))]
    assert not found, f"{path.name}: {found}"


PUBLISHED = {p.stem for p in (REPO / "published").glob("*.npz")}
LOADS = {}  # {helper function: the published results its source names}, over the helpers' top-level functions
for text in (module.read_text(encoding="utf-8") for module in (REPO / "helpers").glob("*.py")):
    for node in (node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)):
        body = ast.get_source_segment(text, node)
        LOADS.setdefault(node.name, set()).update(name for name in PUBLISHED if name in body)


@each_edition
def test_each_published_result_shows_one_line(path):
    """A cell shows at most one published-result line per result it loads (by name, or through a helper)."""
    imported = set(helper_names(path))
    for number, cell in enumerate(cells(path)):
        lines = [
            line for line in output_text(cell).splitlines() if line.startswith(("Published result", "已发布的结果"))
        ]
        assert all(PUBLISHED_LINE.fullmatch(line) for line in lines), f"{path.name} cell {number}: {lines}"
        helpers_called = imported & set(re.findall(r"\b(\w+)\s*\(", source(cell)))
        loaded = {n for n in PUBLISHED if n in source(cell)}.union(*(LOADS.get(f, ()) for f in helpers_called))
        assert len(lines) <= len(loaded), f"{path.name} cell {number}: {len(lines)} lines for {sorted(loaded)}"


@each_edition
def test_committed_run_top_to_bottom_without_errors(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    code = [c for c in cells(path) if c["cell_type"] == "code" and source(c).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), f"{path.name}: not run in order"
    assert not any(o["output_type"] == "error" for c in code for o in c["outputs"]), f"{path.name}: error output"


@each_edition
def test_every_cell_whose_output_is_not_compared_says_why(path):
    """A cell nbval does not compare says why in its metadata; if its numbers are trained here, a check follows."""
    code = [c for c in cells(path) if c["cell_type"] == "code"]
    for number, cell in enumerate(code):
        tags = " ".join(cell["metadata"].get("tags", []))
        if re.search(r"nbval-(ignore-output|skip)|NBVAL_(IGNORE_OUTPUT|SKIP)", tags + source(cell)):
            why = cell["metadata"].get("why_not_compared", "")
            assert len(why) >= 20, f"{path.name} cell {number}: not compared, and no metadata why_not_compared"
            if "trained here" in why:
                following = "".join(source(c) for c in code[number : number + 3])
                assert "check_" in following, f"{path.name} cell {number}: no check for its numbers"


def stated_minutes(path):
    found = re.search(r"\*\*Time:\*\* about (\d+) minutes", source(cells(path)[0]))
    assert found, f"{path.name}: the first cell states no '**Time:** about N minutes'"
    return int(found[1])


def test_the_course_map_names_the_lessons_with_a_slider():
    said = re.search(r"Lessons ([\d, and]+) have λ sliders", " ".join(source(c) for c in cells(COURSE_MAP)))
    with_slider = [p.name[:2] for p in LESSONS if any("strength_slider(" in source(c) for c in cells(p))]
    assert said and re.findall(r"\d\d", said[1]) == with_slider


def test_the_course_map_lists_every_lesson_with_the_time_it_states():
    rows = dict(re.findall(r"^\| (\d\d) \|.*\| (\d+) min \|$", source(cells(COURSE_MAP)[2]), re.MULTILINE))
    assert rows == {path.name[:2]: str(stated_minutes(path)) for path in LESSONS}


# The reading model (STYLE.md, version 3) for the learner the README names: prose at 120 words a minute, visible code
# at 8 lines a minute, and 5 minutes for each exercise. Every markdown cell is read ("Going further" and solutions
# included); folded cells are not, and neither is a code cell that opens with OPTIONAL_PLOT: drawing code a learner
# may skip (its figure and its "What to notice" are read).
WORDS_PER_MINUTE, CODE_LINES_PER_MINUTE, EXERCISE_MINUTES = 120, 8, 5
OPTIONAL_PLOT = "# Optional: plot code"


def modelled_minutes(path):
    prose = " ".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")
    shown = [source(c) for c in cells(path) if c["cell_type"] == "code" and not folded(c)]
    shown = [text for text in shown if not text.startswith(OPTIONAL_PLOT)]
    code_lines = sum(1 for text in shown for line in text.splitlines() if line.strip())
    exercises = len(re.findall(r"\*\*Exercise \d", prose))
    return len(prose.split()) / WORDS_PER_MINUTE + code_lines / CODE_LINES_PER_MINUTE + exercises * EXERCISE_MINUTES


@each_edition
def test_every_figure_has_a_text_alternative_and_every_slider_a_text_readout(path):
    """A figure goes out through helpers.plotting.show (alt text in its metadata, the same words printed under it, for
    JupyterLab shows an image without alt text); a slider's figure shows its BlittedFigure's readout label."""
    zh = path if path.parent.name == "zh" else None  # Chinese: about two characters a word
    for number, cell in enumerate(cells(path)):
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                alt = output.get("metadata", {}).get("image/png", {}).get("alt", "")
                words = len(alt.split()) if zh is None else len(re.findall(r"[\u4e00-\u9fff]", alt)) / 2
                assert words >= 5, f"{path.name} cell {number}: a figure without a text alternative"
                as_html = "".join(output["data"].get("text/html", ""))  # what JupyterLab shows: an image with alt text
                assert f'alt="{html.escape(alt)}"' in as_html, f"{path.name} cell {number}: its HTML has no alt text"
                caption = f"Figure: {alt}" if zh is None else f"图：{alt}"
                assert caption in output_text(cell), f"{path.name} cell {number}: its description is not shown"
        if "BlittedFigure(" in source(cell):
            assert ".readout" in source(cell), f"{path.name} cell {number}: a slider figure without its text readout"


@each_edition
def test_one_title_and_headings_in_order(path):
    """A screen reader's outline: one H1 (the title, first), and no heading deeper than one level below the last."""
    text = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")
    levels = [len(marks) for marks in re.findall(r"^(#{1,6}) ", re.sub(r"(?s)```.*?```", "", text), re.MULTILINE)]
    assert levels[:1] == [1] and levels.count(1) == 1, f"{path.name}: headings {levels}"
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), f"{path.name}: a heading skips a level: {levels}"


@each_edition
def test_optional_plot_code_only_draws(path):
    """A cell the reading model skips as optional plot code draws a figure and holds no check."""
    marked = [source(c).startswith(OPTIONAL_PLOT) for c in cells(REPO / "notebooks" / path.name)]  # as in English
    for number, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] == "code" and marked[number]:
            assert not CHECK_CALL.search(text), f"{path.name} cell {number}: a check in optional plot code"
            draws = re.search(r"\b(plt|ax|axes|fig)\.|\b(display|show)\(", text)  # a figure, or a slider's widgets
            assert draws, f"{path.name} cell {number}: optional plot code draws nothing"


@each_lesson
def test_the_stated_time_is_the_reading_model_rounded_up_to_5_minutes(path):
    modelled = modelled_minutes(path)
    assert modelled <= stated_minutes(path) <= modelled + 5, f"{path.name}: modelled {modelled:.1f} min"


def test_the_course_map_states_the_path_time_its_table_adds_up_to():
    path_lessons, _ = path_and_electives()
    total = sum(stated_minutes(path) for path in path_lessons)
    said = re.search(r"Work through 00–05 in order \(about (\d+) h(?: (\d+) min)?", source(cells(COURSE_MAP)[2]))
    assert said and 60 * int(said[1]) + int(said[2] or 0) == total, f"the path's lessons state {total} min"


def path_and_electives():
    electives = set(re.findall(r"^\| (\d\d) \| \[Elective", source(cells(COURSE_MAP)[2]), re.MULTILINE))  # off the path
    path_lessons = [path for path in LESSONS if path.name[:2] not in electives]
    assert len(path_lessons) >= 6, "the course's path is lessons 00-05; only later lessons may be electives"
    return path_lessons, [path for path in LESSONS if path.name[:2] in electives]


def test_the_path_takes_at_most_three_hours_and_an_elective_45_minutes():
    path_lessons, electives = path_and_electives()
    assert sum(stated_minutes(path) for path in path_lessons) <= 180
    assert all(stated_minutes(path) <= 45 for path in electives)
