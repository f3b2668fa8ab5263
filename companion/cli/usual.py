"""A person's usual choices on the command line (issue 33): play, render, plan, today and
pack start from them for each option not given, and say so in one line ("Ada's usual: low
energy, 10 minutes"). Nothing changes them but `people prefer`, so a run's defaults stay
the defaults for anyone who has kept none."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click
from click.core import ParameterSource

from companion import CAREGIVER, MASSAGE, Preferences, preferences
from companion.cli.people import person, whose

SESSION = ("energy", "minutes", "ambience", "breath_rate", "voice")  # what a session command takes


def from_usual(
    kw: dict[str, Any], names: Iterable[str] = SESSION, tapped: bool = False, err: bool = False
) -> Preferences:
    """Fill `kw` (the command's values by name) from the person's usual choices, where an option
    was not given (or the command has no such option: a key of `kw` that is no parameter), and
    say which were used (on standard error with `err`, beside JSON). The breath tapped now
    (`tapped`) is the rate, not the usual one. The choices used, as Preferences."""
    context = click.get_current_context()
    mode = kw.get("mode")  # none: today and pack, relax sessions
    someone = person(made=False)
    usual = preferences(someone)
    used: dict[str, Any] = {}
    for name in names:
        value = getattr(usual, name)
        if value is None or name not in kw or not _fits(name, value, mode):
            continue
        if context.get_parameter_source(name) not in (None, ParameterSource.DEFAULT):
            continue  # given on the command line: that wins
        if name == "breath_rate" and tapped:
            continue
        kw[name] = used[name] = value
    chosen = Preferences(**used)
    if used:
        click.echo(f"{whose(someone)} usual: {chosen.said}.", err=err)
    return chosen


def _fits(name: str, value: Any, mode: str | None) -> bool:
    """A relax session takes every usual choice; a therapist's track its length (where it is one
    long enough for a massage), bed, pace and voice; a caregiver's its bed and voice (its length
    and pace are the part's)."""
    if mode not in (MASSAGE.name, CAREGIVER.name):
        return True
    if mode == MASSAGE.name:
        return name != "energy" and (name != "minutes" or value >= MASSAGE.least_minutes)
    return name in ("ambience", "voice")
