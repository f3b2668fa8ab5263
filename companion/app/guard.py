"""What every request passes before it reaches a page: the app serves one person on this
computer, and a web page anywhere can send requests to 127.0.0.1.

- Host must name this server (a DNS-rebinding page arrives under its own name).
- A request that changes anything must come from this app's own pages (Origin), and not
  from another site (Sec-Fetch-Site): no cross-site form or script can write to the journal.
- The owner's browser holds a session cookie (HttpOnly, SameSite=Strict), set once from a
  one-time token in the address that `companion app` opens; without it, a request gets
  only a page saying how to open the app (the style sheet excepted).
- With --lan, a second door listens on the home network. Trust follows the door a request
  comes through: there, only a paired device's own cookie is a key, and an unpaired device
  reaches the pairing page alone (Devices, on this computer, shows the code).
- A device removed on Devices is refused from its next request, and whatever it still has
  open (the live track's updates, a session's sound) ends at once.
- Every answer carries a strict content policy (nothing from anywhere else), a referrer for
  its own pages only (so no address leaks), and no caching of private pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from functools import cached_property
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from companion.app.devices import Devices

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "companion"  # the owner's session, on this computer
DEVICE_COOKIE = "companion-device"  # a paired device's own token, on the home network
START = "/start"  # where the one-time token is exchanged for the cookie
PAIR = "/pair"  # the one page an unpaired device may open
OWNER_ONLY = ("/devices", "/people")  # pairing codes, devices, adding or removing people: on this computer only
PUBLIC = ("/static/",)  # style and script: nothing private, and the locked page needs them
SAFE_METHODS = ("GET", "HEAD")
MAX_BODY = 64 * 1024  # a form's fields and notes; anything larger is refused before it is read
UPLOADS = {"/voices/import": 256 << 20, "/voices/record": 32 << 20}  # a loved one's takes, from a phone
CONTENT_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # no-referrer would make a form's Origin "null"
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
LOCKED = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>companion</title>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    "<link rel='stylesheet' href='/static/player.css'><link rel='stylesheet' href='/static/app.css'></head>"
    "<body><main><h1>companion</h1><p class='intro'>{}</p></main></body></html>"
)
# Met by a person who typed another name for this computer: a page, styled inline (its own
# stylesheets would be refused at that address too), that says nothing of the app's contents
ELSEWHERE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>companion</title>"
    "<meta name='viewport' content='width=device-width, initial-scale=1'><style>body{{font:1.25rem/1.6 "
    "system-ui,sans-serif;margin:1.5rem auto;padding:0 1rem;max-width:36rem;color:#222;background:#fdfbf7}}"
    "@media (prefers-color-scheme:dark){{body{{color:#eee;background:#1b1b1d}}}}</style></head>"
    "<body><main><h1>companion</h1><p>{}</p></main></body></html>"
)
WRONG_ADDRESS = (
    "companion does not answer at this address. Open it with the address that "
    "<strong>companion app</strong> opened or printed on the computer it runs on, or, on a phone, "
    "with the link from its pairing code."
)
TOO_LARGE = (
    "That is more than the app takes at once ({} MB). Go back, and send fewer or shorter "
    "recordings at a time: each phrase's take is a few seconds."
)
NEEDS_LINK = "To open companion here, use the address that <strong>companion app</strong> opened or printed."
OWNERS_ONLY = "This part of companion is open on the computer it runs on, not over the network."
USED_LINK = (
    "That address has been used already: it opens the app once. Type companion app again for a new one: "
    "the running app is kept, and the new address opens it."
)


class Owner:
    """The one person the app serves here: a one-time token to start, then their sessions.
    A spare one-time token waits for a second `companion app` (see instance.py), which opens
    the running app with it; once used, another takes its place (`spare_changed` hears it)."""

    def __init__(self) -> None:
        self.token: str | None = secrets.token_urlsafe(32)
        self.spare = secrets.token_urlsafe(32)
        self.spare_changed: Callable[[], None] | None = None
        self._sessions: set[str] = set()

    def start_address(self, base: str) -> str:
        assert self.token is not None, "the start address is given once"
        return f"{base}{START}?token={self.token}"

    def spare_address(self, base: str) -> str:
        return f"{base}{START}?token={self.spare}"

    def use_up(self, token: str) -> bool:
        """Spend a one-time token: True when it was one."""
        if self.token is not None and secrets.compare_digest(token.encode(), self.token.encode()):
            self.token = None
            return True
        if secrets.compare_digest(token.encode(), self.spare.encode()):
            self.spare = secrets.token_urlsafe(32)
            if self.spare_changed is not None:
                self.spare_changed()
            return True
        return False

    def exchange(self, token: str) -> str | None:
        """The token, once, for a new session's cookie value; None once it is used or wrong."""
        if not self.use_up(token):
            return None
        session = secrets.token_urlsafe(32)
        self._sessions.add(session)
        return session

    def knows(self, session: str | None) -> bool:
        return session is not None and any(secrets.compare_digest(session, s) for s in self._sessions)


@dataclass(frozen=True)
class Door:
    """A listening socket, and whom it lets in: the computer's own (127.0.0.1), where the
    owner's session cookie is the key, or the home network's (--lan), where a paired
    device's is. Trust follows the socket a request arrives on, never its sender's address."""

    address: str  # the socket's own address
    names: tuple[str, ...]  # what the Host header may say: "127.0.0.1:8765", "localhost:8765"
    own: bool  # this computer's door

    @cached_property  # asked on every request: made once
    def hosts(self) -> set[str]:
        return {n.lower() for n in self.names}

    @cached_property
    def origins(self) -> set[str]:
        return {f"http://{h}" for h in self.hosts}


class Guard:
    """ASGI middleware in front of the whole app."""

    def __init__(
        self,
        app: ASGIApp,
        owner: Owner,
        doors: tuple[Door, ...],
        devices: Devices | None = None,
        max_body: int = MAX_BODY,
    ):
        self.app, self.owner, self.devices, self.max_body = app, owner, devices, max_body
        self.doors = {door.address: door for door in doors}
        self._open: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}  # by device id
        if devices is not None:
            devices.on_remove.append(self._removed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the app has none: nothing reaches it past the guard
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"]
        door = self.doors.get((scope.get("server") or ("", 0))[0])
        refusal = self._refusal(door, headers, method, path)
        if refusal is not None:
            status, words = refusal
            # a person's too-large upload or mistyped address meets a calm page with what to do;
            # the other refusals answer requests no page of companion's sends (another site's form)
            if status == 421:
                await _answer(send, status, b"text/html; charset=utf-8", ELSEWHERE.format(words).encode())
            else:
                await (_page if status == 413 else _plain)(send, status, words)
            return
        assert door is not None
        public = path.startswith(PUBLIC)
        if door.own:
            if path == START and method in SAFE_METHODS:
                await self._start(scope, send, headers)
                return
            if not public and not self.owner.knows(_cookie(headers, COOKIE)):
                await _page(send, 403, NEEDS_LINK)
                return
            scope["companion.owner"] = True
        else:
            device = self.devices.find(_cookie(headers, DEVICE_COOKIE)) if self.devices else None
            if path.startswith(OWNER_ONLY) or path == START:
                await _page(send, 403, OWNERS_ONLY)
                return
            if device is None and not public and path != PAIR:
                await _redirect(send, PAIR)  # an unpaired device reaches the pairing page, and nothing else
                return
            scope["companion.device"] = device
            if device is not None:
                await self._as_device(device.id, scope, receive, send, private=not public)
                return
        await self.app(scope, receive, _with_headers(send, private=not public))

    async def _as_device(self, device_id: str, scope: Scope, receive: Receive, send: Send, private: bool) -> None:
        """A paired device's request, ended the moment the device is removed: a stream it
        holds open stops there (its answer closed properly), one not yet begun is refused."""
        removed = asyncio.Event()
        watching = (asyncio.get_running_loop(), removed)
        self._open.setdefault(device_id, set()).add(watching)
        begun, ended = False, False

        async def sending(message: Message) -> None:
            nonlocal begun, ended
            begun = begun or message["type"] == "http.response.start"
            ended = ended or (message["type"] == "http.response.body" and not message.get("more_body", False))
            await answer(message)

        answer = _with_headers(send, private)
        answering = asyncio.ensure_future(self.app(scope, receive, sending))
        gone = asyncio.ensure_future(removed.wait())
        try:
            await asyncio.wait({answering, gone}, return_when=asyncio.FIRST_COMPLETED)
            if answering.done():
                answering.result()
                return
            answering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await answering
            if not begun:
                await _redirect(send, PAIR)
            elif not ended:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            gone.cancel()
            answering.cancel()
            self._open.get(device_id, set()).discard(watching)
            if not self._open.get(device_id):
                self._open.pop(device_id, None)

    def _removed(self, device_id: str) -> None:
        for loop, event in list(self._open.get(device_id, ())):
            loop.call_soon_threadsafe(event.set)

    def _refusal(self, door: Door | None, headers: dict[str, str], method: str, path: str) -> tuple[int, str] | None:
        if door is None or headers.get("host", "").lower() not in door.hosts:
            return 421, WRONG_ADDRESS
        if method not in SAFE_METHODS:
            if headers.get("origin", "").lower() not in door.origins:
                return 403, "A change must come from companion's own page."
            if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                return 403, "A change must come from companion's own page."
            length = headers.get("content-length", "")
            if not length.isdigit():
                return 411, "A change must say its length."
            if int(length) > (most := UPLOADS.get(path, self.max_body)):
                return 413, TOO_LARGE.format(most >> 20)
        return None

    async def _start(self, scope: Scope, send: Send, headers: dict[str, str]) -> None:
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if self.owner.knows(_cookie(headers, COOKIE)):  # this browser is in already: straight to the app
            self.owner.use_up(token)
            await _redirect(send, "/")
            return
        session = self.owner.exchange(token)
        if session is None:
            await _page(send, 403, USED_LINK)
            return
        await _redirect(send, "/", session_cookie(COOKIE, session))


def session_cookie(name: str, value: str, max_age: int | None = None) -> str:
    age = f"; Max-Age={max_age}" if max_age else ""
    return f"{name}={value}; HttpOnly; SameSite=Strict; Path=/{age}"


def _cookie(headers: dict[str, str], name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _extra(private: bool) -> list[tuple[bytes, bytes]]:
    return HEADERS + ([(b"cache-control", b"no-store")] if private else [])


def _with_headers(send: Send, private: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = list(message.get("headers", [])) + _extra(private)
        await send(message)

    return sending


async def _redirect(send: Send, to: str, cookie: str | None = None) -> None:
    headers = [(b"location", to.encode()), (b"content-length", b"0")]
    if cookie is not None:
        headers.append((b"set-cookie", cookie.encode()))
    await send({"type": "http.response.start", "status": 303, "headers": headers + _extra(True)})
    await send({"type": "http.response.body", "body": b""})


async def _plain(send: Send, status: int, text: str) -> None:
    await _answer(send, status, b"text/plain; charset=utf-8", text.encode())


async def _page(send: Send, status: int, words: str) -> None:
    await _answer(send, status, b"text/html; charset=utf-8", LOCKED.format(words).encode())


async def _answer(send: Send, status: int, kind: bytes, body: bytes) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())] + _extra(True)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
