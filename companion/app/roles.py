"""Who uses the app, and the pages each person meets first (issue 30, part 2).

The first time, the app asks who is using it: the listener, someone caring for them, or a
massage therapist. The answer decides where the app opens and which pages its menu lists
first; every other page stays one tap away in the same menu, and the question can be
skipped (then every page is listed, Today first).

Where the answer is kept follows who asked. This computer's browser (the owner) keeps it in
`app-choices.json` in the journal's folder, owner-only, beside the paired devices: it
survives the app's restarts, which the owner's session cookie does not. A paired phone
keeps its own answer on its record in `devices.json`, so the carer's phone can open on the
Caregiver page while the listener's computer opens on Today.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from starlette.requests import Request

from companion import data_dir, private_folder, written_atomically

ROLES: dict[str, str] = {  # a role's value, and how the question names it
    "listener": "I am the listener",
    "caregiver": "I care for the listener",
    "therapist": "I am a massage therapist",
}
SKIPPED = "skipped"  # asked, and not answered: every page is listed, and nobody is asked again
ROLE_WORDS = {"listener": "the listener", "caregiver": "a carer", "therapist": "a massage therapist"}
ALL_PAGES: tuple[tuple[str, str], ...] = (
    ("/today", "Today"),
    ("/listen", "Listen"),
    ("/caregiver", "Caregiver"),
    ("/massage", "Massage"),
    ("/journal", "Journal"),
    ("/voices", "Voices"),
    ("/pack", "Pack"),
)
OWNER_PAGES: tuple[tuple[str, str], ...] = (("/devices", "Devices"),)  # on this computer only
HOMES: dict[str, tuple[str, ...]] = {  # each person's first pages, the first of them where the app opens
    "listener": ("/today", "/listen", "/journal"),
    "caregiver": ("/caregiver", "/listen", "/pack", "/journal"),
    "therapist": ("/massage", "/listen", "/pack"),
}
ASK = "/who"  # where the question is asked, and answered again from the menu
CHOICES_FILE = "app-choices.json"


class Choices:
    """This computer's own choices for the app, kept in the journal's folder (owner-only)."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or data_dir()
        self.path = self.folder / CHOICES_FILE
        self._lock = threading.Lock()

    def _load(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or damaged: asked again, nothing else is lost
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def role(self) -> str | None:
        role = self._load().get("role")
        return role if isinstance(role, str) and (role in ROLES or role == SKIPPED) else None

    @role.setter
    def role(self, role: str | None) -> None:
        with self._lock:
            data = self._load()
            data["role"] = role
            private_folder(self.folder)
            with written_atomically(self.path, private=True) as tmp:
                tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")


def role_of(request: Request) -> str | None:
    """The role the device asking has chosen: None when it was never asked, SKIPPED when the
    question was skipped."""
    if "companion.device" in request.scope:  # the home network's door: the device's own
        device = request.scope["companion.device"]
        role: str | None = getattr(device, "role", None) if device is not None else None
        return role
    choices: Choices = request.app.state.companion.choices
    return choices.role


def set_role(request: Request, role: str) -> None:
    device = request.scope.get("companion.device")
    if device is not None:
        request.app.state.companion.devices.set_role(device.id, role)
    else:
        request.app.state.companion.choices.role = role


def pages_for(role: str | None, owner: bool) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The menu: the person's first pages, then the rest (one tap away)."""
    every = ALL_PAGES + (OWNER_PAGES if owner else ())
    first = HOMES.get(role or "", ())
    if not first:
        return every, ()
    labels = dict(every)
    return tuple((p, labels[p]) for p in first), tuple(p for p in every if p[0] not in first)


def home_of(role: str | None) -> str:
    """Where the app opens for this person: the question first when it was never asked."""
    if role is None:
        return ASK
    return HOMES.get(role, ("/today",))[0]


def page_name(path: str, pages: tuple[tuple[str, str], ...]) -> str | None:
    """The name of the page at `path` among `pages` (its own or one below it), for the menu."""
    if path == ASK:
        return "Settings"
    return next((label for p, label in pages if path == p or path.startswith(p + "/")), None)
