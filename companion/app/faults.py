"""One error path for every page. A library error, an address that names nothing and a request
the app cannot take all end here, as the app's own calm page (or JSON, for the pages' own
fetches) with a 4xx or 503 status and what to do next:

- something the person gave (a library error the command line ends with status 2) is 400;
- a file, device or journal that cannot be used now (status 1), or the app stopping, is 503;
- an address that names nothing is 404; a method the address does not take, 405.

A fault of ours (any other exception) is a defect: the person sees a calm page with status
500 and no traceback, and one line starting "Error:" goes to the server's error stream (the
exception's kind and where, never its message, which may hold what was typed), so a test
that watches that stream, or the app's count of faults, fails on it.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from companion import CompanionError
from companion.app.web import PAGES, page, words

PACKAGE = Path(__file__).resolve().parents[1]  # companion/
JSON_PATHS = ("/jobs/",)  # asked for by the pages' own script only
TITLES = {
    400: "That could not be done",
    405: "That could not be done",
    409: "Not yet",
    503: "That cannot be done just now",
    500: "Something went wrong",
}
NOT_HERE = "This is not here: it may be from an earlier time the app was open."  # as missing.html says
FAULT_WORDS = (
    "Something went wrong inside companion, not with anything you did. Please try again; if it "
    "happens again, stop companion (Ctrl-C where it runs) and start it again."
)


def status_of(exc: CompanionError) -> int:
    """Something the person gave is 400 (as the command line's status 2); anything else, a
    file, a device or the journal that cannot be used now, or the app stopping, is 503."""
    return 400 if exc.exit_code == 2 else 503


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith(JSON_PATHS) or ("application/json" in accept and "text/html" not in accept)


def back_for(path: str) -> tuple[str, str]:
    """The page a person goes back to from this address: its own section, else Today."""
    section = "/" + path.lstrip("/").split("/", 1)[0]
    return next(((p, label) for p, label in PAGES if p == section), PAGES[0])


def answer(request: Request, status: int, said: str, **more: Any) -> Response:
    """The one shape of every refusal: JSON for a fetch, else the calm page."""
    if wants_json(request):
        return JSONResponse({"error": said, "status": status}, status)
    if status == 404:
        return page(request, "missing.html", 404)
    back, label = back_for(request.url.path)
    title = TITLES.get(status, TITLES[400])
    return page(request, "problem.html", status, title=title, said=said, back=back, back_label=label, **more)


async def library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CompanionError)
    status = status_of(exc)
    headers = {"retry-after": "10"} if status == 503 else {}
    response = answer(request, status, words(exc))
    response.headers.update(headers)
    return response


async def not_here(request: Request, exc: Exception) -> Response:
    if isinstance(exc, (KeyError, IndexError)):  # a defect of ours, not an address that names nothing
        raise exc
    return answer(request, 404, NOT_HERE)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals: no such address, a method it does not take, a form it cannot read."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        said = "That cannot be done at this address."
    elif exc.status_code == 404:
        said = NOT_HERE
    else:
        said = words(Exception(exc.detail or "that request could not be read"))
    response = answer(request, exc.status_code if exc.status_code < 500 else 400, said)
    response.headers.update(exc.headers or {})
    return response


HANDLERS = {CompanionError: library_error, LookupError: not_here, HTTPException: http_error}


def where(exc: BaseException) -> str:
    """The exception's kind, the last place in companion's own pages it passed through, and
    where it was raised when that is elsewhere (in Starlette, say)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(str(PACKAGE)) and f.filename != __file__]
    place = f" at {Path(ours[-1].filename).relative_to(PACKAGE.parent)}:{ours[-1].lineno}" if ours else ""
    if frames and frames[-1] not in ours:
        place += f" (raised in {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    return f"{type(exc).__name__}{place}"


def quiet_form_parser() -> None:
    """The form parser writes why it cannot read a body (a part of it, even) on the server's
    error stream; the person sees it as a 400 page, and the terminal stays the app's own."""
    parser = logging.getLogger("python_multipart")
    parser.propagate = False
    if not parser.handlers:
        parser.addHandler(logging.NullHandler())


class Faults:
    """The last resort, inside every other handler: a fault of ours becomes the calm page
    (status 500), one line on the error stream, and one more in the app's count of faults
    (`app.state.faults`), which the tests read."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            found = where(exc)
            scope["app"].state.faults.append(found)
            print(f"Error: a page failed inside companion ({found}); the app goes on.", file=sys.stderr, flush=True)
            if not started:  # else the answer is cut short: the browser sees an ended stream
                request = Request(scope)
                await answer(request, 500, FAULT_WORDS)(scope, receive, send)
