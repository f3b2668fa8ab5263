"""The session options every command shares, declared once: their defaults come from
SessionOptions and their ranges from the library's own limits."""

from __future__ import annotations

import click

from companion.modes import MASSAGE, MODES, PART_NAMES
from companion.options import AMBIENCES, DEFAULT_CHIME_EVERY, SessionOptions
from companion.plan.profile import MAX_BREATH_RATE, MAX_MINUTES, MIN_BREATH_RATE, MIN_MINUTES, PACING, Energy

DEFAULTS = SessionOptions()  # every default below comes from here
BY_ENERGY_MINUTES = " / ".join(f"{p.default_minutes:g}" for p in PACING.values())


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
            type=click.Choice([e.value for e in Energy]),
            default=DEFAULTS.energy,
            show_default=True,
            help="How much energy the listener has today.",
        ),
        click.option(
            "--minutes",
            type=FiniteFloat(MIN_MINUTES, MAX_MINUTES),
            default=None,
            help=f"Session length, {MIN_MINUTES:g} to {MAX_MINUTES:g} minutes (default by energy: {BY_ENERGY_MINUTES}; "
            f"massage {MASSAGE.minutes:g}, at least {MASSAGE.least_minutes:g}).",
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
            help=f"Your own breaths per minute ({MIN_BREATH_RATE:g} to {MAX_BREATH_RATE:g}): the pace starts there.",
        ),
        click.option("--breathless", is_flag=True, help="Breathlessness-safe pacing (never below 8/min)."),
        click.option(
            "--exhale-ratio",
            type=FiniteFloat(1.0, 2.0),
            default=DEFAULTS.exhale_ratio,
            show_default=True,
            help="How much longer each out-breath is than the in-breath (1 to 2).",
        ),
        click.option(
            "--voice",
            metavar="NAME|FILE",
            default=None,
            help="'joe' (bundled, default), a recorded voice (see 'companion voice list') or a Piper .onnx file.",
        ),
        click.option(
            "--fill-with-tts", is_flag=True, help="A recorded voice: the bundled voice says the phrases it lacks."
        ),
        click.option("--no-narration", is_flag=True, help="Tones and ambience only."),
        click.option(
            "--ambience",
            type=click.Choice(AMBIENCES),
            default=DEFAULTS.ambience,
            show_default=True,
            help="The soft noise bed under the tone.",
        ),
        click.option(
            "--for",
            "mode",
            type=click.Choice(list(MODES)),
            default=DEFAULTS.mode,
            show_default=True,
            help="relax; massage (a therapist's track); caregiver (a guided hand or foot massage).",
        ),
        click.option(
            "--part",
            type=click.Choice(PART_NAMES),
            default=None,
            help=f"Caregiver: {' or '.join(PART_NAMES)} (default {PART_NAMES[0]}).",
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
            help=f"Massage without regions: minutes between chimes, 5 to 60 "
            f"(default {DEFAULT_CHIME_EVERY:g}; 0 for none).",
        ),
        click.option("--mono", is_flag=True, help="One channel, for a single speaker (default: stereo, the bed wide)."),
        click.option("--guided", is_flag=True, help="Massage: slow the breath gently, as relax sessions do."),
        click.option(
            "--name", default=None, help="A first name (up to 40 letters), for scripts that greet the listener by name."
        ),
        click.option(
            "--seed",
            type=click.IntRange(0, 2**63 - 1),
            metavar="INTEGER",
            default=DEFAULTS.seed,
            help="Any whole number from 0: the same options and seed give the same bytes.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def options(kw: dict) -> SessionOptions:
    """SessionOptions from the session options' values (all of them, by name)."""
    values = {k: v for k, v in kw.items() if k != "no_narration"}
    return SessionOptions(**values, narration=not kw["no_narration"])
