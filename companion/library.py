"""Where the built-in scripts and assets live, in a checkout and in an installed wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import BadInput
from .profile import Energy
from .scripts import Script, load_script

_PACKAGE = Path(__file__).resolve().parent
# Default script for each energy level when --script is not given.
DEFAULT_SCRIPT = {Energy.LOW: "settling", Energy.MEDIUM: "body-scan", Energy.HIGH: "calm-place"}


def _builtin(folder: str) -> Path:
    installed = _PACKAGE / "_builtin" / folder  # a wheel carries them inside the package
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / folder  # a source checkout or an editable install


def scripts_dir() -> Path:
    return _builtin("scripts")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in scripts_dir().glob("*.txt"))


@cache
def _load_builtin(name: str) -> Script:
    return load_script(scripts_dir() / f"{name}.txt", name)


def builtin_scripts() -> list[Script]:
    return [_load_builtin(n) for n in builtin_names()]


# Default script by mode (relax: by energy, above; caregiver: by the part massaged).
MODE_SCRIPT = {"massage": "therapist", "caregiver:hands": "caregiver-hands", "caregiver:feet": "caregiver-feet"}


def default_script_name(mode: str, energy: Energy, part: str | None = None) -> str:
    if mode == "caregiver":
        return MODE_SCRIPT[f"caregiver:{part or 'hands'}"]
    return MODE_SCRIPT.get(mode) or DEFAULT_SCRIPT[energy]


def resolve_script(spec: str | None, energy: Energy, mode: str = "relax", part: str | None = None) -> Script:
    """A built-in script by name, or a script file by path."""
    if spec is None:
        return _load_builtin(default_script_name(mode, energy, part))
    if spec in builtin_names():
        return _load_builtin(spec)
    path = Path(spec).expanduser()
    if path.suffix or "/" in spec or path.exists():
        return load_script(path)
    raise BadInput(f"no script named '{spec}'; run 'companion scripts list' to see the names")
