"""The Chinese edition (notebooks/zh/) kept in step with the English lessons, and its words with docs/glossary.md.

Each Chinese cell records a fingerprint of the English cell it translates (metadata ``translation.en``, written by
``python tools/translation.py stamp notebooks/zh/<lesson>.ipynb`` once the translation is updated). When an English
cell changes and its translation does not, the drift test fails and names both cells. Code cells must be the English
code with only comments and string literals translated (their syntax trees are compared with every string emptied),
so a code change cannot reach one edition only.
"""

import re
from pathlib import Path

import pytest
from test_lessons import cells, source  # the lessons' own readers of a notebook

from tools.translation import ZH_DIR, code_skeleton, english_twin, fingerprint

REPO = Path(__file__).resolve().parents[1]
TRANSLATED = sorted(ZH_DIR.glob("[0-9][0-9]_*.ipynb"))
each_translation = pytest.mark.parametrize("path", TRANSLATED, ids=lambda p: f"zh/{p.stem}")
GLOSSARY = REPO / "docs" / "glossary.md"


def test_every_lesson_has_its_chinese_twin():
    english = sorted(path.name for path in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [path.name for path in TRANSLATED] == english


@each_translation
def test_every_chinese_cell_translates_the_english_cell_as_it_is_now(path):
    english, chinese = cells(english_twin(path)), cells(path)
    assert [c["cell_type"] for c in chinese] == [c["cell_type"] for c in english], f"{path.name}: other cells"
    stale = [
        f"notebooks/{path.name} cell {number} changed since notebooks/zh/{path.name} cell {number} was translated"
        for number, (en, zh) in enumerate(zip(english, chinese, strict=True))
        if zh["metadata"].get("translation", {}).get("en") != fingerprint(en)
    ]
    assert not stale, (
        "\n".join(stale)
        + "\nUpdate the translation, then: python tools/translation.py stamp "
        + str(path.relative_to(REPO))
    )


@each_translation
def test_chinese_code_is_the_english_code_but_for_comments_and_strings(path):
    for number, (en, zh) in enumerate(zip(cells(english_twin(path)), cells(path), strict=True)):
        if en["cell_type"] == "code":
            assert code_skeleton(source(zh)) == code_skeleton(source(en)), f"{path.name} cell {number}: other code"
            same = {key: en["metadata"].get(key) == zh["metadata"].get(key) for key in ("tags", "jupyter")}
            assert all(same.values()), f"{path.name} cell {number}: other tags or folding ({same})"


def test_the_skeleton_sees_code_and_only_code():
    english = "SEED = setup_notebook(seed=0, retrain=RETRAIN)\nprint(f\"{'strength':>10}{lam:>6g}\")  # λ\n"
    chinese = 'SEED = setup_notebook(seed=0, retrain=RETRAIN, language="zh")\nprint(f"{\'强度\':>8}{lam:>6g}")  # λ\n'
    assert code_skeleton(chinese) == code_skeleton(english)
    assert code_skeleton(english.replace("lam:>6g", "lam:>6.2f")) != code_skeleton(english)  # a format is code
    assert code_skeleton(english.replace("seed=0", "seed=1")) != code_skeleton(english)


def glossary():
    """The table of docs/glossary.md -> [(english, chosen, [rejected, ...])]."""
    rows = re.findall(r"^\| (?!English |---)(.+?) \| (.+?) \| (.*?) \| .+ \|$", GLOSSARY.read_text(), re.MULTILINE)
    return [(en, zh, [word for word in rejected.split("、") if word.strip()]) for en, zh, rejected in rows]


def prose(cell):
    """A markdown cell's words: no code, no formulas, no link targets, no quotation of the seed article."""
    text = re.sub(r"(?s)```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)", " ", source(cell))
    return re.sub(r"“[^”]*”", " ", text)  # glossary style rule 5: the article's wrong words only inside its quotes


def test_the_glossary_is_one_table_of_one_chosen_word_per_term():
    rows = glossary()
    assert len(rows) >= 40 and len({en for en, _, _ in rows}) == len(rows)
    assert ("regularization", "正则化", ["归一化", "规范化", "规则化", "正规化"]) in rows
    assert not [(en, zh) for en, zh, rejected in rows if any(word in zh for word in rejected)]


@each_translation
def test_a_chinese_lesson_uses_the_glossary_words(path):
    """Where the English lesson's prose uses a term, the Chinese one uses the chosen word and never a rejected one.

    Longer terms are read first and taken out ("seed text" before "seed"), and "the seed" is the article."""
    english = " ".join(prose(c) for c in cells(english_twin(path)) if c["cell_type"] == "markdown").lower()
    english = re.sub(r"\bthe seed\b", "the seed text", english)
    chinese = [(number, prose(c)) for number, c in enumerate(cells(path)) if c["cell_type"] == "markdown"]
    problems = []
    for term, chosen, rejected in sorted(glossary(), key=lambda row: -len(row[0])):
        problems += [
            f"cell {n}: {word} (the glossary says {chosen})" for n, text in chinese for word in rejected if word in text
        ]
        english, used = re.subn(rf"(?<![\w-]){re.escape(term.lower())}(?![\w-])", " ", english)
        if used and not any(chosen in text for _, text in chinese):
            problems.append(f"never {chosen}, though the English lesson says {term!r}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_chinese_readme_has_the_same_two_commands_and_links_both_ways():
    english, chinese = (REPO / "README.md").read_text(), (REPO / "README.zh.md").read_text()
    block = re.search(r"<!-- quickstart:start.*?```bash\n(.*?)```", english, re.DOTALL).group(1)
    assert f"```bash\n{block}```" in chinese
    assert "README.zh.md" in english.split("\n## ")[0] and "](README.md)" in chinese.split("\n## ")[0]
    assert all(f"](notebooks/zh/{path.name})" in chinese for path in TRANSLATED)


@each_translation
def test_a_chinese_lesson_states_the_english_study_time(path):
    english = re.search(r"\*\*Time:\*\* about (\d+) minutes", source(cells(english_twin(path))[0]))
    assert re.search(rf"约 {english[1]} 分钟", source(cells(path)[0])), f"{path.name}: not the English {english[1]} min"
