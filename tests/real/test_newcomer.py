"""What a newcomer meets: help that states the ranges, listings with summaries, a name that
is not used said so, and a live view that answers every key."""

import io
import json

from companion.cli.view import PlainView
from companion.live.player import Player
from companion.options import SessionOptions
from companion.session import make_session
from tests.helpers import run_cli
from tests.paced_output import PacedOutput

SR = 44100


def test_help_states_the_ranges_the_errors_would():
    text = " ".join(run_cli("render", "--help").stdout.split())
    for words in ("2 to 180 minutes", "(4.5 to 40)", "5 to 60", "up to 40 letters", "(1 to 2)", "hands or feet"):
        assert words in text, words


def test_scripts_list_shows_each_summary():
    listed = run_cli("scripts", "list").stdout
    assert "Arrive, rest, and notice the breath without changing it." in listed
    data = json.loads(run_cli("scripts", "list", "--json").stdout)
    assert all(s["summary"] for s in data)


def test_a_name_the_script_does_not_use_is_said_so(tmp_path):
    args = ("render", "--energy", "low", "--minutes", "3", "--name", "Ann", "-o", str(tmp_path / "s.wav"))
    unused = run_cli(*args, "--script", "after-massage")
    assert unused.returncode == 0, unused.stderr
    assert "the script 'after-massage' greets nobody by name, so 'Ann' is not spoken" in unused.stdout
    used = run_cli(*args, "--script", "settling")
    assert used.returncode == 0 and "greets nobody" not in used.stdout


def play_with_keys(commands, interrupt=False):
    session = make_session(SessionOptions(energy="low", minutes=2, narration=False))
    out, text = PacedOutput(SR, speed=100.0), io.StringIO()
    player = Player(session, out)
    pending = list(commands)

    def on_block(_, at):
        if pending and at is not None and at >= pending[0][0] * SR:
            command = pending.pop(0)[1]
            player.interrupt() if command == "ctrl-c" else player.send(command)

    out.on_block = on_block
    result = player.run(PlainView(text), view_every=0.02)
    return result, text.getvalue().splitlines()


def test_the_view_answers_every_key_and_says_how_it_ended():
    result, lines = play_with_keys([(10, "louder"), (20, "extend"), (30, "stop")])
    assert result.ended == "stopped" and result.extensions == 1
    assert "Already at full volume." in lines
    assert "Five more minutes, before the closing." in lines
    assert lines[-2:] == ["Ending gently…", "Stopped."]


def test_an_interrupted_session_is_never_called_finished():
    result, lines = play_with_keys([(10, "ctrl-c")])
    assert result.ended == "interrupted" and result.exit_code == 130
    assert "Finished." not in lines and "Stopped." not in lines
