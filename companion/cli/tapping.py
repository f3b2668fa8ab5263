"""Tap along before a session: the space bar once as each breath in begins (`--tap`), or the
tap times given (`--taps`, for scripts); the library finds the rate and where the next breath
in falls, and the session's tone starts there."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from companion import (
    MIN_TAPS,
    BadInput,
    DeviceOutput,
    Session,
    SessionOptions,
    TapAgain,
    TappedBreath,
    breath_from_taps,
)
from companion.cli.asking import can_ask, heading, keys_mode, read_key

F = TypeVar("F", bound=Callable[..., Any])
ENOUGH = 8  # taps: the rate is taken at once after these, without waiting for Enter


def tap_options(f: F) -> F:
    f = click.option(
        "--taps",
        metavar="SECONDS,...",
        default=None,
        help="The times of taps (seconds, one a breath in), as from a script: the tone starts at their pace.",
    )(f)
    return click.option(
        "--tap",
        is_flag=True,
        help="Before it starts, tap the space bar once as each breath in begins: the tone starts at that pace.",
    )(f)


@dataclass(frozen=True)
class Tapped:
    breath: TappedBreath
    live: bool  # tapped here and now (the monotonic clock), not given as times

    def breath_in(self, latency_s: float = 0.0) -> float:
        """Seconds from a sound starting now (given times: at their last tap) to the next breath
        in; `latency_s`, the sound card's delay from now to that sound being heard."""
        if not self.live:
            return self.breath.breath_in_at(self.breath.last_s)
        return self.breath.breath_in_at(time.monotonic() + latency_s)


def tapped_breath(tap: bool, taps: str | None) -> Tapped | None:
    """The breath from the taps given (`--taps`: the sound starts at the last), or tapped here
    (`--tap` on a terminal); None when neither, or when the person skips tapping."""
    if taps is not None:
        return _given(taps)
    if not tap:
        return None
    if not can_ask():
        raise BadInput("tapping along needs a terminal; give the tap times instead", field="taps")
    return _tap_on_the_terminal()


def breath_for_a_dry_run(tap: bool, taps: str | None, err: bool = False) -> Tapped | None:
    """A dry run asks nothing to be tapped: tap times given (`--taps`) are taken as the real run
    takes them; `--tap` alone is said to wait for the real run, in one line."""
    if taps is not None:
        return _given(taps, "The tone would start at that pace, in step.")
    if tap:
        click.echo("A dry run asks for no taps: you tap along when it plays (or give their times: --taps).", err=err)
    return None


def with_breath(options: SessionOptions, tapped: Tapped | None) -> SessionOptions:
    """The options with the tapped rate as the listener's own (one way to give it, not two)."""
    if tapped is None:
        return options
    if options.breath_rate is not None:
        raise BadInput("give your own breathing rate or tap along, not both", field="breath_rate")
    options.breath_rate = tapped.breath.rate
    return options


def start_in_step(session: Session, tapped: Tapped | None, output: DeviceOutput | None = None) -> None:
    """Just before it plays: the tone's first rise where the next breath in is expected, when
    heard through `output` (its stream's own delay, as it reports it)."""
    if tapped is None:
        return
    latency = output.latency_s(session.profile.channels) if output is not None and tapped.live else 0.0
    session.in_step(tapped.breath_in(latency))


def _given(text: str, then: str = "The tone starts at that pace, in step.") -> Tapped:
    try:
        times = [float(part) for part in text.split(",")]
    except ValueError:
        what = f"the tap times are seconds with commas between, like 0,4,8,12, not '{text}'"
        raise BadInput(what, field="taps", value=text) from None
    found = breath_from_taps(times)
    if isinstance(found, TapAgain):
        raise BadInput(found.message, field="taps", value=text)
    _say(found, then)
    return Tapped(found, live=False)


def tap_once_more() -> float | None:
    """After a session begun from taps: the breath now, tapped once more for the journal (Esc
    skips); its rate, or None."""
    found = _tap_on_the_terminal("Your breath now, for the journal (optional)", **FOR_THE_JOURNAL)
    return None if found is None else found.breath.rate


def rate_for_the_journal(tap: bool, taps: str | None) -> float | None:
    """The breaths a minute to keep in the journal: from the tap times given (`--taps`), or
    tapped here (`--tap`, on a terminal); None when neither, or when tapping is skipped."""
    if taps is not None:
        return _given(taps, FOR_THE_JOURNAL["then"]).breath.rate
    if not tap:
        return None
    if not can_ask():
        raise BadInput("tapping along needs a terminal; give the tap times instead", field="taps")
    found = _tap_on_the_terminal("Tap along with the breath, for the journal", **FOR_THE_JOURNAL)
    return None if found is None else found.breath.rate


# the words of tapping for the journal alone, where no tone starts
FOR_THE_JOURNAL = {"then": "", "skipped": "Skipped: no rate is kept."}


def _tap_on_the_terminal(
    title: str = "Tap along with the breath",
    then: str = "The tone starts at that pace, in step.",
    skipped: str = "Skipped: the tone starts at the usual pace.",
) -> Tapped | None:
    heading(title)
    click.echo("  Tap the space bar once as each breath in begins: yours, or the breath you are watching.")
    click.echo(f"  A few breaths will do ({MIN_TAPS} at least), then Enter when done. Before any tap, Enter skips.")
    with keys_mode():
        while True:
            found = _one_try(skipped)
            if not isinstance(found, TapAgain):
                if found is None:
                    return None
                _say(found, then)
                return Tapped(found, live=True)
            click.echo(f"\n  {found.message}")


def _one_try(skipped: str) -> TappedBreath | TapAgain | None:
    """Taps until Enter (or ENOUGH); a rate outside what a person breathes is said, then tapped again."""
    taps: list[float] = []
    while True:
        key = read_key()
        if key == "\x1b" or (key in ("\r", "\n") and not taps):
            click.echo(f"\n  {skipped}")
            return None
        if key == " ":
            taps.append(time.monotonic())
            click.echo(" ●", nl=False)
        done = key in ("\r", "\n") or len(taps) >= ENOUGH
        if not done:
            continue
        if len(taps) < MIN_TAPS:
            click.echo(f"\n  {MIN_TAPS - len(taps)} more tap(s), please.")
            continue
        try:
            return breath_from_taps(taps)
        except BadInput as exc:
            click.echo(f"\n  {exc.message}. Please tap again.")
            taps = []


def _say(found: TappedBreath, then: str) -> None:
    """On stderr: a plan's JSON on stdout stays one object."""
    click.echo(err=True)
    click.secho(f"  Tapped: {found.words}." + (f" {then}" if then else ""), bold=True, err=True)
