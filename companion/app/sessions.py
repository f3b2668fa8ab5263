"""The pages that make a session: Today (the check-in) and Caregiver (the safety notes, then
hands or feet), and what Listen (listen.py) shares with them. Each turns the page's choices
into the library's options; the session plays in the page as it is made, or is rendered for
download as `companion render` writes it."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from companion import (
    CAREGIVER,
    LEAST_SCORE,
    MOST_SCORE,
    OWNER_ONLY_DIR,
    SAFETY_SCREEN,
    SAMPLE_RATE,
    BadInput,
    CompanionError,
    Journal,
    PlayAgain,
    Ratings,
    Session,
    SessionOptions,
    SessionPlan,
    TapAgain,
    check_options,
    confirm_safety,
    file_safe,
    make_session,
    play_again,
    render,
)
from companion import CHECK_IN_GOALS as GOALS
from companion import CheckInAnswers as Answers
from companion import check_in as choose
from companion import plan_captions as captions
from companion.app.faults import answer, wants_json
from companion.app.following import HEADER_BYTES, Following
from companion.app.jobs import Job
from companion.app.room import MB, NoRoom
from companion.app.stream import wav_response, wav_size, write_wav
from companion.app.tapping import tapped_from, with_taps
from companion.app.unrecorded import unrecorded_before_playing
from companion.app.usual import lengths_with, sleep_choices, usual
from companion.app.web import (
    AppState,
    Heard,
    Made,
    NotHere,
    back_to,
    chosen,
    fitted,
    known,
    number,
    page,
    ratings_from,
    state_of,
    who_asks,
    words,
)
from companion.app.whose import limit_of, person_of

LENGTHS = (4, 6, 10, 15, 20, 30)  # minutes offered beside "the usual for my energy"
MP3_BYTES_PER_S = 24_000  # 192 kbit/s: above what the MP3s' quality setting gives (about 165)
REPLACED_WORDS = "Your earlier {} was still being made on this device; it has stopped, and this one takes its place."


def seconds_and_channels(options: SessionOptions) -> tuple[float, int]:
    """How long the session will be, and its channels, from its options (nothing made yet)."""
    profile, _ = check_options(options)
    return profile.minutes * 60, profile.channels


def wav_bytes(options: SessionOptions) -> int:
    seconds, channels = seconds_and_channels(options)
    return HEADER_BYTES + int(seconds * SAMPLE_RATE) * channels * 2


def start_hearing(
    state: AppState,
    options: SessionOptions,
    reason: str,
    who: str,
    checkin: dict[str, Any] | None = None,
    before: Ratings | None = None,
    journal: Path | None = None,
) -> Heard:
    """Make the session in a job and write its WAV as it plays; a check-in's session (its
    answers, `checkin`) starts its row in the journal at once, with the 'before' ratings.
    NoRoom, before anything is made, when the disk has no room for it."""

    asked_at = time.monotonic()  # issue 36: a tapped breath's first rise is placed again at Play

    def work(job: Job) -> None:
        session = _make(options, state, job, wait_for_voice=False)  # the voice is made as it plays
        heard.title = session.plan.script_title
        heard.breaths = [round(x, 3) for b in session.plan.breaths for x in (b.start_s, b.inhale_s, b.exhale_s)]
        size = wav_size(session)
        following = Following(heard.wav, size, session.plan.sample_rate, session.profile.channels)
        if options.breath_in_s is not None and options.breath_rate is not None:
            following.rise_at_play(asked_at + options.breath_in_s, options.breath_rate)
        heard.following = following
        heard.size = size  # the page may ask for its sound from now on
        job.hold.expect(heard.size)  # its size to the byte, now that it is planned
        heard.record = session.record(**(checkin or {}))
        if checkin is not None and heard.journal is not None:
            with Journal(heard.journal) as store:
                heard.journal_id = store.start_session(heard.record, before)
        write_wav(session, heard.wav, job, placed=lambda plan: setattr(heard, "lines", caption_rows(plan)))
        following.written(session)  # the rest follows taps from here (issue 36)
        heard.breaths = following.breaths() or heard.breaths  # the first rise, if Play placed it meanwhile

    notes = SAFETY_SCREEN if options.mode == CAREGIVER.name else None
    state.forget_old_sounds()
    job = state.jobs.new("session")
    heard = Heard(job, state.work / f"{job.id}.wav", reason=reason, notes=notes, journal=journal)
    expected = wav_bytes(options)
    if state.start(job, work, who, "session", expected, heard.wav):  # after `heard` exists: the work fills it in
        heard.reason = f"{heard.reason} {REPLACED_WORDS.format('session')}".strip()
    state.heard[job.id] = heard
    return heard


def start_making(state: AppState, options: SessionOptions, who: str) -> Made:
    """Render the session to an MP3 with its tags and chapters (and a caregiver's notes);
    NoRoom, before anything is made, when the disk has no room for it."""

    def work(job: Job) -> None:
        session = _make(options, state, job)
        made.name = f"{file_safe(session.plan.script_title)}.mp3"
        writing = lambda done, total: job.progress(done, total, "Writing the file")  # noqa: E731
        rendered = render(session, made.path, progress=writing)
        made.notes, made.captions = rendered.notes, rendered.captions

    job = state.jobs.new("file")
    made = Made(job, "session.mp3", state.work / job.id / "session.mp3")
    made.path.parent.mkdir(mode=OWNER_ONLY_DIR)
    expected = int(seconds_and_channels(options)[0] * MP3_BYTES_PER_S) + MB  # and its cover, notes
    if state.start(job, work, who, "session", expected, made.path.parent):
        made.replaced = REPLACED_WORDS.format("session")
    state.made[job.id] = made
    return made


def _make(options: SessionOptions, state: AppState, job: Job, wait_for_voice: bool = True) -> Session:
    job.progress(0, 1, "Preparing the voice")
    return make_session(
        options,
        confirm=lambda notes: state.safety_confirmed,  # the library's rule; the page only relays it
        wait_for_voice=wait_for_voice,
        progress=lambda done, total: job.progress(done, total, "Preparing the voice"),
    )


def caption_rows(plan: SessionPlan) -> list[list[float | str]]:
    """The plan's words for the page: [start_s, end_s, text] of each line placed so far."""
    return [[round(c.start_s, 3), round(c.end_s, 3), c.text] for c in captions(plan)]


# -- Today ------------------------------------------------------------------------------
def _again(request: Request) -> PlayAgain:
    """Today's "play again": the library's pick from the person's journal (the page only shows it)."""
    try:
        with Journal(person_of(request).journal_path, read_only=True) as journal:
            return play_again(journal)
    except CompanionError:  # a journal that cannot be read: the questions still choose (its page says why)
        return PlayAgain((), ())


def _today_page(request: Request, status: int = 200, **values: Any) -> Response:
    again = _again(request)
    goals = [(goal, said.capitalize()) for goal, said in GOALS.items()]  # the check-in's words
    kept = usual(request).minutes  # issue 33: the person's usual length, chosen (the form may change it)
    lengths = lengths_with(LENGTHS, kept)
    minutes = None if kept is None else f"{kept:g}"
    return page(request, "today.html", status, goals=goals, lengths=lengths, minutes=minutes, again=again, **values)


async def _play_again(request: Request, form: FormData) -> Response:
    """One tap: the same session as before (its script, energy, length and voice), kept in the
    journal; a recorded voice's missing phrases are named first, as on Listen."""
    state, someone = state_of(request), person_of(request)
    chosen_again = _again(request).find(str(form.get("again") or ""))
    if chosen_again is None:
        gone = "That session is no longer in the list; choose another, or answer the questions."
        return _today_page(request, 400, error=gone)
    options, note = fitted(chosen_again.options())
    options.voices_folder = someone.voices_folder  # a recorded voice is the person's own
    missing = unrecorded_before_playing(options) if form.get("anyway") != "yes" else None
    if missing is not None:
        fields = [(k, str(v)) for k, v in form.multi_items() if isinstance(v, str)]
        return page(request, "unrecorded.html", missing=missing, fields=fields, again="/today", making=False)
    in_voice = f", {chosen_again.in_voice}" if chosen_again.in_voice else ""
    said = [f"Again: {chosen_again.title}, {options.minutes:g} minutes{in_voice}.", chosen_again.voice_note, note]
    reason = " ".join(s for s in said if s)
    try:
        heard = start_hearing(state, options, reason, who_asks(request), checkin={}, journal=someone.journal_path)
    except NoRoom as exc:
        return _today_page(request, 503, error=words(exc))
    return back_to(f"/session/{heard.job.id}")


async def today(request: Request) -> Response:
    state = state_of(request)
    if request.method == "GET":
        state.voicing.ready_it()  # the voice loaded while the questions are read, before Play
        return _today_page(request)
    form = await request.form()
    if form.get("action") == "again":
        return await _play_again(request, form)
    try:
        score = number(form, "energy_score", LEAST_SCORE, MOST_SCORE)
        breathless = chosen(form, "breathless", ("yes", "no"))
        answers = Answers(
            None if score is None else int(score),
            None if breathless is None else breathless == "yes",
            chosen(form, "goal", tuple(GOALS)),
            number(form, "minutes"),
        )
        choice = choose(answers)
        options, tapped = with_taps(choice.options(), form)
        options, note = fitted(options)
    except BadInput as exc:
        return _today_page(request, 400, error=words(exc))
    tiredness = None if answers.energy_score is None else MOST_SCORE - answers.energy_score
    before = Ratings(tiredness=tiredness, breath_rate=options.breath_rate)  # the rate tapped, if any
    checkin = {"energy_score": answers.energy_score, "breathless": answers.breathless, "goal": answers.goal}
    reason = " ".join(s for s in (choice.reason + ".", tapped, note) if s)
    try:
        journal = person_of(request).journal_path
        heard = start_hearing(state, options, reason, who_asks(request), checkin, before, journal)
    except NoRoom as exc:
        return _today_page(request, 503, error=words(exc))
    heard.breath_rate = options.breath_rate
    return back_to(f"/session/{heard.job.id}")


def play_or_make(request: Request, form: FormData, options: SessionOptions, reason: str) -> Response:
    state, who = state_of(request), who_asks(request)
    if form.get("action") == "download":
        return back_to(f"/file/{start_making(state, options, who).job.id}")
    heard = start_hearing(state, options, reason, who, journal=person_of(request).journal_path)  # a row once rated
    heard.breath_rate = options.breath_rate  # tapped along (issue 36): kept if the session is kept
    return back_to(f"/session/{heard.job.id}")


# -- Caregiver --------------------------------------------------------------------------
async def caregiver(request: Request) -> Response:
    state = state_of(request)
    parts = [p.name for p in CAREGIVER.parts]  # the first is the usual
    shown: dict[str, Any] = {
        "notes": SAFETY_SCREEN,
        "parts": parts,
        "part_choices": [(p, p.capitalize()) for p in parts],
    }
    if request.method == "GET":
        state.voicing.ready_it()
        return page(request, "caregiver.html", confirmed=state.safety_confirmed, **shown)
    form = await request.form()
    if form.get("action") == "confirm":
        state.safety_confirmed = form.get("read") == "yes"
        if not state.safety_confirmed:
            error = "Tick the box to say you have read the notes, then confirm."
            return page(request, "caregiver.html", 400, confirmed=False, error=error, **shown)
        return back_to("/caregiver#part")
    try:
        part = chosen(form, "part", tuple(parts)) or parts[0]
        options = SessionOptions(mode=CAREGIVER.name, part=part, name=str(form.get("name") or "").strip() or None)
        options, note = fitted(options)
        confirm_safety(state.safety_confirmed, lambda notes: False)  # the library's rule, before any work
    except BadInput as exc:
        return page(request, "caregiver.html", 400, confirmed=state.safety_confirmed, error=words(exc), **shown)
    try:
        return play_or_make(request, form, options, note or "")
    except NoRoom as exc:
        return page(request, "caregiver.html", 503, confirmed=state.safety_confirmed, error=words(exc), **shown)


# -- What the session pages ask for ------------------------------------------------------
def heard_here(request: Request) -> Heard:
    """The session in the address; a phone limited to one person is shown only that person's
    sessions (an id is hard to guess, but it is a way in that the person's own pages do not
    offer)."""
    heard = known(state_of(request).heard, request.path_params["job"])
    mine = heard.journal is None or heard.journal == person_of(request).journal_path  # None: a carer's, no journal
    if limit_of(request) is not None and not mine:
        raise NotHere("no such session")
    return heard


async def session_page(request: Request) -> Response:
    heard = heard_here(request)
    sleep_options, sleep_start = sleep_choices(request)  # issue 33: the person's usual timer
    return page(
        request, "session.html", heard=heard, job=heard.job, sleep_options=sleep_options, sleep_start=sleep_start
    )


async def session_audio(request: Request) -> Response:
    heard = heard_here(request)
    if heard.size == 0:  # not planned yet: the page asks only once the job says it is ready
        return answer(request, 409, "The session is not ready yet: its page plays it as soon as it is.")
    return wav_response(request, heard.wav, heard.size, heard.job, heard.following)


async def progress(request: Request) -> Response:
    state = state_of(request)
    job_id = request.path_params["job"]
    answer = known(state.jobs.jobs, job_id).to_json()
    made = state.made.get(job_id)
    if made is not None:
        answer["has_notes"] = made.notes is not None
        answer["has_captions"] = made.captions is not None
    heard = state.heard.get(job_id)
    if heard is not None and heard.size:
        answer["track"] = {"src": f"/session/{job_id}/audio.wav", "label": heard.title, "breaths": heard.breaths}
        answer["lines"] = heard.lines  # the words placed so far (all of them once the voice is made)
    return JSONResponse(answer)


async def session_rating(request: Request) -> Response:
    """Before or after: the ratings (each skippable) and, after, how long it played."""
    heard = heard_here(request)
    form = await request.form()
    moment = chosen(form, "moment", ("before", "after")) or "after"
    try:
        ratings = Ratings() if form.get("skip") else _with_tapped(ratings_from(form), form)
    except BadInput as exc:
        if wants_json(request):
            return JSONResponse({"error": words(exc)}, 400)
        return page(request, "session.html", 400, heard=heard, job=heard.job, error=words(exc))
    heard_s = number(form, "heard_s", 0, 24 * 3600)
    if heard.journal is not None and not heard.journal.parent.is_dir():  # its person was removed meanwhile
        raise NotHere("the person this session was for is no longer here")
    with Journal(heard.journal or person_of(request).journal_path) as journal:
        if heard.journal_id is None and heard.record is not None and not ratings.empty:
            tapped = Ratings(breath_rate=heard.breath_rate)  # the breath tapped before it (Listen)
            if moment == "before":
                ratings, tapped = replace(ratings, breath_rate=heard.breath_rate), Ratings()
            heard.journal_id = journal.start_session(heard.record, tapped)
        if heard.journal_id is not None:
            if not ratings.empty:
                journal.add(ratings, moment, heard.journal_id)
            if moment == "after":
                ended = "finished" if form.get("ended") == "finished" else "stopped"
                journal.finish_session(heard.journal_id, None if heard_s is None else heard_s / 60, ended)
    if wants_json(request):
        return JSONResponse({"kept": not ratings.empty})
    return back_to(f"/session/{heard.job.id}?kept={moment}")


def _with_tapped(ratings: Ratings, form: FormData) -> Ratings:
    """The ratings with the breath tapped along after the session (issue 36), when it was."""
    found = tapped_from(form)
    if isinstance(found, TapAgain):
        raise BadInput(found.message, field="taps")
    return ratings if found is None else replace(ratings, breath_rate=found.rate)


# -- A file to download ---------------------------------------------------------------------
def made_here(request: Request, voice: bool = False) -> Made:
    """The file made by the job in the address: a voice's import when `voice`, else a track or
    a pack (a job's id of the other kind names nothing here)."""
    made = known(state_of(request).made, request.path_params["job"])
    if (made.job.title == "voice") != voice:
        raise NotHere("no such file")
    return made


async def file_page(request: Request) -> Response:
    made = made_here(request)
    about = (
        "The pack holds the tracks, a page to play them from (open index.html) and a version to print."
        if made.job.title == "pack"
        else "The track carries its title, cover and chapters, so a phone's player shows them."
    )
    return page(request, "file.html", made=made, job=made.job, about=about)


async def file_download(request: Request) -> Response:
    made = made_here(request)
    which = request.path_params["which"]
    beside = {"audio": (made.path, made.name), "notes": (made.notes, ".txt"), "captions": (made.captions, ".vtt")}
    path, name = beside.get(which, (None, ""))
    if made.job.state != "done" or path is None:
        raise NotHere("not made")
    if which != "audio":
        name = Path(made.name).with_suffix(name).name
    return FileResponse(path, filename=name)
