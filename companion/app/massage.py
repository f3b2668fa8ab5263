"""The Massage page: a therapist's track from its regions (name and minutes each), its
picture (as `plan --plot` draws it), and live play on this computer's sound output with
controls in the page. The live state (time left, region, next chime) is pushed to every
page that watches, by server-sent events."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse

from companion import (
    AMBIENCES,
    MASSAGE,
    MAX_MINUTES,
    BadInput,
    CompanionError,
    DeviceOutput,
    MassagePlan,
    OutputError,
    SessionOptions,
    SessionPlan,
    Status,
    TapAgain,
    clock,
    cue_words,
    make_plan,
    make_session,
    massage_plans,
    plan_picture,
    play,
    save_massage_plan,
)
from companion.app.jobs import Job
from companion.app.room import MB, NoRoom
from companion.app.sessions import start_making
from companion.app.tapping import tapped_from, with_taps
from companion.app.usual import lengths_with, massage_form, usual
from companion.app.web import (
    AMBIENCE_WORDS,
    DEFAULTS,
    AppState,
    NotHere,
    back_to,
    chosen,
    fitted,
    known,
    number,
    page,
    state_of,
    who_asks,
    words,
)
from companion.app.whose import person_of

ROWS = 8  # regions the editor offers
LENGTHS = (30, 45, 60, 90)  # minutes; the regions fit inside, the last running to the end
COMMANDS = {"pause": "pause", "louder": "louder", "softer": "softer", "extend": "extend", "stop": "stop"}
PICTURE_BYTES = 2 * MB
FASTER_NOTE = (
    "The sound output took the track faster than it plays, so it ended early: "
    "this computer's sound output may not be a real speaker."
)


class Live:
    """A track playing on this computer's sound output (the library's play, in a worker
    thread), its controls, and its state as the page shows it."""

    def __init__(self, options: SessionOptions):
        self.options = options
        self.output = DeviceOutput()
        self.status: Status | None = None
        self.title = ""
        self.error: str | None = None
        self.ended: str | None = None
        self.note: str | None = None  # said with the end, as the command line says it
        self._send: Callable[[str], None] | None = None
        self.finished = threading.Event()
        threading.Thread(target=self._run, name="companion-live", daemon=True).start()

    def _run(self) -> None:
        try:
            session = make_session(self.options, wait_for_voice=False)  # the tone starts at once
            self.title = session.plan.script_title
            result = play(session, self.output, view=self._view, keys=self._keys)
            if result.faster_than_real_time:
                self.note = FASTER_NOTE
            self.ended = result.ended
        except CompanionError as exc:
            self.error, self.ended = words(exc), "failed"
        except Exception as exc:  # a fault of ours: said plainly, the app goes on
            self.error, self.ended = f"The sound could not play ({type(exc).__name__}).", "failed"
        finally:
            self.finished.set()

    def _view(self, status: Status) -> None:
        self.status = status

    @contextmanager
    def _keys(self, send: Callable[[str], None]) -> Iterator[None]:
        self._send = send
        try:
            yield
        finally:
            self._send = None

    def command(self, name: str) -> bool:
        return self.send_text(COMMANDS[name])

    def send_text(self, command: str) -> bool:
        """A command to the player as it takes them (see the library's Player.send)."""
        send = self._send
        if send is None:
            return False
        send(command)
        return True

    def close(self) -> None:
        """The app is stopping: the sound stops now, not after its closing fade."""
        self.output.abort()
        self.finished.wait(3)

    def to_json(self) -> dict[str, Any]:
        status = self.status
        answer: dict[str, Any] = {"title": self.title, "state": "starting", "error": self.error, "note": self.note}
        if self.ended is not None:
            answer["state"] = "failed" if self.ended == "failed" else "ended"
        if status is None:
            return answer
        plan, at = status.plan, status.position
        rate = plan.sample_rate
        cue = plan.next_cue(at)
        if self.ended is None:
            answer["state"] = "stopping" if status.stopping else "paused" if status.paused else "playing"
        answer.update(
            left=clock(max(plan.total_samples - at, 0) / rate),
            region=plan.section_at(at),
            next_chime=f"{cue_words(cue)}, in {clock((cue.at - at) / rate)}" if cue else "none",
            volume="full" if status.volume_db >= 0 else f"{status.volume_db:g} dB",
            said=status.acks[-1] if status.heard_recently() else "",
            waiting_for_voice=status.waiting_for_voice,
        )
        return answer


def _options(form: FormData) -> SessionOptions:
    regions: list[tuple[str, float]] = []
    for i in range(ROWS):
        name = str(form.get(f"region_{i}") or "").strip()
        minutes = number(form, f"minutes_{i}")  # each region's length and their sum: the library's rule
        if name and minutes is None:
            raise BadInput(f"give the minutes for '{name}'", field="regions", value=name)
        if minutes is not None and not name:
            raise BadInput("give each region with minutes a name", field="regions", value=minutes)
        if name and minutes is not None:
            regions.append((name, minutes))
    return SessionOptions(
        mode=MASSAGE.name,
        regions=tuple(regions) or None,
        minutes=number(form, "minutes"),  # a therapist's track's length: the library's rule
        ambience=chosen(form, "ambience", AMBIENCES) or DEFAULTS.ambience,
    )


def _shown(state: AppState, request: Request, **more: Any) -> dict[str, Any]:
    someone = person_of(request)
    return {
        "someone": someone,  # issue 33: the client whose saved plans these are
        "plans": [(plan, _plan_fields(plan)) for plan in massage_plans(someone)],
        "rows": range(ROWS),
        "lengths": lengths_with(LENGTHS, usual(request).minutes, MASSAGE.least_minutes),  # issue 33
        "longest": MAX_MINUTES,
        "ambiences": [(a, AMBIENCE_WORDS[a]) for a in AMBIENCES],
        "live": state.live,
        **more,
    }


async def massage(request: Request) -> Response:
    state = state_of(request)
    if request.method == "GET":
        opened = massage_form(request, _chosen_plan(request))  # issue 33: the client's usual bed and length
        return page(request, "massage.html", form=opened, **_shown(state, request))
    form = await request.form()
    action = form.get("action")
    if action == "save":
        return _save_plan(request, form)
    try:
        options, tapped = with_taps(_options(form), form)
        options, note = fitted(options)
        note = " ".join(s for s in (tapped, note) if s) or None
        if action == "play" and state.live is not None and not state.live.finished.is_set():
            raise BadInput("a track is already playing on this computer; stop it first")
    except BadInput as exc:
        return page(request, "massage.html", 400, error=words(exc), form=form, **_shown(state, request))
    try:
        if action == "download":
            return back_to(f"/file/{start_making(state, options, who_asks(request)).job.id}")
        if action == "play":
            try:
                state.live = Live(options)
            except OutputError as exc:  # no sound output here: the same track as a file instead
                said = f"{words(exc)} The track can be made as an MP3 instead, to play on a phone or any speaker."
                return page(
                    request, "massage.html", 503, error=said, offer_file=True, form=form, **_shown(state, request)
                )
            return back_to("/massage/live")
        job = state.jobs.new("plan")
        state.start(job, lambda job: _plan(options, job), who_asks(request), "picture", PICTURE_BYTES, _png(state, job))
    except NoRoom as exc:
        return page(request, "massage.html", 503, error=words(exc), form=form, **_shown(state, request))
    return page(request, "massage.html", form=form, picture=job.id, note=note, **_shown(state, request))


# -- issue 33: the client's saved plans ----------------------------------------------------
def _plan_fields(plan: MassagePlan) -> dict[str, str]:
    """A saved plan as the form's fields: played as it is, or put in the form to change."""
    fields = {"minutes": f"{plan.minutes:g}"}
    for i, (region, minutes) in enumerate(plan.regions[:ROWS]):
        fields[f"region_{i}"], fields[f"minutes_{i}"] = region, f"{minutes:g}"
    return fields


def _chosen_plan(request: Request) -> dict[str, str] | None:
    """The form filled with the saved plan the address names (?plan=...), to change it."""
    name = request.query_params.get("plan")
    found = [p for p in massage_plans(person_of(request)) if p.name == name] if name else []
    return {**_plan_fields(found[0]), "plan_name": found[0].name} if found else None


def _save_plan(request: Request, form: FormData) -> Response:
    state, someone = state_of(request), person_of(request)
    try:
        options = _options(form)
        regions = options.regions if isinstance(options.regions, tuple) else ()
        minutes = options.minutes if options.minutes is not None else MASSAGE.minutes
        plan = save_massage_plan(someone, MassagePlan(str(form.get("plan_name") or ""), minutes or 0, regions))
    except BadInput as exc:
        return page(request, "massage.html", 400, error=words(exc), form=form, **_shown(state, request))
    said = f"Kept as {someone.name}'s plan: {plan.label}."
    return page(request, "massage.html", form=form, saved=said, **_shown(state, request))


def _plan(options: SessionOptions, job: Job) -> SessionPlan:
    """The track's plan (its result), shown in the page; drawn as a PNG only when asked for."""
    return make_plan(options, progress=lambda done, total: job.progress(done, total, "Preparing the voice"))


def _png(state: AppState, job: Job) -> Path:
    return state.work / f"{job.id}.png"


def _plot_plan(plan: SessionPlan, path: Path) -> None:
    from companion import plot_plan

    plot_plan(plan, path)


async def _planned(request: Request) -> tuple[Job, SessionPlan]:
    """The plan a page asks for, once it is made (the voice's lengths first: seconds at most)."""
    job = known(state_of(request).jobs.jobs, request.path_params["job"])
    if job.title != "plan":  # another kind of work (a session, a file) has no picture
        raise NotHere("no such plan")
    await asyncio.to_thread(job.finished.wait, 120)
    if job.state != "done":
        raise NotHere(job.message)
    return job, job.result


async def plan_markup(request: Request) -> Response:
    """The plan as the page shows it: HTML and SVG, made in about half a millisecond."""
    _, plan = await _planned(request)
    return HTMLResponse(plan_picture(plan))


async def picture(request: Request) -> Response:
    state = state_of(request)
    job, plan = await _planned(request)
    drawn = _png(state, job)
    if not drawn.is_file():  # drawn once, the first time it is asked for
        await state.drawing(_plot_plan, plan, drawn)
    return FileResponse(drawn, media_type="image/png")


def _live(request: Request) -> Live:
    live: Live | None = state_of(request).live
    if live is None:
        raise NotHere("nothing playing")
    return live


async def live_page(request: Request) -> Response:
    state = state_of(request)
    if state.live is None:
        return back_to("/massage")
    return page(request, "live.html", live=state.live.to_json())


async def live_command(request: Request) -> Response:
    live = _live(request)
    form = await request.form()
    name = str(form.get("action") or "")
    if name == "taps":  # issue 36: the breath tapped on this page (a paired phone's too); the tone follows
        return _follow(request, live, form)
    if name not in COMMANDS:
        raise BadInput(f"the live track's keys are {', '.join(COMMANDS)}, not '{name[:40]}'", field="action")
    done = live.command(name)
    if request.headers.get("accept") == "application/json":
        return JSONResponse({"done": done, **live.to_json()})
    return back_to("/massage/live")


def _follow(request: Request, live: Live, form: FormData) -> Response:
    found = tapped_from(form)
    if found is None:
        raise BadInput("tap the circle once as each breath in begins, then send it", field="taps")
    if isinstance(found, TapAgain):
        raise BadInput(found.message, field="taps")
    intervals, since = str(form.get("tap_intervals")), str(form.get("tap_since") or "0")
    done = live.send_text(f"taps {intervals} {since}")
    if request.headers.get("accept") == "application/json":
        return JSONResponse({"done": done, **live.to_json()})
    return back_to("/massage/live")


async def live_events(request: Request) -> Response:
    """The live state, twice a second, to every page that watches, until the track ends."""
    live = _live(request)

    async def states() -> AsyncIterator[str]:
        while not await request.is_disconnected():
            answer = live.to_json()
            yield f"data: {json.dumps(answer)}\n\n"
            if answer["state"] in ("ended", "failed"):
                return
            await asyncio.sleep(0.5)

    return StreamingResponse(states(), media_type="text/event-stream")
