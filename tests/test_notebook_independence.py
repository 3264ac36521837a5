"""Each notebook runs alone, in a fresh kernel, in any order: nothing passes between notebooks but published results.

nbval runs every notebook in its own kernel; what could still make one depend on another is a file that one
lesson writes and a later one reads. So, statically (no kernel): (1) no code cell reads or writes files, runs
shell commands or other notebooks, except through the helpers that verify what they read (``published_or_trained``
and the ``published_*`` helpers on it, ``load_dataset``, ``full_spec_results``); (2) the published results are
exactly the committed files, each read by a lesson, loading without pickles, passing its checksum, naming itself.
"""

import ast
import fnmatch
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from helpers.published import PUBLISHED_DIR, _read

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PUBLISHED_FILES = sorted(PUBLISHED_DIR.glob("*.npz"))

# Calls that touch files or processes directly (by the called name, whatever the module).
_CALL_NAMES = """open save savez savez_compressed load loadtxt genfromtxt fromfile tofile memmap savefig imsave
write_text write_bytes read_text read_bytes to_csv read_csv to_pickle read_pickle to_json read_json dump save_weights
load_weights load_model save_model system popen chdir mkdir makedirs unlink remove rmtree main get_file"""
FORBIDDEN_CALLS = set(_CALL_NAMES.split())
FORBIDDEN_MODULES = {"pickle", "joblib", "shelve", "dill", "subprocess", "shutil", "tempfile", "import_ipynb"}
# IPython magics that persist state across kernels, run other notebooks, or touch files and the shell.
FORBIDDEN_MAGICS = re.compile(r"^\s*(!|%store|%%?writefile|%run|%load|%save|%cd|%%(bash|sh|script|file))")
READERS = ("published_or_trained", "published_experiment")  # their first argument names a published result


def _called_name(node):
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)


def _python(source):
    """A cell's source with its line magics and shell lines replaced by ``pass``: parseable Python."""
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def problems_in(source):
    """Every way a code cell's ``source`` could pass state to another notebook -> list of strings."""
    problems = [f"magic {line.strip()!r}" for line in source.splitlines() if FORBIDDEN_MAGICS.match(line)]
    if source.lstrip().startswith("%%"):
        return problems  # a cell magic: not Python
    for node in ast.walk(ast.parse(_python(source))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            problems += [f"import {m}" for m in modules if m.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.Call) and _called_name(node) in FORBIDDEN_CALLS:
            problems.append(f"call {_called_name(node)}()")
        elif isinstance(node, ast.Constant) and node.value == "COURSE_CACHE_DIR":
            problems.append("sets COURSE_CACHE_DIR")
    return problems


def code_cells(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


BAD_CELLS = {
    "np-load": 'weights = np.load("w.npz")',
    "savefig": 'fig.savefig("curves.png")',
    "open": 'with open("out.txt", "w") as f:\n    f.write("x")',
    "path-write-text": 'Path("x.json").write_text(s)',
    "keras-save": 'model.save("model.keras")',
    "store-magic": "%store results",
    "run-magic": "%run 01_loss_formulas.ipynb",
    "shell": "!ls ../cache",
    "bash-cell": "%%bash\nls",
    "import-pickle": "import pickle",
    "import-shutil": "from shutil import copy",
    "cache-dir-env": 'os.environ["COURSE_CACHE_DIR"] = "/tmp"',
    "cli-main": "main(['--epochs', '1'])",
}


@pytest.mark.parametrize("bad", BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_the_checker_flags_file_and_shell_access(bad):
    assert problems_in(bad), bad


def test_the_checker_allows_the_verified_helpers():
    good = (
        'noisy = published_experiment("lesson02_noisy", regime)\nr = published_or_trained("lesson04_x", c, f)\n'
        'full = full_spec_results()\ndata = load_dataset("mnist-5k")\nplt.show()\ntext = json.dumps(d)\n'
        '%matplotlib inline\nx = "a".replace("a", "b")'
    )
    assert problems_in(good) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_passes_no_state_through_files(notebook):
    found = [f"cell {i}: {problem}" for i, source in code_cells(notebook) for problem in problems_in(source)]
    assert not found, f"{notebook.name} touches files outside the verified helpers:\n" + "\n".join(found)


def result_names_read():
    """Glob patterns of the result names the notebooks read, directly or through a helper -> set."""
    names = set()
    sources = [src for nb in NOTEBOOKS for _, src in code_cells(nb)]
    sources += [p.read_text(encoding="utf-8") for p in (REPO / "helpers").glob("*.py")]
    for source in sources:
        for node in ast.walk(ast.parse(_python(source))):
            if isinstance(node, ast.Call) and _called_name(node) in READERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"lesson06_group_lasso{suffix}" -> "lesson06_group_lasso*"
                    names.add("".join(v.value if isinstance(v, ast.Constant) else "*" for v in first.values))
    return names


def test_every_result_the_lessons_read_is_published_and_every_published_result_is_read():
    names = result_names_read()
    assert {"lesson02_noisy", "lesson03_weight_sweep", "lesson04_cv_grid", "lesson06_group_lasso*"} <= names
    stems = [p.stem for p in PUBLISHED_FILES]
    unread = [s for s in stems if not any(fnmatch.fnmatchcase(s, n) for n in names)]
    missing = [n for n in names if not any(fnmatch.fnmatchcase(s, n) for s in stems)]
    assert not missing, f"lessons read results that are not in published/ (they would train for minutes): {missing}"
    assert not unread, f"published/ holds files no lesson reads: {unread}"


def git(*args):
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)


@pytest.mark.skipif(git("rev-parse", "--is-inside-work-tree").stdout.strip() != "true", reason="not a git checkout")
def test_published_results_are_exactly_the_committed_files():
    tracked = set(git("ls-files", "published").stdout.split())
    present = {str(p.relative_to(REPO)) for p in PUBLISHED_DIR.iterdir()}
    assert present <= tracked, f"not committed: {sorted(present - tracked)}"
    changed = git("status", "--porcelain", "--", "published").stdout.strip()
    assert not changed, f"differ from the committed files (something wrote over a published result?):\n{changed}"


@pytest.mark.parametrize("path", PUBLISHED_FILES, ids=lambda p: p.stem)
def test_published_result_is_intact_names_itself_and_says_how_it_was_made(path):
    with np.load(path, allow_pickle=False) as stored:  # raises on an array that only a pickle could hold
        record = json.loads(str(stored["__result__"]))
    arrays, _ = _read(path, path.stem)  # the lessons' reader: the checksum must match the arrays
    assert record["name"] == path.stem and arrays and record["key"]["config"], "misnamed, empty or no configuration"
    made = record["provenance"]
    assert made["date"] and made["dtype_policy"] and made["versions"]["keras"] and made["cpu"]["cpu"]
