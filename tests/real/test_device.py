"""The real PortAudio path, through an ALSA null device (HOME holds its .asoundrc)."""

import numpy as np

from companion.options import SessionOptions
from companion.output.devices import DeviceOutput, output_devices
from companion.output.stream import BLOCK, Status
from companion.session import make_plan
from tests.helpers import run_cli


def test_null_device_is_listed_and_plays(null_portaudio):
    assert [d["name"] for d in output_devices()] == ["default"]
    listed = run_cli("devices")
    assert listed.returncode == 0 and "default" in listed.stdout
    played = run_cli("play", "--energy", "low", "--minutes", "2", "--no-narration")
    assert played.returncode == 0, played.stderr
    assert "Traceback" not in played.stderr


def test_device_output_hands_over_every_block(null_portaudio):
    plan = make_plan(SessionOptions(energy="low", minutes=2, narration=False))
    status = Status(plan)
    blocks = [(np.full((BLOCK, 1), i / 100, np.float32), i * BLOCK) for i in range(40)]
    DeviceOutput(44100).play(iter(blocks), status)
    assert status.position == 39 * BLOCK  # the callback saw the last block


def test_no_sound_output_says_what_to_do(tmp_path):
    empty_home = tmp_path / "home"
    empty_home.mkdir()
    (empty_home / ".asoundrc").write_text("")  # an empty ALSA configuration: no device at all
    result = run_cli("play", "--energy", "low", "--minutes", "5", env={"HOME": str(empty_home)})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0] == (
        "Error: there is no sound output on this machine; write a file instead: "
        "companion render --energy low --minutes 5 -o session.mp3"
    )
    assert run_cli("devices", env={"HOME": str(empty_home)}).returncode == 1
