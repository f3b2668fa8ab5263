"""Every example in the READMEs and docs/ runs as written: each `companion ...` line of their shell
blocks is run on a terminal (so a caregiver example meets its safety question, answered
yes, and the check-in its questions, each skipped with Enter), in a folder holding the
example script from scripts/README.md as my-script.txt."""

import os
import re
import select
import signal
import sys
import time

import pytest

from tests.helpers import ROOT, spawn_argv_in_pty

BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)


def shell_examples(readme) -> list[str]:
    lines = []
    for language, body in BLOCK.findall(readme.read_text()):
        if language == "sh":
            lines += [line.split("  #")[0].strip() for line in body.splitlines() if line.startswith("companion ")]
    return lines


DOCUMENTS = [ROOT / "README.md", ROOT / "scripts" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = list(dict.fromkeys(e for document in DOCUMENTS for e in shell_examples(document)))  # each once


def in_turn(examples: list[str]) -> list[list[str]]:
    """The examples as a reader runs them: those that make or grow the same pack folder run
    one after another in one test (the caregiver's tracks are added to the pack just made,
    not to a new one), and so do those about people (Ada is added before her journal is
    used), every other example on its own."""
    runs: dict[str, list[str]] = {}
    for example in examples:
        folder = re.match(r"companion pack (\S+)", example)
        people = "companion people " in example or " --person " in example
        runs.setdefault("people" if people else folder.group(1) if folder else example, []).append(example)
    return list(runs.values())


RUNS = in_turn(EXAMPLES)


def example_script() -> str:
    """The example script that scripts/README.md shows (its first code block)."""
    return BLOCK.findall((ROOT / "scripts" / "README.md").read_text())[0][1]


def run_on_a_terminal(command: str, cwd, env: dict, timeout: float = 300) -> tuple[int, str]:
    child, master = spawn_argv_in_pty(["sh", "-c", f"cd {cwd} && exec {command}"], env=env)
    seen, deadline = b"", time.time() + timeout
    answered, stopped, skipped = False, False, 0
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child has closed the terminal
                break
            seen += data
            if b"safe to go on" in seen and not answered:
                os.write(master, b"y\n")
                answered = True
            while seen.count(b"Enter skips") > skipped:  # a check-in question: skip it, as Enter does
                os.write(master, b"\r")
                skipped += 1
            if b"/start?token=" in seen and not stopped:  # the app is serving: Ctrl-C, as the README says
                child.send_signal(signal.SIGINT)
                stopped = True
        elif child.poll() is not None:
            break
    os.close(master)
    status = child.wait(timeout=30)
    return (0 if stopped and status == 130 else status), seen.decode(errors="replace")


def test_there_are_examples_for_every_listener():
    assert len(EXAMPLES) >= 10
    for words in ("--energy low", "--for massage", "--for caregiver", "scripts check"):
        assert any(words in e for e in EXAMPLES), words


@pytest.mark.slow("runs each README example as written: its packs alone are two hours of MP3 and Ogg")
@pytest.mark.parametrize("commands", RUNS, ids=[" then ".join(run) for run in RUNS])
def test_readme_example_runs_as_written(commands, tmp_path, null_audio_home):
    (tmp_path / "my-script.txt").write_text(example_script())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # `companion` as the README types it: this test's Python running the package
    (bin_dir / "companion").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m companion "$@"\n')
    (bin_dir / "companion").chmod(0o755)
    env = {"HOME": str(null_audio_home), "PATH": f"{bin_dir}:{os.environ['PATH']}", "TERM": "dumb"}
    for command in commands:
        status, screen = run_on_a_terminal(command, tmp_path, env)
        assert status == 0, f"{command}\n{screen[-2000:]}"
        assert "Error:" not in screen and "Traceback" not in screen, f"{command}\n{screen[-2000:]}"
