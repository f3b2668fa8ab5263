"""Times and counts as a listener reads them: 4:05, or 4:05.3 with tenths; 1 day, 2 days."""

from __future__ import annotations


def clock(seconds: float, decimals: int = 0) -> str:
    """m:ss (rounded; negative times read 0:00), with `decimals` digits after the seconds."""
    step = 10**decimals
    tenths = max(round(seconds * step), 0)
    minutes, rest = divmod(tenths, 60 * step)
    whole = f"{minutes}:{rest // step:02d}"
    return f"{whole}.{rest % step:0{decimals}d}" if decimals else whole


def counted(n: int, one: str, many: str | None = None) -> str:
    """A count with its word: "1 day", "2 days", "0 days"; `many` where the plural is not the
    word and an s ("entry", "entries")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def days_with_entries(shown: int, days: int) -> str:
    """How many days a day-by-day table shows: "1 day", "all 3 days", "the last 14 of 40 days"."""
    if days > shown:
        return f"the last {shown} of {counted(days, 'day')}"
    return counted(days, "day") if days == 1 else f"all {counted(days, 'day')}"
