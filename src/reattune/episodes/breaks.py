"""Breaks (the time-out protocol): request → agreement → return, agreed against actual
duration, the 20-minute to 24-hour bounds, and negativity before against after."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from reattune.durations import duration
from reattune.episodes.timeline import Timeline
from reattune.model.analysis import Break, BreakStatus

_DURATION = re.compile(
    r"(?P<n>\d{1,3}|a|an|one|two|three|half an?|a half|twenty|thirty|forty[- ]five|fifteen|ten)"
    r"\s*(?:-\s*)?(?P<unit>min(?:ute)?s?|mins?|h(?:ou)?rs?|hours?)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"\b(?:at|by|around|till|until|back at|then,?|ok,?|okay,?)?\s*"
    r"(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?(?![\d:])",
    re.IGNORECASE,
)
_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "forty five": 45,
}


def duration_named(text: str) -> float | None:
    """Seconds named in ``text`` ("20 minutes", "an hour", "half an hour"), if any."""
    m = _DURATION.search(text)
    if m is None:
        return None
    raw = m.group("n").lower()
    unit = m.group("unit").lower()
    hours = unit.startswith("h")
    if raw.startswith("half") or raw == "a half":
        value = 0.5
    elif raw.isdigit():
        value = float(raw)
    else:
        value = float(_WORDS.get(raw, 1))
    return value * (3600.0 if hours else 60.0)


def clock_named(text: str, after: datetime) -> float | None:
    """Seconds from ``after`` until a clock time named in ``text`` ("7:45", "at 8pm")."""
    for m in _CLOCK.finditer(text):
        if m.group("m") is None and m.group("ampm") is None:
            continue  # a bare number is not a time
        h = int(m.group("h"))
        minute = int(m.group("m") or 0)
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm == "pm" and h < 12:
            h += 12
        if ampm == "am" and h == 12:
            h = 0
        candidates = []
        for hour in {h, h + 12} if not ampm and h < 12 else {h}:
            if hour > 23:
                continue
            t = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
            if t <= after:
                t += timedelta(days=1)
            candidates.append((t - after).total_seconds())
        if candidates:
            return min(candidates)
    return None


def _agreed(tl: Timeline, request: int, agree: int | None) -> float | None:
    for i in (request, agree):
        if i is None:
            continue
        text = tl.turns[i].text
        seconds = duration_named(text)
        if seconds is not None:
            return seconds
        when = tl.turns[request].started_at
        if when is not None:
            seconds = clock_named(text, when)
            if seconds is not None:
                return seconds
    return None


def _mean_neg(tl: Timeline, turns: range) -> float:
    vals = [tl.negatives(j) for j in turns]
    return round(sum(vals) / len(vals), 3) if vals else 0.0


def _return(tl: Timeline, after: int, me: str) -> int | None:
    """The requester's return: their first turn after ``after`` that says so ("I'm back",
    "ready to talk"), else their first turn at all. The search stops at the requester's next
    break request, so each stretch of the conversation is read once per requester."""
    first: int | None = None
    returns, requests = tl.flags("break.return"), tl.flags("break.request")
    for j in range(after + 1, len(tl.turns)):
        if tl.turns[j].speaker != me:
            continue
        if returns[j]:
            return j
        if first is None:
            first = j
        if requests[j]:
            break
    return first


def find_breaks(tl: Timeline) -> list[Break]:
    s = tl.settings
    k = s.repair_window_turns
    out = []
    n = len(tl.turns)
    requests = tl.flags("break.request")
    for i, turn in enumerate(tl.turns):
        if not requests[i]:
            continue
        me = turn.speaker
        agree = next(
            (
                j
                for j in range(i + 1, min(n, i + 4))
                if tl.turns[j].speaker != me and tl.has(j, "break.agree")
            ),
            None,
        )
        ret = _return(tl, agree if agree is not None else i, me)
        agreed = _agreed(tl, i, agree)
        req_end = tl.clock_end(i)
        back = tl.clock(ret) if ret is not None else None
        actual = None if req_end is None or back is None else max(0.0, back - req_end)
        within = None if agreed is None else s.break_min_seconds <= agreed < s.break_max_seconds
        if agree is None:
            status = BreakStatus.NOT_AGREED
        elif ret is None:
            status = BreakStatus.NOT_RETURNED
        elif actual is not None and actual < s.break_min_seconds:
            status = BreakStatus.RETURNED_EARLY
        elif actual is not None and actual > (agreed or s.break_default_seconds) * (
            1 + s.break_late_tolerance
        ):
            status = BreakStatus.RETURNED_LATE
        else:
            status = BreakStatus.HONOURED
        before = _mean_neg(tl, range(max(0, i - k), i))
        after = None if ret is None else _mean_neg(tl, range(ret, min(n, ret + k)))
        named = f"{duration(agreed)} agreed" if agreed is not None else "no time named"
        took = f", back after {duration(actual)}" if actual is not None else ""
        out.append(
            Break(
                requester=me,
                request_turn=i,
                agree_turn=agree,
                return_turn=ret,
                agreed_seconds=agreed,
                actual_seconds=actual,
                within_bounds=within,
                status=status,
                negativity_before=before,
                negativity_after=after,
                explanation=f"break {status.value.replace('_', ' ')}: {named}{took}",
            )
        )
    return out
