"""What the tests share that is not a fixture: running the real command, a pseudo-terminal,
a small real file system, and warming the real voice's cache."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from companion.cache import ClipCache

ROOT = Path(__file__).resolve().parents[1]


def default_person(data_home: Path) -> Path:
    """The default person's folder in a user data folder (XDG_DATA_HOME): their journal and
    recorded voices (issue 33), made as companion makes it when it is not there yet."""
    from companion.people.store import People

    return People(Path(data_home) / "companion").default().folder


def warm_library_voice(cache: ClipCache) -> None:
    from companion import prepare_voice  # the slow import: only here

    prepare_voice(cache=cache)


def run_wide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder all the workers of this run share (each worker has its own below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], str]) -> tuple[Path, str]:
    """A folder that `make(folder)` fills once for the whole run, and what it returned: the
    first worker to ask makes it under a lock, the others wait for it (as long as making it
    would have taken them) and read it. Its users only read it."""
    base = run_wide(tmp_path_factory)
    folder, said = base / name, base / f"{name}.said"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not said.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            said.write_text(make(folder))
    return folder, said.read_text()


def mounted_tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """A real small (or read-only) file system for fault tests: yields its folder, then unmounts."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:  # a failed test's too (its generator is closed then)
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mount)], check=False)  # still busy: detached all the same


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
    )


def start_cli(*args: str, env: dict | None = None, own_session: bool = False) -> subprocess.Popen:
    """Start the real command in a child process (its output in text pipes), to be signalled
    or waited for; its pipes are closed after the test. `own_session`: as typed in a terminal
    of its own, which a desktop's scheduler shares the cores with as one (autogroup), apart
    from the programs of other sessions."""
    child = subprocess.Popen(
        [sys.executable, "-m", "companion", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=own_session,
    )
    _SPAWNED.append(child)
    return child


_SPAWNED: list[subprocess.Popen] = []  # every child a test started: none outlives it


def spawn_in_pty(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """Run the command on a pseudo-terminal, as if typed by a person: (child, master fd)."""
    return spawn_argv_in_pty([sys.executable, "-m", "companion", *args], env)


def spawn_argv_in_pty(argv: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    _SPAWNED.append(child)
    os.close(slave)
    return child, master


def plan_json(*args: str) -> dict:
    result = run_cli("plan", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str) -> Ran:
    """The command line in this process (the fast layer's stand-in for run_cli): the same
    entry point, its output captured, the process's signal handlers given back after."""
    from companion.cli.main import main

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(args))
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    return Ran(code, out.getvalue(), err.getvalue())


def assert_clean_failure(
    result: Ran | subprocess.CompletedProcess[str], out_dir: Path, status: int = 2, words: str = ""
) -> None:
    """One line, 'Error: ...', the status, no traceback, and nothing left in `out_dir`."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert words in lines[0], lines[0]
    assert list(out_dir.iterdir()) == [], list(out_dir.iterdir())


def portaudio_for(home: str) -> None:
    """PortAudio in this process started again as it would be with this HOME (its sound setup
    read anew; PortAudio reads it once, when it starts). A test that plays in this process asks
    for the null device's HOME: a test before it on the same worker may have left another."""
    import sounddevice

    global _PORTAUDIO_HOME
    if _PORTAUDIO_HOME == home:
        return
    saved = os.environ["HOME"]
    os.environ["HOME"] = home
    try:
        sounddevice._terminate()
        sounddevice._initialize()
    finally:
        os.environ["HOME"] = saved
    _PORTAUDIO_HOME = home


_PORTAUDIO_HOME: str | None = None
