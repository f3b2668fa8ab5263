"""What every request passes before it reaches a page: the app serves one person on this
computer, and a web page anywhere can send requests to 127.0.0.1.

- Host must name this server (a DNS-rebinding page arrives under its own name).
- A request that changes anything must come from this app's own pages (Origin), and not
  from another site (Sec-Fetch-Site): no cross-site form or script can write to the journal.
- The owner's browser holds a session cookie (HttpOnly, SameSite=Strict), set once from a
  one-time token in the address that `companion app` opens; without it, a request gets
  only a page saying how to open the app (the style sheet excepted).
- Every answer carries a strict content policy (nothing from anywhere else), a referrer for
  its own pages only (so no address leaks), and no caching of private pages.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "companion"
START = "/start"  # where the one-time token is exchanged for the cookie
PUBLIC = ("/static/",)  # style and script: nothing private, and the locked page needs them
SAFE_METHODS = ("GET", "HEAD")
MAX_BODY = 64 * 1024  # a form's fields and notes; anything larger is refused before it is read
UPLOADS = {"/voices/import": 256 << 20}  # a loved one's takes: a few hundred phrases from a phone
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
NEEDS_LINK = "To open companion here, use the address that <strong>companion app</strong> opened or printed."
USED_LINK = (
    "That address has been used already: it opens the app once. Stop companion app and start it again for a new one."
)


class Owner:
    """The one person the app serves here: a one-time token to start, then their sessions."""

    def __init__(self) -> None:
        self.token: str | None = secrets.token_urlsafe(32)
        self._sessions: set[str] = set()

    def start_address(self, base: str) -> str:
        assert self.token is not None, "the start address is given once"
        return f"{base}{START}?token={self.token}"

    def exchange(self, token: str) -> str | None:
        """The token, once, for a new session's cookie value; None once it is used or wrong."""
        if self.token is None or not secrets.compare_digest(token.encode(), self.token.encode()):
            return None
        self.token = None
        session = secrets.token_urlsafe(32)
        self._sessions.add(session)
        return session

    def knows(self, session: str | None) -> bool:
        return session is not None and any(secrets.compare_digest(session, s) for s in self._sessions)


class Guard:
    """ASGI middleware in front of the whole app."""

    def __init__(self, app: ASGIApp, owner: Owner, hosts: tuple[str, ...], max_body: int = MAX_BODY):
        self.app, self.owner, self.max_body = app, owner, max_body
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"]
        refusal = self._refusal(headers, method, path)
        if refusal is not None:
            await _plain(send, *refusal)
        elif path == START and method in SAFE_METHODS:
            await self._start(scope, send)
        elif not path.startswith(PUBLIC) and not self.owner.knows(_cookie(headers)):
            await _page(send, 403, NEEDS_LINK)
        else:
            await self.app(scope, receive, _with_headers(send, private=not path.startswith(PUBLIC)))

    def _refusal(self, headers: dict[str, str], method: str, path: str) -> tuple[int, str] | None:
        if headers.get("host", "").lower() not in self.hosts:
            return 421, "This server answers only to its own address."
        if method not in SAFE_METHODS:
            if headers.get("origin", "").lower() not in self.origins:
                return 403, "A change must come from companion's own page."
            if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
                return 403, "A change must come from companion's own page."
            length = headers.get("content-length", "")
            if not length.isdigit():
                return 411, "A change must say its length."
            if int(length) > UPLOADS.get(path, self.max_body):
                return 413, "That is more than the app takes at once."
        return None

    async def _start(self, scope: Scope, send: Send) -> None:
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        session = self.owner.exchange(token)
        if session is None:
            await _page(send, 403, USED_LINK)
            return
        cookie = f"{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/"
        headers = [(b"location", b"/"), (b"set-cookie", cookie.encode()), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 303, "headers": headers + _extra(True)})
        await send({"type": "http.response.body", "body": b""})


def _cookie(headers: dict[str, str]) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed cookie header is no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _extra(private: bool) -> list[tuple[bytes, bytes]]:
    return HEADERS + ([(b"cache-control", b"no-store")] if private else [])


def _with_headers(send: Send, private: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = list(message.get("headers", [])) + _extra(private)
        await send(message)

    return sending


async def _plain(send: Send, status: int, text: str) -> None:
    await _answer(send, status, b"text/plain; charset=utf-8", text.encode())


async def _page(send: Send, status: int, words: str) -> None:
    await _answer(send, status, b"text/html; charset=utf-8", LOCKED.format(words).encode())


async def _answer(send: Send, status: int, kind: bytes, body: bytes) -> None:
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())] + _extra(True)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
