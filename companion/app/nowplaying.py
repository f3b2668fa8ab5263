"""What the now-playing view sends while a session plays in the page (issue 36, point 2):
where its audio is (so the stream stays a little ahead of it: following.py), and taps on
its circle, which re-time the rest of the tone. The page times the taps itself and sends
the intervals, the time since the last tap and where the audio was as it sent them, so
neither the network's delay nor the server's clock enters the breath's phase."""

from __future__ import annotations

import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from companion import BadInput, TapAgain
from companion.app.faults import answer
from companion.app.sessions import heard_here
from companion.app.tapping import tapped_from
from companion.app.web import number, words

LONGEST_S = 24 * 3600.0  # no session is longer
NOT_PLAYING = "The tone follows your taps while the sound plays: press Play, then tap."
FOLLOWING = "{}. The tone will follow within two breaths."
FOLLOWING_LATER = "{}. The tone will follow {}."  # after a seek back: the player holds what comes first
FOLLOWING_MADE = "{}. The tone will follow as soon as the rest of the session is made."
SOON_S = 10.0  # a re-timing heard later than this after the tap is said so
PAGE = re.compile(r"[A-Za-z0-9]{1,32}")


def _when(seconds: float) -> str:
    if seconds < 90:
        return f"in about {round(seconds / 10) * 10:g} seconds"
    return f"in about {round(seconds / 60):g} minutes"


def _where(form: FormData) -> tuple[float, bool, int | None, str | None]:
    """Where the page's audio was (session seconds), whether it was playing, the report's
    number (the page counts them: reports can overtake one another on the way), and which
    page sent it (a page opened again counts from the start)."""
    position = number(form, "position", 0.0, LONGEST_S)
    if position is None:
        raise BadInput("where the sound is was not sent", field="position")
    count = number(form, "report", 0, 2**31)
    page = form.get("page")
    if page is not None and (not isinstance(page, str) or not PAGE.fullmatch(page)):
        raise BadInput("the page's name is letters and digits", field="page")
    return position, form.get("playing") == "yes", None if count is None else int(count), page


async def playhead(request: Request) -> Response:
    """The page's audio is here now (play, pause, a seek, now and then while it plays); the
    guide's new breaths when this report moved them (taps before Play, placed from it)."""
    heard = heard_here(request)
    form = await request.form()
    try:
        position, playing, count, page = _where(form)
    except BadInput as exc:
        return answer(request, 400, words(exc))
    said: dict[str, Any] = {"kept": True, "breaths": None}
    following = heard.following
    if following is not None and await run_in_threadpool(following.report, position, playing, count, page):
        said["breaths"] = heard.breaths = following.breaths() or heard.breaths  # the first rise placed at Play
    return JSONResponse(said)


def _following(rate_words: str, follows_in: float | None) -> str:
    """What the page says of a tap that re-timed the tone: within two breaths, or honestly later."""
    rate = rate_words[:1].upper() + rate_words[1:]
    if follows_in is None:
        return FOLLOWING_MADE.format(rate)
    if follows_in > SOON_S:
        return FOLLOWING_LATER.format(rate, _when(follows_in))
    return FOLLOWING.format(rate)


async def follow_taps(request: Request) -> Response:
    """Taps on the playing circle: the library's words for them, and, once they give a breath
    while the sound plays, the rest of the tone re-timed to it (and the guide's new breaths)."""
    heard = heard_here(request)
    form = await request.form()
    try:
        found = tapped_from(form)
        position, playing, count, page = _where(form)
    except BadInput as exc:
        return answer(request, 400, words(exc))
    said: dict[str, Any] = {"rate": None, "said": "", "again": False, "breaths": None}
    following = heard.following
    if isinstance(found, TapAgain):
        said.update(said=found.message, again=True)
    elif found is None:
        pass
    elif following is None or not playing:
        said.update(said=NOT_PLAYING)
    else:
        await run_in_threadpool(following.report, position, playing, count, page)
        try:  # a breath in on the session's clock: the taps' phase, where the audio was as they were sent
            await run_in_threadpool(following.follow, position + found.anchor_s, found.rate)
        except BadInput as exc:
            return JSONResponse({**said, "said": words(exc), "again": True})
        said.update(rate=round(found.rate, 2), said=_following(found.words, following.follows_in()))
        said["breaths"] = heard.breaths = following.breaths() or heard.breaths  # a page opened again draws these
    return JSONResponse(said)
