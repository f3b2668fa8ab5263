"""Where the app opens, and the question it asks the first time: who is using it (see
roles.py for where the answer is kept and what it changes)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from companion.app.roles import ROLE_WORDS, ROLES, SKIPPED, home_of, role_of, set_role
from companion.app.web import back_to, chosen, page


async def home(request: Request) -> Response:
    """The person's first page; the question, the first time."""
    return back_to(home_of(role_of(request)))


async def who(request: Request) -> Response:
    """Who uses the app on this device: asked once, changed here at any time, never needed."""
    role = role_of(request)
    shown: dict[str, Any] = {
        "roles": ROLES,
        "role": role,
        "role_words": ROLE_WORDS.get(role or ""),
        "first_time": role is None,
    }
    if request.method == "GET":
        return page(request, "who.html", **shown)
    form = await request.form()
    answer = chosen(form, "role", tuple(ROLES)) if form.get("action") != "skip" else None
    set_role(request, answer or SKIPPED)
    return back_to(home_of(answer or SKIPPED))
