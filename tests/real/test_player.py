"""Live play: keys act through fades, extend really extends, the voice may arrive late.

Most tests use PacedOutput, a stand-in for the sound card's clock that keeps every block,
so the sound that would have been heard can be measured. The real PortAudio path runs
through the ALSA null device, with keys typed into a pseudo-terminal."""

import os
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from companion.cli.view import RichView, breath_now
from companion.live.player import Player
from companion.options import SessionOptions
from companion.output.stream import BLOCK
from companion.session import Session, make_plan, make_session
from companion.sound.renderer import blocks
from tests.audio_checks import rms_db
from tests.helpers import spawn_in_pty
from tests.paced_output import PacedOutput

SR = 44100


def play(options: SessionOptions, script, cache=None, speed: float = 400.0) -> tuple[Player, PacedOutput]:
    """Run a player; `script` is a list of (when, command): when is a session second, or
    ('held', n) for the n-th block heard while paused."""
    out = PacedOutput(SR, speed=speed)
    player = Player(make_session(options, cache=cache, wait_for_voice=False), out)
    steps = list(script)
    held = [0]

    def on_block(_, at):
        if not steps:
            return
        when, command = steps[0]
        if isinstance(when, tuple):
            held[0] += at is None
            if held[0] >= when[1]:
                steps.pop(0)
                player.send(command)
        elif at is not None and at >= when * SR:
            steps.pop(0)
            player.send(command)

    out.on_block = on_block
    assert player.run().exit_code == 0
    return player, out


def reference_for(out: PacedOutput, session: Session, plan=None) -> np.ndarray:
    """What the session (or a later plan of it) sounds like untouched, lined up with what was
    heard (zeros while held)."""
    untouched = blocks(plan or session.plan, session.voice_clip(), session.cache)
    ref = np.concatenate([np.concatenate(list(untouched))[:, 0], np.zeros(BLOCK, np.float32)])
    return np.concatenate(
        [ref[at : at + BLOCK] if at is not None else np.zeros(BLOCK, np.float32) for at in out.positions]
    )


def assert_no_clicks(out: PacedOutput, player: Player) -> None:
    """No step in what was heard is larger than the session's own largest step."""
    own = np.max(np.abs(np.diff(reference_for(out, player.session, player.live.plan))))
    assert np.max(np.abs(np.diff(out.audio))) <= own + 1e-3


def heard_by_position(out: PacedOutput) -> dict[int, np.ndarray]:
    return {at: b for b, at in zip(out.blocks, out.positions) if at is not None}


def test_uninterrupted_play_is_the_rendered_session():
    opts = SessionOptions(energy="low", minutes=2, seed=4)
    session = make_session(opts)  # the voice is in the cache: the player plans it all at once
    player, out = play(opts, [])
    assert player.session.plan.to_json() == session.plan.to_json()
    reference = np.concatenate(list(session.blocks()))[:, 0]
    heard = out.audio[: len(reference)]
    assert len(out.audio) == -(-len(reference) // BLOCK) * BLOCK
    assert np.max(np.abs(heard - reference)) < 1e-5


def test_pause_fades_out_holds_still_and_fades_back():
    opts = SessionOptions(energy="low", minutes=2, seed=4)
    # between lines, where the tone and bed play before and after the pause's fades (48 blocks
    # each way): 5 s after the words, 7 s and more before the next
    lines = make_plan(opts).narration
    after = next(e.end for e, f in zip(lines, lines[1:]) if f.start - e.end > 12 * SR) + 5 * SR
    player, out = play(opts, [(after / SR, "pause"), (("held", 200), "pause")])
    held = [i for i, at in enumerate(out.positions) if at is None]
    assert len(held) >= 200
    first, last = held[0], held[-1]
    assert all(np.all(out.blocks[i] == 0) for i in held)  # silence while paused
    ref = reference_for(out, player.session, player.live.plan)

    def gain(i: int) -> float:  # what the listener heard of block i, against the untouched session
        # sample by sample, the middle value: a ratio of the block's powers leans towards its
        # loudest moment, and so towards one end of a fade
        untouched = ref[i * BLOCK : (i + 1) * BLOCK]
        audible = np.abs(untouched) > 1e-4
        return float(np.median(out.blocks[i][audible] / untouched[audible]))

    fade = [gain(i) for i in range(first - 48, first)]  # the last 48 blocks before the hold
    assert fade[0] == pytest.approx(1, abs=0.01) and fade[-1] < 0.01  # faded out over about a second
    assert all(b <= a + 1e-6 for a, b in zip(fade, fade[1:]))
    assert_no_clicks(out, player)
    # the session clock stood still: positions continue where they stopped
    assert out.positions[last + 1] == _at(out, first - 1) + BLOCK
    rise = [gain(i) for i in range(last + 1, last + 49)]
    assert rise[0] < 0.01 and rise[-1] == pytest.approx(1, abs=0.01)  # and back in about a second
    assert all(b >= a - 1e-6 for a, b in zip(rise, rise[1:]))
    # and the whole session was still heard, to its last sample
    assert _at(out, -1) + BLOCK >= player.live.total


def test_volume_steps_down_smoothly():
    opts = SessionOptions(energy="low", minutes=2, seed=4, narration=False)
    player, quiet = play(opts, [(20, "softer"), (21, "softer")])
    _, plain = play(opts, [])
    a, b = heard_by_position(quiet), heard_by_position(plain)
    later = [at for at in a if 30 * SR <= at < 60 * SR]
    ratio = rms_db(np.concatenate([a[k] for k in later])) - rms_db(np.concatenate([b[k] for k in later]))
    assert ratio == pytest.approx(-6.0, abs=0.05)
    assert_no_clicks(quiet, player)


def test_extend_adds_five_minutes_and_moves_the_closing():
    opts = SessionOptions(energy="low", minutes=3, seed=4)
    before = make_plan(opts)
    player, out = play(opts, [(40, "extend")])
    after = player.live.plan
    assert after.total_samples == before.total_samples + 5 * 60 * SR
    assert _at(out, -1) + BLOCK >= after.total_samples  # it really played 8 minutes
    closing_before = before.narration[-1].start
    closing_after = after.narration[-1].start
    assert closing_after - closing_before == 5 * 60 * SR
    # what came before the extension point is untouched
    assert [e.start for e in after.narration if e.start < 40 * SR] == [
        e.start for e in before.narration if e.start < 40 * SR
    ]
    assert_no_clicks(out, player)
    assert player.result().extensions == 1
    assert np.all(out.audio[-int(0.7 * SR) :] == 0)  # still ends in digital silence


def test_extending_a_massage_track_moves_the_two_minute_cue():
    opts = SessionOptions(minutes=12, mode="massage", narration=False, regions="back:5,legs:3")
    player, out = play(opts, [(60, "extend")])
    plan = player.live.plan
    assert plan.total_samples == 17 * 60 * SR
    assert [(c.at, c.kind) for c in plan.cues] == [(5 * 60 * SR, "region"), (15 * 60 * SR, "two-minutes")]
    assert _at(out, -1) + BLOCK >= plan.total_samples


def test_gentle_stop_fades_over_three_seconds():
    opts = SessionOptions(energy="low", minutes=2, seed=4, narration=False)
    player, out = play(opts, [(30, "stop")])
    stop_at = next(i for i, at in enumerate(out.positions) if at is not None and at >= 30 * SR)
    tail = np.concatenate(out.blocks[stop_at:])
    assert 2.8 * SR <= len(tail) <= 3.3 * SR
    assert rms_db(tail[-BLOCK:]) < -70
    assert rms_db(tail[: SR // 2]) > rms_db(tail[-SR // 2 :]) + 20
    assert_no_clicks(out, player)
    assert player.result().ended == "stopped"


def test_cold_cache_the_tone_starts_before_the_voice(tmp_path):
    from companion.cache import ClipCache

    cache = ClipCache(tmp_path / "cold")
    opts = SessionOptions(energy="low", minutes=3, seed=4)
    out = PacedOutput(SR, speed=2.0)  # slow enough that the voice is not ready at once
    session = make_session(opts, cache=cache, wait_for_voice=False)
    assert session.voice_pending
    player = Player(session, out)
    first = []
    out.on_block = lambda o, at: first.append(player.status.waiting_for_voice) if len(first) < 1 else None
    out.speed = 2.0

    def hurry(o, at):  # after the first seconds, play fast
        if not first:
            first.append(player.status.waiting_for_voice)
        if at is not None and at > 20 * SR:
            o.speed = 400.0

    out.on_block = hurry
    assert player.run().ended == "finished"
    assert first[0] is True  # sound started while the voice was being synthesised
    plan = player.live.plan
    assert plan.narration and plan.narration[0].start >= 3 * SR  # at the plan's place, or later if need be
    assert _at(out, -1) + BLOCK >= plan.total_samples
    spoken = np.concatenate([out.audio[e.start : e.end] for e in plan.narration])
    assert rms_db(spoken) > rms_db(out.audio[: int(2.5 * SR)]) + 6  # the words were really heard


def test_a_script_that_surely_does_not_fit_fails_before_any_sound(tmp_path):
    from companion.cache import ClipCache
    from companion.errors import DoesNotFit

    out = PacedOutput(SR, speed=400.0)
    opts = SessionOptions(energy="high", script="body-scan", minutes=2)
    with pytest.raises(DoesNotFit, match="choose 3 minutes or more"):  # the exact figure, as render says
        Player(make_session(opts, cache=ClipCache(tmp_path / "cold"), wait_for_voice=False), out).run()
    assert out.positions == []


def test_words_that_turn_out_longer_than_guessed_lengthen_the_session(tmp_path, shared_cache):
    """The text looked as if it would fit in 2.5 minutes; the spoken phrases need more. The
    session grows instead of stopping half-way (and `lengthened_to` lets the CLI say so)."""
    import shutil

    from companion.cache import ClipCache
    from companion.plan.catalogue import builtin_script
    from companion.plan.profile import SPEAKING_PACE
    from companion.plan.scripts import personalise
    from companion.voice.models import resolve_voice
    from companion.voice.piper_voice import PiperNarrator

    out = PacedOutput(SR, speed=2.0)
    cache = ClipCache(tmp_path)
    opts = SessionOptions(energy="high", script="body-scan", minutes=2.5)
    # every phrase but the last from the warm cache: the voice is still to be made when play
    # starts (one phrase of it, not the whole script's half-minute of work)
    warm = PiperNarrator(resolve_voice(None), SR, ClipCache(shared_cache / "companion" / "clips"))
    phrases = personalise(builtin_script("body-scan"), None).phrases_for("high")
    keys = [key for key, _ in warm.clip_lengths(phrases, SPEAKING_PACE).values()]
    for key in keys[:-1]:
        cache.path(key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(warm.cache.path(key), cache.path(key))
    player = Player(make_session(opts, cache=cache, wait_for_voice=False), out)

    def hurry(o, at):  # real time while the voice is synthesised, then fast
        if not player.status.waiting_for_voice:
            o.speed = 400.0

    out.on_block = hurry
    result = player.run()
    assert result.exit_code == 0
    assert result.lengthened_to is not None and result.lengthened_to >= 3
    assert result.minutes_heard == pytest.approx(result.lengthened_to, abs=0.01)
    plan = player.live.plan
    assert player.lengthened_to is not None and plan.total_samples == player.lengthened_to * 60 * SR
    assert plan.narration and plan.narration[-1].end < plan.total_samples - 9 * SR  # words before the fade
    assert _at(out, -1) + BLOCK >= plan.total_samples  # it played to the end
    assert_no_clicks(out, player)


def test_breathing_guide_follows_the_tone():
    plan = make_plan(SessionOptions(energy="high", minutes=3, narration=False))
    from companion.output.stream import Status

    b = plan.breaths[5]
    at_start = Status(plan, position=int(b.start_s * SR) + 10)
    at_turn = Status(plan, position=int(b.turn_s * SR))
    late = Status(plan, position=int((b.turn_s + 0.5 * b.exhale_s) * SR))
    assert breath_now(at_turn)[0] > 0.99 and breath_now(at_start)[0] < 0.01
    assert breath_now(at_start)[1] == "in" and breath_now(late)[1] == "out"
    view = RichView()
    view.console.width = 80
    view.console.record = True
    widths = []
    for status in (at_start, at_turn):
        view.console.print(view.render(status))
        text = view.console.export_text()
        widths.append(max(line.count("█") for line in text.splitlines()))
    assert widths[1] > 3 * widths[0]


def _read_all(master, child, seconds):
    chunks, deadline = [], time.time() + seconds
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif child.poll() is not None:
            break
    return b"".join(chunks).decode(errors="replace")


def _until_playing(master, child, timeout: float = 60) -> str:
    """Wait until the session plays, not a fixed time (a loaded machine can take longer to
    start): a key is answered only while it plays, so turn the volume down and wait for that."""
    seen, deadline = "", time.time() + timeout
    while "Volume -" not in seen:
        assert time.time() < deadline and child.poll() is None, seen
        os.write(master, b"-")  # again each time: the keys' raw mode flushes what came before it
        seen += _read_all(master, child, 0.3)
    return seen


def test_keys_through_a_terminal_on_the_real_device(null_audio_home):
    """The real PortAudio path and real terminal keys: q ends the session gently, status 0."""
    child, master = spawn_in_pty(
        "play", "--no-narration", "--minutes", "180", env={"HOME": str(null_audio_home), "TERM": "xterm"}
    )
    _read_all(master, child, 3)
    os.write(master, b"+-")
    os.write(master, b"q")
    screen = _read_all(master, child, 30)
    assert child.wait(timeout=30) == 0
    assert "Traceback" not in screen and "Error" not in screen
    assert "Stopped gently after" in screen and "of 180 minutes" in screen  # how long it played


def test_ctrl_c_twice_stops_at_once_with_the_interrupted_status(null_audio_home):
    child, master = spawn_in_pty(
        "play", "--quiet", "--no-narration", "--minutes", "180", env={"HOME": str(null_audio_home), "TERM": "xterm"}
    )
    _until_playing(master, child)
    child.send_signal(signal.SIGINT)
    time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    screen = _read_all(master, child, 30)
    assert child.wait(timeout=30) == 130
    assert "Traceback" not in screen and "Stopped gently after" in screen and "Error" not in screen


def test_sigterm_ends_play_like_ctrl_c(null_audio_home):
    """SIGTERM goes to player.interrupt, as Ctrl-C does (its gentle fade is measured above)."""
    child, master = spawn_in_pty(
        "play", "--quiet", "--no-narration", "--minutes", "180", env={"HOME": str(null_audio_home), "TERM": "xterm"}
    )
    _until_playing(master, child)
    child.send_signal(signal.SIGTERM)
    screen = _read_all(master, child, 30)
    assert child.wait(timeout=30) == 130
    assert "Traceback" not in screen and "Stopped gently after" in screen and "Error" not in screen


def test_quiet_acknowledges_each_key_and_shows_nothing_else(null_audio_home):
    child, master = spawn_in_pty(
        "play", "--quiet", "--no-narration", "--minutes", "180", env={"HOME": str(null_audio_home), "TERM": "xterm"}
    )
    before = _read_all(master, child, 3)
    os.write(master, b"-")
    time.sleep(0.5)
    os.write(master, b"q")
    screen = _read_all(master, child, 30)
    assert child.wait(timeout=30) == 0
    assert "Playing" not in before + screen and "\x1b[" not in screen  # no view
    assert "Volume -3 dB." in screen and "Ending gently." in screen  # each key was heard


def test_plain_output_when_not_a_terminal(null_audio_home):
    result = subprocess.run(
        [sys.executable, "-m", "companion", "play", "--energy", "low", "--minutes", "2"],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(null_audio_home)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "Playing Settling" in result.stdout and "Finished." in result.stdout


def _at(out: PacedOutput, i: int) -> int:
    """Where in the session the output's i-th block was (a held block has no place)."""
    at = out.positions[i]
    assert at is not None, f"block {i} was held"
    return at
