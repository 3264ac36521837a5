"""Each notebook runs alone, in a fresh kernel, in any order: nothing passes between notebooks but published results.

nbval already runs every notebook in its own fresh kernel. What could still make
one notebook depend on another is a file: one lesson writes it, a later one reads
it. So, statically (no kernel, well under a second):

1. no code cell reads or writes files, runs shell commands or other notebooks,
   except through the helpers that verify what they read (``published_or_trained``
   and the lesson helpers built on it, ``load_dataset``, ``load_results`` of the
   committed ``REFERENCE_DIR``);
2. the published results those helpers read are exactly the committed files, load
   without pickles and pass their checksum. (That each lesson's configuration matches
   its published result is checked by strict nbval: the lesson would print
   "Training ..." instead of the stored "Published result: ..." line.)
"""

import ast
import fnmatch
import json
import re
import subprocess
from pathlib import Path

import pytest

from helpers.internal.store import read_result

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

# Calls that touch files or processes directly (by the called name, whatever the module).
FORBIDDEN_CALLS = {
    "open",
    "save",
    "savez",
    "savez_compressed",
    "load",
    "loadtxt",
    "genfromtxt",
    "fromfile",
    "tofile",
    "memmap",
    "savefig",
    "imsave",
    "write_text",
    "write_bytes",
    "read_text",
    "read_bytes",
    "to_csv",
    "read_csv",
    "to_pickle",
    "read_pickle",
    "to_json",
    "read_json",
    "dump",
    "save_weights",
    "load_weights",
    "load_model",
    "save_model",
    "save_results",
    "save_result",
    "read_result",
    "system",
    "popen",
    "chdir",
    "mkdir",
    "makedirs",
    "unlink",
    "remove",
    "rmtree",
    "main",
    "get_file",
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
            problems += [
                f"{name}({k.arg}=...): results outside their folders"
                for k in node.keywords
                if k.arg in ("directory", "cache_dir", "published_dir")
            ]
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
    "cache-elsewhere": 'published_or_trained("x", {}, f, cache_dir="/tmp")',
    "published-elsewhere": 'published_or_trained("x", {}, f, published_dir="/tmp")',
    "cache-dir-env": 'os.environ["COURSE_CACHE_DIR"] = "/tmp"',
    "other-results-file": 'load_results("results/run/results.json")',
    "cli-main": "main(['--epochs', '1'])",
}


@pytest.mark.parametrize("bad", BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_the_checker_flags_file_and_shell_access(bad):
    assert problems_in(bad), bad


def test_the_checker_allows_the_verified_helpers():
    good = (
        'results = cached_results("lesson03_overfit", config)\nr = published_or_trained("lesson04_x", c, f)\n'
        '\nfull = load_results(REFERENCE_DIR / "x.json")\n'
        'data = load_dataset("mnist-5k")\nplt.show()\ntext = json.dumps(d)\nx = "a".replace("a", "b")'
    )
    assert problems_in(good) == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_passes_no_state_through_files(notebook):
    found = [f"cell {i}: {problem}" for i, source in code_cells(notebook) for problem in problems_in(source)]
    assert not found, f"{notebook.name} touches files outside the verified helpers:\n" + "\n".join(found)


def result_names_read():
    """Glob patterns of the result names read by the notebooks, directly or through a helper -> set."""
    names = set()
    sources = [src for nb in NOTEBOOKS for _, src in code_cells(nb)]
    sources += [p.read_text(encoding="utf-8") for p in (REPO / "helpers").glob("*.py")]
    for source in sources:
        python = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        for node in ast.walk(ast.parse(python)):
            if (
                isinstance(node, ast.Call)
                and _called_name(node) in ("published_or_trained", "cached_results")
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"lesson03_sweep_{kind}" -> "lesson03_sweep_*"
                    names.add("".join(v.value if isinstance(v, ast.Constant) else "*" for v in first.values))
    return names


def git(*args):
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)


PUBLISHED_FILES = sorted((REPO / "published").glob("*.npz"))
IS_CHECKOUT = git("rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def test_every_result_the_lessons_read_is_published_and_every_published_result_is_read():
    names = result_names_read()
    assert {"lesson02_noisy", "lesson03_weight_sweep", "lesson04_cv_grid"} <= names  # the scan sees them
    stems = [p.stem for p in PUBLISHED_FILES]
    unread = [s for s in stems if not any(fnmatch.fnmatchcase(s, n) for n in names)]
    missing = [n for n in names if not any(fnmatch.fnmatchcase(s, n) for s in stems)]
    assert not missing, f"lessons read results that are not in published/ (they would train for minutes): {missing}"
    assert not unread, f"published/ holds files no lesson reads: {unread}"


@pytest.mark.skipif(not IS_CHECKOUT, reason="not a git checkout")
def test_published_results_are_exactly_the_committed_files():
    tracked = set(git("ls-files", "published").stdout.split())
    present = {str(p.relative_to(REPO)) for p in (REPO / "published").iterdir()}
    assert present <= tracked, f"not committed: {sorted(present - tracked)}"
    changed = git("status", "--porcelain", "--", "published").stdout.strip()
    assert not changed, f"differ from the committed files (something wrote over a published result?):\n{changed}"


@pytest.mark.parametrize("path", PUBLISHED_FILES, ids=lambda p: p.stem)
def test_published_result_is_intact_and_says_how_it_was_made(path):
    arrays, meta = read_result(path, path.stem)  # allow_pickle=False, checksum and name checked inside
    assert arrays and meta["key"]["config"], "no configuration recorded"
    made = meta["provenance"]
    assert set(made) == {"date", "versions", "dtype_policy", "onednn", "cpu", "command"}, sorted(made)
    assert made["versions"].get("keras") and made["cpu"].get("cpu") and made["command"]


def test_reference_results_are_valid():
    from helpers.lesson02_cnn_penalties import REFERENCE_DIR, load_results

    files = sorted(REFERENCE_DIR.glob("*.json"))
    assert files, "no committed reference results"
    for path in files:
        results = load_results(path)
        assert results["runs"] and results["versions"], path.name
