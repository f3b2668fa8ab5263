"""What the now-playing view sends while a session plays in the page (issue 36, point 2):
where its audio is (so the stream stays a little ahead of it: following.py), and taps on
its circle, which re-time the rest of the tone. The page times the taps itself and sends
the intervals, the time since the last tap and where the audio was as it sent them, so
neither the network's delay nor the server's clock enters the breath's phase."""

from __future__ import annotations

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


def _where(form: FormData) -> tuple[float, bool, int | None]:
    """Where the page's audio was (session seconds), whether it was playing, and the report's
    number (the page counts them: reports can overtake one another on the way)."""
    position = number(form, "position", 0.0, LONGEST_S)
    if position is None:
        raise BadInput("where the sound is was not sent", field="position")
    count = number(form, "report", 0, 2**31)
    return position, form.get("playing") == "yes", None if count is None else int(count)


async def playhead(request: Request) -> Response:
    """The page's audio is here now (play, pause, a seek, now and then while it plays); the
    guide's new breaths when this report moved them (taps before Play, placed from it)."""
    heard = heard_here(request)
    form = await request.form()
    try:
        position, playing, count = _where(form)
    except BadInput as exc:
        return answer(request, 400, words(exc))
    said: dict[str, Any] = {"kept": True, "breaths": None}
    following = heard.following
    if following is not None and await run_in_threadpool(following.report, position, playing, count):
        said["breaths"] = heard.breaths = following.breaths() or heard.breaths  # the first rise placed at Play
    return JSONResponse(said)


async def follow_taps(request: Request) -> Response:
    """Taps on the playing circle: the library's words for them, and, once they give a breath
    while the sound plays, the rest of the tone re-timed to it (and the guide's new breaths)."""
    heard = heard_here(request)
    form = await request.form()
    try:
        found = tapped_from(form)
        position, playing, count = _where(form)
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
        await run_in_threadpool(following.report, position, playing, count)
        try:  # a breath in on the session's clock: the taps' phase, where the audio was as they were sent
            await run_in_threadpool(following.follow, position + found.anchor_s, found.rate)
        except BadInput as exc:
            return JSONResponse({**said, "said": words(exc), "again": True})
        said.update(rate=round(found.rate, 2), said=FOLLOWING.format(found.words[:1].upper() + found.words[1:]))
        said["breaths"] = heard.breaths = following.breaths() or heard.breaths  # a page opened again draws these
    return JSONResponse(said)
