"""Every public function's every argument and every options field, a few hostile values each
(tests/fuzzing.py FAST): see tests/api_fuzz.py. The deep profile is in tests/real/test_fuzz_api.py."""

from __future__ import annotations

import pytest
import sounddevice  # noqa: F401 (PortAudio is found by running ldconfig: at collection, not in a test)

from tests.api_fuzz import DOORS, calls_fixture, door_tests  # noqa: F401 (the fixture)
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
