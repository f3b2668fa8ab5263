"""The app's doors, walked with hostile input: every route of its router (`app.routes`, so a
route is covered the day it appears, and the /static mount), each with GET, HEAD and POST,
as the owner, as a paired device and as an unpaired one. Every path parameter, query
parameter and form field gets values a page never sends: path tricks, NUL, huge numbers,
long strings, the wrong type, odd ranges and headers. The form fields are found where a
person meets them, in the forms the pages draw (and in the handlers, for what they read
that no form shows), so a new field is covered too.

The fast layer drives the app in-process (tests/fast/test_app_fuzz.py), the real layer a real
`companion app --lan` (tests/real/test_app_fuzz.py); both hold every answer to `check`.
"""

from __future__ import annotations

import html.parser
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from hypothesis import strategies as st

APP = Path(__file__).resolve().parents[1] / "companion" / "app"
ROLES = ("owner", "paired", "stranger")
METHODS = ("GET", "HEAD", "POST")

# Values no page sends: where a path leads, what a number can be, how long a text is.
TRICKS = (
    "", " ", ".", "..", "../..", "../../../etc/passwd", "..%2f..", "%2e%2e", "/", "//", "\\", "~", "*",
    "\x00", "a\x00b", "\r\n", "\t", "\x7f", "\u202e", "\ufeff", "🙂", "²", "١٢", "Ⅻ",
    "-1", "0", "-0", "00", "1.5", "1e309", "-1e309", "nan", "NaN", "inf", "-inf", "0x10", "1_000",
    "true", "null", "None", "[]", "{}", "[object Object]",
    "<script>alert(1)</script>", "=1+1", "'; DROP TABLE ratings; --", "%00", "%s%s%n",
)  # fmt: skip
RANGES = (
    "bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0", "bytes=5-1", "bytes=1-", "bytes=-", "bytes=",
    "bytes=0-1,2-3",
    "bytes=a-b", "items=0-1", "bytes=99999999999999999999-", "bytes = 0 - 1", "0-1",
)  # fmt: skip
ACCEPTS = ("application/json", "text/html", "*/*", "text/event-stream", "image/png", "")
CONTENT_TYPES = (
    "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=x",
    "application/json", "text/plain", "application/x-www-form-urlencoded; charset=utf-16",
)  # fmt: skip


def _many(character: str) -> st.SearchStrategy[str]:
    """A long run of one character: past a number's 18 digits, Python's 4300, a name's 40."""
    return st.sampled_from((19, 30, 300, 4301, 5000)).map(lambda n: character * n)


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TRICKS),
        st.text(max_size=50),  # any characters (surrogates excepted: they cannot be sent)
        st.text(min_size=1, max_size=12).map(lambda t: t * 50),  # long, past every field's limit
        st.integers().map(str),
        st.floats().map(repr),
        _many("9"),
        _many("x"),
    )


def hostile_range() -> st.SearchStrategy[str]:
    digits = _many("9")
    return st.one_of(
        st.sampled_from(RANGES),
        digits.map(lambda d: f"bytes=0-{d}"),
        digits.map(lambda d: f"bytes={d}-"),
        digits.map(lambda d: f"bytes=-{d}"),
        hostile_text().map(lambda t: "bytes=" + t),
    )


@dataclass(frozen=True)
class Way:
    """A route and a method: one door."""

    method: str
    path: str  # the route's own, '{name:convertor}' and all
    params: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def address(self, values: dict[str, str]) -> str:
        """The route's path with each parameter's value, escaped as a browser would send it."""

        def fill(m: re.Match) -> str:
            value = values[m.group(1)]
            return quote(value, safe="/") if m.group(2) == ":path" else quote(value, safe="")

        return re.sub(r"\{(\w+)(:\w+)?\}", fill, self.path)


def doors(app) -> list[tuple[str, tuple[str, ...]]]:
    """Every route of the app's router, with its path's parameters, and the /static mount."""
    from starlette.routing import Mount, Route

    router = app.app if hasattr(app, "app") else app  # behind the guard
    found: dict[str, tuple[str, ...]] = {}
    for route in router.routes:
        if isinstance(route, Route):
            found[route.path] = tuple(route.param_convertors)
        elif isinstance(route, Mount):
            found[route.path + "/{path:path}"] = ("path",)
    return list(found.items())


def ways(door: tuple[str, tuple[str, ...]], case: Case) -> list[Way]:
    """The door with GET, HEAD and POST (a method a route does not take must be refused calmly
    too), or the case's one method; an explicit example, with the method it was found with."""
    path, params = door
    every = [Way(method, path, params) for method in METHODS if case.method in (None, method)]
    return every if case.way is None else [w for w in every if str(w) == case.way]


WORK = {"/session": "session", "/file": "file", "/pack": "pack", "/voices/import": "import", "/massage/plan": "plan"}
# each door's own kind of work; a drawn '<kind>' names another kind's, valid at its own door
KINDS = {"job": [f"<{kind}>" for kind in WORK.values()]}


def path_values(way: Way, case: Case, valid: dict[str, str]) -> dict[str, str]:
    """The value of each of the door's path parameters: the case's (a '<kind>' standing for a
    valid one of that kind), else a valid one for this door."""

    def valid_for(name: str) -> str:
        kind = next((k for prefix, k in WORK.items() if way.path.startswith(prefix + "/")), "session")
        return valid.get(kind, "x") if name == "job" else valid.get(name, "x")

    values = {}
    for name in way.params:
        value = case.path.get(name)
        if value is None:
            value = valid_for(name)
        elif value.startswith("<") and value.endswith(">") and value[1:-1] in valid:
            value = valid[value[1:-1]]
        values[name] = value
    return values


@dataclass(frozen=True)
class Upload:
    field: str
    name: str
    content: bytes
    kind: str = "application/octet-stream"


def _short(value: object) -> str:
    """A value as Python writes it, a long run of one character as `'9' * 4301`."""
    if isinstance(value, str) and len(value) > 40 and len(set(value)) == 1:
        return f"{value[0]!r} * {len(value)}"
    if isinstance(value, str) and len(value) > 200:
        return f"{value[:100]!r} + ...  # {len(value)} characters"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_short(v)}" for k, v in value.items()) + "}"
    return repr(value)


@dataclass(frozen=True, repr=False)
class Case:
    """One request's hostile parts. `way` ties an explicit example to the door it was found
    at (other doors skip it); a drawn case fits every door."""

    role: str = "owner"
    path: dict[str, str] = field(default_factory=dict)  # a parameter not here takes a valid value
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    files: tuple[Upload, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    way: str | None = None
    method: str | None = None  # a drawn case's one method; None: each of them

    def __repr__(self) -> str:  # as an @example writes it
        given = [f"{k}={_short(v)}" for k, v in vars(self).items() if v not in ({}, (), None) and k != "role"]
        return f"Case(role={self.role!r}, {', '.join(given)})"


@dataclass
class Fields:
    """What the pages ask for: each field's name, with the values its forms offer."""

    values: dict[str, set[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    def add(self, name: str, value: str | None = None) -> None:
        self.values.setdefault(name, set())
        if value:
            self.values[name].add(value)


class _Forms(html.parser.HTMLParser):
    def __init__(self, fields: Fields):
        super().__init__()
        self.fields = fields
        self.in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.in_form = True
            action = urlsplit(found.get("action") or "")
            for pair in filter(None, action.query.split("&")):
                self.fields.add(pair.partition("=")[0])
        elif tag == "a" and "?" in (found.get("href") or ""):  # a link's query is a form, too
            for pair in filter(None, urlsplit(found["href"] or "").query.split("&")):
                self.fields.add(pair.partition("=")[0])
        elif tag in ("input", "select", "textarea", "button") and self.in_form and found.get("name"):
            name = found["name"] or ""
            if found.get("type") == "file":
                self.fields.files.add(name)
            self.fields.add(name, found.get("value"))
        elif tag == "option":
            pass

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def fields_in(pages: Iterable[str], fields: Fields | None = None) -> Fields:
    """The fields of every form (and link query) in these pages."""
    fields = fields or Fields()
    for text in pages:
        _Forms(fields).feed(text)
    return fields


READS = re.compile(r"""(?:form|params|query_params)\.get(?:list)?\(\s*f?["'](\w+)["']""")


def fields_read_by_handlers(fields: Fields) -> Fields:
    """What the handlers read by name, that a form may not show (?kept=, ?done=...)."""
    for source in APP.glob("*.py"):
        for name in READS.findall(source.read_text(encoding="utf-8")):
            fields.add(name)
    return fields


def cases(fields: Fields, known: dict[str, list[str]], one_method: bool = False) -> st.SearchStrategy[Case]:
    """Requests for any door: each path parameter a valid value or a hostile one, and some of
    the fields the pages have (each a value its form offers or a hostile one)."""
    names = sorted(fields.values)

    def value_for(name: str) -> st.SearchStrategy[str]:
        offered = sorted(fields.values.get(name, set()) | set(known.get(name, ())))
        return st.one_of(st.sampled_from(offered), hostile_text()) if offered else hostile_text()

    params = sorted(known)

    def some(keys: list[str]) -> st.SearchStrategy[dict[str, str]]:
        pairs = st.one_of([st.tuples(st.just(k), value_for(k)) for k in keys])
        return st.lists(pairs, max_size=6).map(dict)

    uploads = st.lists(
        st.builds(
            Upload,
            st.sampled_from(sorted(fields.files) or ["take"]),
            st.one_of(st.sampled_from(("001.wav", "take.webm", "1.mp3")), hostile_text()),
            st.one_of(st.just(b""), st.binary(max_size=64), st.just(b"RIFF" + b"\0" * 40)),
            st.sampled_from(("audio/wav", "audio/webm", "text/plain", "", "x/" + "y" * 100)),
        ),
        max_size=2,
    )
    headers = st.fixed_dictionaries(
        {},
        optional={
            "range": hostile_range(),
            "accept": st.sampled_from(ACCEPTS),
            "content-type": st.sampled_from(CONTENT_TYPES),
        },
    )
    return st.builds(
        Case,
        role=st.sampled_from(ROLES),
        path=some(params),
        query=some(names),
        form=some(names),
        files=uploads.map(tuple),
        headers=headers,
        method=st.sampled_from(METHODS) if one_method else st.none(),
    )


# Every case ever found, each at its door: the fast and the real walk try each of them first.
FOUND = (
    # the bare 500s issue 29 found
    Case(way="GET /voices/{name}/remove", path={"name": "."}),
    Case(way="POST /voices/{name}/remove", path={"name": ".."}),
    Case(way="GET /voices/{name}/remove", path={"name": "\x00"}),
    Case(way="GET /voices/{name}/remove", path={"name": "x" * 300}),
    Case(way="GET /journal/{entry:count}/edit", path={"entry": "9" * 30}),
    Case(way="POST /journal/{entry:count}/delete", path={"entry": "9" * 30}),
    Case(way="GET /session/{job}/audio.wav", headers={"range": "bytes=0-" + "9" * 4301}),
    Case(way="GET /static/{path:path}", headers={"range": "bytes=" + "9" * 5000 + "-"}),
    # found while making this walk: an id past Python's 4300 digits failed in the router itself
    Case(way="GET /journal/{entry:count}/edit", path={"entry": "9" * 5000}),
    Case(way="GET /pack/{job}/track/{i:count}", path={"i": "9" * 5000}),
    # a HEAD went down a page's POST branch: it started a session, deleted an entry or a voice
    Case(way="HEAD /today"),
    Case(way="HEAD /listen"),
    Case(way="HEAD /massage"),
    Case(way="HEAD /voices/{name}/remove"),
    Case(way="HEAD /journal/{entry:count}/delete"),
    Case(role="stranger", way="HEAD /pair"),
    # the form parser wrote why it could not read a body on the server's error stream
    Case(way="POST /session/{job}/rating", headers={"content-type": "multipart/form-data; boundary="}),
    # found by the real walk: a session's id at a plan's picture sent a file that was never drawn
    Case(way="GET /massage/plan/{job}.png", path={"job": "<session>"}),
)


def found_cases(test):
    """The test with every case in FOUND as an explicit @example."""
    from hypothesis import example

    for case in reversed(FOUND):
        test = example(case=case)(test)
    return test


def printable_header(value: str) -> bool:
    """What an HTTP client can send in a header at all."""
    return value.isascii() and value.isprintable()


def sendable_headers(headers: dict[str, str]) -> dict[str, str]:
    """The headers as an HTTP client sends them: those it can send at all, each value without
    the spaces or tabs at either end, which are no part of a value (RFC 9110, 5.5) and which
    h11, under httpx, refuses to send ('bytes= ' failed the walk, not the server)."""
    return {k: v.strip(" \t") for k, v in headers.items() if printable_header(v)}


def check(way: Way, case: Case, status: int, body: bytes, kept_before: object, kept_after: object) -> None:
    """What every answer must be: never a fault (500 or any 5xx but 503), never a traceback,
    and nothing a person keeps (the journal's rows, the voices, the paired devices, work
    started) changed by a request that was refused, by a stranger, or by a GET or a HEAD."""
    where = f"{way} {case!r}"
    assert status < 500 or status == 503, where
    assert b"Traceback" not in body and b"Internal Server Error" not in body, where
    if status >= 400 or case.role == "stranger" or way.method in ("GET", "HEAD"):
        assert kept_after == kept_before, f"{where}\n{kept_before}\n{kept_after}"


def kept(data: Path) -> object:
    """What a person keeps in the app's data folder: every row of the journal, each voice and
    its takes, and the paired devices (their names and ids, not when each was last used)."""
    import contextlib
    import json
    import sqlite3

    path = data / "journal.sqlite3"
    rows = None
    if path.exists():
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            rows = [db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in ("sessions", "ratings")]
    voices = sorted(str(p.relative_to(data)) for p in (data / "voices").glob("**/*"))
    devices = data / "devices.json"
    paired = sorted((d["id"], d["name"]) for d in json.loads(devices.read_text())) if devices.exists() else []
    return {"journal": rows, "voices": voices, "devices": paired}


Send = Callable[[str, str, Case], tuple[int, bytes]]
