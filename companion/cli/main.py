"""The command line: it only translates options into calls of the library API (companion.session,
companion.player) and prints what they return. Errors become one line."""

from __future__ import annotations

import errno
import importlib
import json
import os
import sys
from pathlib import Path

import click

from companion import interrupts
from companion.cli.common import (
    ask_to_confirm,
    device_spec,
    finish_in_journal,
    play_live,
    show_notice,
    start_in_journal,
)
from companion.cli.options import in_terms_of_flags, session_options
from companion.cli.options import options as _options
from companion.cli.progress import VoiceProgress
from companion.errors import BadInput, CompanionError, Interrupted, OutputError
from companion.output.devices import DeviceOutput, NoDevice, no_output_reason, output_devices
from companion.output.sinks import check_output_path
from companion.plan.catalogue import builtin_script, builtin_scripts
from companion.plan.model import SessionPlan
from companion.plan.scripts import Entry, claim_warnings, load_script
from companion.session import make_plan, make_session
from companion.session import render as render_session
from companion.timefmt import clock
from companion.version import __version__


class _Commands(click.Group):
    """The commands, with the four that live in their own modules loaded when one is run or
    listed: every start of `companion` (a render, a play) then skips their imports (the pack's
    templates, the journal's pictures, the voice recorder)."""

    ELSEWHERE = ("today", "journal", "voice", "pack")  # each in companion/cli/<name>.py

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.ELSEWHERE})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.ELSEWHERE and cmd_name not in self.commands:
            module = importlib.import_module(f"companion.cli.{cmd_name}")
            self.add_command(getattr(module, cmd_name))
        return self.commands.get(cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="companion")
@click.option("--debug", is_flag=True, help="Show the full traceback when something goes wrong.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Calm guided-relaxation audio, made offline on your own machine.

    \b
    Examples:
      companion render --energy low -o rest.mp3
      companion plan --energy medium --minutes 10
      companion pack ~/Music/comfort
      companion scripts list
    """
    ctx.obj = {"debug": debug}


@cli.command()
@session_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.option(
    "--plot", type=click.Path(path_type=Path), default=None, metavar="FILE.png", help="Also draw the session."
)
@click.option("--with-audio", is_flag=True, help="With --plot: the rendered mix's loudness under it.")
def plan(as_json: bool, plot: Path | None, with_audio: bool, **kw) -> None:
    """Show the session plan (no audio is written); --plot draws it.

    \b
    Examples:
      companion plan --energy low --minutes 6 --json
      companion plan --for massage --minutes 30 --regions back:15,legs:15 --plot massage.png
    """
    if with_audio and plot is None:
        raise BadInput("--with-audio goes with --plot FILE.png")
    if plot is not None:
        check_output_path(plot, suffixes=(".png",))
    with VoiceProgress() as progress:
        if with_audio:
            # made only to be measured, never heard: a caregiver's notes need no confirming here
            session = make_session(_options(kw), confirm=lambda notes: True, progress=progress)
            plan = session.plan
        else:
            plan = make_plan(_options(kw), progress=progress)
    if plot is not None:
        from companion.journal.pictures import plot_plan
        from companion.sound.loudness import short_term_of_blocks

        loudness = short_term_of_blocks(session.blocks(), plan.sample_rate) if with_audio else None
        plot_plan(plan, plot, loudness)
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=1, ensure_ascii=False))
        return
    click.echo(_describe(plan))
    if plot is not None:
        click.echo(f"Drew the session in {plot}.")


def _describe(plan: SessionPlan) -> str:
    p, sr = plan.profile, plan.sample_rate
    lines = [
        f"{plan.script_title} ({plan.script_name}): {p.energy.value} energy, {plan.duration_s / 60:.2f} min",
        f"breathing: {p.start_rate:g}/min settling, easing towards {p.target_rate:g}/min "
        f"(never below {p.floor_rate:g}); {len(plan.breaths)} breaths, out-breath {p.exhale_ratio:g}x the in-breath",
    ]
    if plan.dropped_optional:
        lines.append(f"{plan.dropped_optional} optional line(s) left out to fit the time")
    section = None
    for e in plan.narration:
        if e.section != section:
            section = e.section
            lines.append(f"== {section}")
        lines.append(f"  {clock(e.start / sr, decimals=1):>7}  {e.text}")
    if not plan.narration:
        lines.append("no narration: breath tone and ambience only")
    if plan.regions:
        lines.append("regions: " + ", ".join(f"{name} from {clock(at / sr)}" for at, name in plan.regions))
    for cue in plan.cues:
        lines.append(
            f"  {clock(cue.at / sr, decimals=1):>7}  [{CUE_WORDS[cue.kind]}{': ' + cue.region if cue.region else ''}]"
        )
    return "\n".join(lines)


CUE_WORDS = {"region": "chime, next region", "interval": "chime", "two-minutes": "two minutes left", "chime": "chime"}


@cli.command()
@session_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    metavar="FILE",
    help="Where to write: .wav .flac .ogg .opus or .mp3.",
)
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
def render(output: Path, yes: bool, **kw) -> None:
    """Write the session to an audio file (format from the suffix).

    \b
    Examples:
      companion render --energy low -o rest.mp3
      companion render --energy high --minutes 20 --ambience brown -o evening.flac
    """
    check_output_path(output)  # fail before any synthesis
    with VoiceProgress() as progress:
        session = make_session(_options(kw), confirm=ask_to_confirm(yes), notify=show_notice, progress=progress)
    written = render_session(session, output)
    click.echo(f"Wrote {written.path} ({session.plan.duration_s / 60:.2f} min, {session.plan.script_title}).")
    if written.notes is not None:
        click.echo(f"The safety notes are beside it, in {written.notes}.")


@cli.command()
@session_options
@click.option("--device", metavar="NAME|INDEX", default=None, help="Sound output (see 'companion devices').")
@click.option("--quiet", is_flag=True, help="No view on screen: sound only.")
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
@click.option("--ask", is_flag=True, help="Ask how you feel before and after, for the comfort journal.")
@click.pass_context
def play(ctx: click.Context, device: str | None, quiet: bool, yes: bool, ask: bool, **kw) -> None:
    """Play the session on the sound card, with gentle controls.

    \b
    Keys while playing (each acts through a short fade):
      space   pause / go on          + / -   volume
      e       five more minutes      q, Esc  end gently (Ctrl-C too)

    \b
    Example:
      companion play --energy low --minutes 6
    """

    try:
        output = DeviceOutput(device=device_spec(device))
    except NoDevice as exc:
        raise NoDevice(f"{exc}; write a file instead: {_render_hint(ctx, kw)}") from None
    # the tone starts at once; a voice still to be made is synthesised while it plays
    session = make_session(_options(kw), confirm=ask_to_confirm(yes), wait_for_voice=False, notify=show_notice)
    journal_id = start_in_journal(session, ask) if ask else None
    result = play_live(session, output, quiet)
    if journal_id is not None:
        finish_in_journal(journal_id, result)
    ctx.exit(result.exit_code)  # 130 after Ctrl-C or SIGTERM, as promised; the line above said how long it played


def _render_hint(ctx: click.Context, kw: dict) -> str:
    """The render command that makes the same session as a file (options left at their defaults are left out)."""
    import shlex

    defaults = {p.name: p.default for p in ctx.command.params}
    flags = {"mode": "--for"}
    args = ["companion", "render"]
    for key, value in kw.items():
        if value is None or value is False or defaults.get(key) == value:
            continue
        flag = flags.get(key, f"--{key.replace('_', '-')}")
        if value is True:
            args.append(flag)
        else:
            args += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join(args + ["-o", "session.mp3"])


@cli.command()
def devices() -> None:
    """List the sound outputs (exit status 1 when there is none).

    \b
    Example:
      companion devices
    """
    found = output_devices()
    if not found:
        raise NoDevice(f"{no_output_reason()}; use 'companion render -o FILE'")
    for d in found:
        mark = "*" if d["default"] else " "
        click.echo(f"{mark} {d['index']:2d}  {d['name']}")


@cli.group()
def scripts() -> None:
    """The narration script library and a validator."""


@scripts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def scripts_list(as_json: bool) -> None:
    """List the built-in scripts.

    \b
    Example:
      companion scripts list
    """
    items = builtin_scripts()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "title": s.title,
                        "short": s.short,
                        "summary": s.summary,
                        "purpose": s.purpose,
                        "group": s.group,
                        "energies": list(s.energies),
                        "modes": list(s.modes),
                    }
                    for s in items
                ],
                indent=1,
            )
        )
        return
    width = max(len(s.name) for s in items)
    click.echo(f"{'name':<{width}}  {'group':<13}  {'energies':<16}  title")
    for s in items:
        click.echo(f"{s.name:<{width}}  {s.group:<13}  {' '.join(s.energies):<16}  {s.title}")
        if s.summary:
            click.echo(f"{'':<{width}}  {s.summary}")


@scripts.command("show")
@click.argument("name")
def scripts_show(name: str) -> None:
    """Print a built-in script's text.

    \b
    Example:
      companion scripts show settling
    """
    click.echo(Path(builtin_script(name).path).read_text(encoding="utf-8"), nl=False)


@scripts.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def scripts_check(file: Path) -> None:
    """Check a script file for mistakes (errors name the line).

    \b
    Example:
      companion scripts check my-script.txt
    """
    script = load_script(file)
    for warning in claim_warnings(script):
        click.echo(f"warning: {warning}", err=True)
    spoken = sum(isinstance(i, Entry) for i in script.items)
    click.echo(
        f"{file}: OK: '{script.title}', {len(script.sections)} section(s), {spoken} spoken line(s), "
        f"energies {' '.join(script.energies)}"
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning every expected failure into one line."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    interrupts.install()  # Ctrl-C and SIGTERM: clean up partial files, never hang
    try:
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
        click.echo(f"Error: {exc.format_message()}{hint}", err=True)
        code = 2
    except (KeyboardInterrupt, RuntimeError) as exc:
        if not interrupts.interrupted(exc):  # a RuntimeError may carry a signal (see interrupted)
            raise
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
    click.echo(f"Error: {in_terms_of_flags(exc, _flags(command or [cli]))}", err=True)
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
    """The flags of the command that ran, so an error names a flag only where that command has it
    ('scripts show nope' is not told to use --script, which only the session commands have)."""
    return {opt for command in chain for param in command.params for opt in param.opts if opt.startswith("--")}


if __name__ == "__main__":
    main()
