"""Every parameter of every command, a few hostile values each (tests/fuzzing.py FAST), in
this process with the fake voice: see tests/cli_fuzz.py for the doors, the values and what
each case must show. The deep profile, a sample as real processes and a full disk are in
tests/real/test_fuzz_cli.py."""

from __future__ import annotations

import os

import pytest
import sounddevice  # noqa: F401 (PortAudio is found by running ldconfig: at collection, not in a test)

from tests.cli_fuzz import (  # noqa: F401 (the fixtures)
    COMMANDS,
    DOORS,
    argv,
    base_errors_fixture,
    door_tests,
    fuzz_cache_fixture,
    in_process_fixture,
    run_in_process,
    templates_fixture,
    workspace_fixture,
)
from tests.fuzzing import FAST


@pytest.fixture
def full_disk():
    return None  # a full file system is mounted in the real layer


@pytest.fixture
def sound_output():
    return False  # playing takes a second even on a null output: the real layer plays


globals().update(door_tests(FAST, real=False, timeout=60))


def test_every_command_is_walked():
    walked = {door.path for door in DOORS}
    assert {("plan",), ("render",), ("play",), ("today",), ("app",), ("pack",), ("journal", "add")} <= walked
    assert len(DOORS) > 100


# What a command's base ends with here: it serves until stopped (app), or needs what this
# layer has not (a terminal; a sound output)
BASE_ENDS = {("app",): 130, ("voice", "record"): 2, ("play",): 1, ("devices",): 1}


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "companion")
def test_each_base_is_a_command_that_works(path, workspace, in_process):
    """A door's hostile value is added to its command's base: were the base refused, every
    case would be refused before the value is looked at."""
    command = dict(COMMANDS)[path]
    workspace.reset(pack=path == ("pack",))
    args = workspace.words(argv(None, path, command, []))
    cwd = os.getcwd()
    os.chdir(workspace.cwd)
    try:
        ran = run_in_process(args, 60)
    finally:
        os.chdir(cwd)
    assert ran.code == BASE_ENDS.get(path, 0), (args, ran.stderr)
