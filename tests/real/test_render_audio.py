"""Measure the sound itself: durations, loudness, peaks, fades, breath envelope, clicks,
block-size invariance and repeatability."""

import hashlib
import re
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from companion.options import SessionOptions
from companion.plan.profile import SPEAKING_PACE
from companion.session import make_session
from companion.sound.envelopes import BreathEnvelope
from companion.sound.mixer import limit
from companion.sound.renderer import TONE_SWELL_FLOOR
from tests.audio_checks import loudness_range, lufs, max_step_near, read, rms_db, spans, true_peak_db
from tests.helpers import plan_json, run_cli


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow("renders the same session in four formats")
def test_duration_to_the_sample_in_every_format(tmp_path):
    minutes = 2.0 + 1 / 7  # a length that is no round number of blocks or seconds
    expected = round(minutes * 60 * 44100)
    for suffix in (".wav", ".flac", ".ogg", ".mp3"):
        out = tmp_path / f"s{suffix}"
        result = run_cli("render", "--energy", "low", "--minutes", str(minutes), "-o", str(out))
        assert result.returncode == 0, result.stderr
        info = sf.info(str(out))
        assert info.samplerate == 44100 and info.channels == 2  # stereo unless --mono
        x, _ = read(out)
        assert len(x) == expected, suffix
        assert true_peak_db(x) <= -1.0, suffix
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "s.flac",
        "s.mp3",
        "s.ogg",
        "s.vtt",
        "s.wav",
    ]  # one .vtt: the same words


def test_voice_loudness_bed_level_and_peaks(low_session):
    plan, wav = low_session
    x, sr = read(wav)
    voice = lufs(spans(x, sr, [(e["start_s"], e["end_s"]) for e in plan["narration"]]), sr)
    assert voice == pytest.approx(-18, abs=1.5)
    # the bed alone: away from the words, the ducking and the fades
    quiet = np.ones(len(x), bool)
    for e in plan["narration"]:
        quiet[int((e["start_s"] - 1) * sr) : int((e["end_s"] + 2.5) * sr)] = False
    quiet[: 6 * sr] = False
    quiet[-17 * sr :] = False
    bed = lufs(x[quiet], sr)
    # 10 LU under the voice's level; as heard a little less, as the first words after a long
    # quiet are softer by design (docs/defaults.md: loudness range and gentle returns)
    assert 9 <= voice - bed <= 15
    assert lufs(x, sr) < voice  # the session as a whole is quieter than its voice
    assert true_peak_db(x) <= -1.0


def test_fades_and_digital_silence_at_the_end(low_session):
    plan, wav = low_session
    x, sr = read(wav)
    assert rms_db(x[: sr // 20]) < -60  # the first sound is very quiet
    first = [rms_db(x[int(i * sr) : int((i + 0.5) * sr)]) for i in np.arange(0, 2, 0.5)]
    assert all(b > a + 2 for a, b in zip(first, first[1:]))  # rising through the fade-in
    assert rms_db(x[4 * sr : 8 * sr]) > first[-1]
    assert np.all(x[-int(0.75 * sr) :] == 0)  # digital silence
    end = len(x) - int(0.75 * sr)
    windows = [rms_db(x[end - (k + 1) * sr : end - k * sr]) for k in range(4, -1, -1)]
    assert all(b < a - 2 for a, b in zip(windows, windows[1:]))  # falling through the fade-out
    assert windows[-1] < rms_db(x[end - 20 * sr : end - 10 * sr]) - 30


def test_no_clicks_where_the_voice_starts_and_stops(low_session):
    plan, wav = low_session
    x, sr = read(wav)
    edges = [p[k] for e in plan["narration"] for p in e["phrases"] for k in ("start_s", "end_s")]
    assert len(edges) >= 8
    width = int(0.003 * sr)
    for t in edges:
        assert max_step_near(x, int(round(t * sr)), width) < 0.01, t
    # the detector itself: a hard cut of the same audio is found
    cut = x.copy()
    phrase = plan["narration"][0]["phrases"][0]
    a, b = int(phrase["start_s"] * sr), int(phrase["end_s"] * sr)
    loudness = np.abs(x[a:b]) if x.ndim == 1 else np.abs(x[a:b]).max(axis=1)  # a frame, not a flat index
    i = a + int(np.argmax(loudness))  # cut where the voice is loudest
    cut[i:] = 0
    assert max_step_near(cut, i, width) > 0.01


def test_breath_tone_follows_the_plan():
    """Tone only: its level swells to a peak at every in-to-out turn of the plan."""
    p = plan_json("--energy", "high", "--minutes", "3", "--no-narration", "--ambience", "none")
    options = SessionOptions(energy="high", minutes=3, narration=False, ambience="none")
    session = make_session(options)
    plan = session.plan
    x = np.concatenate(list(session.blocks()))[:, 0].astype(np.float64)
    sr = 44100
    period = sr // 196  # exactly one tone cycle: the RMS over it is the envelope
    frames = x[: len(x) // period * period].reshape(-1, period)
    env = np.sqrt(np.mean(frames**2, axis=1))
    centres = (np.arange(len(env)) + 0.5) * period / sr
    cycles = [b for b in p["breaths"] if 8 < b["start_s"] and b["start_s"] + 12 < p["duration_s"] - 10]
    assert len(cycles) > 10
    for b in cycles:
        turn = b["start_s"] + b["inhale_s"]
        inside = (centres >= b["start_s"]) & (centres < b["start_s"] + b["inhale_s"] + b["exhale_s"])
        peak_at = centres[inside][np.argmax(env[inside])]
        assert abs(peak_at - turn) <= 0.006, (turn, peak_at)  # to the plan's millisecond grid
    # and the whole shape matches the raised-cosine swell
    middle = (centres > 10) & (centres < p["duration_s"] - 15)
    swell = TONE_SWELL_FLOOR + (1 - TONE_SWELL_FLOOR) * BreathEnvelope(plan.breaths)(centres[middle])
    assert np.corrcoef(env[middle], swell)[0, 1] > 0.999


@pytest.fixture
def short_session():
    return make_session(SessionOptions(energy="low", minutes=2, seed=3))


def test_same_output_for_any_block_size(short_session):
    reference = np.concatenate(list(short_session.blocks(blocksize=4096)))
    assert len(reference) == short_session.plan.total_samples
    for size in (64, 65, 8193, 44100, 10**7):
        assert np.array_equal(np.concatenate(list(short_session.blocks(blocksize=size))), reference), size
    ones = short_session.blocks(blocksize=1)
    head = np.concatenate([next(ones) for _ in range(50000)])
    assert np.array_equal(head, reference[:50000])


@pytest.mark.slow("five renders, the last with its voice made from cold")
def test_same_seed_same_bytes_and_a_new_seed_changes_the_bed(tmp_path, shared_cache):
    args = ("render", "--energy", "low", "--minutes", "2")
    a, b, c = tmp_path / "a.wav", tmp_path / "b.flac", tmp_path / "c.wav"
    assert run_cli(*args, "--seed", "5", "-o", str(a)).returncode == 0
    assert run_cli(*args, "--seed", "5", "-o", str(b)).returncode == 0
    assert run_cli(*args, "--seed", "6", "-o", str(c)).returncode == 0
    again = tmp_path / "again.wav"
    assert run_cli(*args, "--seed", "5", "-o", str(again)).returncode == 0
    assert sha(a) == sha(again)
    assert np.array_equal(read(a)[0], read(b)[0])  # FLAC holds the very same samples
    assert sha(a) != sha(c)
    # a cold cache (a fresh machine) synthesises the same voice, sample for sample
    cold = tmp_path / "cold.wav"
    result = run_cli(*args, "--seed", "5", "-o", str(cold), env={"XDG_CACHE_HOME": str(tmp_path / "cold")})
    assert result.returncode == 0, result.stderr
    assert sha(cold) == sha(a)


def _ogg_serials(path) -> set[int]:
    """The stream serial numbers of every Ogg page in a file (bytes 14-18 of each page)."""
    data = path.read_bytes()
    return {int.from_bytes(data[m.start() + 14 : m.start() + 18], "little") for m in re.finditer(b"OggS\0", data)}


def test_ogg_and_opus_files_have_a_serial_of_their_own_and_the_same_bytes(tmp_path):
    """An Ogg stream's serial number is never 0 (opusinfo warns of it, and joined streams need
    serials of their own) and differs from session to session, yet the same session gives
    the same bytes: the serial comes from what the session is made of, not from chance."""
    import companion

    sessions = [make_session(SessionOptions(energy="low", minutes=2, narration=False, seed=s)) for s in (3, 3, 4)]
    for suffix in (".ogg", ".opus"):
        files = [tmp_path / f"{k}{suffix}" for k in range(3)]
        for session, path in zip(sessions, files):
            companion.render(session, path)
        serials = [_ogg_serials(f) for f in files]
        assert all(len(s) == 1 and 0 not in s for s in serials), (suffix, serials)
        assert files[0].read_bytes() == files[1].read_bytes(), suffix  # the same session: the same bytes
        assert serials[0] != serials[2], suffix  # another session: another serial
        checker = "opusinfo" if suffix == ".opus" else "ogginfo"
        if shutil.which(checker):
            said = subprocess.run([checker, str(files[0])], capture_output=True, text=True, timeout=60)
            assert said.returncode == 0 and "serial number 0" not in said.stdout + said.stderr, said.stdout


def test_second_render_reads_the_cache(short_session):
    from companion.voice.models import resolve_voice
    from companion.voice.piper_voice import PiperNarrator

    narrator = PiperNarrator(resolve_voice(None), 44100)
    plan = short_session.plan
    texts = [c.text for c in plan.clips]
    first = narrator.clip_lengths(texts, SPEAKING_PACE)
    assert narrator.synthesised == 0  # the session fixture already synthesised them
    assert [first[t][0] for t in texts] == [c.key for c in plan.clips]


def test_energy_levels_really_differ():
    low = plan_json("--energy", "low", "--minutes", "10", "--no-narration")
    high = plan_json("--energy", "high", "--minutes", "10", "--no-narration")
    rate = lambda b: 60 / (b["inhale_s"] + b["exhale_s"])  # noqa: E731
    assert rate(low["breaths"][-1]) == pytest.approx(12, abs=0.05)
    assert rate(high["breaths"][-1]) == pytest.approx(6, abs=0.05)
    assert len(low["breaths"]) > 1.5 * len(high["breaths"])


def test_tones_only_loudness(tmp_path):
    out = tmp_path / "tones.wav"
    assert run_cli("render", "--minutes", "3", "--no-narration", "--ambience", "brown", "-o", str(out)).returncode == 0
    x, sr = read(out)
    assert lufs(x, sr) == pytest.approx(-23, abs=2)
    assert true_peak_db(x) <= -1.0
    assert loudness_range(x, sr) <= 8  # the swell moves the level gently, never by much


def test_loudness_agrees_with_ffmpeg(low_session):
    """An independent meter (ffmpeg's EBU R128 filter) reads the same loudness, range and peak."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (.ci/run installs it)")
    _, wav = low_session
    x, sr = read(wav)
    result = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(wav), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    read_out = {k: float(re.findall(rf"{k}:\s+(-?[\d.]+)", summary)[0]) for k in ("I", "LRA", "Peak")}
    assert read_out["I"] == pytest.approx(lufs(x, sr), abs=0.2)
    assert read_out["LRA"] == pytest.approx(loudness_range(x, sr), abs=0.5)
    assert read_out["Peak"] == pytest.approx(true_peak_db(x), abs=0.3)


def test_limiter_catches_peaks_smoothly():
    t = np.arange(44100 * 2) / 44100
    loudness = 0.3 + 1.2 * np.clip((t - 1) * 20, 0, 1)  # swells past the ceiling after 1 s
    x = (np.sin(2 * np.pi * 220 * t) * loudness).astype(np.float32)
    h, ceiling = 896, 10 ** (-1.5 / 20)
    y = limit(x, h, ceiling)
    assert len(y) == len(x) - 4 * h
    middle = x[2 * h : -2 * h]
    assert np.max(np.abs(y)) <= ceiling * (1 + 1e-6)
    quiet = middle[: 44100 - 4 * h]
    assert np.allclose(y[: len(quiet)], quiet, rtol=0, atol=1e-7)  # the quiet part is untouched
    # the gain moves without clicks: no step larger than the loudest clean sine's
    assert np.max(np.abs(np.diff(y))) <= ceiling * 2 * np.pi * 220 / 44100 * 1.05
    # the same stretch limited from a window that starts later gives the same samples
    later = limit(x[10000:], h, ceiling)
    assert np.allclose(later, y[10000:], rtol=0, atol=1e-7)


def test_loud_passages_go_through_the_limiter(short_session):
    """Force the limiter on (a very low ceiling) and check it holds every quantum, seamlessly."""
    from companion.sound.renderer import QUANTUM

    renderer = short_session.renderer()
    renderer.ceiling = 0.05
    out = np.concatenate([renderer.quantum(i) for i in range(renderer.quanta)])
    assert len(out) == short_session.plan.total_samples
    assert np.max(np.abs(out)) <= 0.05 * (1 + 1e-6)
    # no seams: limiting the whole session in one pass gives the same samples
    n = renderer.quanta * QUANTUM
    h = renderer.h
    mix = np.concatenate([renderer._mix(a, QUANTUM).copy() for a in range(-2 * h, n + 2 * h, QUANTUM)])
    whole = limit(mix, h, 0.05)
    assert np.allclose(out, whole[: len(out)], rtol=0, atol=1e-6)


def test_layer_loudness_constants_still_hold():
    from companion.sound.layers.noise import noise_loop
    from companion.sound.layers.tone import tone_table
    from companion.sound.renderer import LAYER_LUFS, SMALL_SPEAKER_LOSS_DB
    from tests.audio_checks import small_speaker

    sr = 44100

    def lost(x: np.ndarray) -> float:  # through a small speaker; the filter settles in the first copy
        return lufs(x, sr) - lufs(small_speaker(np.tile(x, 2), sr)[len(x) :], sr)

    tone = np.tile(tone_table(sr), 4)
    assert lufs(tone, sr) == pytest.approx(LAYER_LUFS["tone"], abs=0.05)
    assert lost(tone) == pytest.approx(SMALL_SPEAKER_LOSS_DB["tone"], abs=0.1)
    for kind in ("pink", "brown"):
        for seed in (0, 1, 12345):
            for part in (0, 1):  # each ear's own noise
                bed = noise_loop(kind, 20 * sr, sr, seed, part)
                assert lufs(bed, sr) == pytest.approx(LAYER_LUFS[kind], abs=0.15), (kind, seed)
                assert lost(bed) == pytest.approx(SMALL_SPEAKER_LOSS_DB[kind], abs=0.2), (kind, seed)
