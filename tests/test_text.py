"""The helpers' text in Chinese (issue 30): every text shown through ``_()`` has its Chinese in helpers/zh.json, with
the same placeholders; a Chinese lesson gets Chinese lines and a Chinese font, while the values code compares stay
English."""

import ast
import json
import re
import string
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import helpers.published
from helpers._text import set_language
from helpers.compare import paired_difference
from helpers.plotting import apply_style, penalty_style
from helpers.published import published_or_trained

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
CATALOG = json.loads((HELPERS / "zh.json").read_text(encoding="utf-8"))
# Shown through _() as a value, not a literal: the penalty labels, compare's verdicts and default unit, the data
# sources' own words (helpers/_data_files.py).
BY_VALUE = {"none", "group lasso", "higher", "lower", "no clear difference", " pt", "5,000 real MNIST digits"}
BY_VALUE |= {"MNIST, the full 60,000/10,000", "Fashion-MNIST, the full 60,000/10,000"}
BY_VALUE |= {"mean loss + f·Σw²", "mean loss + f·Σ|w|", "gradient of mean loss + wd·w"}  # lesson 01's objectives
BY_VALUE |= {"C·Σ log-loss + ½‖w‖²", "C·Σ log-loss + ‖w‖₁"}


def strings_in_helpers():
    """``(texts passed to _() as a literal, every string literal)`` of helpers/*.py."""
    shown, literals = set(), set()
    for path in HELPERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            called = isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args
            if called and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                shown.add(node.args[0].value)
    return shown, literals


def test_every_text_shown_has_its_chinese_and_every_chinese_is_shown():
    shown, literals = strings_in_helpers()
    assert not shown - set(CATALOG), f"helpers/zh.json lacks {sorted(shown - set(CATALOG))}"
    assert not BY_VALUE - literals, f"no longer in helpers/: {sorted(BY_VALUE - literals)}"
    assert not set(CATALOG) - shown - BY_VALUE, f"helpers/zh.json: unused {sorted(set(CATALOG) - shown - BY_VALUE)}"


def fields(template):
    """The ``{name:spec!conversion}`` fields of a str.format template, sorted."""
    return sorted((name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template) if name)


@pytest.mark.parametrize("english", sorted(CATALOG))
def test_each_chinese_template_has_the_english_ones_placeholders(english):
    assert fields(CATALOG[english]) == fields(english), f"{english!r} -> {CATALOG[english]!r}"


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def test_in_chinese_describe_and_the_published_line_are_chinese_and_the_verdict_stays_english(
    chinese, tmp_path, monkeypatch
):
    difference = paired_difference([0.70, 0.71, 0.69], [0.85, 0.87, 0.86])
    assert difference.verdict == "higher"  # code compares it
    assert difference.describe() == "+16.0 个百分点 ±0.6（标准误），95% 置信区间 [+13.5, +18.5]：更高"
    assert penalty_style("none")["label"] == "无惩罚" and penalty_style("l1")["label"] == "L1"
    monkeypatch.setattr(helpers.published, "PUBLISHED_DIR", tmp_path)
    for mode in ("publish", "no"):  # published here, then shown
        monkeypatch.setenv("COURSE_RETRAIN", mode)
        lines = []
        published_or_trained("r", {}, lambda: {"value": np.zeros(1)}, log=lines.append)
    assert re.fullmatch(
        r"已发布的结果（训练于 float32, \d{4}-\d{2}-\d{2}）。设 RETRAIN = True 即可在本机训练。", lines[0]
    )


def test_chinese_figures_get_the_first_installed_chinese_font_or_a_line_saying_how_to_install_one(monkeypatch, capsys):
    rc = matplotlib.rcParams
    monkeypatch.setattr("helpers.plotting.CJK_FONTS", ["No Such Font SC", "DejaVu Serif"])  # DejaVu: in matplotlib
    with matplotlib.rc_context():
        apply_style("zh")  # the found font after matplotlib's own, whose glyphs (subscripts, signs) come first
        assert rc["font.family"] == ["DejaVu Sans", "DejaVu Serif"]
    assert capsys.readouterr().out == ""
    monkeypatch.setattr("helpers.plotting.CJK_FONTS", ["No Such Font SC"])
    with matplotlib.rc_context():
        apply_style("zh")
        assert rc["font.family"] == ["sans-serif"]
    (line,) = capsys.readouterr().out.splitlines()
    assert "方框" in line and "boxes" in line and "sudo apt install fonts-noto-cjk" in line
