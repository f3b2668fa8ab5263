"""One home for each wording: the words a person reads for a fact (a chime, a moment, an
energy level, what a session is for) live once, in the library, and the front ends show
them from there rather than keeping copies that drift apart ("two-minute chime")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import companion
from companion.journal.entries import MOMENT_WORDS
from companion.plan.checkin import ENERGY_NAMES, ENERGY_WORDS, GOALS
from companion.plan.cues import CUE_WORDS
from tests.helpers import run_main

PACKAGE = Path(companion.__file__).parent
FRONT_ENDS = ("app", "cli")


def _wordings() -> set[str]:
    said = [*MOMENT_WORDS.values(), *ENERGY_WORDS.values(), *ENERGY_NAMES.values(), *GOALS.values()]
    said += [w for w in CUE_WORDS.values() if w != "chime"]
    return {w.lower() for w in said} | {"two-minute chime", "region chime", "chime, next region"}


def test_the_front_ends_keep_no_copy_of_the_librarys_words():
    copies = []
    for path in sorted(p for room in FRONT_ENDS for p in (PACKAGE / room).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in _wordings():
                copies.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    for path in sorted((PACKAGE / "app" / "templates").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for words in _wordings():
            if re.search(rf"[\"'>]{re.escape(words)}[\"'<]", text, re.IGNORECASE):
                copies.append(f"{path.relative_to(PACKAGE)}: {words!r}")
    assert not copies, "words the library already has:\n" + "\n".join(copies)


def test_the_plan_text_says_chimes_as_the_pictures_do():
    args = ("plan", "--for", "massage", "--minutes", "30", "--regions", "back:10,legs:8,feet:5", "--no-narration")
    text = run_main(*args).stdout
    assert "10:00.0  [chime: legs]" in text and "28:00.0  [chime: two minutes left]" in text
