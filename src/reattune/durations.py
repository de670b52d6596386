"""Durations as people say them (``45 s``, ``3 min``, ``1 h 12 min``, ``2 d 3 h``): used by
the engine's explanations and by every report, so both speak the same way."""

from __future__ import annotations

import math

__all__ = ["duration"]


def duration(seconds: float | None) -> str:
    """``45 s``, ``3 min``, ``1 h 12 min``, ``2 d 3 h``; an em dash when unknown."""
    if seconds is None or math.isnan(seconds):
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
