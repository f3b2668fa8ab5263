"""Issue 36, the smaller parts: a breath tapped along kept in the journal on its own or with
ratings (library, command line, the app's journal page), changed or taken away where entries
are changed, a dry run that asks for no taps, and the chart's facts. The PNG itself, the
terminal's space bar and the sound card's delay are in tests/real/test_journal_taps.py."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest

from companion.journal.entries import TAPPED_CAVEAT, Ratings, SessionRecord
from companion.journal.store import Journal
from companion.pictures.facts import TAPPED, journal_facts
from tests.fast.test_app import BASE, OURS, client, owner, state  # noqa: F401  (the app's fixtures)
from tests.helpers import run_main

STEADY = "4.000,4.000,4.000,4.000"  # a browser's intervals: 15 breaths a minute
WANDERING = "2.0,6.0,3.0,5.5"


def _entries(state):  # noqa: F811
    return Journal(state.people.default().journal_path, read_only=True).entries()


# -- the library --------------------------------------------------------------------------
def test_the_journal_keeps_a_rate_alone_and_an_edit_puts_the_rate_in_place_too(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        alone = j.add(Ratings(breath_rate=17.04))
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6.0))
        before = j.add(Ratings(pain=4, breath_rate=22.0), "before", sid)
        assert j.entry(alone).ratings == Ratings(breath_rate=17.0)  # type: ignore[union-attr]  # to a tenth
        j.edit(before, Ratings(pain=3, breath_rate=20.0))  # tapped again
        assert j.entry(before).ratings == Ratings(pain=3, breath_rate=20.0)  # type: ignore[union-attr]
        j.edit(before, Ratings(pain=3))  # left out: taken away
        assert j.entry(before).ratings == Ratings(pain=3)  # type: ignore[union-attr]
        j.edit(alone, Ratings(breath_rate=12.0))  # a rate alone stays an entry when changed
        assert j.entry(alone).ratings == Ratings(breath_rate=12.0)  # type: ignore[union-attr]
        for call in (lambda: j.add(Ratings()), lambda: j.edit(alone, Ratings())):
            with pytest.raises(Exception, match="a note or a breath tapped along") as refused:
                call()
            assert refused.value.field == "ratings" and "breath_rate" in refused.value.allowed  # type: ignore[attr-defined]
        with pytest.raises(Exception, match="tap along again") as refused:
            j.edit(alone, Ratings(breath_rate=90.0))
        assert refused.value.field == "breath_rate"  # type: ignore[attr-defined]
        assert j.entry(alone).ratings == Ratings(breath_rate=12.0)  # type: ignore[union-attr]  # nothing changed


def test_the_charts_facts_have_a_row_of_rates_tapped_only_where_tapped():
    from companion.journal.entries import Entry

    entries = [
        Entry(1, "2026-12-01T09:00:00+00:00", "alone", Ratings(pain=6), None, None),
        Entry(2, "2026-12-02T09:00:00+00:00", "before", Ratings(breath_rate=22.0), 7, None),
        Entry(3, "2026-12-02T09:20:00+00:00", "after", Ratings(pain=2, breath_rate=18.5), 7, None),
    ]
    facts = journal_facts(entries)
    assert [p.value for p in facts.rows[TAPPED]] == [22.0, 18.5]
    assert [(a.value, b.value) for a, b in facts.pairs(TAPPED)] == [(22.0, 18.5)]
    assert [p.value for p in facts.rows["pain"]] == [6, 2]
    assert journal_facts(entries[:1]).rows[TAPPED] == []


# -- the command line ---------------------------------------------------------------------
def test_journal_add_takes_tap_times_with_or_without_ratings_and_show_says_what_they_are():
    alone = run_main("journal", "add", "--taps", "0,4,8,12,16")
    assert alone.returncode == 0, alone.stderr
    assert "Tapped: about 15 breaths a minute." in alone.stderr and "tone" not in alone.stderr  # no tone here
    assert "Noted in Listener's journal (entry 1)." in alone.stdout
    assert run_main("journal", "add", "--pain", "3", "--taps", "0,3,6,9,12").returncode == 0
    latest, first = Journal(read_only=True).entries()
    assert first.ratings == Ratings(breath_rate=15.0) and first.moment == "alone"
    assert latest.ratings == Ratings(pain=3, breath_rate=20.0)
    shown = run_main("journal", "show").stdout
    assert "tapped" in shown.splitlines()[1]
    assert [line.split()[-1] for line in shown.splitlines()[2:4]] == ["20", "15"]
    assert f"tapped: breaths a minute; {TAPPED_CAVEAT}." in shown


@pytest.mark.parametrize(
    "args, words",
    [
        (["--taps", "0,4"], "tap at least 4 times"),
        (["--taps", "0,4,eight"], "seconds with commas between"),
        (["--taps", "0,1,2,3,4"], "breaths a minute"),  # 60 a minute: faster than anyone breathes
        (["--pain", "2", "--tap"], "tapping along needs a terminal"),  # nothing half-kept: the pain too
        ([], "or the breath tapped along (--tap, --taps)"),
    ],
)
def test_journal_add_refuses_taps_it_cannot_keep_in_one_line_and_keeps_nothing(args, words):
    result = run_main("journal", "add", *args)
    assert result.returncode == 2 and result.stderr.count("Error: ") == 1 and words in result.stderr, result.stderr
    assert Journal(read_only=True).entries() == []


def test_a_dry_run_asks_for_no_taps_but_takes_tap_times_given():
    said = run_main("today", "--dry-run", "--tap", "--energy-score", "3")
    assert said.returncode == 0, said.stderr
    assert "A dry run asks for no taps: you tap along when it plays" in said.stdout
    assert "Low energy: Settling, 6 minutes" in said.stdout
    given = run_main("today", "--dry-run", "--json", "--taps", "0,4,8,12,16", "--energy-score", "3")
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout)["breath_rate"] == 15.0  # stdout is one JSON object
    assert "The tone would start at that pace" in given.stderr
    quiet = run_main("today", "--dry-run", "--json", "--tap", "--energy-score", "3")
    assert "breath_rate" not in json.loads(quiet.stdout) and "asks for no taps" in quiet.stderr
    assert Journal(read_only=True).entries() == []  # a dry run keeps nothing


# -- the app's journal page ---------------------------------------------------------------
def test_the_journal_page_keeps_a_rate_tapped_with_or_without_ratings(client, state):  # noqa: F811
    page = client.get("/journal").text
    assert 'id="tap-circle"' in page and "kept with the entry: a rough count" in page
    assert "The tone then starts" not in page  # no tone starts from the journal
    alone = client.post("/journal", data={"tap_intervals": STEADY, "tap_since": "0.5"}, headers=OURS)
    assert alone.status_code == 303, alone.text
    with_pain = {"pain": "4", "tap_intervals": "3,3,3,3,3", "tap_since": "0"}
    assert client.post("/journal", data=with_pain, headers=OURS).status_code == 303
    latest, first = _entries(state)
    assert first.ratings == Ratings(breath_rate=15.0) and latest.ratings == Ratings(pain=4, breath_rate=20.0)
    page = html.unescape(client.get("/journal").text)
    assert "No ratings; the breath tapped along" in page and "Breaths a minute, by tapping: 15" in page
    assert "Pain 4" in page and "Breaths a minute, by tapping: 20" in page
    assert TAPPED_CAVEAT[:1].upper() + TAPPED_CAVEAT[1:] in page  # the chart's honest words


def test_taps_that_wander_are_said_on_the_journal_page_and_nothing_is_kept(client, state):  # noqa: F811
    answer = client.post("/journal", data={"pain": "2", "tap_intervals": WANDERING}, headers=OURS)
    assert answer.status_code == 400 and "Please tap again" in answer.text and 'role="alert"' in answer.text
    nothing = client.post("/journal", data={"tap_intervals": "", "tap_since": ""}, headers=OURS)
    assert nothing.status_code == 400 and "a breath tapped along" in html.unescape(nothing.text)
    assert _entries(state) == []


def test_an_entrys_rate_is_kept_tapped_again_or_taken_away_where_it_is_changed(client, state):  # noqa: F811
    with Journal(state.people.default().journal_path) as j:
        entry_id = j.add(Ratings(anxiety=5, breath_rate=22.0))
    form = client.get(f"/journal/{entry_id}/edit").text
    assert "Breaths a minute, by tapping: 22." in form and 'name="tap_remove"' in form and 'id="tap-circle"' in form
    assert "Breaths a minute, by tapping: 22" in client.get(f"/journal/{entry_id}/delete").text

    def changed(data: dict[str, str]) -> Ratings:
        assert client.post(f"/journal/{entry_id}/edit", data=data, headers=OURS).status_code == 303
        (entry,) = _entries(state)
        return entry.ratings

    assert changed({"anxiety": "4"}) == Ratings(anxiety=4, breath_rate=22.0)  # not tapped: kept as it was
    assert changed({"anxiety": "4", "tap_intervals": STEADY, "tap_since": "0"}) == Ratings(anxiety=4, breath_rate=15.0)
    assert changed({"anxiety": "4", "tap_remove": "yes"}) == Ratings(anxiety=4)
    assert changed({"tap_intervals": STEADY, "tap_since": "0"}) == Ratings(breath_rate=15.0)  # the rate alone
    refused = client.post(f"/journal/{entry_id}/edit", data={"tap_remove": "yes"}, headers=OURS)
    assert refused.status_code == 400 and "a breath tapped along" in html.unescape(refused.text)
    assert _entries(state)[0].ratings == Ratings(breath_rate=15.0)


# -- the sound card's delay in a live re-time -------------------------------------------
def _tone_session():
    from companion.options import SessionOptions
    from companion.session import make_session

    return make_session(SessionOptions(energy="medium", minutes=2, narration=False, ambience="none", breath_rate=12))


def test_the_second_heard_is_the_block_handed_over_less_the_outputs_delay():
    from companion.output.stream import BLOCK, Status

    status = Status(_tone_session().plan)
    status.position = 40 * 44100
    assert status.heard_s(1000.0) == 40.0  # an output that is its own listener: what it took
    status.latency_s, status.position_at = 0.25, 1000.0
    assert status.heard_s(1000.0) == pytest.approx(39.75)
    assert status.heard_s(1000.05) == pytest.approx(39.80)  # time goes on within the block ...
    assert status.heard_s(1005.0) == pytest.approx(40 + BLOCK / 44100 - 0.25)  # ... to its end at most
    status.position = 0
    assert status.heard_s(1000.0) == 0.0  # never before the start


@pytest.mark.parametrize("latency_s", [0.0, 0.5])
def test_a_tap_while_playing_is_placed_by_the_delay_the_output_reports(latency_s):
    """The player re-times from the second heard now: the block handed over last, less the
    sound card's delay (Status.latency_s, which DeviceOutput takes from its stream). A breath
    tapped on a phone, its last tap just now, puts a breath in `latency_s` before the block."""
    import time

    from companion.live.player import Player
    from companion.output.stream import Status

    session = _tone_session()

    class Silent:  # only the status the player reads: nothing plays
        def play(self, blocks, status: Status) -> None: ...

        def abort(self) -> None: ...

    player = Player(session, Silent())
    player.status.position, player.status.latency_s = 40 * 44100, latency_s
    player.status.position_at = time.monotonic()
    player.live.pos = 41 * 44100  # made ahead of the playhead, as a sound card's queue is
    player.send("taps 3,3,3 0")  # 20 a minute, a breath in as it arrives
    player._follow_taps()
    assert player.follow.retimed and player.live.plan.profile.breath_rate == 20
    starts = np.array([b.start_s for b in player.live.plan.breaths if b.start_s > 50])
    phase = (starts - (40.0 - latency_s)) / 3.0
    # in step with the breath heard, not the block (0.5 s is a sixth of a breath; the tolerance,
    # 0.15 s, holds a pause of this process between the tap and the re-time on a loaded machine)
    assert np.allclose(phase, np.round(phase), atol=0.05), phase
