"""Bad input ends with one line, 'Error: ...', status 2, no traceback and no file left
behind: every option and script problem, through the command line's own entry point in this
process (the voice files' problems, which load a model, are in tests/real/test_errors.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import assert_clean_failure, run_main


@pytest.fixture
def bad_files(tmp_path):
    d = tmp_path / "inputs"
    d.mkdir()
    (d / "empty.txt").write_text("")
    (d / "binary.txt").write_bytes(bytes(range(256)))
    (d / "latin.txt").write_bytes("title: T\n== A\nCaf\u00e9. / Ol\u00e9.\n".encode("latin-1"))
    (d / "broken.txt").write_text("title: T\n== A\n[sing] La. / La.\n")
    (d / "huge.txt").write_text("title: T\n== A\n" + "Rest now. / Be still.\n" * 20000)
    words = " ".join(["and rest"] * 200)
    (d / "ramble.txt").write_text(f"title: T\n== A\nHello. / {words}.\n")
    return d


CASES = [
    (["--minutes", "abc"], "not a number"),
    (["--minutes", "1"], "a session lasts 2 to 180 minutes, not 1 (--minutes)"),
    (["--minutes", "181"], "a session lasts 2 to 180 minutes, not 181 (--minutes)"),
    (["--minutes", "nan"], "not a number"),
    (["--minutes", "inf"], "not a number"),
    (["--breath-rate", "2"], "4.5 to 40 breaths a minute, not 2"),
    (["--breath-rate", "fast"], "not a number"),
    (["--exhale-ratio", "3"], "1 to 2 times the in-breath, not 3 (--exhale-ratio)"),
    (["--energy", "extreme"], "--energy"),
    (["--ambience", "rain"], "--ambience"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "1.5"], "--seed"),
    (["--script", "no-such-script"], "no script named 'no-such-script'"),
    (["--script", "{inputs}/missing.txt"], "does not exist"),
    (["--script", "{inputs}/empty.txt"], "empty"),
    (["--script", "{inputs}/binary.txt"], "binary"),
    (["--script", "{inputs}/latin.txt"], "latin.txt:3: not UTF-8"),
    (["--script", "{inputs}/broken.txt"], "broken.txt:3: unknown marking"),
    (["--script", "{inputs}"], "is a folder"),
    (["--script", "/dev/zero"], "not a regular file"),
    (["--script", "{inputs}/huge.txt"], "larger than 256 KB"),
    (["--script", "{inputs}/ramble.txt"], "ramble.txt:3: a phrase of 400 words is too long"),
    (["--bogus"], "No such option"),
    (["--for", "massage", "--minutes", "5"], "a massage track lasts 10 to 180 minutes, not 5 (--minutes)"),
    (["--regions", "back:5"], "(--for massage)"),
    (["--part", "feet"], "(--for caregiver)"),
    (["--for", "massage", "--minutes", "30", "--regions", "back:x"], "cannot read the region"),
    (["--for", "massage", "--minutes", "30", "--chime-every", "2"], "every 5 to 60 minutes"),
    (["--name", "R2-D2"], "first name"),
    (["--fill-with-tts"], "(--fill-with-tts)"),
    (["--for", "caregiver", "--script", "settling"], "written for relax sessions, not caregiver (--script)"),
]


@pytest.mark.parametrize("args, words", CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_session_options(args, words, out_dir, bad_files):
    args = [a.replace("{inputs}", str(bad_files)) for a in args]
    result = run_main("render", "--minutes", "2", *args, "-o", str(out_dir / "s.wav"))
    assert_clean_failure(result, out_dir, words=words)
    if not args[0].startswith("--bogus"):
        plan = run_main("plan", "--minutes", "2", *args)
        assert plan.returncode == 2 and plan.stderr.startswith("Error: ") and not plan.stdout


def test_no_library_message_names_a_flag_the_command_line_adds_it(out_dir):
    from companion import SessionOptions, make_plan
    from companion.errors import BadInput

    with pytest.raises(BadInput) as caught:
        make_plan(SessionOptions(minutes=500, narration=False))
    assert "--" not in str(caught.value) and caught.value.field == "minutes"
    said = run_main("plan", "--minutes", "500", "--no-narration")
    assert said.stderr.strip() == f"Error: {caught.value.message} (--minutes)"


def test_bad_output_paths(out_dir, tmp_path):
    cases = [
        (out_dir / "missing-folder" / "s.wav", "does not exist"),
        (out_dir / "s.aiff", "cannot tell the format"),
        (out_dir / "s", "cannot tell the format"),
        (out_dir, "is a folder"),
        (out_dir / ("a" * 300 + ".wav"), "file name is too long"),
    ]
    for path, words in cases:
        result = run_main("render", "--minutes", "2", "-o", str(path))
        assert_clean_failure(result, out_dir, words=words)
    result = run_main("render", "--minutes", "2", "-o", "/proc/companion-session.wav")
    assert result.returncode == 2 and result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert not Path("/proc/companion-session.wav").exists()


def test_missing_output_option(out_dir):
    assert_clean_failure(run_main("render", "--minutes", "2"), out_dir, words="'-o'")


def test_script_too_long_for_the_time(out_dir, tmp_path):
    long = tmp_path / "long.txt"
    long.write_text(
        "title: Long\n== A\n" + "\n".join(f"This is line {i} of a long script. / It goes on and on." for i in range(60))
    )
    result = run_main("render", "--minutes", "2", "--script", str(long), "-o", str(out_dir / "s.wav"))
    assert_clean_failure(result, out_dir, words="does not fit in 2 minutes")


def test_an_error_names_a_flag_only_where_the_command_has_it():
    """The same library error, from a command with the flag and from one without it."""
    shown = run_main("scripts", "show", "nope")
    assert shown.returncode == 2 and "no script named 'nope'" in shown.stderr
    assert "(--" not in shown.stderr  # 'scripts show' has no --script to point at
    planned = run_main("plan", "--script", "nope")
    assert planned.returncode == 2 and planned.stderr.rstrip().endswith("(--script)")
