"""Every parameter of every command, deeply (tests/fuzzing.py DEEP: 100 cases each), in this
process with the fake voice and a null sound output; paths on a full tiny file system too;
then a sample of the same cases as real processes (the real voice, a strict UTF-8 output,
the app stopped by Ctrl-C once it serves). tests/cli_fuzz.py says what each case must show."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_fuzz import (  # noqa: F401 (the fixtures)
    COMMANDS,
    DOORS,
    Ran,
    Workspace,
    argv,
    base_errors_fixture,
    check,
    door_tests,
    fragments,
    fuzz_cache_fixture,
    in_process_fixture,
    personal_data,
    templates_fixture,
    typed_values,
    workspace_fixture,
)
from tests.fuzzing import DEEP
from tests.helpers import mounted_tmpfs, run_wide
from tests.real.test_app import LAN_ADDRESS


@pytest.fixture(scope="session")
def full_disk(tmp_path_factory):
    """A tiny file system with no room left: every write there fails as on a full disk."""
    for mount in mounted_tmpfs(tmp_path_factory.mktemp("full-disk") / "full", "size=64k"):
        _fill(mount)
        yield mount


@pytest.fixture
def sound_output():
    return True  # a null output (tests/conftest.py): a session plays in a second


@pytest.fixture
def xdg_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("xdg-cache")  # the fake voice needs no warm one


globals().update(door_tests(DEEP, real=True, timeout=120, sweep=True))


# -- a sample as real processes --------------------------------------------------------------

SAMPLE = settings(DEEP, max_examples=4)  # per command: each is a process start, about a second


def run_process(args: list[str], ws: Workspace, env: dict, timeout: float = 120) -> Ran:
    """The real command, as a person starts it: no terminal, an empty standard input, and a
    standard output as strict as a UTF-8 desktop's (bytes that are not UTF-8 are refused there)."""
    if args[:1] == ["app"]:
        return _run_app(args, ws, env)
    done = subprocess.run(
        [sys.executable, "-m", "companion", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=ws.cwd,
        env=env,
        timeout=timeout,
    )
    return Ran(done.returncode, _text(done.stdout), _text(done.stderr), [])


def _run_app(args: list[str], ws: Workspace, env: dict) -> Ran:
    """The app serves until Ctrl-C: once it says where it is (or ends), it gets one. With
    --lan it serves the tests' home network (a second loopback address, never the real one),
    taking its turn there with the app's own tests, which look for its name."""
    if "--lan" not in args:
        return _serve_once(args, ws, env)
    if "--lan-address" not in args:
        args = [*args, "--lan-address", LAN_ADDRESS]
    with open(env[LAN_LOCK], "w") as turn:
        fcntl.flock(turn, fcntl.LOCK_EX)
        return _serve_once(args, ws, env)


def _serve_once(args: list[str], ws: Workspace, env: dict) -> Ran:
    child = subprocess.Popen(
        [sys.executable, "-m", "companion", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ws.cwd,
        env=env,
    )
    assert child.stdout is not None
    first = child.stdout.readline()  # its first line: where it is, or nothing when it ended
    if child.poll() is None:
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    return Ran(child.returncode, _text(first + out), _text(err), [])


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


LAN_LOCK = "COMPANION_TESTS_LAN_LOCK"  # where the app's tests take turns on the home network


@pytest.fixture
def process_env(workspace, shared_cache, null_audio_home, tmp_path, tmp_path_factory) -> dict:
    """The real voice's warm cache, linked (its files are replaced whole, never changed in place),
    so that what a case leaves in it is this case's alone."""
    cache = tmp_path / "cache"
    # not what other tests' programs are writing there now: a running app's working folder,
    # a file still being written
    busy = shutil.ignore_patterns("app-*", "*.partial")
    shutil.copytree(shared_cache, cache, copy_function=os.link, ignore=busy)
    workspace.cache = cache
    return {
        **os.environ,
        "XDG_CACHE_HOME": str(cache),
        "HOME": str(null_audio_home),
        "PYTHONIOENCODING": "utf-8:strict",  # as en_US.UTF-8 has it (this machine has only C.UTF-8)
        LAN_LOCK: str(run_wide(tmp_path_factory) / "lan.lock"),  # the app fixture's own turn
    }


# The commands that write into the cache: after their cases, a later session is made from it
CACHE_WRITERS = {("plan",), ("render",), ("play",), ("today",), ("pack",), ("voice", "prepare")}


@pytest.fixture
def later_run(request, workspace, process_env):
    """After a command's cases, a session made from the cache they used: nothing they left
    there trips a later run."""
    yield
    if request.param in CACHE_WRITERS:
        workspace.reset(pack=False)
        later = workspace.root / "out" / "later.wav"
        ran = run_process(["render", "--energy", "low", "--minutes", "2", "-o", str(later)], workspace, process_env)
        assert ran.code == 0 and ran.stderr == "" and later.is_file(), ran.stderr


def _sample_test(path, command):
    doors = [d for d in DOORS if d.path == path]

    @pytest.mark.parametrize("later_run", [path], indirect=True, ids=[""])
    @SAMPLE
    @given(case=st.sampled_from(doors).flatmap(lambda d: st.tuples(st.just(d), fragments(d, real=True))))
    def test(case, workspace, process_env, base_errors, later_run) -> None:
        door, fragment = case
        if any("\x00" in word for word in fragment):
            return  # no process can be given a NUL in its arguments
        before = workspace.reset(pack=path == ("pack",))
        args = workspace.words(argv(door, path, command, fragment))
        ran = run_process(args, workspace, process_env)
        check(door, args, ran, workspace, before, base_errors.get(path), typed_values(fragment, workspace))

    test.__name__ = "test_process__" + "__".join(path or ("companion",))
    test.__doc__ = f"companion {' '.join(path)}: a sample of the hostile cases, each a real process."
    return test


for _path, _command in COMMANDS:
    if any(d.path == _path for d in DOORS):
        _test = _sample_test(_path, _command)
        globals()[_test.__name__] = _test


@pytest.mark.parametrize(
    "args",
    [
        ["journal", "add", "--pain", "3"],
        ["journal", "forget", "--id", "1", "--yes"],
        ["voice", "import", "mum2", "{ws}/memos", "--script", "settling"],
        ["voice", "add", "{ws}/voice.onnx", "--name", "added2"],
    ],
    ids=["journal-add", "journal-forget", "voice-import", "voice-add"],
)
def test_personal_data_on_a_full_disk(args, workspace, process_env, tmp_path):
    """The person's data folder on a disk with no room left: one line, status 1, nothing half
    written, and what was there is as it was."""
    workspace.reset(pack=False)
    for mount in mounted_tmpfs(tmp_path / "data", "size=1m"):
        shutil.copytree(workspace.templates.data, mount / "companion")
        _fill(mount)
        before = personal_data(mount / "companion")
        ran = run_process(workspace.words(args), workspace, {**process_env, "XDG_DATA_HOME": str(mount)})
        lines = ran.stderr.splitlines()
        assert ran.code == 1 and len(lines) == 1, ran.stderr
        assert lines[0].startswith("Error: the disk holding") and "is full" in lines[0], lines[0]
        assert personal_data(mount / "companion") == before
        assert not [p for p in mount.rglob("*") if p.name.endswith(".partial")]


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 1024)
        except OSError:
            pass
