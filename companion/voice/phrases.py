"""Which phrases a recorded voice needs: the rules the pages and the command line show.

A script's phrases are numbered from 1 over every energy level (the numbers a person names
their recordings by, 001.m4a ...). A session speaks only its own energy level's phrases, so
those come first: a tired listener's low-energy session needs far fewer than the script has.
A phrase the voice has no take of is said by the bundled voice when the session lets it fill
in: `unrecorded` names those before anything plays.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from companion.plan.scripts import Script, personalise
from companion.timefmt import counted
from companion.voice.recorded import RecordedVoice, script_phrases


@dataclass(frozen=True)
class Phrase:
    number: int  # from 1, over every energy level of the script
    text: str


def numbered(script: Script, name: str | None = None) -> list[Phrase]:
    """Every phrase of the script, numbered as its recordings are named."""
    return [Phrase(i, text) for i, text in enumerate(script_phrases(script, name), start=1)]


def split_by_energy(script: Script, energy: str, name: str | None = None) -> tuple[list[Phrase], list[Phrase]]:
    """The phrases a session at `energy` speaks, and the rest (spoken only at other levels)."""
    spoken = set(personalise(script, name).phrases_for(energy)) if energy in script.energies else set()
    every = numbered(script, name)
    return [p for p in every if p.text in spoken], [p for p in every if p.text not in spoken]


def walk_order(
    script: Script, energy: str | None = None, name: str | None = None, only: Collection[int] | None = None
) -> list[int]:
    """The numbers to record, in order: `energy`'s own phrases first (with an energy), then
    the rest; with `only`, just those numbers."""
    if energy is None:
        order = [p.number for p in numbered(script, name)]
    else:
        first, rest = split_by_energy(script, energy, name)
        order = [p.number for p in first + rest]
    return [n for n in order if only is None or n in only]


def unrecorded(voice: RecordedVoice, script: Script, energy: str, name: str | None = None) -> list[Phrase]:
    """The phrases a session of `script` at `energy` speaks that `voice` has no take of: the
    bundled voice says them when it fills in. None when the voice has every one."""
    spoken, _ = split_by_energy(script, energy, name)
    return [p for p in spoken if not voice.has(p.text)]


def numbers_said(numbers: Sequence[int], shown: int = 6) -> str:
    """Phrase numbers as their recordings are named: "003, 007 and 12 more"."""
    listed = ", ".join(f"{n:03d}" for n in numbers[:shown])
    return listed + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")


def filled_in_words(voice: str, numbers: Sequence[int]) -> str:
    """The one line said before a session in a recorded voice that lacks phrases plays."""
    return (
        f"Note: {voice}'s voice has no recording of {counted(len(numbers), 'phrase')} this session says "
        f"({numbers_said(numbers)}); companion's own voice says them."
    )
