"""Plain-language formatting of times, durations and numbers for the report."""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo

from reattune.durations import duration
from reattune.model.conversation import Conversation, ConversationKind

__all__ = ["Clock", "duration", "number", "percent", "plural", "short_duration"]


class Clock:
    """Turns conversation-clock seconds into labels: ``m:ss`` into a session, or local wall
    time for chats (in the conversation's own time zone)."""

    def __init__(self, conversation: Conversation) -> None:
        self.session = conversation.kind is ConversationKind.SESSION
        self.tz: tzinfo = UTC
        for message in conversation.messages:
            if message.timestamp is not None and message.timestamp.tzinfo is not None:
                self.tz = message.timestamp.tzinfo
                break
        span = conversation.clock_span
        self.multi_day = False
        if span is not None and not self.session:
            first, last = (self.datetime(s).date() for s in span)
            self.multi_day = first != last

    def datetime(self, clock: float) -> datetime:
        return datetime.fromtimestamp(clock, self.tz)

    def label(self, clock: float | None, *, long: bool = False) -> str:
        """A short label for a point in time (``long`` adds the date for chats)."""
        if clock is None:
            return "untimed"
        if self.session:
            return offset(clock)
        moment = self.datetime(clock)
        if long or self.multi_day:
            return f"{moment.day} {moment:%b} {moment:%H:%M}"
        return f"{moment:%H:%M}"

    def date_label(self, clock: float) -> str:
        moment = self.datetime(clock)
        return f"{moment.day} {moment:%b %Y}, {moment:%H:%M}"

    def ticks(self, lo: float, hi: float, target: int = 7) -> tuple[list[float], list[str]]:
        """Round tick positions between ``lo`` and ``hi`` with their labels."""
        span = max(hi - lo, 1.0)
        steps = (
            (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
            if self.session
            else (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800)
        )
        step = next((s for s in steps if span / s <= target), steps[-1])
        if span / step > target:
            step = math.ceil(span / target / 86400) * 86400
        shift = 0.0
        if not self.session:
            shift = self.datetime(lo).utcoffset().total_seconds()  # type: ignore[union-attr]
        first = math.ceil((lo + shift) / step) * step - shift
        positions: list[float] = []
        tick = first
        while tick <= hi + 1e-9:
            positions.append(tick)
            tick += step
        if self.session:
            return positions, [offset(p) for p in positions]
        labels: list[str] = []
        last_day = None
        for p in positions:
            moment = self.datetime(p)
            day = moment.date()
            if step >= 86400:
                labels.append(f"{moment.day} {moment:%b}")
            elif self.multi_day and day != last_day:
                labels.append(f"{moment:%H:%M}\n{moment.day} {moment:%b}")
            else:
                labels.append(f"{moment:%H:%M}")
            last_day = day
        return positions, labels


def offset(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss`` from the start of a recording."""
    total = max(0, round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def short_duration(seconds: float) -> str:
    """Axis labels: ``30 s``, ``5 min``, ``2 h``, ``1 d``."""
    if seconds == 0:
        return "0"
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def number(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value * 100:.0f} %"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"
