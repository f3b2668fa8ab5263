"""The command line: click commands that turn flags into calls of the library and its
errors into one line each. Holds the `companion` group and its error handling (main), every
command, each module loaded only when its command runs (sessions: plan, render, play and
devices; scripts; today; journal; pack; voice), what they share (common), the session flags and
each error field's flag (options), and the terminal's parts: the live view (view), keys
(keys), one-key questions (asking) and progress bars (progress). The only room that knows
a flag.

May import: anything in the package below it. Only the `companion` command (main() here)
and companion/__main__ import it.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """The `companion` command. Ctrl-C and SIGTERM are answered from the first moment: the
    handlers go in before the command line's modules (numpy, click, the voice) are imported,
    so a signal while they load ends in one calm line too, never a traceback."""
    from companion import interrupts

    interrupts.install()
    # numpy's OpenBLAS starts a spinning thread per core at import, for matrix work companion
    # never does: one thread saves 0.13 s of CPU (a fifth) of every command and of each of a
    # pack's workers, which inherit it. Set before numpy loads; a user's own choice stands.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        from companion.cli.main import main as run
    except BaseException as exc:
        if not interrupts.interrupted(exc):
            raise
        # nothing has been made yet: leave at once (see _leave_interrupted)
        print("Error: interrupted; nothing was written", file=sys.stderr, flush=True)
        _leave_interrupted()
    try:
        run(argv)
    except KeyboardInterrupt:  # one that got past the command's own handling: still our status
        interrupts.let_go()
        _leave_interrupted()
    except SystemExit as exit:
        if exit.code == 130:
            _leave_interrupted()
        raise


def _leave_interrupted() -> None:
    """End now with status 130, everything said and cleaned up. An interrupt that landed while
    a module was being imported leaves Python set to end itself with SIGINT at exit even once
    it was handled (strace: SIG_DFL, then kill(self, SIGINT)): the status would be -2, not
    130. Seen in CI once commands' modules were imported after the command had started."""
    import atexit

    atexit._run_exitfuncs()  # what Python's own exit would do (multiprocessing lets go of its semaphores)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass  # a closed or full output has nothing more to take
    os._exit(130)
