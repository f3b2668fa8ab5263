"""Pairing a phone across the room (`companion app --lan`): on this computer, the Devices
page shows the app's network address (as text and as a QR code) and a one-time code, and
lists the paired devices, each removed with one tap; on the phone, the pairing page takes
the code and a name for the device."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from companion import BadInput
from companion.app.devices import CODE_VALID_S, TooSoon, device_name
from companion.app.guard import DEVICE_COOKIE, session_cookie
from companion.app.web import AppState, back_to, page, state_of, words

DEVICE_DAYS = 365  # a paired device stays paired until it is removed (or a year unused)


def _qr(text: str) -> str:
    import segno

    # a viewBox and no fixed size, so the page's style sizes it; named for a screen reader
    svg = segno.make(text, error="m").svg_inline(scale=6, omitsize=True, dark="#111", light="#fff")
    return svg.replace("<svg ", '<svg role="img" aria-label="The address, as a code to scan" ', 1)


async def devices(request: Request) -> Response:
    state = state_of(request)
    return page(request, "devices.html", **_devices_shown(state, request.query_params.get("done")))


def _devices_shown(state: AppState, done: str | None = None, code: str | None = None) -> dict[str, Any]:
    address = state.lan_address
    return {
        "address": address,
        "qr": _qr(address) if address else None,
        "devices": state.devices.all() if state.devices else [],
        "people": state.people.list(),  # issue 33: a device may be limited to one of them
        "code": code,
        "minutes": CODE_VALID_S // 60,
        "done": done,
    }


async def new_code(request: Request) -> Response:
    state = state_of(request)
    if state.pairing is None:
        raise LookupError("not on the network")
    return page(request, "devices.html", **_devices_shown(state, code=state.pairing.new_code()))


async def remove_device(request: Request) -> Response:
    state = state_of(request)
    if state.devices is None or not state.devices.remove(request.path_params["device"]):
        raise LookupError("no such device")
    return back_to("/devices?done=removed")


async def limit_device(request: Request) -> Response:
    """Issue 33: a paired device limited to one person (it then sees their pages alone), or to
    nobody in particular."""
    state = state_of(request)
    form = await request.form()
    wanted = str(form.get("person") or "")
    person = state.people.by_id(wanted) if wanted else None
    if wanted and person is None:
        raise LookupError("no such person")
    if state.devices is None or not state.devices.limit(request.path_params["device"], person.id if person else None):
        raise LookupError("no such device")
    return back_to("/devices?done=limited")


async def pair(request: Request) -> Response:
    state = state_of(request)
    if state.pairing is None or state.devices is None:
        raise LookupError("not on the network")
    if request.method == "GET":
        return page(request, "pair.html", paired=request.scope.get("companion.device") is not None)
    form = await request.form()
    code = "".join(ch for ch in str(form.get("code") or "")[:100] if ch.isdigit())
    try:
        name = device_name(str(form.get("name") or ""))  # before the code: a blank name does not use it up
    except BadInput as exc:
        return page(request, "pair.html", 400, error=words(exc), paired=False)
    sender = request.client.host if request.client else ""
    try:
        right = state.pairing.try_code(code, sender)
    except TooSoon as wait:
        error = (
            f"Too many codes that were not right from this device: wait {_wait_words(wait.seconds)}, then try again."
        )
        return page(request, "pair.html", 429, error=error, paired=False)
    if not right:
        error = "That code is not right, or it is more than five minutes old. Ask for a new one on the computer."
        return page(request, "pair.html", 400, error=error, paired=False)
    device, token = state.devices.add(name)
    answer = back_to("/")  # the device's own first page: the question who uses it, the first time
    answer.headers.append("set-cookie", session_cookie(DEVICE_COOKIE, token, DEVICE_DAYS * 86400))
    return answer


def _wait_words(seconds: float) -> str:
    whole = max(1, round(seconds))
    if whole < 90:
        return f"{whole} seconds"
    return f"{round(whole / 60)} minutes"
