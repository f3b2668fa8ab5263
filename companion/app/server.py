"""`companion app`: the pages, the guard in front of them, and a server on this computer.

It listens on 127.0.0.1 only, on a free port, and opens the browser at a one-time address;
Ctrl-C (or SIGTERM) stops it within a second or two, stops any work in progress and removes
the folder of sessions it made. Nothing is logged: addresses and journal contents included.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from companion import PACK_PAGE_FOLDER as PACK_HERE
from companion import BadInput, OutputError, data_dir, default_cover, interrupts, private_folder
from companion.app import home, journal, listen, massage, nowplaying, pack, pairing, people, sessions, tapping, voices
from companion.app.announce import Announcement, local_name
from companion.app.faults import HANDLERS, Faults, quiet_form_parser
from companion.app.guard import Door, Guard, Owner
from companion.app.instance import Claim, Running
from companion.app.room import DISK_BUDGET
from companion.app.web import HERE, AppState

HOST = "127.0.0.1"
GET, BOTH = ["GET"], ["GET", "POST"]


class Count(IntegerConvertor):
    """A number in an address (an entry's id, a track's place): up to 18 digits, so it fits
    SQLite's integers; a longer one names nothing (404)."""

    regex = "[0-9]{1,18}"


register_url_convertor("count", Count())


class SharedStatic(StaticFiles):
    """The app's own static files, then the pack's (the one player, shared)."""

    def __init__(self) -> None:
        super().__init__(directory=HERE / "static")
        self.all_directories = [HERE / "static", PACK_HERE / "static"]


def read_or_sent(page: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A page that is read (GET) or sent (POST): each handler reads on GET and changes on
    anything else, so a HEAD (which Starlette gives every GET route, and which the guard lets
    through as safe, with no Origin) is handed over as the GET it stands for: it never deletes
    an entry or a voice, starts a session or counts as a wrong pairing code."""

    async def answer(request: Request) -> Response:
        if request.method == "HEAD":  # the answer's body is dropped by the server, as for any HEAD
            request = Request({**request.scope, "method": "GET"}, request.receive)
        return await sent(page)(request)

    return answer


def sent(page: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A page that reads a form: the files of a form it read are closed once it has answered,
    whatever it did with them (a form may carry files a page never asked for)."""

    async def answer(request: Request) -> Response:
        try:
            return await page(request)
        finally:
            await request.close()

    return answer


async def _cover(request: Request) -> Response:
    return Response(default_cover(), media_type="image/png")


def make_app(state: AppState, owner: Owner, port: int, lan_ip: str | None = None) -> Guard:
    routes = [
        Route("/", home.home, methods=GET),
        Route("/who", read_or_sent(home.who), methods=BOTH),
        Route("/cover.png", _cover, methods=GET),
        Route("/today", read_or_sent(sessions.today), methods=BOTH),
        Route("/listen", read_or_sent(listen.listen), methods=BOTH),
        Route("/caregiver", read_or_sent(sessions.caregiver), methods=BOTH),
        Route("/taps", sent(tapping.taps), methods=["POST"]),  # issue 36: what the circle's taps say
        Route("/session/{job}", sessions.session_page, methods=GET),
        Route("/session/{job}/audio.wav", sessions.session_audio, methods=GET),
        Route("/session/{job}/rating", sent(sessions.session_rating), methods=["POST"]),
        # issue 36, point 2: where the page's audio is, and taps on its circle while it plays
        Route("/session/{job}/playhead", sent(nowplaying.playhead), methods=["POST"]),
        Route("/session/{job}/follow", sent(nowplaying.follow_taps), methods=["POST"]),
        Route("/file/{job}", sessions.file_page, methods=GET),
        Route("/file/{job}/{which:str}", sessions.file_download, methods=GET),
        Route("/jobs/{job}", sessions.progress, methods=GET),
        Route("/massage", read_or_sent(massage.massage), methods=BOTH),
        Route("/massage/plan/{job}.png", massage.picture, methods=GET),
        Route("/massage/plan/{job}.html", massage.plan_markup, methods=GET),
        Route("/massage/live", massage.live_page, methods=GET),
        Route("/massage/live", sent(massage.live_command), methods=["POST"]),
        Route("/massage/live/events", massage.live_events, methods=GET),
        Route("/pack", read_or_sent(pack.pack), methods=BOTH),
        Route("/pack/{job}", pack.play_here, methods=GET),
        Route("/pack/{job}/track/{i:count}", pack.track, methods=GET),
        Route("/pack/{job}/captions/{i:count}", pack.captions, methods=GET),  # issue 30
        Route("/voices", voices.voices, methods=GET),
        Route("/voices/phrases", voices.phrases, methods=GET),
        Route("/voices/import", sent(voices.import_voice), methods=["POST"]),
        Route("/voices/import/{job}", voices.import_page, methods=GET),
        Route("/voices/record", voices.record, methods=GET),
        Route("/voices/record", sent(voices.record_take), methods=["POST"]),
        Route("/voices/{name}/remove", read_or_sent(voices.remove), methods=BOTH),
        Route("/journal", read_or_sent(journal.journal), methods=BOTH),
        Route("/journal/chart.png", journal.chart, methods=GET),
        Route("/journal/export.csv", journal.export, methods=GET),
        Route("/journal/report.pdf", journal.report, methods=GET),
        Route("/journal/{entry:count}/edit", read_or_sent(journal.edit), methods=BOTH),
        Route("/journal/{entry:count}/delete", read_or_sent(journal.delete), methods=BOTH),
        Route("/person", sent(people.choose), methods=["POST"]),  # issue 33: the picker
        Route("/people", read_or_sent(people.people_page), methods=BOTH),
        Route("/people/{person}/remove", read_or_sent(people.remove_page), methods=BOTH),
        Route("/people/{person}/export.zip", people.export, methods=GET),
        Route("/devices", pairing.devices, methods=GET),
        Route("/devices/code", sent(pairing.new_code), methods=["POST"]),
        Route("/devices/{device}/remove", sent(pairing.remove_device), methods=["POST"]),
        Route("/devices/{device}/person", sent(pairing.limit_device), methods=["POST"]),  # issue 33
        Route("/pair", read_or_sent(pairing.pair), methods=BOTH),
        Mount("/static", SharedStatic(), name="static"),
    ]
    quiet_form_parser()
    app = Starlette(routes=routes, middleware=[Middleware(Faults)], exception_handlers=HANDLERS)
    app.state.companion = state
    app.state.faults = []  # a fault of ours, one line each (companion.app.faults): the tests expect none
    doors = [Door(HOST, (f"{HOST}:{port}", f"localhost:{port}"), own=True)]
    if lan_ip is not None:  # the home network's door: by its address, or by this computer's name
        doors.append(Door(lan_ip, (f"{lan_ip}:{port}", f"{local_name()}:{port}"), own=False))
    return Guard(app, owner, tuple(doors), state.devices)


def free_socket(port: int = 0, host: str = HOST) -> socket.socket:
    """A listening socket on this computer only (or on `host`): on `port`, or a free one (0)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInput(
            f"the app cannot listen on {host} port {port} ({exc.strerror}); choose another, or let it find a free one",
            field="port",
            value=port,
        ) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def can_open_browser() -> bool:
    """A graphical browser only: without a display, Python's webbrowser would start a text
    browser in this very terminal."""
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def home_network_address() -> str:
    """This computer's address on the network its default route leads to. A UDP socket is
    connected to a documentation address (192.0.2.1) only to ask the kernel which address
    it would use: no packet is sent."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        return str(probe.getsockname()[0])
    except OSError:
        raise BadInput("no home network was found here; give this computer's address on it", field="lan") from None
    finally:
        probe.close()


@dataclass(frozen=True)
class Serving:
    """Where the app is, once it serves: what its front end tells the person."""

    address: str  # this computer's one-time address
    opened: bool  # the browser was opened at it
    pair_at: str | None  # with the home network: where a phone pairs
    by_name: str | None  # the same, by the name announced there


def prepare_voice_in_background() -> subprocess.Popen[bytes]:
    """The voice's built-in phrases made in a low-priority process of its own while the app
    is open (the voice model's memory goes with it when it is done): a session chosen later
    then speaks at once. Nothing is made when they are ready already."""
    child = subprocess.Popen(
        [sys.executable, "-m", "companion", "voice", "prepare", "--quiet"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal is the app's to answer, not this
    )
    # reaped the moment it ends, not when the app stops: no zombie waits in the process table
    threading.Thread(target=child.wait, name="companion-prepare-reaper", daemon=True).start()
    return child


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BLOCK = 1 << 20


def large_blocks_given_back() -> None:
    """Each block of a megabyte or more (a session's quanta, its bed while it is made) in a
    mapping of its own, given back to the system when freed. glibc raises that threshold as a
    program frees large blocks, after which they come from the heap, and a server that stays
    open keeps the high-water mark of every session it made (measured: 95 MB after a first
    session from an empty cache, 68 MB with this). Elsewhere than glibc, nothing is done."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")  # by name: finding it otherwise runs other programs
        libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
    except (OSError, AttributeError):
        pass


@contextmanager
def _hanging_up_stops(server: Any) -> Iterator[None]:
    """SIGHUP (the terminal window closed: the desktop shortcut's window) stops the server as
    Ctrl-C does; uvicorn answers only SIGINT and SIGTERM. The signal is noted for the caller
    too, so it ends as interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def hang_up(signum: int, frame: object) -> None:
        server.should_exit = True
        interrupts.handler(signum, frame)

    previous = signal.signal(signal.SIGHUP, hang_up)
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


def serve(
    port: int = 0,
    open_browser: bool = True,
    ready: Callable[[Serving], None] | None = None,
    journal_path: Path | None = None,
    lan: bool = False,
    lan_ip: str | None = None,
    disk_budget: int = DISK_BUDGET,
) -> None:
    """Serve the app until Ctrl-C or SIGTERM; `ready` hears where it is once it serves. With
    `lan`, a second socket serves the home network too (on `lan_ip`, else the address found).
    AlreadyRunning, before anything starts, when an app serves this journal already."""
    folder = journal_path.parent if journal_path else data_dir()
    try:
        claim = Claim(private_folder(folder))
    except OSError as exc:
        raise OutputError(
            f"the app cannot write in its folder '{folder}' ({exc.strerror}); check it is yours"
        ) from None
    try:
        _serve(claim, port, open_browser, ready, journal_path, lan, lan_ip, disk_budget)
    finally:
        claim.release()


def _serve(
    claim: Claim,
    port: int,
    open_browser: bool,
    ready: Callable[[Serving], None] | None,
    journal_path: Path | None,
    lan: bool,
    lan_ip: str | None,
    disk_budget: int,
) -> None:
    import uvicorn

    large_blocks_given_back()
    sock = free_socket(port)
    port = sock.getsockname()[1]
    sockets = [sock]
    if lan:
        lan_ip = lan_ip or home_network_address()
        sockets.append(free_socket(port, lan_ip))
    pair_at = f"http://{lan_ip}:{port}/pair" if lan else None
    folder = journal_path.parent if journal_path else None  # the data folder the journal was in
    owner, state = Owner(), AppState(folder, pair_at, draw_apart=True, disk_budget=disk_budget, voice_apart=True)
    base = f"http://{HOST}:{port}"
    address = owner.start_address(base)

    def say_where() -> None:  # for a second `companion app` over this journal
        claim.say(Running(os.getpid(), port, owner.spare_address(base), pair_at))

    owner.spare_changed = say_where
    config = uvicorn.Config(
        make_app(state, owner, port, lan_ip if lan else None),
        log_level="warning",
        access_log=False,  # an address may carry the one-time token; a log keeps nothing private
        timeout_graceful_shutdown=1,
        lifespan="off",
        server_header=False,
    )
    server = uvicorn.Server(config)

    def when_ready() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if not server.started:
            return
        state.drawing.start()
        state.voicing.start()  # the voice loaded before anyone presses Play (issue 30, part 4)
        say_where()
        opened = open_browser and can_open_browser() and webbrowser.open(address)
        by_name = f"http://{local_name()}:{port}/pair" if pair_at else None
        if ready is not None:
            ready(Serving(address, bool(opened), pair_at, by_name))

    def when_stopping() -> None:
        # the server's graceful second and the work's own winding down, side by side
        while not server.should_exit:
            threading.Event().wait(0.05)
        state.jobs.ask_to_stop()
        state.voicing.winding_down()
        preparing.terminate()  # a half-made phrase is never kept: the cache writes whole files

    threading.Thread(target=when_ready, daemon=True).start()
    announcement = Announcement(lan_ip, port) if lan and lan_ip else None
    preparing = prepare_voice_in_background()
    threading.Thread(target=when_stopping, daemon=True).start()
    try:
        with _hanging_up_stops(server):
            server.run(sockets=sockets)
    finally:
        preparing.terminate()
        try:
            preparing.wait(timeout=1)
        except subprocess.TimeoutExpired:
            preparing.kill()
        if announcement is not None:
            announcement.close()
        state.close()
        for each in sockets:
            each.close()
