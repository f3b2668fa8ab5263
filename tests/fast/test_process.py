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
from tests.paced_output import PacedOutput

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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
    from companion.journal.entries import Ratings
    from companion.journal.store import Journal

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


@pytest.fixture
def signals_noted(monkeypatch):
    """companion.interrupts as a fresh program finds it (its state is the process's)."""
    from companion import interrupts

    for name, value in (("_ending", False), ("_raised", False), ("_interruptible", 0), ("_held", 0)):
        monkeypatch.setattr(interrupts, name, value)
    interrupts._cancelled.clear()
    yield interrupts
    interrupts._cancelled.clear()


def test_a_signal_is_noted_and_raised_at_the_works_next_step(signals_noted):
    """The handler raises nothing where it lands (an import, a lock, a weakref callback):
    the next check() raises it, once."""
    interrupts = signals_noted
    interrupts.handler(signal.SIGTERM, None)
    assert interrupts.cancelled()
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()
    interrupts.check()  # raised once: nothing more until the next signal
    interrupts.handler(signal.SIGINT, None)  # a library user's program goes on, and hears the next
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()


def test_a_wait_without_steps_is_interrupted_at_once_but_never_inside_a_hold(signals_noted):
    interrupts = signals_noted
    with pytest.raises(KeyboardInterrupt), interrupts.interruptible():
        interrupts.handler(signal.SIGINT, None)
        raise AssertionError("the handler raises inside interruptible()")
    with pytest.raises(KeyboardInterrupt), interrupts.interruptible():
        with interrupts.deferred():
            interrupts.handler(signal.SIGINT, None)  # held: a file being renamed, a queue's lock
            held = True
        raise AssertionError("the end of the hold raises")
    assert held


def test_a_signal_inside_a_weakref_callback_or_a_class_being_made_is_not_lost(signals_noted, capfd):
    """Where Python cannot raise (a weakref callback: "Exception ignored") or turns what is
    raised into another error (__set_name__: RuntimeError), the signal is only noted, and
    the next check() raises it, as itself."""
    import weakref

    interrupts = signals_noted

    class Thing:
        pass

    class Named:
        def __set_name__(self, owner, name):
            interrupts.handler(signal.SIGTERM, None)

    thing = Thing()
    ref = weakref.ref(thing, lambda _: interrupts.handler(signal.SIGTERM, None))
    del thing
    assert ref() is None and interrupts.cancelled()
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()
    type("Late", (), {"field": Named()})  # no RuntimeError
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()
    assert capfd.readouterr().err == ""


def test_a_second_interrupt_while_the_first_unwinds_is_let_go(signals_noted, monkeypatch):
    """The command line ends on its first interrupt: a second Ctrl-C during the clean-up
    (partial files removed, the one line said) is let go."""
    interrupts = signals_noted
    monkeypatch.setattr(interrupts, "_ending", True)
    interrupts.handler(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()
    interrupts.handler(signal.SIGINT, None)
    assert not interrupts.cancelled()
    interrupts.check()


def test_a_signal_while_the_command_line_loads_ends_in_one_calm_line_by_sys_exit(signals_noted, capfd):
    """Noted while the modules load; answered before the command runs, with status 130 and
    one line, leaving through sys.exit (so Python's own exit runs: no private exit paths)."""
    from companion.cli.main import main

    saved = {s: signal.getsignal(s) for s in signals_noted.SIGNALS}
    try:
        signals_noted.handler(signal.SIGTERM, None)
        with pytest.raises(SystemExit) as ended:
            main(["plan"])
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert ended.value.code == 130
    assert capfd.readouterr().err == "Error: interrupted; nothing was written\n"


def test_no_cpython_internals_and_no_process_wide_hooks():
    """The command line leaves by sys.exit: no atexit internals, no os._exit, no unraisable hook."""
    package = Path(companion.__file__).parent
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "atexit._" not in text and "unraisablehook" not in text, path
        if path.parent.name == "cli":
            assert "os._exit" not in text, path
