"""Every public function's every argument and every options field, a few hostile values each
(tests/fuzzing.py FAST): see tests/api_fuzz.py. The deep profile is in tests/real/test_fuzz_api.py."""

from __future__ import annotations

import inspect

import pytest
import sounddevice  # noqa: F401 (PortAudio is found by running ldconfig: at collection, not in a test)

import companion
from tests.api_fuzz import DOORS, THROUGH_THE_FRONT_ENDS, calls_fixture, door_tests  # noqa: F401 (the fixture)
from tests.cli_fuzz import fuzz_cache_fixture, in_process_fixture, templates_fixture, workspace_fixture  # noqa: F401
from tests.fuzzing import FAST


@pytest.fixture
def full_disk():
    return None


@pytest.fixture
def sound_output():
    return False


globals().update(door_tests(FAST, real=False))


def test_every_public_call_is_walked():
    owners = {door.owner for door in DOORS}
    assert {"make_session", "make_plan", "render", "play", "make_pack", "SessionOptions", "PackOptions"} <= owners


def test_every_public_function_is_fuzzed_here_or_through_a_front_end():
    """A new public function is walked here the day it is added (its valid call in Calls.valid)
    unless it is named as reached through the front ends' doors: never silently left out."""
    functions = {n for n in companion._EXPORTS if inspect.isfunction(getattr(companion, n))}
    walked = {door.owner for door in DOORS}
    doorless = {n for n in functions if not inspect.signature(getattr(companion, n)).parameters}
    assert functions - walked - doorless == THROUGH_THE_FRONT_ENDS
    assert THROUGH_THE_FRONT_ENDS <= functions, "a name listed that is no public function"
