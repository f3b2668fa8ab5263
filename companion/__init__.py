"""companion: calm, offline guided-relaxation audio for people with a life-limiting illness.

The library API (the command line is a thin layer over it)::

    import companion

    session = companion.make_session(companion.SessionOptions(energy="low", minutes=6))
    for notice in session.notices:
        print(notice.text)
    companion.render(session, "rest.mp3")
"""

import importlib
from typing import TYPE_CHECKING

from companion.version import __version__ as __version__

# Each public name and where it lives ("module" or "module:its name there"). Loaded when first
# used, so that `import companion` (and the command line's start, which answers Ctrl-C from its
# first moment) does not wait for numpy, the voice and the renderer before it is needed. The
# command line and the app import only these names (tests/fast/test_layout.py): what a front
# end needs is the library's to offer, under a name it keeps.
_EXPORTS = {
    # Making, rendering and playing a session
    "SessionOptions": "companion.options",
    "make_session": "companion.session",
    "make_plan": "companion.session",
    "check_options": "companion.session",
    "prepare_voice": "companion.session",
    "render": "companion.session",
    "track_tags": "companion.session",
    "Session": "companion.session",
    "Rendered": "companion.session",
    "Notice": "companion.session",
    "STOP_RULE": "companion.session",
    "SessionPlan": "companion.plan.model",
    "play": "companion.live.player",
    "PlayResult": "companion.live.player",
    "blocks_in_order": "companion.live.ahead",
    "FollowedSound": "companion.live.followed",
    "VoiceProcess": "companion.live.apart",
    "voice_ready": "companion.live.apart",
    "synthesise_apart": "companion.voice.piper_voice",
    "Caption": "companion.output.captions",
    "plan_captions": "companion.output.captions:captions",
    "cue_words": "companion.plan.cues",
    "Narrator": "companion.voice.narrator",
    "Chapter": "companion.output.tags",
    "TrackTags": "companion.output.tags",
    # Options: their choices and ranges
    "Energy": "companion.plan.profile",
    "PACING": "companion.plan.profile",
    "GENTLE_FLOOR": "companion.plan.profile",
    "SAMPLE_RATE": "companion.plan.profile",
    "MIN_MINUTES": "companion.options",
    "MAX_MINUTES": "companion.options",
    "MIN_BREATH_RATE": "companion.options",
    "MAX_BREATH_RATE": "companion.options",
    "MIN_EXHALE_RATIO": "companion.options",
    "MAX_EXHALE_RATIO": "companion.options",
    "MIN_CHIME_EVERY": "companion.options",
    "MAX_CHIME_EVERY": "companion.options",
    "MIN_REGION_MINUTES": "companion.options",
    "LEAST_SCORE": "companion.options",
    "MOST_SCORE": "companion.options",
    "MAX_SLEEP_TIMER": "companion.options",
    "SPOKEN_NAME_CHARS": "companion.plan.scripts:NAME_CHARS",
    "VOICE_NAME_CHARS": "companion.voice.recorded",
    "NOTE_CHARS": "companion.journal.entries:MAX_NOTE",
    "PACK_NAME_CHARS": "companion.pack.model:MAX_NAME",
    "AMBIENCES": "companion.options",
    "DEFAULT_CHIME_EVERY": "companion.options",
    "text_problem": "companion.options",
    "MODES": "companion.modes",
    "Mode": "companion.modes",
    "MASSAGE": "companion.modes",
    "CAREGIVER": "companion.modes",
    "PART_NAMES": "companion.modes",
    "SAFETY_SCREEN": "companion.safety",
    "confirm_safety": "companion.safety",
    # Sound outputs
    "DeviceOutput": "companion.output.devices",
    "NoDevice": "companion.output.devices",
    "output_devices": "companion.output.devices",
    "no_output_reason": "companion.output.devices",
    "Output": "companion.output.stream",
    "Status": "companion.output.stream",
    "check_output_path": "companion.output.sinks",
    "BreathEnvelope": "companion.sound.envelopes",
    "short_term_of_blocks": "companion.sound.loudness",
    # Scripts
    "builtin_scripts": "companion.plan.catalogue",
    "builtin_script": "companion.plan.catalogue",
    "resolve_script": "companion.plan.catalogue",
    "default_cover": "companion.plan.catalogue",
    "load_script": "companion.plan.scripts",
    "personalise": "companion.plan.scripts",
    "claim_warnings": "companion.plan.scripts",
    "ScriptEntry": "companion.plan.scripts:Entry",
    "check_spoken_name": "companion.plan.scripts:check_name",
    # The check-in
    "CheckInAnswers": "companion.plan.checkin:Answers",
    "CheckInChoice": "companion.plan.checkin:Choice",
    "check_in": "companion.plan.checkin:choose",
    "CHECK_IN_GOALS": "companion.plan.checkin:GOALS",
    "SESSION_KINDS": "companion.plan.checkin:KINDS",
    "options_for_kind": "companion.plan.checkin",
    "ENERGY_NAMES": "companion.plan.checkin",
    "ENERGY_WORDS": "companion.plan.checkin",
    "offered_minutes": "companion.plan.checkin",
    # The breath, tapped
    "TappedBreath": "companion.plan.taps",
    "TapAgain": "companion.plan.taps",
    "MIN_TAPS": "companion.plan.taps",
    "breath_from_taps": "companion.plan.taps",
    "breath_from_intervals": "companion.plan.taps",
    "rate_words": "companion.plan.taps",
    "plan_in_step": "companion.plan.taps:in_step",
    # The comfort journal
    "Journal": "companion.journal.store",
    "JournalEntry": "companion.journal.entries:Entry",
    "Ratings": "companion.journal.entries",
    "SessionRecord": "companion.journal.entries",
    "SYMPTOMS": "companion.journal.entries",
    "RATING_QUESTIONS": "companion.journal.entries:QUESTIONS",
    "MOMENT_WORDS": "companion.journal.entries",
    "TAPPED_WORDS": "companion.journal.entries",  # issue 36: a rate tapped along, as every page names it
    "TAPPED_CAVEAT": "companion.journal.entries",
    "PlayAgain": "companion.journal.again",
    "play_again": "companion.journal.again",
    "export_journal": "companion.journal.export:export_csv",
    "CareTeamReport": "companion.journal.report",
    "REPORT_DAYS": "companion.journal.report",
    "gather_report": "companion.journal.report:gather",
    "write_report": "companion.journal.report",
    "plot_journal": "companion.pictures.draw",
    "plot_plan": "companion.pictures.draw",
    "journal_chart": "companion.pictures.markup",
    "plan_picture": "companion.pictures.markup",
    # People: many listeners, each kept apart (issue 33)
    "People": "companion.people.store",
    "Person": "companion.people.store",
    "PeopleError": "companion.people.store",
    "PERSON_NAME_CHARS": "companion.people.store:NAME_CHARS",
    "check_person_name": "companion.people.store",
    "Preferences": "companion.people.choices",
    "MassagePlan": "companion.people.choices",
    "PLAN_NAME_CHARS": "companion.people.choices",
    "preferences": "companion.people.choices",
    "set_preferences": "companion.people.choices",
    "massage_plans": "companion.people.choices",
    "save_massage_plan": "companion.people.choices",
    "remove_massage_plan": "companion.people.choices",
    "export_person": "companion.journal.record",
    # Voices: added Piper voices and recorded ones
    "add_voice": "companion.voice.models",
    "added_voice_path": "companion.voice.models",
    "list_added_voices": "companion.voice.models",
    "RecordedVoice": "companion.voice.recorded",
    "check_voice_name": "companion.voice.named",
    "recorded_voices": "companion.voice.recorded:list_voices",
    "script_phrases": "companion.voice.recorded",
    "RECORDING_CONSENT": "companion.voice.recorded:CONSENT",
    "TAKE_FORMATS": "companion.voice.takes:FORMATS",
    "import_takes": "companion.voice.takes",
    "numbered_files": "companion.voice.takes",
    "take_for": "companion.voice.takes",
    "RECORDING_RATE": "companion.voice.recorder:RATE",
    "record_take": "companion.voice.recorder:record",
    "play_back": "companion.voice.recorder",
    "level_bar": "companion.voice.recorder",
    "NumberedPhrase": "companion.voice.phrases:Phrase",
    "phrases_by_energy": "companion.voice.phrases:split_by_energy",
    "recording_order": "companion.voice.phrases:walk_order",
    "unrecorded_phrases": "companion.voice.phrases:unrecorded",
    "unrecorded_tracks": "companion.pack.unrecorded",
    # Home packs
    "PackOptions": "companion.pack.model",
    "PackResult": "companion.pack.model",
    "make_pack": "companion.pack.make",
    "choose_tracks": "companion.pack.make",
    "PackManifest": "companion.pack.model:Manifest",
    "DEFAULT_PACK_NAME": "companion.pack.model:DEFAULT_NAME",
    "PACK_FORMATS": "companion.pack.model:FORMATS",
    "file_safe": "companion.pack.model",
    "pack_card": "companion.pack.page:card",
    "script_json": "companion.pack.page",
    "PACK_PAGE_FOLDER": "companion.pack.page:HERE",
    "GUIDE_NOTE": "companion.pack.page",
    "HONEST_NOTE": "companion.pack.page:HONEST",
    # Errors
    "CompanionError": "companion.errors",
    "BadInput": "companion.errors",
    "DoesNotFit": "companion.errors",
    "Interrupted": "companion.errors",
    "OutputError": "companion.errors",
    "ScriptError": "companion.errors",
    # Files, folders and processes (what the front ends keep of their own)
    "data_dir": "companion.paths",
    "cache_dir": "companion.paths",
    "private_folder": "companion.paths",
    "owner_only": "companion.paths",
    "OWNER_ONLY_DIR": "companion.paths",
    "OWNER_ONLY_FILE": "companion.paths",
    "builtin_folder": "companion.paths:builtin",
    "written_atomically": "companion.atomic",
    "check_writable": "companion.atomic",
    "end_with_parent": "companion.process",
    "ApartStarter": "companion.process",
    "ApartProcess": "companion.process",
    "ProcessEnded": "companion.process",
    "clock": "companion.timefmt",
    "counted": "companion.timefmt",
}
_SUBMODULES = {"interrupts"}  # the cancellation flag a front end sets from its signal handlers

# fmt: off
# isort: off
if TYPE_CHECKING:  # one line a module: the names as the checkers see them
    from companion import interrupts
    from companion.atomic import check_writable, written_atomically
    from companion.errors import BadInput, CompanionError, DoesNotFit, Interrupted, OutputError, ScriptError
    from companion.journal.again import PlayAgain, play_again
    from companion.journal.export import export_csv as export_journal
    from companion.journal.record import export_person
    from companion.journal.report import CareTeamReport, REPORT_DAYS, gather as gather_report, write_report
    from companion.journal.entries import (
        Entry as JournalEntry, MAX_NOTE as NOTE_CHARS, MOMENT_WORDS, QUESTIONS as RATING_QUESTIONS, Ratings, SYMPTOMS,
        SessionRecord, TAPPED_CAVEAT, TAPPED_WORDS
    )
    from companion.journal.store import Journal
    from companion.live.ahead import blocks_in_order
    from companion.live.followed import FollowedSound
    from companion.live.apart import VoiceProcess, voice_ready
    from companion.live.player import PlayResult, play
    from companion.modes import CAREGIVER, MASSAGE, MODES, Mode, PART_NAMES
    from companion.options import (
        AMBIENCES, DEFAULT_CHIME_EVERY, LEAST_SCORE, MAX_BREATH_RATE, MAX_CHIME_EVERY, MAX_EXHALE_RATIO, MAX_MINUTES,
        MAX_SLEEP_TIMER, MIN_BREATH_RATE, MIN_CHIME_EVERY, MIN_EXHALE_RATIO, MIN_MINUTES, MIN_REGION_MINUTES,
        MOST_SCORE, SessionOptions, text_problem
    )
    from companion.output.captions import Caption, captions as plan_captions
    from companion.output.devices import DeviceOutput, NoDevice, no_output_reason, output_devices
    from companion.output.sinks import check_output_path
    from companion.output.stream import Output, Status
    from companion.output.tags import Chapter, TrackTags
    from companion.pack.make import choose_tracks, make_pack
    from companion.pack.model import (
        DEFAULT_NAME as DEFAULT_PACK_NAME, FORMATS as PACK_FORMATS, Manifest as PackManifest,
        MAX_NAME as PACK_NAME_CHARS,
        PackOptions, PackResult, file_safe
    )
    from companion.pack.page import (
        GUIDE_NOTE, HONEST as HONEST_NOTE, HERE as PACK_PAGE_FOLDER, card as pack_card, script_json
    )
    from companion.pack.unrecorded import unrecorded_tracks
    from companion.paths import (
        OWNER_ONLY_DIR, OWNER_ONLY_FILE, builtin as builtin_folder, cache_dir, data_dir, owner_only,
        private_folder
    )
    from companion.people.choices import (
        PLAN_NAME_CHARS, MassagePlan, Preferences, massage_plans, preferences, remove_massage_plan, save_massage_plan,
        set_preferences
    )
    from companion.people.store import NAME_CHARS as PERSON_NAME_CHARS, People, PeopleError, Person, check_person_name
    from companion.pictures.draw import plot_journal, plot_plan
    from companion.pictures.markup import journal_chart, plan_picture
    from companion.plan.catalogue import builtin_script, builtin_scripts, default_cover, resolve_script
    from companion.plan.checkin import (
        ENERGY_NAMES, ENERGY_WORDS, GOALS as CHECK_IN_GOALS, Answers as CheckInAnswers, Choice as CheckInChoice,
        KINDS as SESSION_KINDS, choose as check_in, offered_minutes, options_for_kind
    )
    from companion.plan.cues import cue_words
    from companion.plan.taps import (
        MIN_TAPS, TapAgain, TappedBreath, breath_from_intervals, breath_from_taps, in_step as plan_in_step,
        rate_words
    )
    from companion.plan.model import SessionPlan
    from companion.plan.profile import Energy, GENTLE_FLOOR, PACING, SAMPLE_RATE
    from companion.plan.scripts import (
        Entry as ScriptEntry, NAME_CHARS as SPOKEN_NAME_CHARS, check_name as check_spoken_name, claim_warnings,
        load_script, personalise
    )
    from companion.process import ApartProcess, ApartStarter, ProcessEnded, end_with_parent
    from companion.safety import SAFETY_SCREEN, confirm_safety
    from companion.session import (
        Notice, Rendered, STOP_RULE, Session, check_options, make_plan, make_session, prepare_voice, render,
        track_tags
    )
    from companion.sound.envelopes import BreathEnvelope
    from companion.sound.loudness import short_term_of_blocks
    from companion.timefmt import clock, counted
    from companion.voice.narrator import Narrator
    from companion.voice.phrases import (
        Phrase as NumberedPhrase, split_by_energy as phrases_by_energy, unrecorded as unrecorded_phrases,
        walk_order as recording_order
    )
    from companion.voice.named import check_voice_name
    from companion.voice.models import add_voice, added_voice_path, list_added_voices
    from companion.voice.piper_voice import synthesise_apart
    from companion.voice.recorded import (
        CONSENT as RECORDING_CONSENT, RecordedVoice, VOICE_NAME_CHARS, list_voices as recorded_voices,
        script_phrases
    )
    from companion.voice.recorder import RATE as RECORDING_RATE, level_bar, play_back, record as record_take
    from companion.voice.takes import FORMATS as TAKE_FORMATS, import_takes, numbered_files, take_for
# isort: on
# fmt: on


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        value: object = importlib.import_module(f"companion.{name}")
    elif name in _EXPORTS:
        module, _, attr = _EXPORTS[name].partition(":")
        value = getattr(importlib.import_module(module), attr or name)
    else:
        raise AttributeError(f"module 'companion' has no attribute '{name}'")
    globals()[name] = value
    # A front end loads its library modules by name, one after another: a signal that came
    # while one loaded is answered here, not after the last of them (numpy, the voice, the
    # renderer: the start's longest wait). The handler only sets a flag, so no import is cut
    # part-way; check() raises only where a signal came and the program asked for the flag.
    importlib.import_module("companion.interrupts").check()
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SUBMODULES])


# fmt: off
__all__ = [
    "AMBIENCES", "ApartProcess", "ApartStarter", "BadInput", "BreathEnvelope", "CAREGIVER", "CHECK_IN_GOALS", "Caption",
    "CareTeamReport",
    "Chapter", "CheckInAnswers", "CheckInChoice", "CompanionError", "DEFAULT_CHIME_EVERY", "DEFAULT_PACK_NAME",
    "DeviceOutput", "DoesNotFit", "ENERGY_NAMES", "ENERGY_WORDS", "Energy", "FollowedSound", "GENTLE_FLOOR",
    "GUIDE_NOTE",
    "HONEST_NOTE", "Interrupted", "Journal", "JournalEntry", "LEAST_SCORE", "MASSAGE", "MAX_BREATH_RATE",
    "MAX_CHIME_EVERY", "MAX_EXHALE_RATIO", "MAX_MINUTES", "MAX_SLEEP_TIMER", "MIN_BREATH_RATE", "MIN_CHIME_EVERY",
    "MIN_EXHALE_RATIO",
    "MIN_MINUTES", "MIN_REGION_MINUTES", "MIN_TAPS", "MODES", "MOMENT_WORDS", "MOST_SCORE", "MassagePlan", "Mode",
    "NOTE_CHARS", "Narrator", "NoDevice", "Notice", "NumberedPhrase", "OWNER_ONLY_DIR", "OWNER_ONLY_FILE", "Output",
    "OutputError", "PACING", "PACK_FORMATS", "PACK_NAME_CHARS", "PACK_PAGE_FOLDER", "PART_NAMES", "PERSON_NAME_CHARS",
    "PLAN_NAME_CHARS", "PackManifest", "PackOptions", "PackResult", "People", "PeopleError", "Person", "PlayAgain",
    "PlayResult", "Preferences", "ProcessEnded", "RATING_QUESTIONS", "RECORDING_CONSENT", "RECORDING_RATE",
    "REPORT_DAYS", "Ratings",
    "RecordedVoice", "Rendered", "SAFETY_SCREEN", "SAMPLE_RATE", "SESSION_KINDS", "SPOKEN_NAME_CHARS", "STOP_RULE",
    "SYMPTOMS", "ScriptEntry", "ScriptError", "Session", "SessionOptions", "SessionPlan", "SessionRecord", "Status",
    "TAPPED_CAVEAT", "TAPPED_WORDS",  # issue 36
    "TAKE_FORMATS", "TapAgain", "TappedBreath", "TrackTags", "VOICE_NAME_CHARS", "VoiceProcess", "add_voice",
    "added_voice_path", "blocks_in_order", "breath_from_intervals", "breath_from_taps", "builtin_folder",
    "builtin_script", "builtin_scripts", "cache_dir", "check_in", "check_options", "check_output_path",
    "check_person_name", "check_spoken_name", "check_voice_name", "check_writable", "choose_tracks",
    "claim_warnings", "clock",
    "confirm_safety", "counted", "cue_words", "data_dir", "default_cover", "end_with_parent", "export_journal",
    "export_person", "file_safe", "gather_report", "import_takes", "interrupts", "journal_chart", "level_bar",
    "list_added_voices", "load_script", "make_pack", "make_plan", "make_session", "massage_plans", "no_output_reason",
    "numbered_files", "offered_minutes", "options_for_kind", "output_devices", "owner_only", "pack_card",
    "personalise", "phrases_by_energy", "plan_captions", "plan_in_step", "plan_picture", "play", "play_again",
    "play_back", "plot_journal", "plot_plan", "preferences", "prepare_voice", "private_folder", "rate_words",
    "record_take", "recorded_voices", "recording_order", "remove_massage_plan", "render", "resolve_script",
    "save_massage_plan", "script_json", "script_phrases", "set_preferences", "short_term_of_blocks",
    "synthesise_apart", "take_for", "text_problem", "track_tags", "unrecorded_phrases", "unrecorded_tracks",
    "voice_ready", "write_report", "written_atomically",
]
# fmt: on
