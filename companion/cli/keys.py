"""Keys while playing: read one at a time from the terminal, without echo."""

from __future__ import annotations

import os
import select
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

KEYMAP = {
    " ": "pause",
    "+": "louder",
    "=": "louder",
    "-": "softer",
    "_": "softer",
    "e": "extend",
    "E": "extend",
    "q": "stop",
    "Q": "stop",
    "t": "tap",  # once as each breath in begins: after four, the tone follows (issue 36)
    "T": "tap",
}


def command_for(key: str) -> str | None:
    return KEYMAP.get(key)


class TerminalKeys:
    """Reads keys in cbreak mode (Ctrl-C still interrupts) on a background thread and hands
    each command to `send`. A lone Escape stops; the escape sequences of arrow keys do not."""

    def __init__(self, send: Callable[[str], None], stream: TextIO | None = None) -> None:
        self.send = send
        self.stream = stream or sys.stdin
        self._stop = threading.Event()
        self._saved: list[Any] | None = None  # the terminal settings to restore
        self._thread: threading.Thread | None = None

    def __enter__(self) -> TerminalKeys:
        import termios
        import tty

        fd = self.stream.fileno()
        self._saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        self._thread = threading.Thread(target=self._read, name="companion-keys", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        import termios

        self._stop.set()
        if self._thread is not None:  # done reading before anyone else asks for a key
            self._thread.join(timeout=1.0)
        if self._saved is not None:
            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)

    def _read(self) -> None:
        fd = self.stream.fileno()
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready or self._stop.is_set():  # stopped while waiting: the key is someone else's
                continue
            key = os.read(fd, 1).decode(errors="ignore")
            if key == "\x1b":
                more, _, _ = select.select([fd], [], [], 0.05)
                if more:  # an escape sequence (arrow keys...): swallow it
                    os.read(fd, 16)
                    continue
                self.send("stop")
                continue
            command = command_for(key)
            if command:
                self.send(command)
