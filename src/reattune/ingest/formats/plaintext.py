"""Plain-text chats: one ``Name: message`` per line, typed out or pasted from any app.

A message line is ``Name: text``, optionally after a timestamp in one of these forms::

    [21:14] Name: text                 (9:14 PM) Name: text
    [2024-03-12 21:14:05] Name: text   2024-03-12 21:14 Name: text
    21:14 Name: text                   2024-03-12T21:14 - Name: text

(brackets or parentheses optional; seconds optional; ``AM``/``PM`` with any space, including
U+202F; dates are ISO ``yyyy-mm-dd`` or ``yyyy/mm/dd`` — day/month orders belong to the
WhatsApp parser). Any other line continues the previous message (multi-line messages keep
their ``\\n``); text before the first message is kept as a fragment (``W101``).

Which ``Name:`` is a speaker (so that ``Note: …`` or ``PS: …`` inside a message stays text):

* when most ``Name:`` lines carry a timestamp, exactly the timestamped lines start messages;
* otherwise a line starts a message when its name starts at least two lines of the file
  (if no name does, every name counts — a very short file); in both cases the name must be
  1–40 characters, at most five words, begin with a letter, not be only digits, contain none
  of ``?!;,"/<>…``, and not be a common label such as ``Note``, ``PS``, ``Edit``, ``FYI``
  (``webvtt.plausible_name``).

Times: with a date, the message gets a timestamp in ``--timezone`` (``W103``); with only a
time of day the timestamp is ``None`` (file order is kept) and ``details["times"]`` says
``"time-of-day only"``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.formats.webvtt import line_span, speaker_prefix
from reattune.ingest.source import Source
from reattune.model import ConversationKind, Message, SourceLocation

_STAMP = re.compile(
    r"^\s*(?P<open>[\[(]?)\s*"
    r"(?:(?P<date>\d{4}[-/]\d{2}[-/]\d{2})(?:[ T]|,\s*))?"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:[ \t\u202f\u00a0]*(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
    r"\s*(?P<close>[\])]?)\s*(?:[-–|]\s+)?(?P<rest>.*)$"
)
_PAIRS = {"": "", "[": "]", "(": ")"}


@dataclass(frozen=True, slots=True)
class _Line:
    name: str
    rest: str
    day: date | None
    clock: time | None
    ampm: bool


def _stamp(line: str) -> tuple[date | None, time, bool, str] | None:
    """``(date or None, time of day, 12h clock?, rest)`` for a line opening with a time."""
    m = _STAMP.match(line)
    if m is None or _PAIRS[m["open"]] != m["close"]:
        return None
    hour, minute, second = int(m["h"]), int(m["m"]), int(m["s"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"][0] in "Pp" else 0)
    try:
        clock = time(hour, minute, second)
        day = date.fromisoformat(m["date"].replace("/", "-")) if m["date"] else None
    except ValueError:
        return None
    return day, clock, bool(m["ampm"]), m["rest"]


def _classify(line: str) -> tuple[_Line | None, _Line | None]:
    """``(timed, bare)``: the line as a timestamped message line, and as a bare one."""
    timed = None
    stamp = _stamp(line)
    if stamp is not None:
        prefix = speaker_prefix(stamp[3])
        if prefix is not None and prefix[2] == "colon":
            timed = _Line(prefix[0], prefix[1], stamp[0], stamp[1], stamp[2])
    bare = None
    prefix = speaker_prefix(line.strip())
    if prefix is not None and prefix[2] == "colon" and not line.lstrip().startswith(("-", "–")):
        bare = _Line(prefix[0], prefix[1], None, None, False)
    return timed, bare


def _starts(lines: list[str]) -> tuple[dict[int, _Line], bool]:
    """Line index → message start, and whether the file is in timestamped mode."""
    timed: dict[int, _Line] = {}
    bare: dict[int, _Line] = {}
    for i, line in enumerate(lines):
        t, b = _classify(line)
        if t is not None:
            timed[i] = t
        elif b is not None:
            bare[i] = b
    if timed and len(timed) >= len(bare):
        return timed, True
    counts = Counter(b.name for b in bare.values())
    accepted = {n for n, c in counts.items() if c >= 2} or set(counts)
    starts = {i: b for i, b in bare.items() if b.name in accepted}
    starts.update(timed)
    return starts, False


class PlainTextParser:
    name: ClassVar[str] = "plaintext"
    title: ClassVar[str] = "Plain-text chat (Name: message lines)"
    kind: ClassVar[ConversationKind] = ConversationKind.CHAT
    sniff_ceiling: ClassVar[float] = 0.7

    def sniff(self, source: Source) -> float:
        head = source.head()
        body = head.lstrip("\ufeff \t\r\n")
        if body.startswith(("{", "WEBVTT")) or re.match(r"\[\s*[{\[\"\]]", body) or "-->" in head:
            return 0.0
        lines = [line for line in head.splitlines() if line.strip()][:60]
        if len(lines) > 1 and not head.endswith("\n"):
            lines = lines[:-1]  # the head may cut the last line short
        if len(lines) < 2:
            return 0.0
        starts, _ = _starts(lines)
        names = Counter(s.name for s in starts.values())
        ratio = len(starts) / len(lines)
        if ratio < 0.5 or not any(c >= 2 for c in names.values()):
            return 0.0
        return round(0.6 + 0.1 * min(1.0, (ratio - 0.5) * 2), 3)

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        lines = source.lines()
        starts, timed_mode = _starts(lines)
        if not starts:
            first = next((i + 1 for i, line in enumerate(lines) if line.strip()), 1)
            raise MalformedFileError(
                "no line reads as a chat message",
                file=source.name,
                line=first,
                expected='lines such as "Name: message" or "[21:14] Name: message"',
            )
        result = ParseResult(kind=self.kind)
        order = sorted(starts)
        leading = [i for i in range(order[0]) if lines[i].strip()]
        if leading:
            result.keep_fragment(
                SourceLocation(source.name, line=leading[0] + 1, end_line=leading[-1] + 1),
                "\n".join(lines[leading[0] : leading[-1] + 1]),
                line_span(leading[0] + 1, leading[-1] + 1) + ": text before the first message",
            )
        zone = None
        dated = undated = 0
        twelve = False
        previous: datetime | None = None
        for k, i in enumerate(order):
            stop = order[k + 1] if k + 1 < len(order) else len(lines)
            body = [starts[i].rest.rstrip()]
            body += [line.rstrip() for line in lines[i + 1 : stop]]
            while len(body) > 1 and not body[-1].strip():
                body.pop()
            last = i + len(body)
            start = starts[i]
            timestamp = None
            if start.clock is not None:
                twelve = twelve or start.ampm
                if start.day is None:
                    undated += 1
                else:
                    dated += 1
                    zone = zone or options.zone()
                    timestamp = datetime.combine(start.day, start.clock, tzinfo=zone)
            location = SourceLocation(source.name, line=i + 1, end_line=last)
            if timestamp is not None:
                if (
                    previous is not None
                    and timestamp < previous
                    and not any(w.code == "W106" for w in result.warnings)
                ):
                    result.warn("W106", f"line {i + 1}: earlier than the message before", location)
                previous = timestamp
            text = "\n".join(body).strip()
            if not text:
                result.warn("W108", f"line {i + 1}: the message has no text", location)
            result.messages.append(
                Message(
                    index=len(result.messages),
                    sender=start.name,
                    text=text,
                    location=location,
                    timestamp=timestamp,
                )
            )
        if zone is not None:
            result.timezone = options.timezone
            result.warn("W103", f"times carry no zone; read in {options.timezone}")
        if dated and undated:
            result.details["times"] = "mixed"
        elif dated:
            result.details["times"] = "full"
        elif undated:
            result.details["times"] = "time-of-day only"
        else:
            result.details["times"] = "none"
        if dated or undated:
            result.details["clock"] = "12h" if twelve else "24h"
        result.details["speaker_rule"] = "timestamped lines" if timed_mode else "repeated names"
        return result


PARSERS = (PlainTextParser(),)
