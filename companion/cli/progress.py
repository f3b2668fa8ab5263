"""A calm progress bar for slow work: the voice made on a fresh machine, a pack's tracks."""

from __future__ import annotations

import sys
from typing import Any


class ProgressBar:
    """One bar on standard error, on a terminal only, shown once there is something to make
    (so it never crosses a question such as the safety prompt); gone when the work ends."""

    def __init__(self, label: str = "Making the voice", unit: str = "phrases", time_left: bool = False) -> None:
        self.label, self.unit, self.time_left = label, unit, time_left
        self._bar: Any = None  # a rich Progress once the first item is being made
        self._task: Any = None

    def __enter__(self) -> ProgressBar | None:
        return self if sys.stderr.isatty() else None

    def __call__(self, done: float, total: int) -> None:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            columns: list[Any] = [TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TextColumn(self.unit)]
            if self.time_left:
                columns.append(TimeRemainingColumn())
            self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total)
        self._bar.update(self._task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


VoiceProgress = ProgressBar  # the voice's bar: its defaults
