"""Each notebook runs alone, in a fresh kernel, in any order: nothing passes between notebooks but verified caches.

nbval already runs every notebook in its own fresh kernel. What could still make
one notebook depend on another is a file: one lesson writes it, a later one reads
it. So, statically (no kernel, well under a second):

1. no code cell reads or writes files, runs shell commands or other notebooks,
   except through the helpers that verify what they read (``cached`` and friends,
   ``load_dataset``, ``load_results`` of the committed ``REFERENCE_DIR``);
2. the caches those helpers read are exactly the committed files, load without
   pickles, and carry a provenance that matches this environment, so a lesson
   loads them instead of recomputing (and writing) them.
"""

import ast
import fnmatch
import json
import re
import subprocess
from pathlib import Path

import pytest

from helpers.cache import library_versions, load_arrays

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

# Calls that touch files or processes directly (by the called name, whatever the module).
FORBIDDEN_CALLS = {
    "open", "save", "savez", "savez_compressed", "load", "loadtxt", "genfromtxt", "fromfile", "tofile",
    "memmap", "savefig", "imsave", "write_text", "write_bytes", "read_text", "read_bytes", "to_csv",
    "read_csv", "to_pickle", "read_pickle", "to_json", "read_json", "dump", "save_weights", "load_weights",
    "load_model", "save_model", "save_results", "save_arrays", "load_arrays", "system", "popen", "chdir",
    "mkdir", "makedirs", "unlink", "remove", "rmtree", "main", "get_file",
}
FORBIDDEN_MODULES = {"pickle", "joblib", "shelve", "dill", "subprocess", "shutil", "tempfile", "import_ipynb"}
# IPython magics that persist state across kernels, run other notebooks, or touch files and the shell.
FORBIDDEN_MAGICS = re.compile(r"^\s*(!|%store|%%?writefile|%run|%load|%save|%cd|%%(bash|sh|script|file))")


def _called_name(node):
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _mentions(node, name):
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def problems_in(source):
    """Every way a code cell's ``source`` could pass state to another notebook -> list of strings."""
    problems = [f"magic {line.strip()!r}" for line in source.splitlines() if FORBIDDEN_MAGICS.match(line)]
    if source.lstrip().startswith("%%"):
        return problems  # a cell magic: not Python
    python = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    for node in ast.walk(ast.parse(python)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            problems += [f"import {m}" for m in modules if m.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if name in FORBIDDEN_CALLS:
                problems.append(f"call {name}()")
            if name == "load_results" and not any(_mentions(arg, "REFERENCE_DIR") for arg in node.args):
                problems.append("load_results() of a file other than a committed REFERENCE_DIR one")
            problems += [f"{name}(directory=...): a cache outside cache/" for k in node.keywords if k.arg == "directory"]
        elif isinstance(node, ast.Constant) and node.value == "COURSE_CACHE_DIR":
            problems.append("sets COURSE_CACHE_DIR")
    return problems


def code_cells(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [(i, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


BAD_CELLS = {
    "np-save": 'np.save("weights.npy", w)',
    "np-load": 'weights = np.load("w.npz")',
    "savefig": 'fig.savefig("curves.png")',
    "open": 'with open("out.txt", "w") as f:\n    f.write("x")',
    "path-write-text": 'Path("x.json").write_text(s)',
    "store-magic": "%store results",
    "run-magic": "%run 01_loss_formulas.ipynb",
    "shell": "!ls ../cache",
    "import-pickle": "import pickle",
    "import-shutil": "from shutil import copy",
    "cache-elsewhere": 'cached("x", {}, f, directory="/tmp")',
    "cache-dir-env": 'os.environ["COURSE_CACHE_DIR"] = "/tmp"',
    "other-results-file": 'load_results("results/run/results.json")',
    "cli-main": "main(['--epochs', '1'])",
}


@pytest.mark.parametrize("bad", BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_the_checker_flags_file_and_shell_access(bad):
    assert problems_in(bad), bad


def test_the_checker_allows_the_verified_helpers():
    good = ('results = cached_results("lesson03_overfit", config)\nfull = load_results(REFERENCE_DIR / "x.json")\n'
            'data = load_dataset("mnist-5k")\nplt.show()\ntext = json.dumps(d)\nx = "a".replace("a", "b")')
    assert problems_in(good) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_passes_no_state_through_files(notebook):
    found = [f"cell {i}: {problem}" for i, source in code_cells(notebook) for problem in problems_in(source)]
    assert not found, f"{notebook.name} touches files outside the verified helpers:\n" + "\n".join(found)


def cache_names_read():
    """Glob patterns of the cache names read by the notebooks, directly or through a helper -> set."""
    names = set()
    sources = [src for nb in NOTEBOOKS for _, src in code_cells(nb)]
    sources += [p.read_text(encoding="utf-8") for p in (REPO / "helpers").glob("*.py")]
    for source in sources:
        python = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, ast.Call) and _called_name(node) in ("cached", "cached_results") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"lesson03_sweep_{kind}" -> "lesson03_sweep_*"
                    names.add("".join(v.value if isinstance(v, ast.Constant) else "*" for v in first.values))
    return names


def git(*args):
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)


CACHE_FILES = sorted((REPO / "cache").glob("*.npz"))
IS_CHECKOUT = git("rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def test_every_cache_the_lessons_read_is_committed_and_every_committed_cache_is_read():
    names = cache_names_read()
    assert {"lesson02_weight_sweep", "lesson03_overfit", "lesson04_cv_grid"} <= names  # the scan sees them
    stems = [p.stem for p in CACHE_FILES]
    unread = [s for s in stems if not any(fnmatch.fnmatchcase(s, n) for n in names)]
    missing = [n for n in names if not any(fnmatch.fnmatchcase(s, n) for s in stems)]
    assert not missing, f"lessons read caches that are not in cache/ (they would train for minutes): {missing}"
    assert not unread, f"cache/ holds files no lesson reads: {unread}"


@pytest.mark.skipif(not IS_CHECKOUT, reason="not a git checkout")
def test_caches_are_exactly_the_committed_files():
    tracked = set(git("ls-files", "cache", "results_reference").stdout.split())
    present = {str(p.relative_to(REPO)) for p in [*CACHE_FILES, *(REPO / "results_reference").glob("*")]}
    assert present <= tracked, f"not committed: {sorted(present - tracked)}"
    changed = git("status", "--porcelain", "--", "cache", "results_reference").stdout.strip()
    assert not changed, f"differ from the committed files (a lesson recomputed them?):\n{changed}"


@pytest.mark.parametrize("path", CACHE_FILES, ids=lambda p: p.stem)
def test_committed_cache_has_a_provenance_matching_this_environment(path):
    arrays, record = load_arrays(path)  # allow_pickle=False inside: a cache cannot run code
    assert arrays and isinstance(record.get("config"), dict) and record["config"], "no configuration recorded"
    assert record["versions"] == library_versions(), (
        f"{path.name} was made with {record['versions']}, this environment has {library_versions()}: "
        "the lessons would recompute it (minutes). Rebuild the caches (README, 'Rebuilding the cached results') "
        "or install the versions in requirements.txt. If only dtype_policy differs, this CPU has no native "
        "bfloat16 (or COURSE_FAST_PATH=off): the lessons then rebuild the caches in float32 for this machine."
    )


def test_reference_results_are_valid():
    from helpers.experiment import REFERENCE_DIR, load_results

    files = sorted(REFERENCE_DIR.glob("*.json"))
    assert files, "no committed reference results"
    for path in files:
        results = load_results(path)
        assert results["runs"] and results["versions"], path.name
