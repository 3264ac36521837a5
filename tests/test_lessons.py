"""The rules every lesson keeps (STYLE.md, "Version 2"), read from the committed notebooks.

A learner sees at most 40 cells and 8 checks a lesson, no talk of the tooling, guards folded
away; the study times the course map promises are the ones the lessons state, and the course's
path (00-05, without the electives) adds up to at most two and a half hours.
"""

import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Words about the machinery, not about regularization (the README, benchmarks/ and tests/ hold that talk).
TOOLING = re.compile(
    r"bfloat16|oneDNN|\bAMX\b|EPYC|latency|measure_latency|\bcache[sd]?\b|provenance|nbval|pytest"
    r"|maintainer|this machine",
    re.IGNORECASE,
)
CHECK_CALL = re.compile(r"\bcheck_\w*\(|^\s*assert\b", re.MULTILINE)


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def is_guard(cell):
    return cell["metadata"].get("jupyter", {}).get("source_hidden", False)


def visible(path):
    return [cell for cell in cells(path) if not is_guard(cell)]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_learner_sees_at_most_40_cells_and_8_checks(path):
    shown = visible(path)
    checks = sum(len(CHECK_CALL.findall(source(c))) for c in shown if c["cell_type"] == "code")
    assert len(shown) <= 40, f"{path.name}: {len(shown)} visible cells"
    assert checks <= 8, f"{path.name}: {checks} visible checks; fold guards (metadata jupyter.source_hidden, tag guard)"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_guards_are_folded_tagged_and_still_run(path):
    for number, cell in enumerate(cells(path)):
        hidden = cell["metadata"].get("jupyter", {})
        tagged = "guard" in cell["metadata"].get("tags", [])
        if tagged or is_guard(cell):
            assert (
                cell["cell_type"] == "code" and tagged and hidden.get("source_hidden") and hidden.get("outputs_hidden")
            ), f"{path.name} cell {number}: a guard is a code cell, tagged guard, source and outputs folded"
            assert CHECK_CALL.search(source(cell)), f"{path.name} cell {number}: a guard that checks nothing"
            assert cell.get("execution_count"), f"{path.name} cell {number}: a guard stored unexecuted is never run"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_no_tooling_talk_in_sight(path):
    shown = " ".join(source(c) for c in visible(path))
    assert not TOOLING.findall(shown), f"{path.name}: {sorted(set(TOOLING.findall(shown)))}"


def stated_minutes(path):
    header = source(cells(path)[0])
    found = re.search(r"\*\*Time:\*\* about (\d+) minutes", header)
    assert found, f"{path.name}: the first cell states no '**Time:** about N minutes'"
    return int(found[1])


def test_the_course_map_lists_every_lesson_with_the_time_it_states():
    course_map = source(cells(REPO / "notebooks" / "00_course_map.ipynb")[2])
    rows = dict(re.findall(r"^\| (\d\d) \|.*\| (\d+) min \|$", course_map, re.MULTILINE))
    assert rows == {path.name[:2]: str(stated_minutes(path)) for path in LESSONS}


def electives():
    """Lessons the course map marks "Elective": outside the course's path and its time budget."""
    course_map = source(cells(REPO / "notebooks" / "00_course_map.ipynb")[2])
    return set(re.findall(r"^\| (\d\d) \| \[Elective", course_map, re.MULTILINE))


def test_the_course_takes_at_most_two_and_a_half_hours_plus_exercises():
    path_lessons = [path for path in LESSONS if path.name[:2] not in electives()]
    assert len(path_lessons) >= 6, "the course's path is lessons 00-05; only later lessons may be electives"
    assert sum(stated_minutes(path) for path in path_lessons) <= 150
    assert all(stated_minutes(path) <= 40 for path in LESSONS)
