"""The sound on the speakers people really use: a phone's small speaker (modelled as a 400 Hz
high-pass, tests.audio_checks.small_speaker), one speaker playing both channels, and words a
speech recogniser (PocketSphinx, independent of the voice) can make out in the mix."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from companion import SessionOptions, make_plan, make_session
from companion.sound.renderer import QUANTUM, SessionRenderer
from tests.audio_checks import (
    bed_autocorrelation,
    breath_swells,
    lufs,
    momentary,
    phrase_sounds,
    phrases_heard,
    recognise,
    recogniser,
    sample_phrases,
    script_options,
    small_speaker,
    words,
)

SR = 44100


def render(plan, voice=None) -> np.ndarray:
    r = SessionRenderer(plan, voice)
    return np.concatenate([r.quantum(k) for k in range(r.quanta)]).astype(np.float64)


def render_span(plan, a: int, b: int, voice=None) -> np.ndarray:
    """Samples a to b of a session (tones-only, unless its `voice` is given): only the quanta
    that hold them are made (any quantum can be made on its own, the same as in the whole)."""
    r = SessionRenderer(plan, voice)
    first, last = a // QUANTUM, -(-b // QUANTUM)
    x = np.concatenate([r.quantum(k) for k in range(first, last)]).astype(np.float64)
    return x[a - first * QUANTUM : b - first * QUANTUM]


def layers(options: SessionOptions) -> tuple[object, np.ndarray, np.ndarray, np.ndarray]:
    """A tones-only session's plan, its mix, and its breath tone and noise bed apart: the same
    plan without a bed has the tone at twice the power (it is then the whole accompaniment)."""
    plan = make_session(options).plan
    mix = render(plan)
    alone = replace(plan, profile=plan.profile.with_(ambience="none"))
    tone = render(alone) * np.sqrt(0.5)
    return plan, mix, tone, mix - tone


def test_every_layer_is_heard_on_a_small_speaker():
    for ambience, most_lost in (("pink", 2.5), ("brown", 4.5)):
        _, mix, tone, bed = layers(SessionOptions(energy="medium", minutes=3, narration=False, ambience=ambience))
        middle = slice(20 * SR, 170 * SR)
        full = {k: lufs(v[middle], SR) for k, v in (("tone", tone), ("bed", bed))}
        small = {k: lufs(small_speaker(v, SR)[middle], SR) for k, v in (("tone", tone), ("bed", bed))}
        assert abs(full["tone"] - full["bed"]) < 0.5, (ambience, full)  # an equal share on headphones
        assert small["tone"] >= small["bed"] - 4.0, (ambience, small)  # the tone is not lost on a phone
        swell = momentary(small_speaker(tone, SR)[middle], SR)
        assert swell.max() - swell.min() >= 4.0, ambience  # and it still swells with the breath there
        assert full["bed"] - small["bed"] <= most_lost, (ambience, full, small)  # the bed keeps its body
        spectrum = np.abs(np.fft.rfft(bed[middle, 0])) ** 2
        freqs = np.fft.rfftfreq(len(bed[middle]), 1 / SR)
        assert spectrum[freqs < 20].sum() < 1e-6 * spectrum.sum(), ambience  # nothing below 20 Hz
    pink, brown = (
        np.fft.rfft(layers(SessionOptions(minutes=2, narration=False, ambience=a))[3][:, 0]) for a in ("pink", "brown")
    )
    freqs = np.fft.rfftfreq(2 * 60 * SR, 1 / SR)

    def centroid(s, weight):
        p = np.abs(s) ** 2 * weight
        return float((freqs * p).sum() / p.sum())

    for weight in (1.0, 1 / (1 + (400 / np.maximum(freqs, 1e-3)) ** 8)):  # headphones, then a phone
        assert centroid(brown, weight) < 0.7 * centroid(pink, weight)  # brown stays the darker bed


def longest_quiet(plan) -> tuple[int, int]:
    """The longest stretch of a session without words: from 2 s after a line (the bed is back)
    to 1 s before the next (or to the fade-out), in samples."""
    p = plan.profile
    edges = [int(p.fade_in_s * SR)] + [x for e in plan.narration for x in (e.start, e.end)]
    edges.append(int((plan.duration_s - p.fade_out_s - p.tail_silence_s) * SR))
    gaps = [(a + 2 * SR, b - SR) for a, b in zip(edges[0::2], edges[1::2])]
    return max(gaps, key=lambda g: g[1] - g[0])


TONE_BETWEEN_WORDS_LUFS = -31.0  # half of the -28 LUFS between words (docs/sound.md)


@pytest.mark.parametrize("energy", ["low", "medium", "high"])
def test_the_tone_between_words_is_no_louder_for_the_breath_in_the_mix(energy):
    """The whole mix swells with the breath (tests/real/test_listening.py measures it on whole
    sessions: 3 dB or more on headphones, 2.5 through a phone) because the noise bed swells
    with the tone, not because the tone is louder: between words the tone alone stays at its
    share of the -28 LUFS there, over a session's longest stretch without words."""
    session = make_session(SessionOptions(energy=energy))
    plan = session.plan
    a, b = longest_quiet(plan)
    assert b - a >= 40 * SR
    alone = replace(plan, profile=plan.profile.with_(ambience="none"))
    tone = render_span(alone, a, b, session.voice_clip()) * np.sqrt(0.5)  # alone it has the bed's share too
    assert lufs(tone, SR) <= TONE_BETWEEN_WORDS_LUFS + 0.3, energy
    swells = breath_swells(tone, SR, plan, small_speaker=True, offset=a)
    assert len(swells) >= 3 and np.median(swells) >= 3.0, (energy, swells)  # and it still carries the breath


@pytest.mark.slow("makes and reads 25 minutes of one ear's bed: a 10-minute lag needs twice that, and more")
def test_the_bed_never_comes_round_again():
    """The noise bed has no period and no repetition to find: its autocorrelation stays under
    0.2 at every lag from 1 s to 10 minutes (two summed loops of 32 and 45 s came round every
    24 minutes, and were 0.5 alike 32 and 45 s apart), over 25 minutes of one ear's bed as the
    renderer makes it (the layer alone, before its swell and fades: they repeat with the
    breath, which is meant to be found)."""
    plan = make_session(SessionOptions(energy="medium", minutes=25, narration=False, ambience="brown")).plan
    bed_layer = SessionRenderer(plan, None).accompaniment
    scratch = np.empty(QUANTUM, np.float32)
    bed = np.concatenate(
        [bed_layer.bed(0, k * QUANTUM, QUANTUM, out=scratch).copy() for k in range(plan.total_samples // QUANTUM)]
    )
    assert np.sqrt(np.mean(bed**2)) > 1e-3  # the bed is there
    most = bed_autocorrelation(bed, SR, (1.0, 600.0))
    assert most < 0.2, most


CUE_TRACKS = {
    "pink": SessionOptions(mode="massage", minutes=10, narration=False, regions="back:4,legs:4"),
    "brown": SessionOptions(mode="massage", minutes=10, narration=False, ambience="brown", regions="a:4,b:4"),
}


@pytest.mark.parametrize("ambience", list(CUE_TRACKS))
def test_cues_stand_over_the_bed_and_the_mix_on_both_speakers(ambience):
    """Each cue alone is 4-8 LU over the noise bed's loudest 400 ms in the 10 s before it, and
    the whole mix rises at least 3 LU when it sounds: through headphones and a phone alike."""
    plan = make_session(CUE_TRACKS[ambience]).plan
    no_bed = replace(plan, profile=plan.profile.with_(ambience="none"))
    no_cues = replace(plan, cues=[])
    assert plan.cues and {c.kind for c in plan.cues} == {"region", "two-minutes"}
    for c in plan.cues:
        # rendered and measured around the cue only: 12 s before it (2 s for the filters to
        # settle) to 3.4 s after; momentary values every 0.1 s from there
        a, b = c.at - 12 * SR, c.at + int(3.4 * SR)
        mix = render_span(plan, a, b)
        tone = render_span(no_bed, a, b) * np.sqrt(0.5)  # alone, the tone has the bed's share too
        bed, cue = mix - tone, mix - render_span(no_cues, a, b)
        for speaker in ("headphones", "small speaker"):
            heard = (lambda x: x) if speaker == "headphones" else (lambda x: small_speaker(x, SR))
            m_mix, m_cue, m_bed = (momentary(heard(x), SR) for x in (mix, cue, bed))
            before, after = slice(20, 117), slice(120, 147)  # 10 s to 0.3 s before it; 0 to 2.7 s after
            over_bed = m_cue[after].max() - m_bed[before].max()
            over_mix = m_mix[after].max() - m_mix[before].max()
            assert 4.0 <= over_bed <= 8.0, (speaker, c.kind, over_bed)
            assert over_mix >= 3.0, (speaker, c.kind, over_mix)


def test_stereo_folds_to_one_speaker_within_a_lu_of_mono():
    """A phone that plays both channels on one speaker: (L + R) / sqrt 2 keeps a centred
    sound's power, (L + R) / 2 takes 3.01 dB from it (every centred sound alike). Either way
    the bed must not drop out: the fold is within 1 LU of the --mono file (beyond those 3.01 dB
    for the plain average), because the two ears' noise is correlated (0.7, as the docs say)."""
    for options in (
        SessionOptions(energy="medium", minutes=3, narration=False),
        SessionOptions(energy="medium", minutes=3, narration=False, ambience="brown"),
        SessionOptions(energy="low", minutes=4),
    ):
        stereo = render(make_session(options).plan, make_session(options).voice_clip())
        mono_session = make_session(replace(options, mono=True))
        mono = render(mono_session.plan, mono_session.voice_clip())[:, 0]
        reference = lufs(mono, SR)
        assert lufs(stereo.sum(axis=1) / np.sqrt(2), SR) == pytest.approx(reference, abs=1.0), options
        if not options.narration:  # the bed is half of it: (1 - 0.7) / 2 of that is lost, 0.34 LU (docs/defaults.md)
            assert lufs(stereo.sum(axis=1) / np.sqrt(2), SR) == pytest.approx(reference, abs=0.4), options
        assert lufs(stereo.mean(axis=1), SR) + 3.01 == pytest.approx(reference, abs=1.0), options
    _, _, _, bed = layers(SessionOptions(energy="medium", minutes=3, narration=False))
    correlation = np.corrcoef(bed[20 * SR : 160 * SR, 0], bed[20 * SR : 160 * SR, 1])[0, 1]
    assert 0.65 <= correlation <= 0.75  # wide on headphones, and the level kept on one speaker


def test_words_a_recogniser_mishears_are_said_as_written():
    """'foot', 'light', 'ankle', 'sole', 'thumbs' and 'tense' were misheard by the recogniser
    even in the voice alone; the voice is given the right sounds for each (no fix-up needed)."""
    from companion.voice.models import resolve_voice
    from companion.voice.piper_voice import load_voice
    from companion.voice.pronounce import as_said, load_fixups

    voice = load_voice(resolve_voice(None))
    expected = {
        "foot": "fˈʊt",
        "light": "lˈaɪt",
        "ankle": "ˈæŋkəl",
        "sole": "sˈoʊl",
        "thumbs": "θˈʌmz",
        "tense": "tˈɛns",
    }
    for word, sounds in expected.items():
        said = "".join("".join(p) for p in voice.phonemize(as_said(f"Rest the {word} now.", load_fixups())))
        assert sounds in said, (word, said)


def test_low_energy_is_the_sparsest_in_words():
    """Words per minute of the whole session: a tired listener hears the fewest."""
    rates = {}
    for energy in ("low", "medium", "high"):
        plan = make_plan(SessionOptions(energy=energy))
        rates[energy] = sum(len(words(e.text)) for e in plan.narration) / (plan.duration_s / 60)
    assert rates["low"] < rates["medium"] and rates["low"] < rates["high"], rates


@pytest.mark.slow("makes a session's voice from nothing while it plays")
def test_first_words_on_time_from_an_empty_voice_cache(tmp_path, shared_cache):
    """With nothing made yet, the tone starts at once and the voice is made in the order it is
    heard; the first line goes into the plan as soon as it is made, where the whole plan puts
    it, so the words come at the plan's first place and the sound is the same, sample for
    sample, as the session rendered with a warm cache. The output stands in for a sound card
    on a machine whose voice keeps ahead: it waits for a line's phrases before the playhead
    reaches the line. High energy, whose script is the fullest (its longer first lines, its
    faster breath): a cold `play --energy high` was once thought to start without its voice
    (issue 32); low energy's session is made and played the same way."""
    from companion.cache import ClipCache
    from companion.live.player import Player
    from companion.plan.scripts import Entry
    from tests.paced_output import PacedOutput

    energy = "high"
    options = SessionOptions(energy=energy, minutes=3, seed=5)
    warm_cache = ClipCache(shared_cache / "companion" / "clips")
    planned = make_session(options, cache=warm_cache).plan  # where the words go
    session = make_session(options, cache=ClipCache(tmp_path / "empty"), wait_for_voice=False)
    assert session.voice_pending and not session.plan.narration
    narrator = session.narrator
    assert narrator is not None
    made: list[list[str]] = []
    real = narrator.clip_lengths

    def clip_lengths(texts, scale, progress=None):
        made.append(list(texts))
        return real(texts, scale, progress)

    narrator.clip_lengths = clip_lengths  # type: ignore[method-assign]
    first_line = planned.narration[0]

    def keep_ahead(output, at):
        if at is None:
            return
        coming = [e for e in planned.narration if at + 2 * SR >= e.start]
        needed = [c.text for e in coming for c in e.clips] if len(coming) < 2 else session.phrases
        deadline = time.monotonic() + 120
        while not player.made(needed) and time.monotonic() < deadline:
            time.sleep(0.01)

    output = PacedOutput(SR, speed=50, on_block=keep_ahead)
    player = Player(session, output)
    worker = threading.Thread(target=player.run)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive()
    first = next(i for i in session.script.items_for(energy) if isinstance(i, Entry))
    assert made[0] == list(first.phrases) == [c.text for c in first_line.clips]  # the first line first, alone
    assert player.live.plan.narration == planned.narration  # the whole plan, exactly
    assert first_line.start == int(round(planned.profile.lead_in_s * SR))  # the words at 3 s
    heard = np.concatenate(output.blocks)[: planned.total_samples]
    assert np.abs(heard[first_line.start : first_line.end]).max() > 0.3  # the voice, not the tone alone
    warm = make_session(options, cache=warm_cache)
    rendered = np.concatenate(list(warm.blocks(4096)))[:, 0]
    assert np.array_equal(heard, rendered)  # what was heard is the session, to the sample


@pytest.mark.slow("a speech recogniser listens to a phrase of every script at every energy")
def test_every_script_is_as_clear_in_the_mix_as_in_the_voice_alone():
    """Every built-in script at each energy it offers: the words a recogniser hears in the mix
    (one speaker's fold) are within 3 points of those it hears in the voice alone, over a
    sample of one phrase from each (its returning line's first, just after the bed has risen
    before it; the full sweep over every phrase is benchmarks/speakers.py). Phrase by phrase,
    first sample to last, each as by a new recogniser, with its 10 ms frame grid at four
    places (audio_checks.HEARING_OFFSETS). Nothing sounds under the words now, so each mix is
    its voice alone, sample for sample, and is counted as heard as the voice alone was (the
    recogniser hears the same sound the same way: the test below); a mix with anything under
    its words is heard in full. With the bed and tone 20 dB under their level between words, as they
    were, the sample lost 5.0 points in the mix, so the test fails for a bed under the words."""
    from companion.plan.catalogue import builtin_scripts

    decoder = recogniser()
    total, alone, in_mix = 0, 0.0, 0.0
    for script in builtin_scripts():
        for energy in script.energies:
            session = make_session(script_options(script, energy))
            heard = phrases_heard(decoder, session, sample_phrases(session.plan))
            total, alone, in_mix = total + heard[0], alone + heard[1], in_mix + heard[2]
    print(f"{total} words heard: voice alone {alone / total:.3f}, the mix {in_mix / total:.3f}")
    assert alone / total > 0.6  # the recogniser works at all
    assert in_mix / total >= alone / total - 0.03, (alone / total, in_mix / total)


def test_a_phrase_is_heard_the_same_whatever_was_heard_before():
    """The recogniser hears each phrase as a new one would: phrases of breathlessness at low
    energy heard one after another (as the test above and the benchmark hear them) give the
    words each gives a new recogniser. Without resetting its feature state, "Sit well
    supported." in the mix was heard differently after "Rest your arms." than alone."""
    from companion.plan.catalogue import builtin_script

    session = make_session(script_options(builtin_script("breathlessness"), "low"))
    mixes = [mix for _, _, mix in phrase_sounds(session, session.plan.clips[2:6])][::-1]
    in_turn = recogniser()
    assert [recognise(in_turn, x, SR) for x in mixes] == [recognise(recogniser(), x, SR) for x in mixes]
