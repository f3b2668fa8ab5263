"""Before a session in a recorded voice plays or is made: the phrases the voice has no take
of, which the bundled voice would say (the library's rule, voice/phrases.py), named on a page
that offers to record exactly those, or to go on anyway. A pack in a recorded voice, the same
way, track by track, before it is made."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from companion import (
    PackOptions,
    RecordedVoice,
    SessionOptions,
    check_options,
    choose_tracks,
    resolve_script,
    unrecorded_tracks,
)
from companion import unrecorded_phrases as unrecorded


def unrecorded_before_playing(options: SessionOptions) -> dict[str, Any] | None:
    """What the page shows: the voice, the phrases it lacks for this session, and the
    recording walk's address for exactly those; None when nothing would be filled in."""
    if options.voice is None or not RecordedVoice.known(options.voice, options.voices_folder):
        return None
    profile, script = check_options(options)
    original = resolve_script(script.name, profile.energy)  # unnamed: numbered as the recordings are
    voice = RecordedVoice(options.voice, options.voices_folder)
    lacking = unrecorded(voice, original, profile.energy.value, options.name)
    if not lacking:
        return None
    walk = {
        "voice": options.voice,
        "script": script.name,
        "name": options.name or "",
        "energy": profile.energy.value,
        "only": ",".join(str(p.number) for p in lacking),
    }
    return {"voice": options.voice, "title": script.title, "lacking": lacking, "record": urlencode(walk)}


def unrecorded_before_packing(opts: PackOptions) -> dict[str, Any] | None:
    """The pack's tracks whose recorded voice lacks phrases, each with the recording walk for
    exactly those; None when nothing would be filled in."""
    found = unrecorded_tracks(opts.voice, choose_tracks(opts), opts.voices_folder)
    if not found or opts.voice is None:
        return None
    groups = []
    for u in found:
        walk = {
            "voice": opts.voice,
            "script": u.script,
            "energy": u.energy,
            "only": ",".join(str(p.number) for p in u.lacking),
        }
        groups.append({"title": f"{u.track.group}: {u.track.short}", "lacking": u.lacking, "record": urlencode(walk)})
    return {"voice": opts.voice, "groups": groups, "total": sum(len(u.lacking) for u in found)}
