"""The catalogue of built-in scripts: each script's name, title, short name, summary, purpose,
group and energy levels, read from its own header (scripts/*.txt), so the check-in, the
pack and `scripts list` describe a script the same way. Also which script each energy level
and mode speaks by default."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from companion.errors import BadInput
from companion.modes import RELAX, Mode, Part
from companion.options import user_path
from companion.paths import builtin
from companion.plan.profile import Energy
from companion.plan.scripts import Script, load_script

# Default script for each energy level when no script is named.
DEFAULT_SCRIPT = {Energy.LOW: "settling", Energy.MEDIUM: "body-scan", Energy.HIGH: "calm-place"}


def scripts_dir() -> Path:
    return builtin("scripts")


def default_cover() -> bytes:
    """The cover a single rendered track carries (a pack draws its own, with its name)."""
    return (builtin("audio_assets") / "cover.png").read_bytes()


def builtin_names() -> list[str]:
    return sorted(p.stem for p in scripts_dir().glob("*.txt"))


@cache
def _load_builtin(name: str) -> Script:
    return load_script(scripts_dir() / f"{name}.txt", name)


def builtin_scripts() -> list[Script]:
    return [_load_builtin(n) for n in builtin_names()]


def builtin_script(name: str) -> Script:
    """A built-in script by name (BadInput naming the choices when there is none)."""
    names = builtin_names()
    if name not in names:
        raise BadInput(
            f"no script named '{name}'; the built-in scripts are {', '.join(names)}",
            field="script",
            value=name,
            allowed=tuple(names),
        )
    return _load_builtin(name)


def script_for_group(group: str) -> Script:
    """The built-in script of a group that has one script (breathing, sleep, after-massage)."""
    found = [s for s in builtin_scripts() if s.group == group]
    if len(found) != 1:
        raise LookupError(f"the catalogue has {len(found)} scripts in the group '{group}'")
    return found[0]


def default_script_name(mode: Mode, energy: Energy, part: Part | None = None, breathless: bool = False) -> str:
    """The mode's own script, else the part's (caregiver), else for someone short of breath
    the breathing-easy script, else the energy level's. The one rule, for every caller: the
    check-in, a render with breathless pacing, the pack."""
    if part is not None:
        return part.script
    if mode.script is not None:
        return mode.script
    if breathless and mode.name == RELAX.name:
        return script_for_group("breathing").name
    return DEFAULT_SCRIPT[energy]


def resolve_script(
    spec: str | None, energy: Energy, mode: Mode = RELAX, part: Part | None = None, breathless: bool = False
) -> Script:
    """A built-in script by name, or a script file by path (None: the mode's default)."""
    if spec is None:
        return _load_builtin(default_script_name(mode, energy, part, breathless))
    path = user_path(spec, "script")
    if spec not in builtin_names() and (path.suffix or "/" in spec or _exists(path)):
        return load_script(path)
    return builtin_script(spec)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for a file: no file of that name
        return False
