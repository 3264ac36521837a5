"""The helpers' text in the lesson's language: ``_(english)`` is the Chinese of ``helpers/zh.json`` after
``setup_notebook(language="zh")``, else the English unchanged; text not in the catalog stays English.

Private. Formatted text is translated as a template, ``_("Saved to {path}.").format(path=...)``: the Chinese
template has the same ``{names}``. Chinese characters take two columns of a fixed-width font: :func:`pad`.
"""

import functools
import json
import unicodedata
from pathlib import Path

_language = "en"


def set_language(language):
    """'en' or 'zh' (checked by the caller, setup_notebook), for every ``_()`` from now on."""
    global _language
    _language = language


@functools.cache
def catalog():
    """``{English: Chinese}`` from helpers/zh.json, read once."""
    return json.loads(Path(__file__).with_name("zh.json").read_text(encoding="utf-8"))


def _(english):
    return catalog().get(english, english) if _language == "zh" else english


def width(text):
    """Columns of ``text`` in a fixed-width font: two for a Chinese character or full-width punctuation."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def pad(text, columns, align=">"):
    """``text`` aligned (``<`` or ``>``) in ``columns`` columns of a fixed-width font."""
    return f"{text:{align}{columns - width(text) + len(text)}}"
