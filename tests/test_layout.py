"""The helper package's shape: layers that are layers, public Keras only, a size a learner can read.

- private: ``helpers/_*.py`` (argument checks, data files, the CPU), importing nothing of the course;
- core: the other ``helpers/<module>.py``, importing only the core and the private modules;
- lessons: ``helpers/lessonNN_*.py``, one per notebook, importing only the core (never another lesson);
- the main job: ``helpers/__main__.py`` (the command line) and ``helpers/cluster.py`` (its Ray back end), on top.
"""

import ast
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HELPERS = REPO / "helpers"
MODULES = {path.stem: path for path in sorted(HELPERS.glob("*.py")) if path.stem != "__init__"}
RUNNER = {"__main__", "cluster"}
# Issue 28 asked for 3,000 lines / 90 names, and the core at 800 / 30; it ended at 3,006 / 90, core 1,137 / 36, the
# core holding the shared experiment (was lesson 02's module) and the results store (was internal/). Lessons v3
# (issue 29, which allows 200 more lines) added lesson 02's early-stopping study, the silent guard, early stopping in
# the core, the figures' text alternatives (plotting.show, the sliders' readouts) and lesson 06's same-widths baseline
# trained from scratch, and deleted lesson 01's 2-D geometry. These gauges stop growth from here; bring them down as
# code goes. Issue 30: the helpers' text in Chinese (helpers/_text.py, helpers/zh.json): +78 lines, 35 core; then
# notebook.pad public (a lesson's table columns in Chinese), helpers.cluster's ClusterError gone (plain RuntimeError).
MAX_LINES, MAX_NAMES, CORE_MAX_LINES, CORE_MAX_NAMES = 3130 + 78, 90, 1211 + 35, 40


def tier(module):
    if module.startswith("_") and module != "__main__":
        return "private"
    if module in RUNNER:
        return "runner"
    return "lesson" if re.fullmatch(r"lesson\d\d_\w+", module) else "core"


CORE = [module for module in MODULES if tier(module) == "core"]


def imports(path):
    """``(module, names)`` of every ``import`` and ``from ... import`` in a Python file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
    return found


def course_imports(path):
    """``{helpers module: names taken from it}`` of a file."""
    taken = {}
    for module, names in imports(path):
        if module.startswith("helpers."):
            taken.setdefault(module.removeprefix("helpers."), []).extend(names)
    return taken


def public_names(module):
    for node in ast.parse(MODULES[module].read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "__all__" for target in node.targets):
            return [element.value for element in node.value.elts]
    return []


def notebook_sources():
    for path in sorted((REPO / "notebooks").rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                yield path, "".join(line for line in cell["source"] if not line.lstrip().startswith(("%", "!")))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_one_way(module):
    allowed = {
        "private": set(),
        "core": {"private", "core"},
        "lesson": {"private", "core"},
        "runner": {"private", "core", "lesson", "runner"},
    }[tier(module)]
    for imported in course_imports(MODULES[module]):
        assert tier(imported) in allowed, f"{module} ({tier(module)}) imports {imported} ({tier(imported)})"


def test_the_core_has_no_import_cycle():
    edges = {module: set(course_imports(MODULES[module])) - {module} for module in MODULES}
    while edges:
        leaves = [module for module, targets in edges.items() if not targets & set(edges)]
        assert leaves, f"an import cycle among {sorted(edges)}"
        for leaf in leaves:
            del edges[leaf]


def test_public_keras_only():
    files = [*HELPERS.glob("*.py"), *(REPO / "tests").rglob("*.py"), *(REPO / "benchmarks").rglob("*.py")]
    for path in files:
        private = [module for module, _ in imports(path) if module.startswith(("keras.src", "tensorflow.python"))]
        assert not private, f"{path.relative_to(REPO)} imports {private}"
    for path in HELPERS.glob("*.py"):
        touches = re.findall(r"\b(?:optimizer|model|layer|kernel)\._[a-z]\w*", path.read_text(encoding="utf-8"))
        assert not touches, f"{path.name} reads Keras internals: {touches}"


def test_every_name_taken_from_a_module_is_in_its_all():
    users = [(f"helpers/{path.name}", course_imports(path)) for path in MODULES.values()]
    for path, source in notebook_sources():
        taken = {}
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers."):
                taken.setdefault(node.module.removeprefix("helpers."), []).extend(a.name for a in node.names)
        users.append((path.relative_to(REPO), taken))
    for user, taken in users:
        for module, names in taken.items():
            if tier(module) == "private":
                continue  # a private module's names are the package's own business
            missing = set(names) - set(public_names(module))
            assert not missing, (
                f"{user} imports {sorted(missing)} from helpers.{module}, which its __all__ does not list"
            )


def test_every_module_defines_what_it_lists():
    for module in MODULES:
        if tier(module) in ("private", "runner") and module != "cluster":
            continue
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        defined = {getattr(node, "name", None) for node in tree.body}
        defined |= {
            t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if hasattr(t, "id")
        }
        defined |= {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom) for a in node.names}
        assert public_names(module), f"helpers.{module} has no __all__"
        assert set(public_names(module)) <= defined, f"helpers.{module}.__all__ lists what it does not define"


def test_a_learner_reads_the_package_in_one_sitting():
    lines = {module: len(path.read_text(encoding="utf-8").splitlines()) for module, path in MODULES.items()}
    names = {module: public_names(module) for module in MODULES if tier(module) != "private"}
    core_lines, core_names = sum(lines[m] for m in CORE), sum(len(names[m]) for m in CORE)
    print(
        f"helpers: {sum(lines.values())} lines, {sum(map(len, names.values()))} names; core {core_lines} / {core_names}"
    )
    assert sum(lines.values()) <= MAX_LINES and sum(map(len, names.values())) <= MAX_NAMES
    assert core_lines <= CORE_MAX_LINES and core_names <= CORE_MAX_NAMES


def test_the_map_names_every_module():
    text = (HELPERS / "__init__.py").read_text(encoding="utf-8")
    for module in MODULES:
        assert f"``{module}``" in text or module.startswith("lesson0"), f"helpers/__init__.py does not mention {module}"
