"""Whose page this is (issue 33): a paired phone limited to one person is for that person
alone; any other browser's pages are for the person it last chose in the picker (a cookie),
while that person is here, else for the default person. Every page that reads or writes a
person's journal, voices or plans asks here, and the bar at the top of every page shows the
answer (see people.py for the picker and the People page)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from companion import People, Person

CHOSEN_COOKIE = "companion-person"  # the person this browser last chose (an id, never a name)


class NotYours(LookupError):
    """A phone limited to one person asked for another, or its person is gone: 'not here'."""


def people_of(request: Request) -> People:
    store: People = request.app.state.companion.people
    return store


def limit_of(request: Request) -> str | None:
    """The person id a paired phone is limited to; None for this computer and other phones."""
    device = request.scope.get("companion.device")
    limit: str | None = getattr(device, "person", None) if device is not None else None
    return limit


def person_of(request: Request) -> Person:
    """Whose page this is (NotYours for a limited phone whose person has been removed)."""
    store = people_of(request)
    limit = limit_of(request)
    if limit is not None:
        person = store.by_id(limit)
        if person is None:
            raise NotYours("the person this device was paired for is no longer here")
        return person
    chosen = request.cookies.get(CHOSEN_COOKIE)
    return (store.by_id(chosen) if chosen else None) or store.default()


def picker(request: Request) -> dict[str, Any] | None:
    """What the bar shows: the person, and the others one tap away (none for a limited phone).
    NotYours for a phone whose one person is gone: it is shown no page at all."""
    if "companion.device" in request.scope and request.scope["companion.device"] is None:
        return None  # an unpaired phone: the pairing page, and nobody's name
    person = person_of(request)
    everyone = people_of(request).list()
    others = [] if limit_of(request) else [p for p in everyone if p.id != person.id]
    return {"person": person, "others": others, "limited": limit_of(request) is not None}
