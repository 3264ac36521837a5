"""Packaging: one dependency list for every platform, a package that installs only helpers, a quick start that
checks the Python first, and `import helpers` from anywhere without side effects."""

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_python", REPO / "tools" / "check_python.py")
check_python = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_python)


def test_environment_yml_reuses_requirements_txt_and_adds_no_package_of_its_own():
    import yaml

    dependencies = yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]
    assert [d for d in dependencies if isinstance(d, str)] == ["python=3.11", "pip"], "a conda package would drift"
    assert [d["pip"] for d in dependencies if isinstance(d, dict)] == [["-r requirements.txt", "-e ."]]


def test_pyproject_leaves_the_dependencies_to_requirements_txt_and_ray_to_an_extra():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "dependencies" not in project, "a second dependency list would drift from requirements.txt"
    assert project["optional-dependencies"]["cluster"] == ["ray[tune]==2.60.*"]  # Tune's API moves between minors
    assert not re.search(r"^ray\b", (REPO / "requirements.txt").read_text(), re.MULTILINE | re.IGNORECASE)


def test_requires_python_and_check_python_accept_the_same_versions():
    tomllib = pytest.importorskip("tomllib")
    from packaging.specifiers import SpecifierSet

    accepted = SpecifierSet(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"])
    for minor in range(6, 20):
        assert (check_python.problem((3, minor)) is None) == (f"3.{minor}" in accepted), f"Python 3.{minor}"


def test_check_python_tells_a_python_3_14_user_what_to_run_instead():
    message = check_python.problem((3, 14, 0, "final", 0))
    assert "this python3 is 3.14" in message and "Python 3.10 to 3.13" in message
    assert "python3.13 tools/check_python.py && python3.13 -m venv .venv" in message
    quoted = re.search(r"No matching distribution found for (\S+?)'", message)[1]
    assert quoted in (REPO / "requirements.txt").read_text(), "the message quotes a pin requirements.txt no longer has"
    assert check_python.problem((3, 13, 2)) is None and check_python.problem((3, 10)) is None


@pytest.mark.parametrize(("version", "code"), [("sys.version_info", 0), ("(3, 14, 0, 'final', 0)", 1)])
def test_check_python_exits_non_zero_only_on_a_python_the_course_cannot_use(version, code):
    script = str(REPO / "tools" / "check_python.py")
    run = f"import runpy, sys; sys.version_info = {version}; runpy.run_path({script!r}, run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", run], capture_output=True, text=True)
    assert result.returncode == code and ("Python 3.14" in result.stderr) == bool(code), result.stderr


def test_the_quick_start_checks_the_python_before_anything_else():
    block = re.search(r"<!-- quickstart:start.*?```bash\n(.*?)```", (REPO / "README.md").read_text(), re.DOTALL)[1]
    assert block.split(" && ")[0] == "python3 tools/check_python.py", block  # && stops the rest when it fails


def test_the_package_installs_helpers_and_nothing_else(tmp_path):
    """A wheel built from a copy of the repository holds every module of helpers/, its Chinese text (zh.json) and no
    other top-level name."""
    source = tmp_path / "source"
    junk = shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "__pycache__", "results", "browser-artifacts")
    shutil.copytree(REPO, source, ignore=junk, symlinks=True)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    subprocess.run([*command, "-w", str(tmp_path), str(source)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"helpers"}
    assert {f"helpers/{path.name}" for path in (REPO / "helpers").glob("*.py")} | {"helpers/zh.json"} <= set(names)


def test_import_helpers_from_another_folder_has_no_side_effects(tmp_path):
    code = "import sys, helpers; assert not {'tensorflow', 'matplotlib'} & set(sys.modules); print(helpers.__file__)"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(result.stdout.strip()).parent == REPO / "helpers"


# One requirements.txt for every platform: its markers (PEP 508), the wheel tags pip accepts there, and its TensorFlow.
# pip expands a macOS tag to older macOS versions itself, not a manylinux_2_x one: Linux lists glibc 2.35 (Ubuntu
# 22.04) down to 2.17, then manylinux2014 (which pip expands to the manylinux2010 and manylinux1 of older wheels).
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
        if text := line.split("#", 1)[0].strip():
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


@pytest.mark.slow
def test_pip_resolves_the_requirements_on_each_platform(tmp_path):
    """A pip dry run per platform (wheels only, its tags), all three at once: a minute or more (the package index).

    pip evaluates markers for the machine it runs on, not for --platform, so each run gets its platform's lines.
    """
    runs = {}
    for number, (platform, (environment, tags, _)) in enumerate(PLATFORMS.items()):
        (tmp_path / f"{number}.txt").write_text("\n".join(requirements_for(environment)) + "\n")
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--only-binary=:all:"]
        command += [f"--platform={tag}" for tag in tags] + ["--python-version=3.12", "--implementation=cp"]
        command += [f"--report={tmp_path}/{number}.json", f"--target={tmp_path}/{number}", f"-r{tmp_path}/{number}.txt"]
        runs[platform] = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for number, (platform, process) in enumerate(runs.items()):
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"{platform}: pip cannot install requirements.txt:\n{err[-2000:]}"
        report = json.loads((tmp_path / f"{number}.json").read_text())
        installed = {item["metadata"]["name"].lower().replace("_", "-") for item in report["install"]}
        expected = PLATFORMS[platform][2]
        assert expected in installed and {"keras", "jupyterlab", "nbval"} <= installed, (platform, sorted(installed))
