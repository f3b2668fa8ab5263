"""The library API the CLI is thin over: options -> plan -> audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .library import resolve_script
from .plan import SessionPlan, build_plan
from .profile import Profile, make_profile
from .render import QUANTUM, render
from .scripts import Script
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


def resolve(opts: SessionOptions, cache: ClipCache | None = None) -> tuple[Profile, Script, PiperNarrator | None]:
    """Validate everything the options name, without synthesising anything yet."""
    profile = make_profile(
        energy=opts.energy,
        minutes=opts.minutes,
        breath_rate=opts.breath_rate,
        breathless=opts.breathless,
        narration=opts.narration,
        ambience=opts.ambience,
        seed=opts.seed,
        exhale_ratio=opts.exhale_ratio,
    )
    script = resolve_script(opts.script, profile.energy)
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
