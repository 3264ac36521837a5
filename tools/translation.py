"""The Chinese edition's bookkeeping: which English cell each Chinese cell translates, and what counts as the same code.

    .venv/bin/python tools/translation.py stamp notebooks/zh/02_cnn_penalties.ipynb

records, in every cell of a Chinese lesson, the fingerprint of the English cell it now translates (metadata
``translation.en``). Run it after you have brought a translation up to date with its English cell: the drift test
(tests/test_translation.py) fails for any Chinese cell whose English cell changed since.
"""

import argparse
import ast
import hashlib
import json
import sys
from pathlib import Path

from IPython.core.inputtransformer2 import TransformerManager

REPO = Path(__file__).resolve().parents[1]
ZH_DIR = REPO / "notebooks" / "zh"


def english_twin(path):
    """notebooks/zh/<lesson>.ipynb -> notebooks/<lesson>.ipynb."""
    return REPO / "notebooks" / Path(path).name


def fingerprint(cell):
    """What a translation is of: the English cell's kind and source (not its outputs, which change on every run)."""
    return hashlib.sha256(f"{cell['cell_type']}\n{''.join(cell['source'])}".encode()).hexdigest()[:16]


class _Strings(ast.NodeTransformer):
    """Every string literal and f-string emptied, and the Chinese edition's ``language=`` argument left out."""

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):
        """An f-string: its text is translated, its {expressions} and their formats are code. A padded literal such
        as {'test accuracy':>14} is text: a Chinese header, two columns a character, pads to its own width."""
        parts = [
            ast.FormattedValue(self.visit(v.value), v.conversion, v.format_spec)
            for v in node.values
            if isinstance(v, ast.FormattedValue) and not isinstance(v.value, ast.Constant)
        ]
        return ast.JoinedStr(parts)

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "setup_notebook":
            node.keywords = [k for k in node.keywords if k.arg != "language"]
        return node


def code_skeleton(code):
    """A code cell's syntax tree with comments gone and strings emptied -> text to compare."""
    return ast.dump(_Strings().visit(ast.parse(TransformerManager().transform_cell(code))))


def stamp(path):
    chinese = json.loads(Path(path).read_text(encoding="utf-8"))
    english = json.loads(english_twin(path).read_text(encoding="utf-8"))
    kinds = [[c["cell_type"] for c in nb["cells"]] for nb in (english, chinese)]
    if kinds[0] != kinds[1]:
        sys.exit(f"{path}: its cells are not the English lesson's ({len(kinds[1])} cells against {len(kinds[0])})")
    for en, zh in zip(english["cells"], chinese["cells"], strict=True):
        zh["metadata"]["translation"] = {"en": fingerprint(en)}
    Path(path).write_text(json.dumps(chinese, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["stamp"])
    parser.add_argument("notebooks", nargs="+", type=Path)
    for notebook in parser.parse_args().notebooks:
        stamp(notebook)
