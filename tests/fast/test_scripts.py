import json

import pytest

from companion.errors import BadInput, ScriptError
from companion.plan.catalogue import builtin_names, builtin_scripts, scripts_dir
from companion.plan.scripts import Breathe, Entry, Pause, claim_warnings, load_script, split_phrases
from tests.helpers import run_main

GOOD = """title: Test
energies: low high

== One
Hello there. / You can rest.
[low] Only for low. / Quiet.
[high] Only for high. / Fuller words here.
? Optional words. / Dropped first.
[pause 7]
[breathe 30]
[low] [breathe]
"""


def write(tmp_path, text, name="s.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_good_script(tmp_path):
    s = load_script(write(tmp_path, GOOD))
    assert s.title == "Test" and s.energies == ("low", "high") and s.modes == ("relax",)
    kinds = [type(i) for i in s.items]
    assert kinds == [Entry, Entry, Entry, Entry, Pause, Breathe, Breathe]
    entry, pause, breathe, last = s.items[3], s.items[4], s.items[5], s.items[-1]
    assert isinstance(entry, Entry) and entry.optional
    low = [i.text for i in s.items_for("low") if isinstance(i, Entry)]
    assert "Only for low. Quiet." in low and not any("high" in t for t in low)
    assert isinstance(last, Breathe) and last.energies == frozenset({"low"}) and last.min_s is None
    assert isinstance(pause, Pause) and isinstance(breathe, Breathe) and pause.seconds == 7 and breathe.min_s == 30


def test_phrases():
    assert split_phrases("One. Two! / Three") == ("One.", "Two!", "Three")
    # a whole sentence is one phrase: the voice pauses at its commas itself, in one intonation
    assert split_phrases("If it hurts a lot, you can rest for a while.") == (
        "If it hurts a lot, you can rest for a while.",
    )
    assert split_phrases("Perhaps wind, / or water.") == ("Perhaps wind,", "or water.")


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("title: T\n\n== A\n[shout 3] Hi. / There.\n", 4, "unknown marking"),
        ("title: T\n\n== A\n[pause abc]\n", 4, "number"),
        ("title: T\n\n== A\n[pause 999]\n", 4, "between"),
        ("title: T\nHello. / There.\n== A\nHi. / There.\n", 2, "first section"),
        ("title: T\n\n==\nHi. / There.\n", 3, "section needs a name"),
        ("title: T\n\n== A\n[low]\n", 4, "no words"),
        ("title: T\n\n== A\n[breathe 10] Hello. / Words.\n", 4, "own"),
        ("title: T\n\n== A\n? [pause 3]\n", 4, "optional"),
        ("energies: low\n\n== A\nHi. / There.\n", 1, "title"),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ScriptError) as err:
        load_script(path)
    assert err.value.line == line
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert words in str(err.value)


def test_header_errors(tmp_path):
    with pytest.raises(ScriptError, match="unknown energy level 'sleepy'"):
        load_script(write(tmp_path, "title: T\nenergies: sleepy\n== A\nHi. / There.\n"))
    with pytest.raises(ScriptError, match="no spoken lines for the 'high'"):
        load_script(write(tmp_path, "title: T\nenergies: low high\n== A\n[low] Hi. / There.\n"))
    with pytest.raises(ScriptError, match="unknown ending 'wake' in 'ending:'; use gentle, sleep"):
        load_script(write(tmp_path, "title: T\nending: wake\n== A\nHi. / There.\n"))
    with pytest.raises(ScriptError, match="'group:' takes one group, not 'rest sleep'"):
        load_script(write(tmp_path, "title: T\ngroup: rest sleep\n== A\nHi. / There.\n"))


def test_unreadable_files(tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        load_script(tmp_path / "missing.txt")
    with pytest.raises(ScriptError, match="empty"):
        load_script(write(tmp_path, "  \n\n"))
    (tmp_path / "bin.txt").write_bytes(b"title: x\x00\x01\x02")
    with pytest.raises(ScriptError, match="binary"):
        load_script(tmp_path / "bin.txt")
    (tmp_path / "latin.txt").write_bytes("title: T\n== A\nCaf\u00e9. / Ol\u00e9.\n".encode("latin-1"))
    with pytest.raises(ScriptError, match="latin.txt:3: not UTF-8"):
        load_script(tmp_path / "latin.txt")
    with pytest.raises(BadInput, match="folder"):
        load_script(tmp_path)


def test_builtin_library():
    names = builtin_names()
    assert {"settling", "body-scan", "calm-place", "after-massage"} <= set(names)
    for script in builtin_scripts():
        assert claim_warnings(script) == [], script.name
        assert "Original writing of the companion project" in (scripts_dir() / f"{script.name}.txt").read_text()
        assert set(script.energies) == {"low", "medium", "high"}
        spoken = [i for i in script.items if isinstance(i, Entry)]
        # invitational, second person: "you" or "your" throughout the script
        assert sum(" you" in f" {e.text.lower()}" for e in spoken) >= len(spoken) // 3


def test_claim_warning(tmp_path):
    s = load_script(write(tmp_path, "title: T\n== A\nThis will cure you. / Truly.\n"))
    assert claim_warnings(s) and "avoid medical claims" in claim_warnings(s)[0]


def test_cli_scripts_commands(tmp_path):
    listed = run_main("scripts", "list")
    assert listed.returncode == 0 and "body-scan" in listed.stdout
    data = json.loads(run_main("scripts", "list", "--json").stdout)
    assert {"name", "title", "short", "summary", "purpose", "group", "energies", "modes"} <= set(data[0])
    shown = run_main("scripts", "show", "settling")
    assert shown.returncode == 0 and "== Arriving" in shown.stdout
    for name in builtin_names():
        checked = run_main("scripts", "check", str(scripts_dir() / f"{name}.txt"))
        assert checked.returncode == 0 and "OK" in checked.stdout and not checked.stderr
    bad = write(tmp_path, "title: T\n\n== A\n[shout] Hi. / There.\n")
    result = run_main("scripts", "check", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Error: {bad}:4: unknown marking '[shout]'; use [low], [medium], [high], [pause N], [breathe N] or [chime]"
    )
