"""Before a session in a recorded voice plays or is made: the phrases the voice has no take
of, which the bundled voice would say (the library's rule, voice/phrases.py), named on a page
that offers to record exactly those, or to go on anyway."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from companion.options import SessionOptions
from companion.plan.catalogue import resolve_script
from companion.session import check_options
from companion.voice.phrases import unrecorded
from companion.voice.recorded import RecordedVoice


def unrecorded_before_playing(options: SessionOptions) -> dict[str, Any] | None:
    """What the page shows: the voice, the phrases it lacks for this session, and the
    recording walk's address for exactly those; None when nothing would be filled in."""
    if options.voice is None or not RecordedVoice.known(options.voice):
        return None
    profile, script = check_options(options)
    original = resolve_script(script.name, profile.energy)  # unnamed: numbered as the recordings are
    lacking = unrecorded(RecordedVoice(options.voice), original, profile.energy.value, options.name)
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
