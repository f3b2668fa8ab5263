"""The library API every caller uses (the CLI, a hospice's own script): options -> Session -> sound.

A Session carries its plan and everything needed to make its sound (the voice and the
cache that made it), and the notices a listener must see before it starts. Policy lives
here once: a caregiver session is never made without its safety notes confirmed, and a
rendered caregiver track never leaves without its notes beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from companion.atomic import written_atomically
from companion.cache import ClipCache
from companion.errors import BadInput
from companion.journal.entries import SessionRecord
from companion.modes import MODES, Mode, Part, get_mode
from companion.options import SessionOptions, check_argument, check_callable, check_path
from companion.output.captions import captions, webvtt
from companion.output.sinks import FileSink, check_output_path, explain_write_error
from companion.output.tags import ARTIST, TrackTags, chapters_of, write_tags
from companion.plan.catalogue import builtin_scripts, default_cover, resolve_script
from companion.plan.checkin import ENERGY_WORDS
from companion.plan.layout import KnownLengths, build_plan, check_fits
from companion.plan.model import SessionPlan
from companion.plan.profile import SAMPLE_RATE, SPEAKING_PACE, Energy, Profile, make_profile, parse_energy
from companion.plan.scripts import Script, check_name, personalise
from companion.plan.taps import in_step
from companion.safety import SAFETY_SCREEN, confirm_safety
from companion.sound.layers.accompaniment import prepare_bed
from companion.sound.renderer import QUANTUM, SessionRenderer, blocks
from companion.voice.models import BUNDLED, resolve_voice
from companion.voice.narrator import Narrator, Progress
from companion.voice.phrases import filled_in_words, unrecorded
from companion.voice.piper_voice import PiperNarrator
from companion.voice.recorded import RecordedNarrator, RecordedVoice, script_phrases

ALBUM = "companion sessions"  # a single render's album; a pack's is the pack's name
STOP_RULE = (
    "While you listen: if you feel dizzy, tingly, short of air or find yourself straining, "
    "stop following the tone and return to your own easy breathing."
)


@dataclass(frozen=True)
class Notice:
    """Something the listener (or the caregiver) must see before the session starts."""

    kind: str  # "safety" (caregiver notes), "name" (not used), "voice" (phrases a recorded voice lacks),
    # "cache" (not writable), "pace" (adjusted), "stop-rule"
    text: str


@dataclass
class Session:
    """A planned session, ready to be rendered or played anywhere."""

    options: SessionOptions
    profile: Profile
    script: Script
    plan: SessionPlan
    cache: ClipCache
    narrator: Narrator | None
    notices: tuple[Notice, ...]
    voice_pending: bool = False  # the plan is tone-only until the voice is made (live play)

    @property
    def safety_notes(self) -> str | None:
        """The notes a rendered track carries beside it (caregiver sessions), else None."""
        return SAFETY_SCREEN if self.profile.mode.safety_notes else None

    @property
    def phrases(self) -> list[str]:
        return self.script.phrases_for(self.profile.energy.value)

    def record(self, **checkin: object) -> SessionRecord:
        """The session as the comfort journal keeps it (`checkin`: the answers that chose it)."""
        p, voice = self.plan.profile, self.options.voice
        voice = None if voice in BUNDLED else voice  # kept so that "play again" speaks in it again
        record = SessionRecord(self.plan.script_name, p.energy.value, p.mode.name, round(p.minutes, 2), voice=voice)
        return replace(record, **checkin)  # type: ignore[arg-type]

    def voice_clip(self) -> Callable[[str], np.ndarray] | None:
        return self.narrator.clip if self.narrator is not None else None

    def renderer(self, plan: SessionPlan | None = None, scale: float = 1.0) -> SessionRenderer:
        """Quanta of this session's sound (or of a later plan of it: extended, or with the voice)."""
        return SessionRenderer(plan or self.plan, self.voice_clip(), self.cache, scale)

    def blocks(self, blocksize: int = 4096, pcm16: bool = False) -> Iterator[np.ndarray]:
        """The session's sound as (frames, channels) blocks: float32, or int16 when `pcm16`."""
        return blocks(self.plan, self.voice_clip(), self.cache, blocksize, pcm16)

    def finish_voice(self) -> None:
        """Make what the voice still lacks and plan with it (a session made to play at once)."""
        if self.voice_pending:
            self.plan = self.plan_with_voice()
            self.voice_pending = False

    def in_step(self, breath_in_s: float) -> None:
        """Put the tone's first rise `breath_in_s` seconds after the start: where the next breath
        in of a tapped breath is expected (TappedBreath.breath_in_at, just before playing)."""
        self.plan = in_step(self.plan, breath_in_s)
        self.profile = self.plan.profile

    def plan_with_voice(self, minutes: float | None = None, lead_in_s: float | None = None) -> SessionPlan:
        """The full plan, synthesising what the voice still lacks (`lead_in_s`: a longer
        tone-only opening, for a player that started before the voice was ready)."""
        profile = self.profile if minutes is None else self.profile.with_(minutes=minutes)
        # words pushed late by a longer opening are played rather than refused mid-session
        return build_plan(profile, self.script, self.narrator, lead_in_s=lead_in_s, check_words=lead_in_s is None)


@dataclass(frozen=True)
class Rendered:
    path: Path
    notes: Path | None  # the safety notes beside a caregiver track
    frames: int
    captions: Path | None = None  # the words as WebVTT beside the track (a session with words)


def make_plan(
    options: SessionOptions | None = None,
    *,
    cache: ClipCache | None = None,
    narrator: Narrator | None = None,
    progress: Progress | None = None,
) -> SessionPlan:
    """Only the plan (what happens when), with the voice's real phrase lengths: no sound is
    made from it, so no safety confirmation is needed."""
    _check_call(options, cache, narrator, progress=progress)
    profile, script, voice = _resolve(options or SessionOptions(), cache or ClipCache(), narrator)
    return build_plan(profile, script, _make_voice(voice, profile, script, progress) if voice else None)


def make_session(
    options: SessionOptions | None = None,
    *,
    cache: ClipCache | None = None,
    narrator: Narrator | None = None,
    confirm: Callable[[str], bool] | None = None,
    wait_for_voice: bool = True,
    notify: Callable[[Notice], None] | None = None,
    progress: Progress | None = None,
) -> Session:
    """Validate the options, confirm the safety notes where the mode has them, and plan.

    `narrator` speaks instead of the voice the options name (any Narrator: a recorded
    voice, say); `cache` holds the clips and noise loops (default: the user's cache folder).
    `confirm(notes)` shows the caregiver safety notes and returns True once they are read
    and accepted; without it, `options.safety_confirmed` must say so. With `wait_for_voice`
    False and phrases still to synthesise, the plan is tone-only and `voice_pending` is
    True (play() synthesises while the tone sounds). A script that surely cannot fit is
    refused before anything is synthesised (DoesNotFit, with the least length it needs).
    `notify(notice)` hears each notice before the voice is made (it can take a while on a
    fresh machine), and `progress(done, total)` of each phrase made.
    """
    _check_call(options, cache, narrator, confirm=confirm, notify=notify, progress=progress)
    check_argument("wait_for_voice", wait_for_voice, isinstance(wait_for_voice, bool), "True or False")
    opts = options or SessionOptions()
    cache = cache or ClipCache()
    profile, script, narrator = _resolve(opts, cache, narrator)
    if profile.mode.safety_notes:
        confirm_safety(opts.safety_confirmed, confirm)
    notices = _notices(profile, cache, script)
    if script.filled_in:
        notices = (Notice("voice", filled_in_words(str(opts.voice), script.filled_in)), *notices)
    if notify is not None:
        for notice in notices:
            notify(notice)
    pending = False
    lengths = None
    if narrator is not None:
        pending = not wait_for_voice and not narrator.ready(script.phrases_for(profile.energy.value), SPEAKING_PACE)
        if not pending:
            lengths = _make_voice(narrator, profile, script, progress)
    plan = build_plan(profile, script, lengths)
    return Session(opts, profile, script, plan, cache, narrator, notices, voice_pending=pending)


def builtin_phrases() -> list[str]:
    """Every phrase of every built-in script at every energy level, as said without a name."""
    return list(dict.fromkeys(p for script in builtin_scripts() for p in script_phrases(script)))


def prepare_voice(*, cache: ClipCache | None = None, progress: Progress | None = None) -> int:
    """Make every built-in phrase the bundled voice still lacks, and the default noise bed, so
    a session started later speaks at once; returns how many phrases were made. Slow on a
    fresh machine (a minute or two); meant for a quiet moment, at low priority."""
    check_argument("cache", cache, cache is None or isinstance(cache, ClipCache), "a ClipCache or None")
    check_callable("progress", progress)
    cache = cache or ClipCache()
    narrator = PiperNarrator(resolve_voice(None), SAMPLE_RATE, cache)
    before = narrator.synthesised
    narrator.clip_lengths(builtin_phrases(), SPEAKING_PACE, progress)
    defaults = SessionOptions()
    prepare_bed(defaults.ambience, defaults.seed, SAMPLE_RATE, cache)
    return narrator.synthesised - before


def track_tags(session: Session, album: str = ALBUM, track: int | None = None, total: int | None = None) -> TrackTags:
    """What a player shows: the script's title with the energy and length, the cover, and a
    chapter at each section of the script (and each region of a therapist's track)."""
    check_argument("session", session, isinstance(session, Session), "a Session (from make_session)")
    plan, profile = session.plan, session.profile
    title = f"{plan.script_title} ({ENERGY_WORDS[profile.energy].lower()}, {profile.minutes:g} min)"
    return TrackTags(title, album, ARTIST, track, total, session.script.summary, default_cover(), chapters_of(plan))


def check_options(options: SessionOptions, *, cache: ClipCache | None = None) -> tuple[Profile, Script]:
    """Validate the options as make_session does (a script that surely cannot fit included),
    without synthesising anything or asking for the safety confirmation."""
    profile, script, _ = _resolve(options, cache or ClipCache())
    return profile, script


def render(
    session: Session, path: str | Path, tags: TrackTags | None = None, progress: Progress | None = None
) -> Rendered:
    """Write the session to an audio file (format from the suffix), tagged (`tags`, else
    track_tags(session)), with its words as timed text beside it as `<stem>.vtt` (WebVTT,
    each line when it is spoken) and a caregiver track's safety notes as `<stem>.txt`: all
    or none, never a half-written file. `progress(frames, total)` hears each block."""
    check_argument("session", session, isinstance(session, Session), "a Session (from make_session)")
    check_path("path", path)
    check_argument("tags", tags, tags is None or isinstance(tags, TrackTags), "TrackTags or None")
    check_callable("progress", progress)
    path = check_output_path(Path(path))
    session.finish_voice()
    tags = tags or track_tags(session)
    sink = FileSink(path, session.plan.sample_rate, session.plan.profile.channels, session.plan.fingerprint())
    beside: dict[str, str] = {}  # suffix -> text, put in place after the audio
    if session.safety_notes is not None:
        beside[".txt"] = session.safety_notes
    lines = captions(session.plan)
    if lines:
        beside[".vtt"] = webvtt(lines)

    def counted(blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        done, total = 0, session.plan.total_samples
        for block in blocks:
            yield block
            done += len(block)
            if progress is not None:
                progress(done, total)

    def write_audio() -> int:
        blocks = counted(session.blocks(QUANTUM, pcm16=sink.pcm16))
        return sink.write_all(blocks, finish=lambda tmp: write_tags(tmp, tags, path.suffix))

    if not beside:
        return Rendered(path, None, write_audio())
    audio_written = False
    placed: list[Path] = []
    try:
        with ExitStack() as stack:  # the files beside go in place last, after the audio
            for suffix, text in beside.items():
                target = path.with_suffix(suffix)
                stack.push(lambda kind, *_, t=target: None if kind else placed.append(t))  # once it is in place
                stack.enter_context(written_atomically(target)).write_text(text, encoding="utf-8")
            frames = write_audio()
            audio_written = True
    except BaseException as exc:
        if audio_written:  # a file beside could not be put in place: take the others away too
            for done in [path, *placed]:
                done.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            failed = getattr(exc, "filename2", None) or path.with_suffix(next(iter(beside)))
            raise explain_write_error(exc, Path(failed)) from None
        raise
    notes = path.with_suffix(".txt") if ".txt" in beside else None
    return Rendered(path, notes, frames, path.with_suffix(".vtt") if ".vtt" in beside else None)


def _check_call(options: object, cache: object, narrator: object, **functions: object) -> None:
    """The arguments of make_session and make_plan, each of the kind it must be."""
    check_argument("options", options, options is None or isinstance(options, SessionOptions), "SessionOptions or None")
    check_argument("cache", cache, cache is None or isinstance(cache, ClipCache), "a ClipCache or None")
    ok = narrator is None or all(callable(getattr(narrator, m, None)) for m in ("clip_lengths", "ready", "clip"))
    check_argument("narrator", narrator, ok, "a Narrator (clip_lengths, ready, clip) or None")
    for name, function in functions.items():
        check_callable(name, function)


def _make_voice(narrator: Narrator, profile: Profile, script: Script, progress: Progress | None) -> KnownLengths:
    """Synthesise what the voice lacks (the slow part on a fresh machine), telling `progress`;
    the lengths found are handed to the layout, so the clips are not looked up a second time."""
    phrases = script.phrases_for(profile.energy.value)
    return KnownLengths(narrator.clip_lengths(phrases, SPEAKING_PACE, progress))


def _notices(p: Profile, cache: ClipCache, script: Script) -> tuple[Notice, ...]:
    notices = []
    if script.unused_name:
        notices.append(
            Notice(
                "name",
                f"Note: the script '{script.name}' greets nobody by name, so '{script.unused_name}' is not spoken.",
            )
        )
    if script.unrecorded_name:
        notices.append(
            Notice(
                "name",
                f"Note: the recorded voice has no take with '{script.unrecorded_name}' in it, "
                "so those lines are said without the name.",
            )
        )
    if p.mode.safety_notes:
        notices.append(Notice("safety", SAFETY_SCREEN))
    problem = cache.check_writable()
    if problem is not None:
        notices.append(Notice("cache", f"Note: {problem}; this session is made without it, so it is slower."))
    if p.breath_rate is not None and p.start_rate > p.breath_rate:
        why = "breathless pacing" if p.breathless else "low energy"
        notices.append(
            Notice(
                "pace",
                f"Note: the tone starts at {p.start_rate:g} breaths a minute, not {round(p.breath_rate, 1):g}: "
                f"with {why} it never paces slower than {p.floor_rate:g}.",
            )
        )
    notices.append(Notice("stop-rule", STOP_RULE))  # before every session: the tone paces the breath
    return tuple(notices)


def _check_mode_options(opts: SessionOptions, mode: Mode) -> None:
    """Options that belong to another mode are refused, naming the mode they need."""
    if opts.part is not None and not mode.parts:
        owner = next(m.name for m in MODES.values() if m.parts)
        raise BadInput(
            f"a part (hands or feet) is for a {owner} session", field="mode", value=opts.mode, allowed=(owner,)
        )
    if not mode.cues and (opts.regions or opts.chime_every is not None or opts.guided):
        owner = next(m.name for m in MODES.values() if m.cues)
        raise BadInput(
            f"regions, a chime interval and a guided breath are for {owner} tracks",
            field="mode",
            value=opts.mode,
            allowed=(owner,),
        )


def _resolve(
    opts: SessionOptions, cache: ClipCache, narrator: Narrator | None = None
) -> tuple[Profile, Script, Narrator | None]:
    """Validate everything the options name, without synthesising anything yet; a script
    that surely cannot fit is refused here, before any synthesis."""
    mode = get_mode(opts.mode)
    _check_mode_options(opts, mode)
    # the part named, else the first (hands) unless a script is named: a caregiver script
    # says which part it is for, and its length follows (caregiver-feet is 16 minutes)
    part: Part | None = mode.part(opts.part) if opts.part is not None or opts.script is None else None
    energy = parse_energy(opts.energy)
    script = resolve_script(opts.script, energy, mode, part, opts.breathless)
    if part is None:
        part = mode.part_for_script(script.name) or mode.part(None)
    profile = make_profile(opts, part)
    _check_script_suits(script, mode, energy)
    original, script = script, personalise(script, check_name(opts.name))
    if not opts.narration:
        return profile, script, None
    if narrator is None:
        narrator, script = _narrator_for(opts, profile, original, script, cache)
    elif narrator.sample_rate != profile.sample_rate:
        raise BadInput(
            f"the narrator speaks at {narrator.sample_rate} Hz; sessions are made at {profile.sample_rate} Hz"
        )
    check_fits(profile, script)
    return profile, script, narrator


def _narrator_for(
    opts: SessionOptions, profile: Profile, original: Script, script: Script, cache: ClipCache
) -> tuple[Narrator, Script]:
    """The voice the options name: a person's recorded voice by name, else a Piper voice.
    A recorded voice says a named line without the name when it has no take of it with
    the name; what it still lacks is listed now, before anything plays or renders."""
    if opts.voice is not None and RecordedVoice.known(opts.voice, opts.voices_folder):
        fill = PiperNarrator(resolve_voice(None), profile.sample_rate, cache) if opts.fill_with_tts else None
        recorded = RecordedNarrator(RecordedVoice(opts.voice, opts.voices_folder), profile.sample_rate, fill)
        if opts.name is not None and fill is None:
            script = recorded.sayable(script, original, opts.name)
        recorded.check(script.phrases_for(profile.energy.value))
        if fill is not None:  # named before anything plays: the notice says which
            filled = unrecorded(recorded.voice, original, profile.energy.value, opts.name)
            script = replace(script, filled_in=tuple(p.number for p in filled))
        return recorded, script
    if opts.fill_with_tts:
        raise BadInput(
            "letting the bundled voice fill in goes with a recorded voice; choose one by its name",
            field="fill_with_tts",
            value=True,
        )
    return PiperNarrator(resolve_voice(opts.voice), profile.sample_rate, cache), script


def _check_script_suits(script: Script, mode: Mode, energy: Energy) -> None:
    if mode.name not in script.modes:
        raise BadInput(
            f"the script '{script.name}' is written for {' or '.join(script.modes)} sessions, not {mode.name}",
            field="script",
            value=script.name,
            allowed=tuple(s.name for s in builtin_scripts() if mode.name in s.modes),
        )
    if energy.value not in script.energies:
        raise BadInput(
            f"the script '{script.name}' is written for {' or '.join(script.energies)} energy; "
            "choose one of those, or another script",
            field="energy",
            value=energy.value,
            allowed=script.energies,
        )
