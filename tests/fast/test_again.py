"""Play again (issue 30): the journal's rule that picks the sessions Today offers again."""

from __future__ import annotations

from typing import Any

from companion.cli.common import start_in_journal
from companion.journal.again import Again, pick, play_again
from companion.journal.entries import Entry, Ratings, SessionRecord
from companion.journal.store import Journal
from companion.options import SessionOptions
from companion.session import make_session
from companion.voice.recorded import RecordedVoice
from tests.fast.fake_voice import FakeNarrator


def _session(i: int, script: str, energy: str = "low", minutes: float = 6, mode: str = "relax"):
    return (i, f"2026-12-0{1 + i // 10}T1{i % 10}:00:00", SessionRecord(script, energy, mode, minutes))


def _rating(session_id: int, moment: str, **values: Any) -> Entry:
    return Entry(0, "2026-12-01T10:00:00", moment, Ratings(**values), session_id, None)


def test_the_last_three_distinct_sessions_latest_first():
    sessions = [
        _session(1, "settling"),
        _session(2, "body-scan", "medium", 12),
        _session(3, "settling"),  # the same session again: once in the list, at its latest
        _session(4, "sleep", minutes=20),
        _session(5, "calm-place", "high", 20),
    ]
    chosen = pick(sessions, [])
    assert [a.script for a in chosen.recent] == ["calm-place", "sleep", "settling"]
    assert chosen.recent[2].last_at == sessions[2][1]
    assert chosen.helped == ()  # nothing known to have helped: nothing claimed


def test_what_helped_is_counted_never_scored():
    sessions = [_session(i, s) for i, s in enumerate(["body-scan", "body-scan", "gratitude", "a", "b", "c"], 1)]
    sessions[3:] = [_session(4, "settling"), _session(5, "sleep", minutes=20), _session(6, "calm-place")]
    entries = [
        _rating(1, "before", anxiety=7),
        _rating(1, "after", anxiety=3),  # calmer
        _rating(2, "before", anxiety=6, pain=4),
        _rating(2, "after", anxiety=6, pain=2),  # less pain, as calm: counted
        _rating(3, "before", pain=5, anxiety=5),
        _rating(3, "after", pain=1, anxiety=6),  # one lower, one higher: not counted as better
    ]
    chosen = pick(sessions, entries)
    assert [a.script for a in chosen.recent] == ["calm-place", "sleep", "settling"]
    (helped,) = chosen.helped  # gratitude never helped: not offered as having helped
    assert (helped.script, helped.better) == ("body-scan", 2)
    assert helped.said == "You felt less pain after it twice."  # the earlier rating wins a tie
    # a big change counts as much as a small one: once is once
    one = pick([_session(1, "settling")], [_rating(1, "before", anxiety=9), _rating(1, "after", anxiety=0)])
    assert one.recent[0].said == "You felt calmer after it once."


def test_only_sessions_a_listener_plays_alone_are_offered():
    sessions = [
        _session(1, "therapist", minutes=60, mode="massage"),
        _session(2, "caregiver-hands", mode="caregiver"),
        _session(3, "my-own-script-file"),
    ]
    assert pick(sessions, []).recent == ()


def test_play_again_has_the_same_options_and_a_key(tmp_path):
    again = Again("breathlessness", "Breathing easy", "low", 6, "2026-12-01T10:00:00")
    options = again.options()
    assert (options.script, options.energy, options.minutes, options.breathless) == ("breathlessness", "low", 6, True)
    assert again.key == "breathlessness|low|6"
    with Journal(tmp_path / "journal.sqlite3") as journal:
        first = journal.start_session(SessionRecord("settling", "low", "relax", 6.0), Ratings(anxiety=6))
        journal.add(Ratings(anxiety=4), "after", first)
        journal.start_session(SessionRecord("sleep", "medium", "relax", 20.0))
        chosen = play_again(journal)
    assert [a.key for a in chosen.recent] == ["sleep|medium|20", "settling|low|6"]
    settling = chosen.find("settling|low|6")
    assert settling is not None and settling.said == "You felt calmer after it once."
    assert chosen.find("nothing|low|6") is None


def _in_voice(i: int, voice: str | None, script: str = "settling"):
    return (i, f"2026-12-01T1{i}:00:00", SessionRecord(script, "low", "relax", 6, voice=voice))


def test_a_session_in_a_recorded_voice_plays_again_in_it():
    RecordedVoice("Mum").create()
    chosen = pick([_in_voice(1, None), _in_voice(2, "Mum")], [])
    mum, bundled = chosen.recent  # the same script in two voices: two sessions to play
    assert (mum.key, mum.in_voice, mum.voice_note) == ("settling|low|6|Mum", "in Mum's voice", None)
    options = mum.options()
    assert (options.voice, options.fill_with_tts) == ("Mum", True)  # its missing phrases: named, then filled
    assert bundled.in_voice is None and bundled.options().voice is None and bundled.key == "settling|low|6"


def test_a_voice_no_longer_here_is_offered_in_the_bundled_voice_and_says_so():
    RecordedVoice("Gran").create()
    RecordedVoice("Gran").remove()
    (gone,) = pick([_in_voice(1, "Gran")], []).recent
    assert gone.voice_gone and gone.in_voice is None
    assert gone.voice_note == "Gran's voice is no longer here, so it plays in companion's own voice."
    options = gone.options()
    assert (options.voice, options.fill_with_tts) == (None, False)
    (piper,) = pick([_in_voice(1, "/nowhere/amy.onnx")], []).recent  # a Piper voice file taken away
    assert piper.voice_note == "The voice 'amy' is no longer here, so it plays in companion's own voice."


def test_the_journal_keeps_the_voice_a_session_spoke_in():
    options = SessionOptions(energy="low", minutes=6, voice="Mum", fill_with_tts=True)
    session = make_session(options, narrator=FakeNarrator())
    assert session.record(goal="rest").voice == "Mum" and session.record().goal is None
    bundled = make_session(SessionOptions(energy="low", minutes=6, voice="joe"), narrator=FakeNarrator())
    assert bundled.record().voice is None  # the bundled voice by any of its names
    start_in_journal(session, ask=False)  # as `companion play --ask` and `companion today` keep it
    with Journal() as journal:
        assert [a.voice for a in play_again(journal).recent] == ["Mum"]
