"""The command line: it only translates options into calls of the library API (companion.session,
companion.player) and prints what they return. Errors become one line."""

from __future__ import annotations

import errno
import importlib
import os
import sys

import click

from companion import CompanionError, Interrupted, OutputError, __version__, interrupts
from companion.cli.options import in_terms_of_flags, plainly


class _Commands(click.Group):
    """The commands, each loaded from its module only when it is run or listed: a journal
    entry or a script's check then starts without numpy and the sound pipeline (0.42 s of
    CPU became 0.15 s), and a render skips the pack's templates and the voice recorder."""

    MODULES = {  # command -> its module in companion/cli/
        "plan": "sessions",
        "render": "sessions",
        "play": "sessions",
        "devices": "sessions",
        "today": "today",
        "scripts": "scripts",
        "journal": "journal",
        "voice": "voice",
        "pack": "pack",
        "app": "app",
        "people": "people",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.MODULES and cmd_name not in self.commands:
            module = importlib.import_module(f"companion.cli.{self.MODULES[cmd_name]}")
            interrupts.check()  # a signal while the command's modules loaded: answered here
            self.add_command(getattr(module, cmd_name))
        return self.commands.get(cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="companion")
@click.option("--debug", is_flag=True, help="Show the full traceback when something goes wrong.")
@click.option(
    "--person",
    metavar="NAME",
    default=None,
    help="Whose journal, voices and plans to use (see 'people list'); default: the default person.",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, person: str | None) -> None:
    """Calm guided-relaxation audio, made offline on your own machine.

    \b
    Examples:
      companion render --energy low -o rest.mp3
      companion plan --energy medium --minutes 10
      companion pack ~/Music/comfort
      companion scripts list
      companion --person Ada journal show
    """
    ctx.obj = {"debug": debug, "person": person}


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning every expected failure into one line."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    interrupts.install()  # Ctrl-C, SIGTERM, SIGHUP: a flag the work checks (companion.interrupts)
    if sys.stdout is not None and hasattr(sys.stdout, "reconfigure"):
        # a file name typed with bytes that are not UTF-8 is printed back as those bytes,
        # whatever the terminal's locale (a UTF-8 one would refuse them)
        sys.stdout.reconfigure(errors="surrogateescape")
    try:
        interrupts.check()  # one that came while this module loaded
        # click's own main() would print a blank line on Ctrl-C before our one line: run it here
        with cli.make_context("companion", list(args)) as ctx:
            code = cli.invoke(ctx)
        if sys.stdout is not None:  # None when started with standard output closed: nothing to show
            sys.stdout.flush()  # a full device or a closed pipe shows here, not at exit
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        code = _fail(Interrupted("interrupted; nothing was written"), debug)
    except click.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and isinstance(exc, click.UsageError) and exc.ctx is not None:
            click.echo(exc.ctx.get_help())  # 'companion' alone: the help, not an error
            sys.exit(0)
        hint = ""
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        click.echo(f"Error: {plainly(exc.format_message())}{hint}", err=True)
        code = 2
    except KeyboardInterrupt:
        interrupts.let_go()  # the command is ending: no second interrupt inside its one line
        code = _fail(Interrupted("interrupted; nothing was written"), debug)
    except CompanionError as exc:
        code = _fail(exc, debug, _invoked(args))
    except OSError as exc:
        if exc.errno not in STDOUT_FAILURES:
            raise
        # our own files' errors are CompanionErrors: this is standard output itself
        if sys.stdout is not None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second complaint at exit
        code = _fail(OutputError(f"could not write to standard output ({exc.strerror})"), debug)
    interrupts.let_go()  # the command has ended: a late press must not end Python's shutdown
    sys.exit(code or 0)


STDOUT_FAILURES = {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EBADF, errno.EDQUOT}


def _fail(exc: CompanionError, debug: bool, command: list[click.Command] | None = None) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    click.echo(f"Error: {plainly(in_terms_of_flags(exc, _flags(command or [cli])))}", err=True)
    return exc.exit_code


def _invoked(args: list[str]) -> list[click.Command]:
    """The commands the arguments run, outermost first ('journal', then 'journal show')."""
    chain: list[click.Command] = [cli]
    for word in args:
        group = chain[-1]
        command = group.get_command(click.Context(group), word) if isinstance(group, click.Group) else None
        if command is not None:
            chain.append(command)
    return chain


def _flags(chain: list[click.Command]) -> set[str]:
    """The flags and arguments of the command that ran, so an error names a flag only where that
    command has it ('scripts show nope' is not told to use --script, which only the session
    commands have)."""
    flags = {opt for command in chain for param in command.params for opt in param.opts if opt.startswith("--")}
    arguments = {p.human_readable_name for c in chain for p in c.params if isinstance(p, click.Argument)}
    return flags | arguments


if __name__ == "__main__":
    main()
