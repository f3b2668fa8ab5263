"""Every test runs with its own HOME and XDG folders (a fresh, empty cache unless its layer
gives a warm one: tests/real/ shares one warmed with the real voice), and never leaves a
command it started running."""

from __future__ import annotations

import resource
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.helpers import _SPAWNED


def pytest_configure(config):
    config.addinivalue_line("markers", "slow(why): a test that must be slow, with why in one line")
    config.addinivalue_line("markers", "lan: the app also serves a second loopback address, as the home network")


UNMARKED_SLOW_S = 15.0  # a test slower than this without a slow mark is named at the end of the run
CPU_LISTED = 15  # the tests that take the most processor time, named at the end of the run


def pytest_collection_modifyitems(items):
    for item in items:
        for mark in item.iter_markers("slow"):
            assert len(mark.args) == 1 and isinstance(mark.args[0], str) and mark.args[0], (
                f"{item.nodeid}: say in one line why it must be slow, as @pytest.mark.slow('...')"
            )
    items.sort(key=longest_first)


def longest_first(item: pytest.Item) -> int:
    """The run's order (a stable sort: each group in its files' order): the tests marked slow,
    then the rest of the real layer, then the fast layer's, each a fraction of a second. The
    workers (`make test`: --dist worksteal) start the long ones first and end on short ones
    that fill the gaps, so no long test begins when the other core has nothing left to do."""
    if item.get_closest_marker("slow") is not None:
        return 0
    return 2 if Path(item.path).parent.name == "fast" else 1


def cpu_seconds() -> float:
    """User and system time of this process and of every child it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A test's last report carries the processor time it took, set-up and commands included,
    which the summary adds up: the suite's limit is two cores' time, and a test waiting in
    real time costs little of it."""
    report = yield
    started = item.stash.get(_STARTED, None)
    if call.when == "teardown" and started is not None:  # the last report: --junitxml has it too
        report.user_properties.append(("cpu_s", cpu_seconds() - started))
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    item.stash[_STARTED] = cpu_seconds()
    return (yield)


_STARTED = pytest.StashKey[float]()


def pytest_terminal_summary(terminalreporter):
    """Name the tests that took the most processor time, and those that took long without
    saying why (times vary by machine: a note, not a failure). For the latter only the test's
    own call counts: the first test on each worker waits in its set-up for the voice's
    warm-up, which --durations shows as set-up."""
    took: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) == "call" and "slow" not in getattr(report, "keywords", {}):
                took[report.nodeid] = took.get(report.nodeid, 0.0) + report.duration
            for name, value in getattr(report, "user_properties", ()):
                if name == "cpu_s":
                    cpu[report.nodeid] = cpu.get(report.nodeid, 0.0) + value
    if cpu:
        terminalreporter.write_sep("-", f"processor time: {sum(cpu.values()):.0f} s in all, the most")
        for nodeid, t in sorted(cpu.items(), key=lambda kv: -kv[1])[:CPU_LISTED]:
            terminalreporter.write_line(f"{t:6.1f}s {nodeid}")
    unmarked = sorted((t, nodeid) for nodeid, t in took.items() if t > UNMARKED_SLOW_S)
    if unmarked:
        terminalreporter.write_sep("-", f"over {UNMARKED_SLOW_S:g} s without @pytest.mark.slow('why')")
        for t, nodeid in reversed(unmarked):
            terminalreporter.write_line(f"{t:6.1f}s {nodeid}")


@pytest.fixture(scope="session")
def null_audio_home(tmp_path_factory) -> Path:
    """A HOME whose ALSA configuration gives PortAudio one null output device."""
    home = tmp_path_factory.mktemp("home-null-audio")
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")
    return home


@pytest.fixture
def null_portaudio(null_audio_home) -> None:
    """PortAudio in this process sees the null device, whatever HOME it was started with
    before (a test on the same worker may have started it with a home that has no sound)."""
    from tests.helpers import portaudio_for

    portaudio_for(str(null_audio_home))


@pytest.fixture
def out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


@pytest.fixture
def xdg_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, xdg_cache, null_audio_home, tmp_path_factory):
    monkeypatch.setenv("HOME", str(null_audio_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg_cache))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


@pytest.fixture(autouse=True)
def no_child_left_behind():
    """A test that fails while a command waits for a key must not leave it running, nor its
    pipes open."""
    yield
    while _SPAWNED:
        child = _SPAWNED.pop()
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        for pipe in (child.stdin, child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
