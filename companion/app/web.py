"""What the app's pages share: the templates (the pack's player among them), the app's state,
a form's ratings, and a library error put into the page's words."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData, ImmutableMultiDict, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from companion import (
    DEFAULT_CHIME_EVERY,
    ENERGY_NAMES,
    GUIDE_NOTE,
    LEAST_SCORE,
    MASSAGE,
    MAX_BREATH_RATE,
    MIN_BREATH_RATE,
    MIN_REGION_MINUTES,
    MOMENT_WORDS,
    MOST_SCORE,
    NOTE_CHARS,
    PACK_NAME_CHARS,
    PERSON_NAME_CHARS,
    PLAN_NAME_CHARS,
    SPOKEN_NAME_CHARS,
    STOP_RULE,
    SYMPTOMS,
    VOICE_NAME_CHARS,
    BadInput,
    DoesNotFit,
    OutputError,
    PackOptions,
    People,
    Ratings,
    SessionOptions,
    SessionRecord,
    cache_dir,
    check_options,
    data_dir,
)
from companion import HONEST_NOTE as HONEST
from companion import PACK_PAGE_FOLDER as PACK_HERE
from companion import RATING_QUESTIONS as QUESTIONS
from companion.app.devices import Devices, Pairing
from companion.app.drawing import Drawing
from companion.app.following import Following
from companion.app.jobs import Job, Jobs
from companion.app.roles import ALL_PAGES, Choices, page_name, pages_for, role_of
from companion.app.room import DISK_BUDGET, FREE_FLOOR, Budget, NoRoom, Slots, mark_owner, remove, size_of, sweep
from companion.app.voicing import Voicing
from companion.app.whose import NotYours, picker

HERE = Path(__file__).resolve().parent
# Every default, range and length a form shows is the library's (tests/fast/test_app_forms.py):
DEFAULTS = SessionOptions()
PACK_DEFAULTS = PackOptions()
ENERGIES = tuple((level.value, name) for level, name in ENERGY_NAMES.items())  # the check-in's words
AMBIENCE_WORDS = {"pink": "Soft", "brown": "Deep", "none": "Tone only"}  # the app's words for AMBIENCES
LIMITS = {
    "defaults": DEFAULTS,
    "pack_defaults": PACK_DEFAULTS,
    "scores": range(LEAST_SCORE, MOST_SCORE + 1),
    "spoken_name_chars": SPOKEN_NAME_CHARS,
    "voice_name_chars": VOICE_NAME_CHARS,
    "note_chars": NOTE_CHARS,
    "pack_name_chars": PACK_NAME_CHARS,
    "min_region_minutes": MIN_REGION_MINUTES,
    "chime_every": DEFAULT_CHIME_EVERY,
    "massage_minutes": MASSAGE.minutes,
    "person_name_chars": PERSON_NAME_CHARS,  # issue 33
    "plan_name_chars": PLAN_NAME_CHARS,
    "breath_rates": (MIN_BREATH_RATE, MAX_BREATH_RATE),  # issue 33: Listen's pace
}
T = TypeVar("T")
KEPT_SOUNDS = 3  # sessions whose sound stays ready to play again while the app runs
REPLACED = {  # said on a page whose work was still under way when the same device asked for more
    "session": "Stopped: a newer session was asked for on this device, and took its place.",
    "pack": "Stopped: a newer pack was asked for on this device, and took its place.",
    "picture": "Stopped: a newer picture was asked for.",
}
PAGES = ALL_PAGES  # every section's page and name (roles.py orders them for each person)
RATING_WORDS = {**QUESTIONS, "wellbeing": "Wellbeing"}  # the page says 0 best, 10 worst beside it


@dataclass
class Heard:
    """A session the page plays: its job, its sound and its place in the journal."""

    job: Job
    wav: Path
    size: int = 0
    title: str = ""
    reason: str = ""
    breaths: list[float] = field(default_factory=list)  # the guide's [start, in, out] triples, flat
    journal_id: int | None = None  # its session's row (Today and Listen; not a caregiver's)
    journal: Path | None = None  # whose journal that row is in: the person it was made for
    notes: str | None = None  # a caregiver's safety notes, beside the track
    record: SessionRecord | None = None  # the session as the journal keeps it, once planned
    lines: list[list[float | str]] = field(default_factory=list)  # its words: [start_s, end_s, text] placed so far
    breath_rate: float | None = None  # breaths a minute tapped along before it (issue 36), for the journal
    following: Following | None = None  # issue 36: what a player may read now, and the re-timing of the rest


@dataclass
class Made:
    """A file made for download: the track as `render` writes it, and any notes beside it."""

    job: Job
    name: str
    path: Path
    notes: Path | None = None
    captions: Path | None = None  # its words as WebVTT, beside the track
    cards: list[dict[str, Any]] = field(default_factory=list)  # a pack's tracks, to play them in the page
    replaced: str | None = None  # said on its page: the earlier one it took the place of


class AppState:
    def __init__(
        self,
        folder: Path | None = None,
        lan_address: str | None = None,
        draw_apart: bool = False,
        disk_budget: int = DISK_BUDGET,
        free_floor: int = FREE_FLOOR,
        voice_apart: bool = False,
    ):
        self.jobs = Jobs()
        self.drawing = Drawing(apart=draw_apart)  # the app draws in a process of its own (see drawing.py)
        self.voicing = Voicing(apart=voice_apart)  # and makes the voice in another (see voicing.py)
        self.lan_address = lan_address  # where a phone opens the app (--lan), else None
        self.pairing = Pairing() if lan_address else None
        self.folder = folder or data_dir()  # the user's data: the people, the paired devices, the app's choices
        self.people = People(self.folder)  # each person's journal, voices and plans (issue 33)
        self.devices = Devices(self.folder) if lan_address else None
        self.choices = Choices(self.folder)  # who uses this computer
        self.heard: dict[str, Heard] = {}
        self.made: dict[str, Made] = {}
        self.safety_confirmed = False  # once, for this run of the app
        self.live: Any = None  # the Massage page's track on this computer's sound output (massage.Live)
        root = cache_dir()
        root.mkdir(parents=True, exist_ok=True)
        sweep(root)  # what apps that have gone left behind
        # owner-only, named by the process; gone when the app stops
        self.work = Path(tempfile.mkdtemp(prefix=f"app-{os.getpid()}-", dir=root))
        mark_owner(self.work)
        self.budget = Budget(self.work, disk_budget, free_floor)
        self.budget.evict, self.budget.evictable = self.forget_oldest, self.forgettable
        self.slots = Slots()

    def start(self, job: Job, work: Callable[[Job], Any], who: str, kind: str, expected: int, path: Path) -> bool:
        """Run `work` in `job`, which writes about `expected` bytes at `path` (a file or a
        folder): room is made for it first (NoRoom when there is none, before anything runs),
        and it takes the place of the work of this `kind` that `who` still has under way. What
        it leaves when it fails or is replaced is removed. True when it replaced one."""
        try:
            job.hold = self.budget.hold(expected, path)
        except NoRoom as exc:  # refused before it began: its page (if asked for) says why
            job.state, job.message = "failed", str(exc)
            job.finished.set()
            remove(path)
            raise
        replaced = self.slots.take(who, kind, job)
        if replaced is not None:
            replaced.cancel(REPLACED[kind])
            if replaced.hold is not None:
                replaced.hold.release()

        def held(job: Job) -> Any:
            try:
                return work(job)
            except BaseException:
                remove(path)
                raise
            finally:
                job.hold.release()

        self.jobs.run(job, held)
        return replaced is not None

    def _finished(self) -> list[tuple[Job, Path]]:
        """Finished work and its files, oldest first."""
        found = [(h.job, h.wav) for h in list(self.heard.values())]
        found += [(m.job, m.path.parent) for m in list(self.made.values())]
        return sorted(((job, path) for job, path in found if job.finished.is_set()), key=lambda f: f[0].created)

    def forgettable(self) -> int:
        """What removing all finished work would free."""
        return sum(size_of(path) for _, path in self._finished())

    def forget_oldest(self) -> bool:
        """Remove the files of the oldest finished work (its page then says it is not here any
        more); False when there is none."""
        for job, path in self._finished()[:1]:
            self.heard.pop(job.id, None)
            self.made.pop(job.id, None)
            remove(path)
            return True
        return False

    def forget_old_sounds(self, keep: int = KEPT_SOUNDS) -> None:
        """Only the latest few sessions' WAVs stay on disk (an hour's is 700 MB); an older
        one's page says it is not here any more."""
        finished = [h for h in self.heard.values() if h.job.finished.is_set()]
        for old in finished[: max(0, len(finished) - keep)]:
            old.wav.unlink(missing_ok=True)
            del self.heard[old.job.id]

    def close(self) -> None:
        if self.live is not None:
            self.live.close()
        self.drawing.close()
        self.voicing.close()  # a voice under way ends at once: nothing waits for it
        self.jobs.stop()
        shutil.rmtree(self.work, ignore_errors=True)


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader([HERE / "templates", PACK_HERE / "templates"]),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        pairs=lambda values: [(v, v) for v in values],  # each value its own label
        minutes_pair=lambda m: (m, f"{m} min"),
        when=when,
        moment=lambda m: MOMENT_WORDS.get(m, m),
        rating_text=rating_text,
        phrase_number=lambda n: f"{int(n):03d}",
    )
    env.globals.update(
        stop_rule=STOP_RULE, guide_note=GUIDE_NOTE, honest=HONEST, symptoms=SYMPTOMS, rating_words=RATING_WORDS
    )
    env.globals.update(LIMITS)
    return env


def when(at: str) -> str:
    """An entry's time as a person says it: Monday 30 November, 19:05."""
    moment = datetime.fromisoformat(at)
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M}"


def rating_text(ratings: Ratings) -> str:
    given = [f"{RATING_WORDS[n]} {getattr(ratings, n)}" for n in SYMPTOMS if getattr(ratings, n) is not None]
    if given:
        return " · ".join(given)
    # issue 36 (journal): an entry of a tapped rate alone says so; the rate is shown beside it
    return "A note only" if ratings.breath_rate is None else "No ratings; the breath tapped along"


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("error", None)
    first, rest = pages_for(role_of(request), owner=bool(request.scope.get("companion.owner")))
    if "companion.device" in request.scope and request.scope["companion.device"] is None:
        first, rest = (), ()  # an unpaired device: the pairing page, and nothing to go to
    here = request.url.path
    try:
        whose = picker(request)  # issue 33: whose page this is, the others one tap away
    except NotYours:  # a phone for one person, who is gone: the 'not here' page, and nothing to go to
        if name != "missing.html":
            raise
        whose, first, rest = None, (), ()
    html = (
        templates()
        .get_template(name)
        .render(
            pages=first,
            more_pages=rest,
            here=here,
            here_name=page_name(here, first + rest),
            whose=whose,
            owner=bool(request.scope.get("companion.owner")),
            **values,
        )
    )
    return HTMLResponse(html, status)


def who_asks(request: Request) -> str:
    """The device a request comes from: a paired one, or this computer's owner (one device)."""
    device = request.scope.get("companion.device")
    return f"device {device.id}" if device is not None else "this computer"


class NotHere(LookupError):
    """What an address names is not here (any more): the page for 'not here', status 404."""


def known(table: Mapping[str, T], key: str) -> T:
    """What an address names (a session, a file, a job), or NotHere."""
    try:
        return table[key]
    except KeyError:
        raise NotHere(key) from None


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.companion  # put there by make_app
    return state


async def save_upload(upload: UploadFile, path: Path, budget: Budget | None = None) -> None:
    """An uploaded file to disk a megabyte at a time (its size was bounded by the guard),
    within the app's disk budget when given one (NoRoom when it is not); one that cannot be
    written is not kept in part, and the error says why in words."""
    hold = budget.hold(upload.size or 0, path) if budget is not None else None
    try:
        with open(path, "wb") as out:
            while chunk := await upload.read(1 << 20):
                out.write(chunk)
                if hold is not None:
                    hold.check()
    except OSError as exc:
        path.unlink(missing_ok=True)
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        reason = "the disk is full; free some space" if full else f"{exc.strerror}; check the app's folder"
        raise OutputError(f"the recording could not be kept on this computer ({reason}), then try again") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        if hold is not None:
            hold.release()


def back_to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def words(exc: Exception) -> str:
    """A library error as the page says it: its own sentence, begun with a capital."""
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def number(form: FormData, name: str, low: float | None = None, high: float | None = None) -> float | None:
    """A form's number, or None when left empty; not a number is refused, and out of range
    when a range is given (none where the library checks it: a length, whose range depends
    on the kind of session)."""
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"'{text[:40]}' is not a number", field=name, value=text) from None
    if low is None or high is None:
        return value
    if not low <= value <= high:
        raise BadInput(f"{name.replace('_', ' ')} is {low:g} to {high:g}, not {value:g}", field=name, value=value)
    return value


def ratings_from(form: FormData) -> Ratings:
    values = {}
    for name in SYMPTOMS:
        value = number(form, name, 0, 10)
        if value is not None and not value.is_integer():
            raise BadInput(f"a {name} rating is a whole number from 0 to 10, not {value:g}", field=name, value=value)
        values[name] = None if value is None else int(value)
    note = str(form.get("note") or "").strip() or None
    return Ratings(**values, note=note).check()


def chosen(form: ImmutableMultiDict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = str(form.get(name) or "") or None
    if value is not None and value not in allowed:
        raise BadInput(f"'{value}' is not one of {', '.join(allowed)}", field=name, value=value, allowed=allowed)
    return value


def fitted(options: SessionOptions) -> tuple[SessionOptions, str | None]:
    """The options checked as make_session will (no voice made yet); a length too short for
    the words becomes the least that fits, said in a note."""
    try:
        check_options(options)
        return options, None
    except DoesNotFit as exc:
        options.minutes = float(exc.minutes)
        check_options(options)
        return options, f"The words need {exc.minutes} minutes; it is made {exc.minutes} minutes long."
