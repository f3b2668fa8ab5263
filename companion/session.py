"""The library API the CLI is thin over: options -> plan -> audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import BadInput
from .library import resolve_script
from .plan import SessionPlan, build_plan
from .profile import Profile, make_profile
from .render import QUANTUM, render
from .scripts import Script, check_name, personalise
from .sinks import FileSink, check_output_path
from .voice.cache import ClipCache
from .voice.piper_voice import PiperNarrator, resolve_voice


@dataclass
class SessionOptions:
    energy: str = "medium"
    minutes: float | None = None
    script: str | None = None
    breath_rate: float | None = None
    breathless: bool = False
    voice: str | None = None
    narration: bool = True
    ambience: str = "pink"
    seed: int = 0
    exhale_ratio: float = 1.5
    mode: str = "relax"  # relax | massage | caregiver (--for)
    part: str | None = None  # caregiver: hands | feet
    regions: str | None = None  # massage: "back:15,legs:10"
    chime_every: float | None = None  # massage without regions (default 15 minutes)
    guided: bool = False  # massage: slow the breath as in relax mode
    name: str | None = None  # fills {name} in scripts that use it


CAREGIVER_MINUTES = {"hands": 12.0, "feet": 16.0}  # about 5 minutes a hand, 7 a foot


def _check_mode_options(opts: SessionOptions) -> None:
    if opts.part is not None and opts.mode != "caregiver":
        raise BadInput("--part is for a caregiver's massage; add --for caregiver")
    if opts.part is not None and opts.part not in CAREGIVER_MINUTES:
        raise BadInput(f"unknown --part '{opts.part}'; use hands or feet")
    if opts.mode != "massage" and (opts.regions or opts.chime_every is not None or opts.guided):
        raise BadInput("--regions, --chime-every and --guided are for massage tracks; add --for massage")


def resolve(opts: SessionOptions, cache: ClipCache | None = None) -> tuple[Profile, Script, PiperNarrator | None]:
    """Validate everything the options name, without synthesising anything yet."""
    _check_mode_options(opts)
    minutes = opts.minutes
    if minutes is None and opts.mode == "caregiver":
        minutes = CAREGIVER_MINUTES[opts.part or "hands"]
    profile = make_profile(
        energy=opts.energy,
        minutes=minutes,
        breath_rate=opts.breath_rate,
        breathless=opts.breathless,
        narration=opts.narration,
        ambience=opts.ambience,
        seed=opts.seed,
        exhale_ratio=opts.exhale_ratio,
        mode=opts.mode,
        guided=True if opts.guided else None,
        regions=opts.regions,
        chime_every=15.0 if opts.chime_every is None else opts.chime_every,
    )
    script = resolve_script(opts.script, profile.energy, opts.mode, opts.part)
    if opts.mode not in script.modes:
        raise BadInput(
            f"the script '{script.name}' is not written for --for {opts.mode}; "
            "see 'companion scripts list' for the scripts of each mode"
        )
    if profile.energy.value not in script.energies:
        raise BadInput(
            f"the script '{script.name}' is written for {' or '.join(script.energies)} energy; "
            "choose one of those with --energy, or another script"
        )
    script = personalise(script, check_name(opts.name))
    narrator = None
    if opts.narration:
        narrator = PiperNarrator(resolve_voice(opts.voice), profile.sample_rate, cache)
    return profile, script, narrator


def prepare(opts: SessionOptions, cache: ClipCache | None = None) -> tuple[Profile, Script, SessionPlan]:
    """Validate everything, synthesise (or read from the cache) what will be spoken, and plan."""
    profile, script, narrator = resolve(opts, cache)
    return profile, script, build_plan(profile, script, narrator)


def render_to_file(plan: SessionPlan, path: Path, cache: ClipCache | None = None) -> int:
    """Render the plan into an audio file (format from the suffix). Returns frames written."""
    sink = FileSink(path, plan.sample_rate)
    return sink.write_all(render(plan, blocksize=QUANTUM, cache=cache, pcm16=sink.pcm16))


__all__ = ["SessionOptions", "resolve", "prepare", "render_to_file", "check_output_path"]
