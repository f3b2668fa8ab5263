"""What a session's options name, checked and found before any sound is made: the mode and
its part, the script for the energy (personalised), and the voice that will say it. A script
that surely cannot fit, or options that belong to another mode, are refused here, before any
synthesis; the errors name the option's field, never a flag.
"""

from __future__ import annotations

from dataclasses import replace

from companion.cache import ClipCache
from companion.errors import BadInput
from companion.modes import MODES, Mode, Part, get_mode
from companion.options import SessionOptions
from companion.plan.catalogue import builtin_scripts, resolve_script
from companion.plan.layout import check_fits
from companion.plan.profile import Energy, Profile, make_profile, parse_energy
from companion.plan.scripts import Script, check_name, personalise
from companion.voice.models import resolve_voice
from companion.voice.narrator import Narrator
from companion.voice.phrases import unrecorded
from companion.voice.piper_voice import PiperNarrator
from companion.voice.recorded import RecordedNarrator, RecordedVoice


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


def resolve(
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
