"""build_plan(profile, script, voice) -> SessionPlan: what happens when, to the sample.

The layout places every spoken phrase, the quiet between them and the breathing-only
stretches so that the session lasts exactly the requested length. It asks the voice
for each phrase's real length (synthesising or reading the cache), so the times it
reports are the times the renderer uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from companion.errors import BadInput, DoesNotFit
from companion.plan.breathing import breath_schedule
from companion.plan.cues import mode_cues
from companion.plan.model import Cue, NarrationEntry, PlacedClip, SessionPlan
from companion.plan.profile import COMMA_PAUSE, SPEAKING_PACE, Profile
from companion.plan.scripts import Breathe, Chime, Entry, Item, Pause, Script
from companion.timefmt import clock

SLEEP_FADE_S = 30.0
CHIME_LEAD_S = 3.0  # a script's [chime] sounds this long before the line it introduces


class PhraseLengths(Protocol):
    """What the layout needs of a voice: each phrase's cache key and length in samples."""

    def clip_lengths(self, texts: Sequence[str], length_scale: float) -> dict[str, tuple[str, int]]: ...


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


def _phrase_gaps(lengths: list[int], phrases: tuple[str, ...], words: int, profile: Profile) -> list[int]:
    """Pauses between the phrases of one entry, bringing it towards the profile's calm rate:
    a short breath after a comma, a longer pause between sentences. Sentence pauses grow
    first; comma pauses grow only when there is no sentence pause left to grow."""
    if len(lengths) < 2:
        return []
    sr = profile.sample_rate
    commas = [p.endswith(",") for p in phrases[:-1]]
    (s_lo, s_hi), (c_lo, c_hi) = profile.pacing.sentence_pause, COMMA_PAUSE
    spare = words / profile.pacing.target_wpm * 60 - sum(lengths) / sr
    n_comma, n_sentence = sum(commas), len(commas) - sum(commas)
    sentence = min(max((spare - n_comma * c_lo) / n_sentence, s_lo), s_hi) if n_sentence else 0.0
    comma = min(max((spare - n_sentence * sentence) / n_comma, c_lo), c_hi) if n_comma else 0.0
    return [int(round((comma if c else sentence) * sr)) for c in commas]


def build_plan(
    profile: Profile,
    script: Script,
    narrator: PhraseLengths | None = None,
    lead_in_s: float | None = None,
    check_words: bool = True,
) -> SessionPlan:
    """Place the script in time. `narrator` gives phrase lengths; None means tones only.
    `lead_in_s` asks for a longer tone-only opening (live play starts before the voice is ready).
    `check_words` refuses words outside the mode's window (a massage track's first and last minutes)."""
    if script.ending == "sleep":  # drift off: a long, slow fade into quiet, no call to wake
        profile = profile.with_(fade_out_s=SLEEP_FADE_S, closing_quiet_s=SLEEP_FADE_S)
    sr = profile.sample_rate
    total = profile.total_samples
    breaths = breath_schedule(profile, total / sr)
    head = int(round(max(profile.lead_in_s, profile.fade_in_s, lead_in_s or 0) * sr))
    tail = profile.closing_samples

    if narrator is None or not profile.narration:
        return SessionPlan(profile, script.name, script.title, total, [], breaths, mode_cues(profile))

    energy = profile.energy.value
    lengths = narrator.clip_lengths(script.phrases_for(energy), SPEAKING_PACE)
    timeline = _timeline(script.items_for(energy), lengths, profile)
    budget = total - head - tail
    dropped = _fit(timeline, budget, profile, script)
    _grow(timeline, budget)

    cues = mode_cues(profile)
    narration, sections, pos = _place(timeline, head, cues, sr)
    assert pos == total - tail, "the plan must fill the session exactly"
    if profile.mode.words_within_s is not None and check_words:
        _check_words_at_the_ends(narration, profile, script)
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


def _timeline(items: list[Item], lengths: dict[str, tuple[str, int]], profile: Profile) -> list[_Spoken | _Quiet]:
    """The script's lines and the quiet between them, in order, at their first lengths."""
    sr, pacing = profile.sample_rate, profile.pacing
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
            pending = _Quiet(int(round(low * sr)), int(5 * sr), True, item.section)
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
            gaps = _phrase_gaps([c[1] for c in placed], item.phrases, item.words, profile)
            timeline.append(_Spoken(item, placed, gaps, chime_before=chime))
            chime = False
    if pending is not None:  # a pause or stretch after the last line
        timeline.append(pending)
    if not any(isinstance(t, _Quiet) and t.grows for t in timeline):
        _add_implicit_stretch(timeline, int(pacing.breathe_min * sr))
    return timeline


def _place(
    timeline: list[_Spoken | _Quiet], head: int, cues: list[Cue], sr: int
) -> tuple[list[NarrationEntry], list[tuple[int, str]], int]:
    """Every line and its phrases at their samples, from `head` on; a script's chimes go into
    `cues`. Returns the lines, where each section starts, and where the last quiet ends."""
    narration: list[NarrationEntry] = []
    sections: list[tuple[int, str]] = []
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
    return narration, sections, pos


def _check_words_at_the_ends(narration: list[NarrationEntry], profile: Profile, script: Script) -> None:
    """A therapist's table is for quiet: a welcome at the start, a closing at the end, nothing between."""
    sr, total = profile.sample_rate, profile.total_samples
    within = profile.mode.words_within_s
    assert within is not None
    window = int(within * sr)
    for e in narration:
        if e.end > window and e.start < total - window:
            raise BadInput(
                f"the script '{script.name}' speaks at {clock(e.start / sr)} ('{e.text}'), but a "
                f"{profile.mode.name} track speaks only in its first and last {within / 60:g} minutes; "
                "keep the welcome and the closing short, with one [breathe] between them"
            )


@dataclass(frozen=True)
class KnownLengths:
    """Phrase lengths a voice has already given (so planning reads no clip twice)."""

    lengths: dict[str, tuple[str, int]]

    def clip_lengths(self, texts: Sequence[str], length_scale: float) -> dict[str, tuple[str, int]]:
        return self.lengths


class ShortEstimate:
    """Phrase lengths guessed from the text alone, on the short side, without synthesis.

    Piper voices take at least about 0.034 s a character at length_scale 1 (measured over
    every built-in phrase); this takes 0.025. A line's length never shrinks when its phrases
    grow, so a plan that cannot fit with these lengths cannot fit with the real ones either.
    """

    SECONDS_PER_CHAR = 0.025

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate

    def clip_lengths(self, texts: Sequence[str], length_scale: float) -> dict[str, tuple[str, int]]:
        per_char = self.SECONDS_PER_CHAR * length_scale * self.sample_rate
        return {t: ("", max(int(len(t) * per_char), 1)) for t in texts}


class LongEstimate:
    """Phrase lengths guessed on the long side: 0.07 s a character at length_scale 1 and
    0.4 s more (the slowest built-in phrase takes 0.071 s a character with its edges)."""

    SECONDS_PER_CHAR = 0.07
    EXTRA_S = 0.4

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate

    def clip_lengths(self, texts: Sequence[str], length_scale: float) -> dict[str, tuple[str, int]]:
        sr = self.sample_rate
        return {t: ("", int((len(t) * self.SECONDS_PER_CHAR * length_scale + self.EXTRA_S) * sr)) for t in texts}


@dataclass(frozen=True)
class SomeKnown:
    """The lengths a voice has given so far, and a guess for the rest."""

    known: dict[str, tuple[str, int]]
    guess: PhraseLengths

    def clip_lengths(self, texts: Sequence[str], length_scale: float) -> dict[str, tuple[str, int]]:
        missing = [t for t in texts if t not in self.known]
        return {**self.guess.clip_lengths(missing, length_scale), **self.known}


def plan_so_far(profile: Profile, script: Script, known: dict[str, tuple[str, int]]) -> SessionPlan:
    """The plan with only the lines whose places the phrases made so far already fix: each
    where the whole plan will put it, however long the phrases still to make turn out
    (between the short and the long guess). Live play speaks these while the rest is made."""
    return settled_so_far(profile, script, known)[0]


def settled_so_far(profile: Profile, script: Script, known: dict[str, tuple[str, int]]) -> tuple[SessionPlan, int]:
    """plan_so_far, and the first sample at which the whole plan may still differ from it:
    the earliest place, under either guess, of the first line not yet fixed, of a cue the
    guesses disagree on, or of a breath they disagree on (the sound before it is final)."""
    sr = profile.sample_rate
    try:
        short, long = (
            build_plan(profile, script, SomeKnown(known, guess), check_words=False)
            for guess in (ShortEstimate(sr), LongEstimate(sr))
        )
    except DoesNotFit:
        return build_plan(profile, script, None), 0
    fixed: list[NarrationEntry] = []
    for a, b in zip(short.narration, long.narration):
        if a != b or not all(c.key for c in a.clips):
            break
        fixed.append(a)
    cues = [c for c in short.cues if c in long.cues]
    sections = [s for s in short.sections if s in long.sections and any(e.start == s[0] for e in fixed)]
    p = short
    plan = SessionPlan(p.profile, script.name, script.title, p.total_samples, fixed, p.breaths, cues, sections)
    n = len(fixed)
    unsettled = [g.narration[n].start for g in (short, long) if len(g.narration) > n]
    unsettled += [c.at for c in set(short.cues) ^ set(long.cues)]
    unsettled += [int(a.start_s * sr) for a, b in zip(short.breaths, long.breaths) if a != b]
    if len(short.narration) != len(long.narration) and n == min(len(short.narration), len(long.narration)):
        unsettled.append(0 if n == 0 else fixed[-1].end)  # a line only one guess keeps: after the last fixed one
    return plan, int(min(unsettled, default=p.total_samples))


def check_fits(profile: Profile, script: Script) -> None:
    """Raise DoesNotFit, before anything is synthesised, when the script surely cannot fit.
    Its figure is a lower bound: the length the words would need if spoken at their quickest."""
    build_plan(profile, script, ShortEstimate(profile.sample_rate), check_words=False)


def _add_implicit_stretch(timeline: list[_Spoken | _Quiet], samples: int) -> None:
    """A script with no [breathe] gets one stretch before its last section (or last line)."""
    spoken = [(i, t) for i, t in enumerate(timeline) if isinstance(t, _Spoken)]
    last_section = spoken[-1][1].entry.section
    first_of_last = next(i for i, t in spoken if t.entry.section == last_section)
    at = first_of_last if first_of_last > 0 else spoken[-1][0]
    if at == 0:
        timeline.append(_Quiet(samples, samples, True, last_section))
        return
    before = timeline[at - 1]
    if isinstance(before, _Quiet):
        before.grows = True
        before.samples = max(before.samples, samples)
    else:
        timeline.insert(at, _Quiet(samples, samples, True, last_section))


def _needed(timeline: list[_Spoken | _Quiet]) -> int:
    return sum(t.samples if isinstance(t, _Quiet) else t.length for t in timeline)


def _fit(timeline: list[_Spoken | _Quiet], budget: int, profile: Profile, script: Script) -> int:
    """Make the timeline fit the budget: drop optional lines, then shorten quiet. Returns drops."""
    dropped = 0
    while _needed(timeline) > budget:
        optional = [i for i, t in enumerate(timeline) if isinstance(t, _Spoken) and t.entry.optional]
        if not optional:
            break
        i = optional[-1]  # the latest optional line goes first
        del timeline[i]
        a, b = (timeline[i - 1], timeline[i]) if 0 < i < len(timeline) else (None, None)
        if isinstance(a, _Quiet) and isinstance(b, _Quiet):
            # merge the quiet before and after the dropped line, keeping the longer
            del timeline[i]
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
            minutes = max(math.ceil(need_s / 60), 2)  # the next whole minute, even for 120.03 s
            raise DoesNotFit(
                f"the script '{script.name}' does not fit in {profile.minutes:g} minutes at "
                f"{profile.energy.value} energy; choose {minutes} minutes or more, or a shorter script",
                minutes,
            )
    return dropped


def _grow(timeline: list[_Spoken | _Quiet], budget: int) -> None:
    """Share the spare time out among the breathing-only stretches, to the sample."""
    spare = budget - _needed(timeline)
    stretches = [t for t in timeline if isinstance(t, _Quiet) and t.grows]
    for i, t in enumerate(stretches):
        share = spare // (len(stretches) - i)
        t.samples += share
        spare -= share
