"""Tap along on the app's pages (issue 36): a large circle tapped once a breath. The page
measures the taps itself (performance.now(), sent as intervals, so a phone's network delay
does not matter); the rule and its words are the library's (breath_from_intervals)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from companion import BadInput, SessionOptions, TapAgain, TappedBreath, breath_from_intervals
from companion.app.faults import answer
from companion.app.web import words

MAX_FIELD = 400  # characters of intervals: far more than the taps the rule looks at


def tapped_from(form: FormData) -> TappedBreath | TapAgain | None:
    """The breath from the page's taps (`tap_intervals`: seconds between taps, `tap_since`:
    seconds from the last tap to the moment the form was sent); None when none were tapped."""
    text = str(form.get("tap_intervals") or "").strip()
    if not text:
        return None
    if len(text) > MAX_FIELD:
        raise BadInput("too many taps were sent; tap again", field="taps", value=text[:40])
    try:
        intervals = [float(x) for x in text.split(",")]
        since = float(str(form.get("tap_since") or "0"))
    except ValueError:
        raise BadInput("the taps could not be read; tap again", field="taps", value=text[:40]) from None
    return breath_from_intervals(intervals, since)


def with_taps(options: SessionOptions, form: FormData) -> tuple[SessionOptions, str | None]:
    """The options with the tapped rate, and the tone's first rise where the next breath in is
    expected (as the form was sent); the words that say so, or None when nothing was tapped.
    Taps that wandered are refused with the library's words (the page asks again)."""
    found = tapped_from(form)
    if found is None:
        return options, None
    if isinstance(found, TapAgain):
        raise BadInput(found.message, field="taps")
    options.breath_rate = found.rate
    options.breath_in_s = found.breath_in_at(0.0)
    return options, f"Tapped: {found.words}; the tone starts at that pace, in step."


async def taps(request: Request) -> Response:
    """What the circle's taps so far say, for the page to show: the rate in words, or a
    request to tap again (the rule is the library's; the page only shows its words)."""
    form = await request.form()
    try:
        found = tapped_from(form)
    except BadInput as exc:
        return answer(request, 400, words(exc))
    said: dict[str, Any] = {"rate": None, "said": "", "again": False}
    if isinstance(found, TapAgain):
        said.update(said=found.message, again=True)
    elif found is not None:
        said.update(rate=round(found.rate, 2), said=found.words[:1].upper() + found.words[1:] + ".")
    return JSONResponse(said)
