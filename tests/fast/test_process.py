"""Importing or calling the library leaves the process as it found it: its environment, its
umask and its signal handlers. play() handles Ctrl-C and SIGTERM while it plays, and gives
the caller's handlers back however it ends."""

from __future__ import annotations

import importlib
import os
import signal
from pathlib import Path

import pytest

import companion
from companion.process import current_umask, environment
from tests.helpers import run_main
from tests.paced_output import PacedOutput

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def snapshot() -> tuple[dict[str, str], int, dict]:
    return dict(os.environ), current_umask(), {s: signal.getsignal(s) for s in SIGNALS}


def every_module() -> list[str]:
    package = Path(companion.__file__).parent
    names = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(["companion", *parts[:-1]] + ([] if parts[-1] == "__init__" else [parts[-1]])))
    return names


def test_importing_and_calling_the_library_changes_nothing(tmp_path):
    before = snapshot()
    for name in every_module():
        importlib.import_module(name)
    session = companion.make_session(companion.SessionOptions(narration=False, minutes=2, ambience="brown"))
    companion.render(session, tmp_path / "rest.flac")
    from companion.journal.store import Journal, Ratings

    with Journal() as journal:
        journal.add(Ratings(pain=2, note="fine"))
    assert snapshot() == before


def test_the_umask_is_read_without_being_changed():
    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
    finally:
        os.umask(old)


def test_a_variable_is_held_only_while_needed_and_a_callers_own_is_kept(monkeypatch):
    monkeypatch.delenv("COMPANION_PROBE", raising=False)
    monkeypatch.setenv("COMPANION_KEPT", "mine")
    with environment({"COMPANION_PROBE": "1", "COMPANION_KEPT": "theirs"}):
        assert os.environ["COMPANION_PROBE"] == "1" and os.environ["COMPANION_KEPT"] == "mine"
    assert "COMPANION_PROBE" not in os.environ and os.environ["COMPANION_KEPT"] == "mine"


def test_play_gives_back_the_callers_signal_handlers_however_it_ends():
    session = companion.make_session(companion.SessionOptions(narration=False, minutes=2))
    mine = {s: (lambda signum, frame: None) for s in SIGNALS}
    previous = {s: signal.signal(s, h) for s, h in mine.items()}
    try:
        finished = companion.play(session, PacedOutput(session.plan.sample_rate, speed=2000))
        assert finished.ended == "finished"
        assert {s: signal.getsignal(s) for s in SIGNALS} == mine

        def interrupt_once(output, at):
            if len(output.blocks) == 20:
                os.kill(os.getpid(), signal.SIGINT)

        output = PacedOutput(session.plan.sample_rate, speed=200, on_block=interrupt_once)
        interrupted = companion.play(session, output)
        assert interrupted.ended == "interrupted" and interrupted.minutes_heard < 1.9
        assert {s: signal.getsignal(s) for s in SIGNALS} == mine
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class _SignalWhileNamed:
    """A descriptor whose __set_name__ meets a signal, as one in a module being imported can."""

    def __set_name__(self, owner, name):
        raise KeyboardInterrupt


def test_a_signal_while_a_module_defines_a_class_ends_in_one_calm_line(monkeypatch):
    """Python 3.11 wraps what __set_name__ raises in RuntimeError: it is still an interrupt
    (seen rarely in CI as a traceback when SIGTERM landed in an import)."""
    import companion.cli.sessions
    from companion.interrupts import interrupted

    def made_while_a_module_loads(*args, **kwargs):
        type("Late", (), {"field": _SignalWhileNamed()})

    try:
        made_while_a_module_loads()
    except BaseException as exc:  # whichever form this Python gives it
        assert interrupted(exc)
    assert not interrupted(RuntimeError("something else")) and not interrupted(None)
    monkeypatch.setattr(companion.cli.sessions, "make_plan", made_while_a_module_loads)
    ran = run_main("plan")
    assert ran.returncode == 130 and ran.stderr == "Error: interrupted; nothing was written\n", ran.stderr


def test_a_second_interrupt_while_the_first_unwinds_is_let_go(monkeypatch):
    """The command line's handler raises once; a second Ctrl-C during the clean-up would end
    it with a traceback and SIGINT's status (seen when both landed before `play` began)."""
    from companion import interrupts

    monkeypatch.setattr(interrupts, "_raised", False)
    with pytest.raises(KeyboardInterrupt):
        interrupts.ending_handler(signal.SIGINT, None)
    interrupts.ending_handler(signal.SIGINT, None)  # let go: the program is already ending
    with pytest.raises(KeyboardInterrupt):  # a program that goes on after an interrupt still hears the next
        interrupts.handler(signal.SIGINT, None)


def test_an_interrupt_python_could_not_raise_is_raised_again(capfd):
    """A handler's KeyboardInterrupt raised inside a weakref callback (as when a signal lands
    while an imported module's lock is let go) is dropped by Python with "Exception ignored";
    the command line keeps it for the work's next check(), and prints nothing of it (seen in
    CI: a render that ran to its end after SIGTERM)."""
    import sys
    import weakref

    from companion import interrupts

    saved = {s: signal.getsignal(s) for s in SIGNALS}, sys.unraisablehook
    try:
        interrupts.install()

        class Thing:
            pass

        thing = Thing()
        ref = weakref.ref(thing, lambda _: interrupts.handler(signal.SIGTERM, None))
        del thing  # the callback raises; Python drops it
        assert ref() is None
        with pytest.raises(KeyboardInterrupt):
            interrupts.check()
        assert capfd.readouterr().err == ""
    finally:
        interrupts.let_go()
        for sig, handler in saved[0].items():
            signal.signal(sig, handler)
        sys.unraisablehook = saved[1]


def test_an_interrupt_after_the_commands_line_still_ends_with_130(monkeypatch):
    """The command line's last guard: an interrupt that reaches its entry point after the
    command has ended (raised again from a dropped one) ends with 130, not SIGINT's -2."""
    import importlib.util
    import sys

    import companion.cli.main

    def late(argv=None):
        raise KeyboardInterrupt

    # the entry point, read afresh: once companion.cli.main is imported, that name is the module
    spec = importlib.util.spec_from_file_location("entry", Path(companion.cli.main.__file__).with_name("__init__.py"))
    assert spec is not None and spec.loader is not None
    entry = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(entry)

    def leave(code):  # os._exit, as the real command leaves: here it must not end the tests
        raise SystemExit(code)

    saved = {s: signal.getsignal(s) for s in SIGNALS}, sys.unraisablehook
    monkeypatch.setattr(companion.cli.main, "main", late)
    monkeypatch.setattr(entry.os, "_exit", leave)
    try:
        with pytest.raises(SystemExit) as ended:
            entry.main([])
        assert ended.value.code == 130
    finally:
        for sig, handler in saved[0].items():
            signal.signal(sig, handler)
        sys.unraisablehook = saved[1]
