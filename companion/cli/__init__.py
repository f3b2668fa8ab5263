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
        # nothing has been made yet: leave at once. Python's own exit after an interrupted
        # import ended 1 time in 13 with SIGINT's status instead of 130 (measured, cause unknown)
        print("Error: interrupted; nothing was written", file=sys.stderr, flush=True)
        os._exit(130)
    try:
        run(argv)
    except KeyboardInterrupt:
        # an interrupt raised again after the command had said its line (a dropped one, see
        # interrupts._unraisable): still the interrupt's status, never SIGINT's own (seen in CI)
        interrupts.let_go()
        sys.exit(130)
