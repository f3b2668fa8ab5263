"""build_plan(profile, script) -> SessionPlan: what happens when, to the sample.

The plan places every spoken phrase, the quiet between them and the breathing-only
stretches so that the session lasts exactly the requested length. It asks the voice
for each phrase's real length (synthesising or reading the cache), so the times it
reports are the times the renderer uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .breathing import BreathCycle, breath_schedule
from .errors import BadInput, DoesNotFit
from .profile import Profile
from .scripts import Breathe, Chime, Entry, Pause, Script

SLEEP_FADE_S = 30.0
CHIME_LEAD_S = 3.0  # a script's [chime] sounds this long before the line it introduces


@dataclass(frozen=True)
class PlacedClip:
    start: int  # sample index in the session
    length: int
    key: str  # content address of the clip in the cache
    text: str

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class NarrationEntry:
    start: int
    end: int
    text: str
    section: str
    clips: tuple[PlacedClip, ...]


@dataclass(frozen=True)
class Cue:
    at: int
    kind: str


@dataclass
class SessionPlan:
    profile: Profile
    script_name: str
    script_title: str
    total_samples: int
    narration: list[NarrationEntry]
    breaths: list[BreathCycle]
    cues: list[Cue] = field(default_factory=list)
    sections: list[tuple[int, str]] = field(default_factory=list)
    dropped_optional: int = 0

    @property
    def sample_rate(self) -> int:
        return self.profile.sample_rate

    @property
    def duration_s(self) -> float:
        return self.total_samples / self.sample_rate

    @property
    def clips(self) -> list[PlacedClip]:
        return [c for e in self.narration for c in e.clips]

    def to_json(self) -> dict:
        sr = self.sample_rate
        p = self.profile
        return {
            "duration_s": self.total_samples / sr,
            "total_samples": self.total_samples,
            "sample_rate": sr,
            "channels": 1,
            "energy": p.energy.value,
            "script": self.script_name,
            "script_title": self.script_title,
            "breathless": p.breathless,
            "ambience": p.ambience,
            "seed": p.seed,
            "fade_in_s": p.fade_in_s,
            "fade_out_s": p.fade_out_s,
            "breath_rate": {"start": p.start_rate, "target": p.target_rate, "floor": p.floor_rate},
            "narration": [
                {
                    "start_s": e.start / sr,
                    "end_s": e.end / sr,
                    "text": e.text,
                    "section": e.section,
                    "phrases": [{"start_s": c.start / sr, "end_s": c.end / sr, "text": c.text} for c in e.clips],
                }
                for e in self.narration
            ],
            "breaths": [
                {"start_s": b.start_s, "inhale_s": b.inhale_s, "exhale_s": b.exhale_s, "hold_s": b.hold_s}
                for b in self.breaths
            ],
            "cues": [{"at_s": c.at / sr, "kind": c.kind} for c in self.cues],
            "sections": [{"start_s": s / sr, "name": n} for s, n in self.sections],
            "dropped_optional_lines": self.dropped_optional,
        }


@dataclass
class _Spoken:
    entry: Entry
    clips: list[tuple[str, int, str]]  # key, length, text
    gaps: list[int]  # samples between phrases
    chime_before: bool = False

    @property
    def length(self) -> int:
        return sum(c[1] for c in self.clips) + sum(self.gaps)


@dataclass
class _Quiet:
    """Quiet before the next entry: a pause (shrinkable to `least`) or a stretch that grows."""

    samples: int
    least: int
    grows: bool
    section: str


def _phrase_gaps(lengths: list[int], words: int, profile: Profile) -> list[int]:
    """Pauses between phrases so the whole entry is spoken at the profile's calm rate."""
    if len(lengths) < 2:
        return []
    sr = profile.sample_rate
    lo, hi = profile.pacing.phrase_pause
    wanted = words / profile.pacing.target_wpm * 60 * sr
    each = (wanted - sum(lengths)) / (len(lengths) - 1)
    each = min(max(each, lo * sr), hi * sr)
    return [int(round(each))] * (len(lengths) - 1)


def build_plan(profile: Profile, script: Script, narrator=None, lead_in_s: float | None = None) -> SessionPlan:
    """Place the script in time. `narrator` gives phrase lengths; None means tones only.
    `lead_in_s` asks for a longer tone-only opening (live play starts before the voice is ready)."""
    if script.ending == "sleep":  # drift off: a long, slow fade into quiet, no call to wake
        profile = profile.with_(fade_out_s=SLEEP_FADE_S, closing_quiet_s=SLEEP_FADE_S)
    sr = profile.sample_rate
    total = profile.total_samples
    pacing = profile.pacing
    breaths = breath_schedule(profile, total / sr)
    head = int(round(max(profile.lead_in_s, profile.fade_in_s + 2, lead_in_s or 0) * sr))
    tail = int(round((profile.closing_quiet_s + profile.fade_out_s + profile.tail_silence_s) * sr))

    if narrator is None or not profile.narration:
        return SessionPlan(profile, script.name, script.title, total, [], breaths, mode_cues(profile))

    energy = profile.energy.value
    items = script.items_for(energy)
    lengths = narrator.clip_lengths(script.phrases_for(energy), pacing.length_scale)
    timeline: list[_Spoken | _Quiet] = []
    pending: _Quiet | None = None
    section = None
    shortest, usual, longest = (int(round(x * sr)) for x in pacing.instruction_pause)
    chime = False
    for item in items:
        if isinstance(item, Chime):
            chime = True
        elif isinstance(item, Pause):
            # a script's pause, kept within this energy level's range
            s = min(max(int(round(item.seconds * sr)), shortest), longest)
            pending = _Quiet(s, shortest, False, item.section)
        elif isinstance(item, Breathe):
            low = item.min_s if item.min_s is not None else pacing.breathe_min
            s = int(round(low * sr))
            pending = _Quiet(s, int(5 * sr), True, item.section)
        else:
            if timeline or pending is not None:
                if pending is None:
                    pending = _Quiet(usual, shortest, False, item.section)
                if section is not None and item.section != section and not pending.grows:
                    pending.samples = longest  # a new section: the longest pause of the range
                timeline.append(pending)
            pending = None
            section = item.section
            placed = [lengths[p] + (p,) for p in item.phrases]
            gaps = _phrase_gaps([c[1] for c in placed], item.words, profile)
            timeline.append(_Spoken(item, placed, gaps, chime_before=chime))
            chime = False

    if pending is not None:  # a pause or stretch after the last line
        timeline.append(pending)
    if not any(isinstance(t, _Quiet) and t.grows for t in timeline):
        _add_implicit_stretch(timeline, int(pacing.breathe_min * sr))

    budget = total - head - tail
    dropped = _fit(timeline, budget, profile, script)
    _grow(timeline, budget)

    narration: list[NarrationEntry] = []
    sections: list[tuple[int, str]] = []
    cues = mode_cues(profile)
    pos = head
    for part in timeline:
        if isinstance(part, _Quiet):
            pos += part.samples
            continue
        if part.chime_before:
            cues.append(Cue(max(pos - int(CHIME_LEAD_S * sr), 0), "chime"))
        clips = []
        cursor = pos
        for i, (key, length, text) in enumerate(part.clips):
            clips.append(PlacedClip(cursor, length, key, text))
            cursor += length + (part.gaps[i] if i < len(part.gaps) else 0)
        entry = NarrationEntry(pos, clips[-1].end, part.entry.text, part.entry.section, tuple(clips))
        if not sections or sections[-1][1] != entry.section:
            sections.append((pos, entry.section))
        narration.append(entry)
        pos += part.length
    assert pos == total - tail, "the plan must fill the session exactly"
    if profile.mode == "massage" and lead_in_s is None:
        _check_massage_words(narration, total, sr, script)
    return SessionPlan(
        profile,
        script.name,
        script.title,
        total,
        narration,
        breaths,
        cues=sorted(cues, key=lambda c: c.at),
        sections=sections,
        dropped_optional=dropped,
    )


MASSAGE_WORDS_S = 180  # a massage track speaks only in its first and last three minutes


def _check_massage_words(narration: list[NarrationEntry], total: int, sr: int, script: Script) -> None:
    """The table is for quiet: a welcome at the start, a closing at the end, nothing between."""
    window = MASSAGE_WORDS_S * sr
    for e in narration:
        if e.end > window and e.start < total - window:
            raise BadInput(
                f"the script '{script.name}' speaks at {_clock(e.start / sr)} ('{e.text}'), but a massage "
                "track speaks only in its first and last 3 minutes; keep the welcome and the closing short, "
                "with one [breathe] between them"
            )


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


class ShortEstimate:
    """Phrase lengths guessed from the text alone, on the short side, without synthesis.

    Piper voices take at least about 0.034 s a character at length_scale 1 (measured over
    every built-in phrase); this takes 0.025. A line's length never shrinks when its phrases
    grow, so a plan that cannot fit with these lengths cannot fit with the real ones either.
    """

    SECONDS_PER_CHAR = 0.025

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate

    def clip_lengths(self, texts: list[str], length_scale: float) -> dict[str, tuple[str, int]]:
        per_char = self.SECONDS_PER_CHAR * length_scale * self.sample_rate
        return {t: ("", max(int(len(t) * per_char), 1)) for t in texts}


def might_fit(profile: Profile, script: Script, lead_in_s: float | None = None) -> bool:
    """False when the script surely does not fit (checked before synthesising anything)."""
    try:
        build_plan(profile, script, ShortEstimate(profile.sample_rate), lead_in_s=lead_in_s)
    except DoesNotFit:
        return False
    return True


def mode_cues(profile: Profile) -> list[Cue]:
    """Massage tracks: a chime at each region change (or every few minutes) and a distinct
    cue two minutes before the end."""
    if profile.mode != "massage":
        return []
    sr, total = profile.sample_rate, profile.total_samples
    two_minutes = total - 120 * sr
    cues = [Cue(two_minutes, "two-minutes")]
    if profile.regions:
        at = 0.0
        for _, minutes in profile.regions[:-1]:
            at += minutes
            cues.append(Cue(int(round(at * 60 * sr)), "region"))
    elif profile.chime_every:
        step = int(round(profile.chime_every * 60 * sr))
        cues += [Cue(at, "interval") for at in range(step, two_minutes - 30 * sr, step)]
    return sorted(cues, key=lambda c: c.at)


def extend_plan(plan: SessionPlan, after: int, extra: int) -> SessionPlan:
    """The same session, `extra` samples longer: more breathing before the closing words.

    Everything before the insertion point stays exactly as it was, so a player can switch
    to the new plan while it plays. The time goes in before the closing section when that
    is still ahead (at least `after`), else before the next line still ahead, else just
    before the closing quiet and final fade, which move later with everything after them.
    """
    sr = plan.sample_rate
    lead = int(1.0 * sr)  # insert before the next words' ducking begins
    ahead = [e for e in plan.narration if e.start - lead >= after]
    closing = plan.sections[-1][0] if plan.sections else None
    if closing is not None and closing - lead >= after:
        at = closing - lead
    elif ahead:
        at = ahead[0].start - lead
    else:  # after the last words (or none at all): just before the closing quiet and fade
        p = plan.profile
        tail = int(round((p.closing_quiet_s + p.fade_out_s + p.tail_silence_s) * sr))
        at = max(after, plan.total_samples - tail)

    def moved(x: int) -> int:
        return x + extra if x >= at else x

    narration = [
        NarrationEntry(
            moved(e.start),
            moved(e.end),
            e.text,
            e.section,
            tuple(PlacedClip(moved(c.start), c.length, c.key, c.text) for c in e.clips),
        )
        for e in plan.narration
    ]
    total = plan.total_samples + extra
    profile = plan.profile.with_(minutes=total / sr / 60)
    assert profile.total_samples == total
    return SessionPlan(
        profile,
        plan.script_name,
        plan.script_title,
        total,
        narration,
        breath_schedule(profile, total / sr),
        sorted(
            (Cue(total - 120 * sr if c.kind == "two-minutes" else moved(c.at), c.kind) for c in plan.cues),
            key=lambda c: c.at,
        ),
        [(moved(s), n) for s, n in plan.sections],
        plan.dropped_optional,
    )


def _add_implicit_stretch(timeline: list, samples: int) -> None:
    """A script with no [breathe] gets one stretch before its last section (or last line)."""
    spoken = [i for i, t in enumerate(timeline) if isinstance(t, _Spoken)]
    last_section = timeline[spoken[-1]].entry.section
    first_of_last = next(i for i in spoken if timeline[i].entry.section == last_section)
    at = first_of_last if first_of_last > 0 else spoken[-1]
    if at == 0:
        timeline.append(_Quiet(samples, samples, True, last_section))
        return
    before = timeline[at - 1]
    if isinstance(before, _Quiet):
        before.grows = True
        before.samples = max(before.samples, samples)
    else:
        timeline.insert(at, _Quiet(samples, samples, True, last_section))


def _needed(timeline: list) -> int:
    return sum(t.samples if isinstance(t, _Quiet) else t.length for t in timeline)


def _fit(timeline: list, budget: int, profile: Profile, script: Script) -> int:
    """Make the timeline fit the budget: drop optional lines, then shorten quiet. Returns drops."""
    dropped = 0
    while _needed(timeline) > budget:
        optional = [i for i, t in enumerate(timeline) if isinstance(t, _Spoken) and t.entry.optional]
        if not optional:
            break
        i = optional[-1]  # the latest optional line goes first
        del timeline[i]
        if i < len(timeline) and isinstance(timeline[i], _Quiet) and i > 0 and isinstance(timeline[i - 1], _Quiet):
            # merge the quiet before and after the dropped line, keeping the longer
            a, b = timeline[i - 1], timeline.pop(i)
            a.samples, a.least, a.grows = max(a.samples, b.samples), max(a.least, b.least), a.grows or b.grows
        dropped += 1
    over = _needed(timeline) - budget
    if over > 0:
        quiets = [t for t in timeline if isinstance(t, _Quiet)]
        room = sum(t.samples - t.least for t in quiets)
        if room >= over:
            share = over / room
            taken = 0
            for t in quiets:
                cut = int((t.samples - t.least) * share)
                t.samples -= cut
                taken += cut
            for t in quiets:  # rounding leftovers
                extra = min(over - taken, t.samples - t.least)
                t.samples -= extra
                taken += extra
        else:
            need_s = (_needed(timeline) - room + (profile.total_samples - budget)) / profile.sample_rate
            minutes = max(int(need_s / 60 + 0.999), 2)
            raise DoesNotFit(
                f"the script '{script.name}' does not fit in {profile.minutes:g} minutes at "
                f"{profile.energy.value} energy; choose --minutes {minutes} or more, or a shorter script",
                minutes,
            )
    return dropped


def _grow(timeline: list, budget: int) -> None:
    """Share the spare time out among the breathing-only stretches, to the sample."""
    spare = budget - _needed(timeline)
    stretches = [t for t in timeline if isinstance(t, _Quiet) and t.grows]
    for i, t in enumerate(stretches):
        share = spare // (len(stretches) - i)
        t.samples += share
        spare -= share
