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

import gc
import os


def main(argv: list[str] | None = None) -> None:
    """The `companion` command. Ctrl-C, SIGTERM and SIGHUP are noted from the first moment:
    the handler goes in before the command line's modules (numpy, click, the voice) are
    imported, and only sets a flag (companion.interrupts), so a signal while they load
    breaks none of them; the command answers it at its first step."""
    from companion import interrupts

    interrupts.install()
    # numpy's OpenBLAS starts a spinning thread per core at import, for matrix work companion
    # never does: one thread saves 0.13 s of CPU (a fifth) of every command and of each of a
    # pack's workers, which inherit it. Set before numpy loads; a user's own choice stands.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        from companion.cli.main import main as run
    except KeyboardInterrupt:
        # a signal while its modules loaded, raised between two of them (companion.__getattr__)
        # before the answer to it had loaded: load the rest, now that the flag is clear, and
        # let run() answer it at its first step
        from companion.cli.main import main as run

        interrupts.again()

    try:
        run(argv)
    except SystemExit as leaving:
        if leaving.code == 130:
            # Stopped: Python's shutdown need not walk every object the work made (numpy's,
            # the renderer's) to collect them once more. That walk was most of the CPU between
            # a Ctrl-C and the exit, which a busy machine stretched past two seconds; what the
            # work keeps is written and closed already. Here, where the process ends, and not
            # in main(), which a caller may run in a process that goes on.
            gc.freeze()
        raise
