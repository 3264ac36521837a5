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
