"""Packaging: one dependency list, `import helpers` from anywhere without side effects."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    for pin in (
        "tensorflow-cpu==2.21.",
        "keras==3.",
        "jupyterlab==4.",
        "ipywidgets==8.",
        "nbval==",
        "matplotlib==",
        "scikit-learn==",
        "mlxtend==",
    ):
        assert pin in requirements, pin


def test_ray_is_an_optional_pinned_extra_the_quick_start_does_not_install():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["cluster"] == ["ray[tune]==2.60.*"]  # one minor version: Tune's API moves between them
    assert not re.search(r"^ray\b", (REPO / "requirements.txt").read_text(), re.MULTILINE | re.IGNORECASE)


def test_import_helpers_from_another_folder_has_no_side_effects(tmp_path):
    code = (
        "import sys, helpers; assert 'tensorflow' not in sys.modules and 'matplotlib' not in sys.modules; "
        "print(helpers.__file__)"
    )
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
        cells = [
            c
            for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code" and "".join(c["source"]).strip()
        ]
        counts = [c["execution_count"] for c in cells]
        assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not run top to bottom in a fresh kernel"
        assert not any(o["output_type"] == "error" for c in cells for o in c["outputs"]), f"{path.name}: error output"


def test_every_cell_the_tests_do_not_compare_says_why():
    """nbval skips the output of a cell marked ``# NBVAL_IGNORE_OUTPUT`` or tagged ``nbval-ignore-output``.

    The marker's next line must say why (version-1 lessons); a tagged cell (version 2: no
    test-tool words in a learner's sight) says why in its metadata ``why_not_compared``.
    Allowed reasons are timings, versions, widget views, cache messages, and numbers
    trained in the notebook (their last digits depend on the CPU); such a cell or one of
    the next two asserts its claims, and assertions run under nbval whatever the output.
    """
    import json

    reason = re.compile(r"# Not compared by the tests: .{20,}")
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        for number, cell in enumerate(cells):
            lines = "".join(cell["source"]).splitlines()
            why = None
            if any("NBVAL" in line for line in lines):
                assert lines[0] == "# NBVAL_IGNORE_OUTPUT", (
                    f"{path.name} cell {number}: marker not alone on the first line"
                )
                assert reason.fullmatch(lines[1]), f"{path.name} cell {number}: say why on the line after the marker"
                why = lines[1]
            elif "nbval-ignore-output" in cell["metadata"].get("tags", []):
                why = cell["metadata"].get("why_not_compared", "")
                assert len(why) >= 20, f"{path.name} cell {number}: tagged nbval-ignore-output, no why_not_compared"
            if why and "trained here" in why:
                following = "".join("".join(c["source"]) for c in cells[number : number + 3])
                assert "check_" in following, f"{path.name} cell {number}: no check for its numbers"


# --- one requirements.txt for every platform ---------------------------------------------------

# The platforms learners use: environment markers (PEP 508), the wheel tags pip accepts there, and the
# TensorFlow package they must get. pip expands a macOS tag to older macOS versions itself, but not a
# manylinux_2_x one: Linux lists glibc 2.35 (Ubuntu 22.04) down to 2.17, then manylinux2014 (which pip
# expands to the older manylinux2010 and manylinux1 of some wheels, playwright's among them).
PLATFORMS = {
    "Linux x86-64": (
        {"sys_platform": "linux", "platform_machine": "x86_64", "platform_system": "Linux"},
        [f"manylinux_2_{minor}_x86_64" for minor in range(35, 16, -1)] + ["manylinux2014_x86_64"],
        "tensorflow-cpu",
    ),
    "Windows x86-64": (
        {"sys_platform": "win32", "platform_machine": "AMD64", "platform_system": "Windows"},
        ["win_amd64"],
        "tensorflow-cpu",
    ),
    "macOS arm64": (
        {"sys_platform": "darwin", "platform_machine": "arm64", "platform_system": "Darwin"},
        ["macosx_14_0_arm64"],
        "tensorflow",
    ),
}


def requirements_for(environment):
    """The lines of requirements.txt that apply on a platform, markers evaluated and removed."""
    from packaging.requirements import Requirement

    found = []
    for line in (REPO / "requirements.txt").read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            requirement.marker = None
            found.append(str(requirement))
    return found


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_gets_exactly_one_tensorflow_and_the_right_one(platform):
    environment, _, expected = PLATFORMS[platform]
    tensorflows = [r for r in requirements_for(environment) if r.startswith("tensorflow")]
    assert tensorflows == [f"{expected}==2.21.*"], tensorflows


def test_pip_resolves_the_requirements_on_each_platform(tmp_path):
    """A pip dry run per platform (wheels only, that platform's tags): what a learner's `pip install` would do.

    Needs the package index; where it cannot be reached the test skips and says so (with CI=true it fails).
    pip evaluates markers for the machine it runs on, not for --platform, so each run gets the
    platform's own lines (requirements_for). About 30 s, the three platforms at once.
    """
    import os
    import urllib.request

    try:
        urllib.request.urlopen("https://pypi.org/simple/tensorflow-cpu/", timeout=15).close()
    except OSError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the package index is not reachable from here ({error})")
    runs = {}
    for number, (platform, (environment, tags, _)) in enumerate(PLATFORMS.items()):
        listed = tmp_path / f"{number}.txt"
        listed.write_text("\n".join(requirements_for(environment)) + "\n")
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--report",
            str(tmp_path / f"{number}.json"),
            "--only-binary=:all:",
            *(f"--platform={tag}" for tag in tags),
            "--python-version",
            "3.12",
            "--implementation",
            "cp",
            "--target",
            str(tmp_path / str(number)),
            "-r",
            str(listed),
        ]
        runs[platform] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for number, (platform, process) in enumerate(runs.items()):
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"{platform}: pip cannot install requirements.txt:\n{err[-2000:]}"
        report = json.loads((tmp_path / f"{number}.json").read_text())
        installed = {item["metadata"]["name"].lower().replace("_", "-") for item in report["install"]}
        expected = PLATFORMS[platform][2]
        assert expected in installed and {"keras", "jupyterlab", "nbval"} <= installed, (platform, sorted(installed))
