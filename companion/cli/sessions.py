"""The session commands: plan, render, play and devices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from companion import (
    BadInput,
    DeviceOutput,
    NoDevice,
    SessionOptions,
    SessionPlan,
    check_output_path,
    clock,
    cue_words,
    make_plan,
    make_session,
    no_output_reason,
    output_devices,
    plan_in_step,
)
from companion import render as render_session
from companion.cli.common import (
    ask_to_confirm,
    finish_in_journal,
    play_live,
    show_notice,
    start_in_journal,
)
from companion.cli.options import Device, UserPath, session_options
from companion.cli.options import options as session_options_of
from companion.cli.people import person
from companion.cli.progress import VoiceProgress
from companion.cli.tapping import start_in_step, tap_options, tapped_breath, with_breath
from companion.cli.usual import from_usual


@click.command()
@session_options
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.option("--plot", type=UserPath(), default=None, metavar="FILE.png", help="Also draw the session.")
@click.option("--with-audio", is_flag=True, help="With --plot: the rendered mix's loudness under it.")
@tap_options
def plan(as_json: bool, plot: Path | None, with_audio: bool, tap: bool, taps: str | None, **kw: Any) -> None:
    """Show the session plan (no audio is written); --plot draws it.

    \b
    Examples:
      companion plan --energy low --minutes 6 --json
      companion plan --for massage --minutes 30 --regions back:15,legs:15 --plot massage.png
      companion plan --energy low --taps 0,4,8,12,16 --json
    """
    if with_audio and plot is None:
        raise BadInput("--with-audio goes with --plot FILE.png")
    if plot is not None:
        check_output_path(plot, suffixes=(".png",), field="plot")
    breath = tapped_breath(tap, taps)
    from_usual(kw, tapped=breath is not None, err=as_json)
    options = with_breath(_options(kw), breath)
    with VoiceProgress() as progress:
        if with_audio:
            # made only to be measured, never heard: a caregiver's notes need no confirming here
            session = make_session(options, confirm=lambda notes: True, progress=progress)
            start_in_step(session, breath)
            plan = session.plan
        else:
            plan = make_plan(options, progress=progress)
            plan = plan_in_step(plan, breath.breath_in()) if breath is not None else plan
    if plot is not None:
        from companion import plot_plan, short_term_of_blocks

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
        lines.append(f"  {clock(cue.at / sr, decimals=1):>7}  [{cue_words(cue)}]")
    return "\n".join(lines)


@click.command()
@session_options
@click.option(
    "-o",
    "--output",
    type=UserPath(),
    required=True,
    metavar="FILE",
    help="Where to write: .wav .flac .ogg .opus or .mp3.",
)
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
def render(output: Path, yes: bool, **kw: Any) -> None:
    """Write the session to an audio file (format from the suffix).

    Its words go beside it as timed captions (WebVTT, rest.vtt beside rest.mp3), for a
    player that shows them while it plays.

    \b
    Examples:
      companion render --energy low -o rest.mp3
      companion render --energy high --minutes 20 --ambience brown -o evening.flac
    """
    check_output_path(output, field="output")  # fail before any synthesis
    from_usual(kw)
    with VoiceProgress() as progress:
        session = make_session(_options(kw), confirm=ask_to_confirm(yes), notify=show_notice, progress=progress)
    written = render_session(session, output)
    click.echo(f"Wrote {written.path} ({session.plan.duration_s / 60:.2f} min, {session.plan.script_title}).")
    if written.captions is not None:
        click.echo(f"Its words, timed as they are spoken, are beside it in {written.captions}.")
    if written.notes is not None:
        click.echo(f"The safety notes are beside it, in {written.notes}.")


@click.command()
@session_options
@click.option(
    "--device", type=Device(), metavar="NAME|INDEX", default=None, help="Sound output (see 'companion devices')."
)
@click.option("--quiet", is_flag=True, help="No view on screen: sound only.")
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
@click.option("--ask", is_flag=True, help="Ask how you feel before and after, for the comfort journal.")
@tap_options
@click.pass_context
def play(
    ctx: click.Context,
    /,
    device: int | str | None,
    quiet: bool,
    yes: bool,
    ask: bool,
    tap: bool,
    taps: str | None,
    **kw: Any,
) -> None:
    """Play the session on the sound card, with gentle controls.

    \b
    Keys while playing (each acts through a short fade):
      space   pause / go on          + / -   volume
      e       five more minutes      q, Esc  end gently (Ctrl-C too)
      t       tap once as each breath in begins: after four, the tone follows

    \b
    Examples:
      companion play --energy low --minutes 6
      companion play --energy low --tap
    """

    try:
        output = DeviceOutput(device=device)
    except NoDevice as exc:
        raise NoDevice(f"{exc}; write a file instead: {_render_hint(ctx, kw)}") from None
    breath = tapped_breath(tap, taps)
    from_usual(kw, tapped=breath is not None)
    options = with_breath(_options(kw), breath)
    # the tone starts at once; a voice still to be made is synthesised while it plays
    session = make_session(options, confirm=ask_to_confirm(yes), wait_for_voice=False, notify=show_notice)
    rate = breath.breath.rate if breath is not None else None
    journal_id = start_in_journal(session, ask, breath_rate=rate) if ask else None
    start_in_step(session, breath, output)
    result = play_live(session, output, quiet)
    if journal_id is not None:
        finish_in_journal(journal_id, result, tap_after=breath is not None)
    ctx.exit(result.exit_code)  # 130 after Ctrl-C or SIGTERM, as promised; the line above said how long it played


def _render_hint(ctx: click.Context, kw: dict[str, Any]) -> str:
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


@click.command()
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


def _options(kw: dict[str, Any]) -> SessionOptions:
    """The session's options; a recorded voice named is the person's own (--person)."""
    options = session_options_of(kw)
    if options.voice is not None:
        options.voices_folder = person(made=False).voices_folder
    return options
