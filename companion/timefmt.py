"""Times as a listener reads them: 4:05, or 4:05.3 with tenths."""

from __future__ import annotations


def clock(seconds: float, decimals: int = 0) -> str:
    """m:ss (rounded; negative times read 0:00), with `decimals` digits after the seconds."""
    step = 10**decimals
    tenths = max(round(seconds * step), 0)
    minutes, rest = divmod(tenths, 60 * step)
    whole = f"{minutes}:{rest // step:02d}"
    return f"{whole}.{rest % step:0{decimals}d}" if decimals else whole
