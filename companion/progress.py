"""A calm progress bar while the voice is made on a fresh machine."""

from __future__ import annotations

import sys
from typing import Any


class VoiceProgress:
    """A calm progress bar while the voice is made on a fresh machine: on a terminal only,
    and only once there is something to make (so it never crosses the safety prompt)."""

    def __init__(self) -> None:
        self._bar: Any = None  # a rich Progress once the first phrase is being made
        self._task: Any = None

    def __enter__(self):
        return self if sys.stderr.isatty() else None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            columns = (TextColumn("Making the voice"), BarColumn(), MofNCompleteColumn(), TextColumn("phrases"))
            self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("voice", total=total)
        self._bar.update(self._task, completed=done)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
