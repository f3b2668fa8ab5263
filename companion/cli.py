"""The command line: a thin layer over companion.session. Errors become one line."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import click

from . import __version__, interrupts
from .errors import CompanionError, Interrupted
from .profile import MAX_BREATH_RATE, MAX_MINUTES, MIN_BREATH_RATE, MIN_MINUTES


class FiniteFloat(click.ParamType):
    """A float in a range; 'nan' and 'inf' are not numbers a person means."""

    name = "float"

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"'{value}' is not a number", param, ctx)
        if not (self.lo <= number <= self.hi):  # also false for nan
            self.fail(f"{value} is not between {self.lo:g} and {self.hi:g}", param, ctx)
        return number


def session_options(f):
    """The SESSION OPTIONS shared by plan and render."""
    options = [
        click.option(
            "--energy",
            type=click.Choice(["low", "medium", "high"]),
            default="medium",
            show_default=True,
            help="How much energy the listener has today.",
        ),
        click.option(
            "--minutes",
            type=FiniteFloat(MIN_MINUTES, MAX_MINUTES),
            default=None,
            help="Session length (default by energy: 6 / 12 / 20).",
        ),
        click.option(
            "--script",
            "script",
            metavar="NAME|FILE",
            default=None,
            help="A built-in script name or a script file (default chosen for the energy).",
        ),
        click.option(
            "--breath-rate",
            type=FiniteFloat(MIN_BREATH_RATE, MAX_BREATH_RATE),
            default=None,
            help="Your own breaths per minute: the pace starts there.",
        ),
        click.option("--breathless", is_flag=True, help="Breathlessness-safe pacing (never below 8/min)."),
        click.option(
            "--exhale-ratio",
            type=FiniteFloat(1.0, 2.0),
            default=1.5,
            show_default=True,
            help="How much longer each out-breath is than the in-breath (1 to 2).",
        ),
        click.option(
            "--voice", metavar="NAME|FILE", default=None, help="'joe' (bundled, default) or a Piper .onnx voice file."
        ),
        click.option("--no-narration", is_flag=True, help="Tones and ambience only."),
        click.option(
            "--ambience",
            type=click.Choice(["pink", "brown", "none"]),
            default="pink",
            show_default=True,
            help="The soft noise bed under the tone.",
        ),
        click.option(
            "--for",
            "mode",
            type=click.Choice(["relax", "massage", "caregiver"]),
            default="relax",
            show_default=True,
            help="relax; massage (a therapist's track); caregiver (a guided hand or foot massage).",
        ),
        click.option(
            "--part", type=click.Choice(["hands", "feet"]), default=None, help="Caregiver: hands (default) or feet."
        ),
        click.option(
            "--regions",
            metavar="NAME:MIN,...",
            default=None,
            help="Massage: regions in order, e.g. 'back:15,legs:10' (a chime at each change).",
        ),
        click.option(
            "--chime-every",
            type=FiniteFloat(0, 60),
            default=None,
            help="Massage without regions: minutes between chimes (default 15; 0 for none).",
        ),
        click.option("--guided", is_flag=True, help="Massage: slow the breath gently, as relax sessions do."),
        click.option("--name", default=None, help="A first name, for scripts that greet the listener by name."),
        click.option(
            "--seed",
            type=click.IntRange(0, 2**63 - 1),
            default=0,
            show_default=True,
            help="The same options and seed give the same bytes.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _options(kw: dict):
    """SessionOptions from the session options' values (all of them, by name)."""
    from .session import SessionOptions

    values = {k: v for k, v in kw.items() if k != "no_narration"}
    return SessionOptions(**values, narration=not kw["no_narration"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="companion")
@click.option("--debug", is_flag=True, help="Show the full traceback when something goes wrong.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Calm guided-relaxation audio, made offline on your own machine.

    \b
    Examples:
      companion render --energy low -o rest.mp3
      companion plan --energy medium --minutes 10
      companion scripts list
    """
    ctx.obj = {"debug": debug}


@cli.command()
@session_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
def plan(as_json: bool, **kw) -> None:
    """Show the session plan (no audio is written).

    \b
    Example:
      companion plan --energy low --minutes 6 --json
    """
    from .session import prepare

    _, _, session = prepare(_options(kw))
    if as_json:
        click.echo(json.dumps(session.to_json(), indent=1, ensure_ascii=False))
        return
    click.echo(_describe(session))


def _describe(session) -> str:
    p = session.profile
    sr = session.sample_rate
    lines = [
        f"{session.script_title} ({session.script_name}): {p.energy.value} energy, {session.duration_s / 60:.2f} min",
        f"breathing: {p.start_rate:g}/min settling, easing towards {p.target_rate:g}/min "
        f"(never below {p.floor_rate:g}); {len(session.breaths)} breaths, out-breath {p.exhale_ratio:g}x the in-breath",
    ]
    if session.dropped_optional:
        lines.append(f"{session.dropped_optional} optional line(s) left out to fit the time")
    section = None
    for e in session.narration:
        if e.section != section:
            section = e.section
            lines.append(f"== {section}")
        m, s = divmod(e.start / sr, 60)
        lines.append(f"  {int(m):2d}:{s:04.1f}  {e.text}")
    if not session.narration:
        lines.append("no narration: breath tone and ambience only")
    return "\n".join(lines)


@cli.command()
@session_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    metavar="FILE",
    help="Where to write: .wav .flac .ogg or .mp3.",
)
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
def render(output: Path, yes: bool, **kw) -> None:
    """Write the session to an audio file (format from the suffix).

    \b
    Examples:
      companion render --energy low -o rest.mp3
      companion render --energy high --minutes 20 --ambience brown -o evening.flac
    """
    from .session import check_output_path, prepare, render_to_file

    check_output_path(output)  # fail before any synthesis
    opts = _options(kw)
    _confirm_safety(opts, yes)
    _, _, session = prepare(opts)
    _before_breathing(session.profile)
    render_to_file(session, output)
    click.echo(f"Wrote {output} ({session.duration_s / 60:.2f} min, {session.script_title}).")
    if opts.mode == "caregiver":  # the safety notes travel with the file
        from .safety import SAFETY_SCREEN
        from .sinks import write_text_atomically

        notes = output.with_suffix(".txt")
        write_text_atomically(notes, SAFETY_SCREEN)
        click.echo(f"The safety notes are beside it, in {notes}.")


STOP_RULE = (
    "While you listen: if you feel dizzy, tingly, short of air or find yourself straining, "
    "stop following the tone and return to your own easy breathing."
)


def _confirm_safety(opts, yes: bool) -> None:
    """Before a caregiver's massage: show the safety notes and ask for one confirmation."""
    import sys

    from .errors import BadInput
    from .safety import SAFETY_SCREEN

    if opts.mode != "caregiver":
        return
    click.echo(SAFETY_SCREEN)
    if yes:
        return
    if not sys.stdin.isatty():
        raise BadInput("read the safety notes above, then confirm them with --yes")
    if not click.confirm("Have you read these notes, and is it safe to go on?", default=False):
        raise BadInput("not confirmed; nothing was made. Check with the care team if you are unsure")


def _before_breathing(p) -> None:
    """The stop rule, shown before every breathing session, and any pace we adjusted."""
    if p.breath_rate is not None and p.start_rate > p.breath_rate:
        why = "breathless pacing" if p.breathless else "low energy"
        click.echo(
            f"Note: the tone starts at {p.start_rate:g} breaths a minute, not {p.breath_rate:g}: "
            f"with {why} it never paces slower than {p.floor_rate:g}."
        )
    click.echo(STOP_RULE)


@cli.command()
@session_options
@click.option("--device", metavar="NAME|INDEX", default=None, help="Sound output (see 'companion devices').")
@click.option("--quiet", is_flag=True, help="No view on screen: sound only.")
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
@click.pass_context
def play(ctx: click.Context, device: str | None, quiet: bool, yes: bool, **kw) -> None:
    """Play the session on the sound card, with gentle controls.

    \b
    Keys while playing (each acts through a short fade):
      space   pause / go on          + / -   volume
      e       five more minutes      q, Esc  end gently (Ctrl-C too)

    \b
    Example:
      companion play --energy low --minutes 6
    """
    import sys

    from .player import DeviceOutput, Player
    from .sinks import NoDevice

    opts = _options(kw)
    try:
        output = DeviceOutput(44100, device=_device(device))
    except NoDevice as exc:
        raise NoDevice(f"{exc}; write a file instead: {_render_hint(ctx, kw)}") from None
    _confirm_safety(opts, yes)
    player = Player(opts, output)
    # From here on Ctrl-C goes to the player: the first ends gently, a second at once.
    # The handler stays until the process ends, so a late second press is harmless too.
    # SIGTERM is treated as Ctrl-C: a gentle end, then exit 130.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: player.interrupt())
    _before_breathing(player.profile)
    view = None
    if not quiet:
        from .view import PlainView, RichView

        view = RichView() if sys.stdout.isatty() else PlainView()
    if sys.stdin.isatty():
        from .keys import TerminalKeys

        with TerminalKeys(player.send):
            code = player.run(view)
    else:
        code = player.run(view)
    if player.lengthened_to:
        click.echo(
            f"Note: the words needed more time than asked; the session grew to {player.lengthened_to} minutes.",
            err=True,
        )
    if player.status.underruns:
        click.echo(f"Note: the sound card ran dry {player.status.underruns} time(s).", err=True)
    if code or player.interrupts:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the session is over: let one more press pass
        raise Interrupted("interrupted; the session ended early")
    ctx.exit(0)


def _device(spec: str | None) -> int | str | None:
    return int(spec) if spec is not None and spec.isdigit() else spec


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
    from .sinks import NoDevice, output_devices

    found = output_devices()
    if not found:
        raise NoDevice("there is no sound output on this machine; use 'companion render -o FILE'")
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
    from .library import builtin_scripts

    items = builtin_scripts()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"name": s.name, "title": s.title, "energies": list(s.energies), "modes": list(s.modes)}
                    for s in items
                ],
                indent=1,
            )
        )
        return
    width = max(len(s.name) for s in items)
    click.echo(f"{'name':<{width}}  {'energies':<16}  {'modes':<10}  title")
    for s in items:
        click.echo(f"{s.name:<{width}}  {' '.join(s.energies):<16}  {' '.join(s.modes):<10}  {s.title}")


@scripts.command("show")
@click.argument("name")
def scripts_show(name: str) -> None:
    """Print a built-in script's text.

    \b
    Example:
      companion scripts show settling
    """
    from .errors import BadInput
    from .library import builtin_names, scripts_dir

    if name not in builtin_names():
        raise BadInput(f"no script named '{name}'; run 'companion scripts list' to see the names")
    click.echo((scripts_dir() / f"{name}.txt").read_text(encoding="utf-8"), nl=False)


@scripts.command("check")
@click.argument("file", type=click.Path(path_type=Path))
def scripts_check(file: Path) -> None:
    """Check a script file for mistakes (errors name the line).

    \b
    Example:
      companion scripts check my-script.txt
    """
    from .scripts import Entry, claim_warnings, load_script

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
        code = cli.main(args=args, prog_name="companion", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        code = _fail(Interrupted("interrupted; nothing was written"), debug)
    except click.ClickException as exc:
        hint = ""
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            hint = f" (see '{exc.ctx.command_path} --help')"
        click.echo(f"Error: {exc.format_message()}{hint}", err=True)
        code = 2
    except KeyboardInterrupt:
        code = _fail(Interrupted("interrupted; nothing was written"), debug)
    except CompanionError as exc:
        code = _fail(exc, debug)
    sys.exit(code or 0)


def _fail(exc: CompanionError, debug: bool) -> int:
    if debug:
        import traceback

        traceback.print_exception(exc)
    click.echo(f"Error: {exc}", err=True)
    return exc.exit_code


if __name__ == "__main__":
    main()
