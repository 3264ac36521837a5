"""The helper package's shape (issue 16): three tiers, one-way imports, a core a learner reads in one sitting.

- core: ``helpers/<module>.py`` that is neither a lesson module nor the runner;
- lesson modules: ``helpers/lessonNN_<lesson>.py``, named after the notebook they serve;
- machinery: ``helpers/internal/``; the runner: ``helpers/experiment.py`` and its Ray back end ``helpers/cluster.py``.

Imports run one way: runner -> lessons -> core -> internal, where internal may use the core's
plain building blocks (penalties, models, training) but never a lesson; no cycles; no module reads
another's private (underscore) names; a ``helpers`` import inside a function is not needed anywhere.
"""

import ast
import re
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
NOTEBOOKS = HELPERS.parent / "notebooks"
CORE_MAX_LINES, CORE_MAX_NAMES = 800, 30


def module_name(path):
    parts = path.relative_to(HELPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(HELPERS.rglob("*.py"))}


def tier(name):
    short = name.removeprefix("helpers.")
    if name == "helpers":
        return "package"
    if short.startswith("internal"):
        return "internal"
    if short in ("experiment", "cluster"):
        return "runner"
    if re.fullmatch(r"lesson\d\d_\w+", short):
        return "lesson"
    return "core"


CORE = [name for name in MODULES if tier(name) == "core"]


def helpers_imports(path):
    """``(module imported, names taken from it, inside a function?)`` for every helpers import of a file."""
    tree = ast.parse(path.read_text())
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("helpers"):
                found.append((child.module, [a.name for a in child.names], inner))
            elif isinstance(child, ast.Import):
                found.extend((a.name, [], inner) for a in child.names if a.name.startswith("helpers"))
            visit(child, inner)

    visit(tree, False)
    return found


def graph():
    return {
        name: {module for module, _, _ in helpers_imports(path) if module in MODULES} for name, path in MODULES.items()
    }


def public_names(path):
    """The names a module offers: its ``__all__``."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return [element.value for element in node.value.elts]
    return []


def test_the_three_tiers_are_visible_in_the_tree():
    assert {tier(name) for name in MODULES} == {"package", "core", "lesson", "runner", "internal"}
    lessons = sorted(n.removeprefix("helpers.") for n in MODULES if tier(n) == "lesson")
    notebooks = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    for lesson in lessons:
        number = lesson[len("lesson") : len("lesson") + 2]
        assert any(stem.startswith(number + "_") for stem in notebooks), f"{lesson} names no lesson"


def test_the_core_is_read_in_one_sitting():
    lines = sum(len(MODULES[name].read_text().splitlines()) for name in CORE)
    names = [name for module in CORE for name in public_names(MODULES[module])]
    print(f"core: {len(CORE)} modules, {lines} lines, {len(names)} public names")
    assert lines <= CORE_MAX_LINES, f"the core has {lines} lines (at most {CORE_MAX_LINES})"
    assert len(names) <= CORE_MAX_NAMES, f"the core offers {len(names)} names (at most {CORE_MAX_NAMES}): {names}"


def test_every_module_lists_what_it_offers_and_defines_it():
    for name, path in MODULES.items():
        if name in ("helpers", "helpers.internal"):
            continue
        listed = public_names(path)
        assert listed, f"{name} has no __all__"
        defined = {
            target.id if isinstance(target, ast.Name) else None
            for node in ast.parse(path.read_text()).body
            for target in (
                node.targets if isinstance(node, ast.Assign) else [node] if isinstance(node, ast.ImportFrom) else []
            )
            if isinstance(target, ast.Name)
        }
        defined |= {n.name for n in ast.parse(path.read_text()).body if hasattr(n, "name")}
        defined |= {
            a.asname or a.name
            for n in ast.parse(path.read_text()).body
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        }
        missing = set(listed) - defined
        assert not missing, f"{name}.__all__ lists {sorted(missing)}, which it does not define"


def test_imports_are_one_way_and_without_cycles():
    allowed = {
        "package": set(),
        "internal": {"internal", "core"},
        "core": {"core", "internal"},
        "lesson": {"lesson", "core", "internal"},
        "runner": {"runner", "lesson", "core", "internal"},
    }
    edges = graph()
    for name, targets in edges.items():
        for target in targets:
            assert tier(target) in allowed[tier(name)], f"{name} ({tier(name)}) imports {target} ({tier(target)})"
    for name in CORE:  # the core never reaches a lesson or the runner, not even through internal
        seen, todo = set(), [name]
        while todo:
            for target in edges[todo.pop()] - seen:
                seen.add(target)
                todo.append(target)
        assert not {t for t in seen if tier(t) in ("lesson", "runner")}, f"{name} reaches {seen}"
    # no cycles: a topological order exists
    remaining = {name: set(targets) - {name} for name, targets in edges.items()}
    while remaining:
        leaves = [name for name, targets in remaining.items() if not targets & set(remaining)]
        assert leaves, f"import cycle among {sorted(remaining)}"
        for leaf in leaves:
            del remaining[leaf]


def test_no_private_name_crosses_a_module_and_helpers_imports_sit_at_the_top():
    for name, path in MODULES.items():
        for module, names, in_function in helpers_imports(path):
            assert not in_function, f"{name} imports {module} inside a function"
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{name} takes private {private} from {module}"
        text = path.read_text()
        for other in MODULES:
            if other != name and other != "helpers":
                leak = re.search(rf"\b{re.escape(other)}\._[a-z]", text)
                assert not leak, f"{name} reaches into {leak.group(0)}"


@pytest.mark.parametrize("path", sorted(HELPERS.rglob("*.py")), ids=lambda p: module_name(p))
def test_keras_private_access_lives_in_one_function(path):
    """Only helpers/internal/keras_private.py touches a Keras object's underscore attribute."""
    if path.name == "keras_private.py":
        return
    text = path.read_text()
    touches = re.findall(r"\b(?:optimizer|model|layer|self\.model)\._[a-z]\w*", text)
    assert not touches, f"{path.name} reads Keras internals {touches}: go through helpers.internal.keras_private"


def test_the_map_names_every_module():
    text = (HELPERS / "__init__.py").read_text()
    for name in MODULES:
        short = name.removeprefix("helpers.").removeprefix("internal.")
        if name not in ("helpers", "helpers.internal"):
            assert f"``{short}``" in text, f"the map in helpers/__init__.py does not mention {short}"
