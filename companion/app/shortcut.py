"""The app one click away: a freedesktop desktop entry (the menu of GNOME, KDE, Xfce and
the like) that starts `companion app` in a terminal window, with companion's cover as its
icon. The terminal is the app's off switch: its window says where the app is and that
closing it (or Ctrl-C) stops it, as it does when started by hand."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import platformdirs

from companion import OutputError, written_atomically
from companion import builtin_folder as builtin

ENTRY = "companion.desktop"
ICON = "companion.png"  # named by its full path in the entry: no icon theme size to fit


def _quoted(argument: str) -> str:
    """One argument of an Exec line, quoted as the Desktop Entry Specification asks."""
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'


def desktop_entry(python: str, icon: Path) -> str:
    command = " ".join(_quoted(a) for a in (python, "-m", "companion", "app")).replace("%", "%%")
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        "Name=companion\n"
        "GenericName=Guided relaxation\n"
        "Comment=Calm guided-relaxation sessions, made offline on this computer\n"
        f"Exec={command}\n"
        f"Icon={icon}\n"
        "Terminal=true\n"
        "Categories=AudioVideo;Audio;\n"
        "Keywords=relaxation;breathing;massage;calm;\n"
    )


def add_shortcut(data_home: Path | None = None) -> Path:
    """Write (or bring up to date) the desktop entry and its icon under the user's data
    folder (`$XDG_DATA_HOME`, else ~/.local/share); returns the entry's path. It starts this
    very Python, so it works from a virtual environment that is not on PATH."""
    root = data_home or Path(platformdirs.user_data_dir()).expanduser()
    entry, icon = root / "applications" / ENTRY, root / "icons" / ICON
    try:
        for folder in (entry.parent, icon.parent):
            folder.mkdir(parents=True, exist_ok=True)
        with written_atomically(icon) as tmp:
            shutil.copyfile(builtin("audio_assets") / "cover.png", tmp)
        with written_atomically(entry) as tmp:
            tmp.write_text(desktop_entry(sys.executable, icon), encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"could not add the shortcut in '{root}' ({exc.strerror}); check that the folder can be written to",
            field="shortcut",
            value=str(root),
        ) from None
    return entry
