"""Every parameter of every command, a few hostile values each (tests/fuzzing.py FAST), in
this process with the fake voice: see tests/cli_fuzz.py for the doors, the values and what
each case must show. The deep profile, a sample as real processes and a full disk are in
tests/real/test_fuzz_cli.py."""

from __future__ import annotations

import pytest
import sounddevice  # noqa: F401 (PortAudio is found by running ldconfig: at collection, not in a test)

from tests.cli_fuzz import (  # noqa: F401 (the fixtures)
    DOORS,
    base_errors_fixture,
    door_tests,
    fuzz_cache_fixture,
    in_process_fixture,
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
