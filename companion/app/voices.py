"""The Voices page: the recorded voices on this computer, a loved one's takes imported from
files (uploaded, then checked and cleaned by the same code as `voice import`), the phrases
to record for each script, and a voice removed after one confirmation. The consent note
comes first."""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response

from companion import (
    ENERGY_WORDS,
    OWNER_ONLY_DIR,
    SAMPLE_RATE,
    BadInput,
    CompanionError,
    Energy,
    RecordedVoice,
    builtin_scripts,
    import_takes,
    numbered_files,
    resolve_script,
    script_phrases,
)
from companion import RECORDING_CONSENT as CONSENT
from companion import TAKE_FORMATS as FORMATS
from companion import NumberedPhrase as Phrase
from companion import check_spoken_name as check_name
from companion import phrases_by_energy as split_by_energy
from companion import recorded_voices as list_voices
from companion import recording_order as walk_order
from companion.app.jobs import Job
from companion.app.sessions import made_here
from companion.app.web import Made, NotHere, back_to, chosen, page, save_upload, state_of, words
from companion.app.whose import person_of

MAX_FILES = 300  # more phrases than any built-in script has
TAKE_NAME = re.compile(r"^\d{1,4}\.[A-Za-z0-9]{2,4}$")  # 001.m4a: a phrase's number and a format


def _scripts() -> list[tuple[str, str]]:
    return [(s.name, s.title) for s in builtin_scripts()]


Params = ImmutableMultiDict[str, Any]  # a page's query or form
ENERGIES = tuple((e.value, ENERGY_WORDS[e]) for e in Energy)  # a recording's energy: its phrases first


def _shown(request: Request, **more: Any) -> dict[str, Any]:
    voices = [(v.name, v.takes()) for v in list_voices(person_of(request).voices_folder)]
    return {
        "consent": CONSENT,
        "voices": voices,
        "scripts": _scripts(),
        "energies": ENERGIES,
        "formats": ", ".join(FORMATS),
        **more,
    }


def _energy(params: Params) -> str | None:
    return chosen(params, "energy", tuple(e for e, _ in ENERGIES))


def _only(params: Params) -> list[int] | None:
    """The phrase numbers a walk is limited to ("3,17": those a session lacks), if any."""
    text = str(params.get("only") or "")
    numbers = [int(n) for n in text.split(",") if n.isascii() and n.isdigit() and len(n) < 6]
    return numbers or None


async def voices(request: Request) -> Response:
    return page(request, "voices.html", **_shown(request, done=request.query_params.get("done")))


async def phrases(request: Request) -> Response:
    try:
        name = chosen(request.query_params, "script", tuple(n for n, _ in _scripts())) or "settling"
        listener = check_name(request.query_params.get("name") or None)
    except BadInput as exc:
        return page(request, "voices.html", 400, error=words(exc), **_shown(request))
    script = resolve_script(name, Energy.MEDIUM)
    energy = _energy(request.query_params) or Energy.LOW.value
    spoken, rest = split_by_energy(script, energy, listener)
    said = dict(ENERGIES)[energy].lower()
    return page(request, "phrases.html", script=script, spoken=spoken, rest=rest, energy_words=said)


def _walk(params: ImmutableMultiDict[str, Any], request: Request) -> tuple[RecordedVoice, str, str | None, list[str]]:
    """The voice (one of this page's person's), script, listener's name and phrases that takes
    (uploaded, or recorded one at a time) are for."""
    name = str(params.get("voice") or "").strip()
    if not name:
        raise BadInput("give the voice a name, such as Mum", field="voice")
    recorded = RecordedVoice(name, person_of(request).voices_folder)
    script_name = chosen(params, "script", tuple(n for n, _ in _scripts())) or "settling"
    listener = check_name(str(params.get("name") or "").strip() or None)
    return recorded, script_name, listener, script_phrases(resolve_script(script_name, Energy.MEDIUM), listener)


def _order(params: Params, script_name: str, listener: str | None) -> list[int]:
    """The walk's phrase numbers in order: the chosen energy's first, or only those asked for."""
    script = resolve_script(script_name, Energy.MEDIUM)
    return walk_order(script, _energy(params), listener, _only(params))


def _lacking_after_import(
    recorded: RecordedVoice, script_name: str, listener: str | None, energy: str | None
) -> dict[str, Any]:
    """What is still to record after an import: the chosen energy's phrases apart from the rest."""
    script = resolve_script(script_name, Energy.MEDIUM)
    spoken, rest = split_by_energy(script, energy or Energy.LOW.value, listener)

    def missing(phrases: list[Phrase]) -> list[int]:
        return [p.number for p in phrases if not recorded.has(p.text)]

    return {"spoken": missing(spoken), "rest": missing(rest), "energy": energy or Energy.LOW.value}


async def import_voice(request: Request) -> Response:
    state = state_of(request)
    uploaded = state.work / f"import-{secrets.token_hex(8)}"  # the takes as sent, until they are cleaned
    folder = uploaded / "takes"
    async with request.form(max_files=MAX_FILES) as form:
        taken = False
        try:
            recorded, script_name, listener, phrases = _walk(form, request)
            energy = _energy(form)
            folder.mkdir(parents=True, mode=OWNER_ONLY_DIR)
            for upload in form.getlist("takes"):
                if isinstance(upload, str) or not upload.filename:
                    continue
                file_name = Path(upload.filename).name
                if not TAKE_NAME.fullmatch(file_name):  # fullmatch: '$' lets a newline through
                    raise BadInput(
                        f"'{file_name[:60]}' is not named by its phrase's number (001.m4a, 002.mp3...)",
                        field="recordings",
                    )
                await save_upload(upload, folder / file_name, state.budget)
            files = numbered_files(folder)  # the same checks as `voice import`, before anything is kept
            taken = True
        except BadInput as exc:
            return page(request, "voices.html", 400, error=words(exc), **_shown(request))
        finally:
            if not taken:  # refused, or failed (a full disk): nothing of it stays
                shutil.rmtree(uploaded, ignore_errors=True)

    def work(job: Job) -> dict[str, Any]:
        job.progress(0, 1, "Checking and cleaning the takes")
        new = recorded.create()
        try:
            kept, problems = import_takes(recorded, files, phrases, SAMPLE_RATE)
        finally:
            shutil.rmtree(uploaded, ignore_errors=True)  # what was kept is in the voice's folder now
            empty = new and recorded.takes() == 0
            if empty:  # no take could be kept: no voice is left with none
                recorded.remove()
        still = _lacking_after_import(recorded, script_name, listener, energy)
        walk = {"voice": recorded.name, "script": script_name, "name": listener or "", "energy": still["energy"]}
        return {
            "kept": kept,
            "problems": problems,
            "lacking": recorded.lacking(phrases),
            "still": still,
            "energy_words": dict(ENERGIES)[still["energy"]].lower(),
            "record": urlencode(walk),
            "listen": urlencode({"voice": recorded.name, "energy": still["energy"]}),
            "no_voice": empty,
        }

    job = state.jobs.new("voice")
    made = Made(job, recorded.name, folder)
    state.made[job.id] = made
    state.jobs.run(job, work)
    return back_to(f"/voices/import/{job.id}")


async def import_page(request: Request) -> Response:
    made = made_here(request, voice=True)
    return page(request, "imported.html", made=made, job=made.job)


async def remove(request: Request) -> Response:
    name = request.path_params["name"]
    folder = person_of(request).voices_folder
    if not RecordedVoice.known(name, folder):  # a name no voice can have ('..', too long) names nothing
        raise NotHere("no such voice")
    recorded = RecordedVoice(name, folder)
    if request.method == "GET":
        return page(request, "remove-voice.html", voice=recorded.name, takes=recorded.takes())
    recorded.remove()
    return back_to("/voices?done=removed")


# -- Recording on a phone, phrase by phrase ---------------------------------------------
RECORDED_SUFFIX = {"audio/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/wav": ".wav"}


def _phrase_number(text: str, total: int) -> int:
    if text.isascii() and text.isdigit() and len(text) < 6 and 1 <= int(text) <= total:
        return int(text)
    raise BadInput(f"the script has phrases 1 to {total}, not '{text[:20]}'", field="n", value=text)


def _next_lacking(recorded: RecordedVoice, phrases: list[str], order: list[int], after: int = 0) -> int | None:
    """The first phrase after `after` (a number) in the walk's order with no take yet, else
    the first before it."""
    lacking = set(recorded.lacking(phrases))
    todo = [n for n in order if n in lacking]
    later = order[order.index(after) + 1 :] if after in order else order
    return next((n for n in later if n in lacking), todo[0] if todo else None)


def _walk_page(
    request: Request,
    status: int,
    recorded: RecordedVoice,
    script_name: str,
    listener: str | None,
    phrases: list[str],
    n: int | None,
    params: Params,
    **more: Any,
) -> Response:
    order = _order(params, script_name, listener)
    at = order.index(n) if n in order else -1
    return page(
        request,
        "record.html",
        status,
        consent=CONSENT,
        voice=recorded.name,
        script=script_name,
        listener=listener or "",
        n=n,
        total=len(phrases),
        text=phrases[n - 1] if n else None,
        kept=len(phrases) - len(recorded.lacking(phrases)),
        energy=_energy(params) or "",
        energy_words=dict(ENERGIES).get(_energy(params) or "", "").lower(),
        only=",".join(str(i) for i in _only(params) or ()),
        walk_total=len(order),
        next_in_walk=order[(at + 1) % len(order)] if order else 1,
        walk_kept=len([i for i in order if recorded.has(phrases[i - 1])]),
        **more,
    )


async def record(request: Request) -> Response:
    """Read this, record, hear it back, keep or redo, or skip: one phrase at a time, from the
    first without a take (so it resumes where it stopped)."""
    try:
        recorded, script_name, listener, phrases = _walk(request.query_params, request)
    except BadInput as exc:
        return page(request, "voices.html", 400, error=words(exc), **_shown(request))
    n: int | None
    try:
        n = _phrase_number(request.query_params.get("n") or "", len(phrases))
    except BadInput:  # none, or not one of this script's: where the takes stop
        n = _next_lacking(recorded, phrases, _order(request.query_params, script_name, listener))
    return _walk_page(request, 200, recorded, script_name, listener, phrases, n, request.query_params)


async def record_take(request: Request) -> Response:
    folder = state_of(request).work / f"take-{secrets.token_hex(8)}"
    async with request.form(max_files=1) as form:
        taken = False
        try:
            recorded, script_name, listener, phrases = _walk(form, request)
            n = _phrase_number(str(form.get("n") or ""), len(phrases))
            upload = form.get("take")
            if upload is None or isinstance(upload, str) or not upload.filename:
                raise BadInput("record the phrase first, then keep it", field="take")
            kind = (upload.content_type or "").split(";")[0]
            suffix = RECORDED_SUFFIX.get(kind) or Path(upload.filename).suffix.lower()
            if suffix not in FORMATS:
                raise BadInput(f"a take is one of {', '.join(FORMATS)}, not '{suffix or kind}'", field="take")
            folder.mkdir(mode=OWNER_ONLY_DIR)
            path = folder / f"{n:03d}{suffix}"  # named as `voice import` names it, for its messages
            await save_upload(upload, path, state_of(request).budget)
            taken = True
        except BadInput as exc:
            return page(request, "voices.html", 400, error=words(exc), **_shown(request))
        finally:
            if not taken:  # refused, or failed (a full disk): nothing of it stays
                shutil.rmtree(folder, ignore_errors=True)
    redo: str | None = None
    new = recorded.create()
    try:  # checked and cleaned by the same code as `voice import`
        _, problems = await asyncio.to_thread(import_takes, recorded, {n: path}, phrases, SAMPLE_RATE)
        if problems:
            redo = words(Exception(problems[0].problem))
    except CompanionError as exc:
        redo = words(exc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if new and recorded.takes() == 0:  # a first take not kept leaves no empty voice behind
            recorded.remove()
    if redo is not None:  # the same phrase again, saying why
        return _walk_page(request, 400, recorded, script_name, listener, phrases, n, form, redo=redo)
    following = _next_lacking(recorded, phrases, _order(form, script_name, listener), after=n)
    walk = {"voice": recorded.name, "script": script_name, "name": listener or "", "kept": n}
    walk |= {key: str(form.get(key)) for key in ("energy", "only") if form.get(key)}
    query = urlencode(walk)
    return back_to(f"/voices/record?{query}" + (f"&n={following}" if following else ""))
