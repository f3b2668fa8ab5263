"""Before a pack is made in a recorded voice: the tracks whose phrases the voice has no take
of (the bundled voice says them, as a pack always lets it), named first, as a session's are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from companion.pack.model import Track
from companion.plan.catalogue import resolve_script
from companion.session import Notice, check_options
from companion.timefmt import counted
from companion.voice.phrases import Phrase, numbers_said, unrecorded
from companion.voice.recorded import RecordedVoice


@dataclass(frozen=True)
class Unrecorded:
    """One track's phrases the pack's voice lacks, numbered as its script's recordings are."""

    track: Track
    script: str  # the script's name, for recording exactly those
    energy: str
    lacking: tuple[Phrase, ...]


def unrecorded_tracks(
    voice_name: str | None, tracks: Sequence[Track], voices_folder: Path | None = None
) -> list[Unrecorded]:
    """Each of the pack's tracks (choose_tracks) whose recorded voice (in `voices_folder`, a
    person's; None: the default person's) lacks phrases it says; none for the bundled voice,
    a Piper voice, or a recorded voice with every phrase."""
    if voice_name is None or not RecordedVoice.known(voice_name, voices_folder):
        return []
    voice, found = RecordedVoice(voice_name, voices_folder), []
    for track in tracks:
        profile, script = check_options(track.options)
        original = resolve_script(script.name, profile.energy)  # unnamed: numbered as the recordings are
        lacking = unrecorded(voice, original, profile.energy.value, track.options.name)
        if lacking:
            found.append(Unrecorded(track, script.name, profile.energy.value, tuple(lacking)))
    return found


def unrecorded_notice(voice: str, found: list[Unrecorded], shown: int = 3) -> Notice | None:
    """One line before the pack is made: how many phrases the bundled voice says, and where."""
    if not found:
        return None
    total = sum(len(u.lacking) for u in found)
    where = "; ".join(f"{u.track.short} {numbers_said([p.number for p in u.lacking], 3)}" for u in found[:shown])
    more = f"; and in {counted(len(found) - shown, 'more track')}" if len(found) > shown else ""
    return Notice(
        "voice",
        f"Note: {voice}'s voice has no recording of {counted(total, 'phrase')} the pack's tracks say "
        f"({where}{more}); companion's own voice says them.",
    )
