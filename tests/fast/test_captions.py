"""The words as timed text: render writes them beside the audio as WebVTT, each line from the
sample the plan starts it to the sample it ends, all or nothing like the audio itself."""

from __future__ import annotations

import pytest
import webvtt

from companion.options import SessionOptions
from companion.output.captions import Caption, captions
from companion.output.captions import webvtt as to_webvtt
from companion.session import make_session, render
from tests.fast.fake_voice import FakeNarrator


def _seconds(stamp: str) -> float:
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_render_writes_the_words_beside_the_audio_timed_as_the_plan_places_them(tmp_path):
    session = make_session(SessionOptions(mode="caregiver", safety_confirmed=True), narrator=FakeNarrator())
    written = render(session, tmp_path / "rest.wav")
    assert (written.captions, written.notes) == (tmp_path / "rest.vtt", tmp_path / "rest.txt")
    read = webvtt.read(str(written.captions))  # a reader of its own: the file is WebVTT
    plan = session.plan
    assert len(read) == len(plan.narration) > 3
    for cue, line in zip(read.captions, plan.narration):
        assert abs(_seconds(cue.start) - line.start / plan.sample_rate) <= 0.0005
        assert abs(_seconds(cue.end) - line.end / plan.sample_rate) <= 0.0005
        assert cue.text == " ".join(line.text.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rest.txt", "rest.vtt", "rest.wav"]


def test_a_session_without_words_has_no_captions(tmp_path):
    session = make_session(SessionOptions(narration=False, minutes=2))
    assert render(session, tmp_path / "tone.wav").captions is None
    assert [p.name for p in tmp_path.iterdir()] == ["tone.wav"]


def test_an_interrupted_render_leaves_neither_the_audio_nor_its_words(tmp_path):
    session = make_session(SessionOptions(mode="caregiver", safety_confirmed=True), narrator=FakeNarrator())

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the audio is written, the notes and words made

    with pytest.raises(KeyboardInterrupt):
        render(session, tmp_path / "hands.wav", progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_cue_text_is_escaped_and_times_are_to_the_millisecond():
    text = to_webvtt([Caption(3723.4567, 3725.0, "Rest <here> & now")])
    assert text == "WEBVTT\n\n1\n01:02:03.457 --> 01:02:05.000\nRest &lt;here&gt; &amp; now\n"


def test_captions_follow_the_plans_lines():
    plan = make_session(SessionOptions(energy="low", minutes=4), narrator=FakeNarrator()).plan
    lines = captions(plan)
    assert [(c.start_s, c.end_s) for c in lines] == [(e.start / 44100, e.end / 44100) for e in plan.narration]
