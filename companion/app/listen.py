"""The Listen page: a session by kind, energy, length, voice, bed and pace, played in the
page or made as a file. It opens with the page's person's usual choices (issue 33), and a
tick keeps the ones made as their usual (see usual.py)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from companion import SESSION_KINDS as KINDS
from companion import BadInput, options_for_kind
from companion import recorded_voices as list_voices
from companion.app.room import NoRoom
from companion.app.sessions import LENGTHS, play_or_make
from companion.app.tapping import with_taps
from companion.app.unrecorded import unrecorded_before_playing
from companion.app.usual import keep_if_asked, lengths_with, picked_for_listen, usual
from companion.app.web import AMBIENCE_WORDS, DEFAULTS, ENERGIES, chosen, fitted, number, page, state_of, words
from companion.app.whose import person_of


async def listen(request: Request) -> Response:
    someone = person_of(request)
    voices = [v.name for v in list_voices(someone.voices_folder)]
    picked = picked_for_listen(request, voices)  # issue 33: the address's, else the person's usual
    shown: dict[str, Any] = {
        "kinds": KINDS,
        "energies": ENERGIES,
        "lengths": lengths_with(LENGTHS, usual(request).minutes),
        "voices": voices,
        "ambiences": list(AMBIENCE_WORDS.items()),
        "someone": someone,
    }
    if request.method == "GET":
        state_of(request).voicing.ready_it()
        return page(request, "listen.html", picked=picked, **shown)
    form = await request.form()
    try:
        kind = chosen(form, "kind", tuple(KINDS)) or next(iter(KINDS))  # the first is the usual
        voice = chosen(form, "voice", tuple(voices))
        breath_rate = number(form, "breath_rate")  # its range is the library's
        options = options_for_kind(
            kind,
            energy=chosen(form, "energy", tuple(e for e, _ in ENERGIES)) or DEFAULTS.energy,
            minutes=number(form, "minutes"),
            ambience=chosen(form, "ambience", tuple(AMBIENCE_WORDS)) or DEFAULTS.ambience,
            breath_rate=breath_rate,
            voice=voice,
            fill_with_tts=voice is not None,
            name=str(form.get("name") or "").strip() or None,
        )
        options.voices_folder = someone.voices_folder  # a recorded voice is the person's own
        options, tapped = with_taps(options, form)
        options, note = fitted(options)
        note = " ".join(s for s in (tapped, note) if s)
    except BadInput as exc:
        return page(request, "listen.html", 400, error=words(exc), picked=picked, **shown)
    # issue 30, part 6: the phrases a recorded voice lacks are named before anything plays
    missing = unrecorded_before_playing(options) if form.get("anyway") != "yes" else None
    if missing is not None:
        fields = [(k, str(v)) for k, v in form.multi_items() if isinstance(v, str)]
        making = form.get("action") == "download"
        return page(request, "unrecorded.html", missing=missing, fields=fields, again="/listen", making=making)
    kept = keep_if_asked(someone, form, options, breath_rate)  # issue 33: only when ticked
    try:
        return play_or_make(request, form, options, " ".join(s for s in (note, kept) if s))
    except NoRoom as exc:
        return page(request, "listen.html", 503, error=words(exc), picked=picked, **shown)
