"""Many listeners in the app (issue 33): whose page this is, and the picker that changes it.

Every page names the person it is for in the bar at the top; tapping the name lists the
others, and one more tap chooses. The choice is this browser's (a cookie), so the carer's
phone can show Ada while this computer shows Bea. A paired phone the owner has limited to
one person (on the Devices page) is for that person alone: it is offered no other, a choice
it sends is refused, and should that person be removed it sees nobody's data. This computer
also adds, renames and removes people, and takes one person's record as a .zip, on the
People page (this computer only, as the Devices page is)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from companion import BadInput, export_person, file_safe, preferences
from companion.app.jobs import off_the_loop
from companion.app.web import back_to, page, state_of, words
from companion.app.whose import CHOSEN_COOKIE, NotYours, limit_of

CHOSEN_DAYS = 365


async def choose(request: Request) -> Response:
    """The picker's choice: this browser's pages are for that person from now on."""
    form = await request.form()
    store = state_of(request).people
    wanted = str(form.get("person") or "")
    person = store.by_id(wanted)
    if person is None or (limit_of(request) not in (None, wanted)):
        raise NotYours("no such person")
    back = str(form.get("back") or "/")
    back = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        CHOSEN_COOKIE, person.id, max_age=CHOSEN_DAYS * 86400, httponly=True, samesite="strict", path="/"
    )
    return response


# -- the People page (this computer only) -------------------------------------------------
async def people_page(request: Request) -> Response:
    store = state_of(request).people
    if request.method == "GET":
        return _shown(request, done=request.query_params.get("done"))
    form = await request.form()
    action = str(form.get("action") or "")
    try:
        if action == "add":
            added = store.add(str(form.get("name") or ""))
            return back_to(f"/people?done=added-{added.id}")
        if action == "rename":
            store.rename(str(form.get("person") or ""), str(form.get("name") or ""))
            return back_to("/people?done=renamed")
        if action == "default":
            store.make_default(str(form.get("person") or ""))
            return back_to("/people?done=default")
    except BadInput as exc:
        return _shown(request, 400, error=words(exc))
    raise BadInput("choose what to do: add, rename or make default", field="action", value=action)


async def remove_page(request: Request) -> Response:
    """One confirmation, then one person and everything of theirs forgotten."""
    store = state_of(request).people
    person = store.by_id(request.path_params["person"])
    if person is None:
        raise NotYours("no such person")
    if request.method == "GET":
        return page(request, "person-remove.html", someone=person)
    store.forget(person.id)
    return back_to("/people?done=removed")


async def export(request: Request) -> Response:
    """One person's whole record as a .zip, made off the event loop."""
    state = state_of(request)
    person = state.people.by_id(request.path_params["person"])
    if person is None:
        raise NotYours("no such person")
    folder = Path(tempfile.mkdtemp(dir=state.work))
    path = folder / f"{file_safe(person.name)}.zip"
    try:
        await off_the_loop(export_person, person, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    # health data: gone from the app's folder once sent
    return FileResponse(
        path, filename=path.name, media_type="application/zip", background=BackgroundTask(shutil.rmtree, folder)
    )


def _shown(request: Request, status: int = 200, **values: Any) -> Response:
    store = state_of(request).people
    default = store.default()
    everyone = store.list()
    usual = {p.id: preferences(p).said for p in everyone}  # issue 33: each one's usual choices
    return page(request, "people.html", status, people=everyone, default=default, usual=usual, **values)
