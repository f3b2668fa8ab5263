"""Every public function's every argument and every options field, deeply (tests/fuzzing.py
DEEP: 100 cases each), with a null sound output and paths on a full tiny file system: see
tests/api_fuzz.py."""

from __future__ import annotations

import pytest

from tests.api_fuzz import calls_fixture, door_tests  # noqa: F401 (the fixture)
from tests.cli_fuzz import fuzz_cache_fixture, in_process_fixture, templates_fixture, workspace_fixture  # noqa: F401
from tests.fuzzing import DEEP
from tests.real.test_fuzz_cli import full_disk  # noqa: F401 (the fixture)


@pytest.fixture
def sound_output():
    return True


@pytest.fixture
def xdg_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("xdg-cache")  # the fake voice needs no warm one


globals().update(door_tests(DEEP, real=True, sweep=True))
