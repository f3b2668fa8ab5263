"""The Voices page: the recorded voices on this computer, a loved one's takes imported from
files (uploaded, then checked and cleaned by the same code as `voice import`), the phrases
to record for each script, and a voice removed after one confirmation. The consent note
comes first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from companion.app.jobs import Job
from companion.app.sessions import made_here
from companion.app.web import AppState, Made, back_to, chosen, page, words
from companion.errors import BadInput, CompanionError
from companion.plan.catalogue import builtin_scripts, resolve_script
from companion.plan.profile import SAMPLE_RATE, Energy
from companion.plan.scripts import check_name
from companion.voice.recorded import CONSENT, RecordedVoice, list_voices, script_phrases
from companion.voice.takes import FORMATS, import_takes, numbered_files

MAX_FILES = 300  # more phrases than any built-in script has
TAKE_NAME = re.compile(r"^\d{1,4}\.[A-Za-z0-9]{2,4}$")  # 001.m4a: a phrase's number and a format


def _scripts() -> list[tuple[str, str]]:
    return [(s.name, s.title) for s in builtin_scripts()]


def _shown(**more: Any) -> dict[str, Any]:
    voices = [(v.name, v.takes()) for v in list_voices()]
    return {"consent": CONSENT, "voices": voices, "scripts": _scripts(), "formats": ", ".join(FORMATS), **more}


async def voices(request: Request) -> Response:
    return page(request, "voices.html", **_shown(done=request.query_params.get("done")))


async def phrases(request: Request) -> Response:
    try:
        name = chosen(request.query_params, "script", tuple(n for n, _ in _scripts())) or "settling"
        listener = check_name(request.query_params.get("name") or None)
    except CompanionError as exc:
        return page(request, "voices.html", 400, error=words(exc), **_shown())
    script = resolve_script(name, Energy.MEDIUM)
    return page(request, "phrases.html", script=script, phrases=script_phrases(script, listener))


async def import_voice(request: Request) -> Response:
    state: AppState = request.app.state.companion
    async with request.form(max_files=MAX_FILES) as form:
        try:
            name = str(form.get("voice") or "").strip()
            if not name:
                raise BadInput("give the voice a name, such as Mum", field="voice")
            recorded = RecordedVoice(name)  # a name that is not a safe folder name is refused here
            script_name = chosen(form, "script", tuple(n for n, _ in _scripts())) or "settling"
            listener = check_name(str(form.get("name") or "").strip() or None)
            job = state.jobs.new("voice")
            folder = state.work / job.id / "takes"
            folder.mkdir(parents=True, mode=0o700)
            for upload in form.getlist("takes"):
                if isinstance(upload, str) or not upload.filename:
                    continue
                file_name = Path(upload.filename).name
                if not TAKE_NAME.match(file_name):
                    raise BadInput(
                        f"'{file_name[:60]}' is not named by its phrase's number (001.m4a, 002.mp3...)",
                        field="recordings",
                    )
                with open(folder / file_name, "wb") as out:
                    while chunk := await upload.read(1 << 20):
                        out.write(chunk)
            files = numbered_files(folder)  # the same checks as `voice import`, before anything is kept
        except CompanionError as exc:
            return page(request, "voices.html", 400, error=words(exc), **_shown())
    phrases = script_phrases(resolve_script(script_name, Energy.MEDIUM), listener)

    def work(job: Job) -> dict:
        job.progress(0, 1, "Checking and cleaning the takes")
        recorded.create()
        kept, problems = import_takes(recorded, files, phrases, SAMPLE_RATE)
        lacking = [i for i, text in enumerate(phrases, start=1) if not recorded.has(text)]
        return {"kept": kept, "problems": problems, "lacking": lacking}

    made = Made(job, name, folder)
    state.made[job.id] = made
    state.jobs.run(job, work)
    return back_to(f"/voices/import/{job.id}")


async def import_page(request: Request) -> Response:
    made = made_here(request)
    return page(request, "imported.html", made=made, job=made.job)


async def remove(request: Request) -> Response:
    recorded = RecordedVoice(request.path_params["name"])
    if not recorded.exists:
        raise LookupError("no such voice")
    if request.method == "GET":
        return page(request, "remove-voice.html", voice=recorded.name, takes=recorded.takes())
    recorded.remove()
    return back_to("/voices?done=removed")
