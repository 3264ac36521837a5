"""Packaging: one dependency list, `import helpers` from anywhere without side effects."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_environment_yml_reuses_requirements_txt_and_adds_no_package_of_its_own():
    import yaml

    dependencies = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    conda_packages = [d for d in dependencies if isinstance(d, str)]
    pip_entries = [d["pip"] for d in dependencies if isinstance(d, dict)]
    assert conda_packages == ["python=3.11", "pip"], "a conda package here would drift from requirements.txt"
    assert pip_entries == [["-r requirements.txt", "-e ."]]


def test_requirements_pin_what_matters():
    requirements = (REPO / "requirements.txt").read_text()
    for pin in ("tensorflow-cpu==2.21.", "keras==3.", "jupyterlab==4.", "ipywidgets==8.", "nbval==",
                "matplotlib==", "scikit-learn==", "mlxtend=="):
        assert pin in requirements, pin


def test_import_helpers_from_another_folder_has_no_side_effects(tmp_path):
    code = ("import sys, helpers; assert 'tensorflow' not in sys.modules and 'matplotlib' not in sys.modules; "
            "print(helpers.__file__)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(result.stdout.strip()).parent == REPO / "helpers"


def test_every_public_name_is_importable():
    import importlib

    import helpers

    for module_name in helpers.__all__:
        module = importlib.import_module(f"helpers.{module_name}")
        for name in getattr(module, "__all__", []):
            assert hasattr(module, name), f"helpers.{module_name}.__all__ lists missing {name}"


def test_notebooks_are_numbered_and_committed_executed():
    import json

    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks and notebooks[0].name.startswith("00_")
    for path in notebooks:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        counts = [c["execution_count"] for c in cells]
        assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not run top to bottom in a fresh kernel"
        assert not any(o["output_type"] == "error" for c in cells for o in c["outputs"]), f"{path.name}: error output"


def test_every_cell_the_tests_do_not_compare_says_why():
    """nbval skips the output of a cell marked ``# NBVAL_IGNORE_OUTPUT``; the next line must say why.

    Allowed reasons are timings, versions, widget views, cache messages, and numbers trained in
    the notebook (their last digits depend on the CPU); such a cell or the one after it asserts
    its claims (or one of the next two does), and assertions run under nbval whatever the output.
    """
    import json

    reason = re.compile(r"# Not compared by the tests: .{20,}")
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        for number, cell in enumerate(cells):
            lines = "".join(cell["source"]).splitlines()
            if any("NBVAL" in line for line in lines):
                assert lines[0] == "# NBVAL_IGNORE_OUTPUT", f"{path.name} cell {number}: marker not alone on the first line"
                assert reason.fullmatch(lines[1]), f"{path.name} cell {number}: say why on the line after the marker"
                if "trained here" in lines[1]:
                    following = "".join("".join(c["source"]) for c in cells[number + 1:number + 3])
                    assert "check_" in "\n".join(lines) + following, f"{path.name} cell {number}: no check for its numbers"
