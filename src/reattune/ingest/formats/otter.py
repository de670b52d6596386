"""Otter.ai plain-text transcript export (``.txt``).

Otter writes one paragraph per speaker turn: a header line with the speaker's name, two or
more spaces (or a tab) and the time from the start of the recording — ``m:ss``/``mm:ss``
or ``h:mm:ss`` — then the paragraph's text on the following line(s), a blank line between
paragraphs, and the footer ``Transcribed by https://otter.ai``::

    Alice Smith  0:05
    So I wanted to start with last weekend.

    Speaker 2  1:02:03
    Okay.

    Transcribed by https://otter.ai

This is the shape read by the Otter parsers and fixtures in public repositories (for example
the header pattern ``^(.+?)\\s{2,}(\\d{1,2}:\\d{2}(?::\\d{2})?)\\s*$`` and Otter's own
``Unknown Speaker`` label). Otter's export with speaker names switched off writes the time
alone on the header line (``0:01``, often with trailing spaces): those paragraphs are read
with the speaker ``"Unknown"`` (one ``W107``). A layout with the name and the time on two
separate lines was not found in real exports and is not read.

``start`` is the header's time, ``end`` the next header's time (``None`` for the last
paragraph); ``timestamp`` is ``None`` since the export has no wall-clock time. The footer is
a structural line; text before the first header is kept as a fragment (``W101``).
"""

from __future__ import annotations

import re
from typing import ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.formats.webvtt import line_span
from reattune.ingest.source import Source
from reattune.model import ConversationKind, Message, SourceLocation

UNKNOWN_SPEAKER = "Unknown"

_CLOCK = r"(?:(\d+):)?(\d{1,2}):(\d{2})"
_HEADER = re.compile(rf"^\s*(?P<name>\S.*?)(?:\s{{2,}}|\t)\s*{_CLOCK}\s*$")
_TIME_ONLY = re.compile(rf"^\s*{_CLOCK}\s*$")
_FOOTER = re.compile(r"^\s*transcribed by\s+https?://(?:www\.)?otter\.ai/?\s*$", re.IGNORECASE)


def _seconds(h: str | None, m: str, s: str) -> float | None:
    if int(s) >= 60 or (h is not None and int(m) >= 60):
        return None
    return float(int(h or 0) * 3600 + int(m) * 60 + int(s))


def _header(line: str) -> tuple[str | None, float] | None:
    """``(speaker or None, seconds)`` for a paragraph header line."""
    m = _HEADER.match(line)
    if m is not None and len(m["name"]) <= 60:
        t = _seconds(m[2], m[3], m[4])
        if t is not None:
            return m["name"].strip(), t
    m = _TIME_ONLY.match(line)
    if m is not None:
        t = _seconds(m[1], m[2], m[3])
        if t is not None:
            return None, t
    return None


class OtterParser:
    name: ClassVar[str] = "otter"
    title: ClassVar[str] = "Otter.ai transcript (.txt export)"
    kind: ClassVar[ConversationKind] = ConversationKind.SESSION
    sniff_ceiling: ClassVar[float] = 0.97

    def sniff(self, source: Source) -> float:
        head = source.head()
        if head.lstrip("\ufeff \t\r\n").startswith(("WEBVTT", "{", "[")) or "-->" in head:
            return 0.0
        lines = [line for line in head.splitlines() if line.strip()][:60]
        if not lines:
            return 0.0
        named = timed = 0
        for i, line in enumerate(lines[:-1]):
            h = _header(line)
            if h is not None and _header(lines[i + 1]) is None:
                named += h[0] is not None
                timed += h[0] is None
        footer = any(_FOOTER.match(line) for line in lines) or bool(
            _FOOTER.search(source.text[-200:].strip())
        )
        if footer and named + timed >= 1:
            return 0.97
        if named >= 2 and named >= len(lines) / 5:
            return 0.85
        if timed >= 3 and timed >= len(lines) / 4:
            return 0.6
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        lines = source.lines()
        result = ParseResult(kind=self.kind)
        paragraphs: list[tuple[int, str | None, float, list[tuple[int, str]]]] = []
        leading: list[int] = []
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            if _FOOTER.match(line):
                result.structural_lines.append((n, n))
                continue
            header = _header(line)
            if header is not None:
                paragraphs.append((n, header[0], header[1], []))
            elif paragraphs:
                paragraphs[-1][3].append((n, line.strip()))
            else:
                leading.append(n)
        if not paragraphs:
            raise MalformedFileError(
                "this is not an Otter transcript: no speaker header line was found",
                file=source.name,
                line=leading[0] if leading else 1,
                expected='header lines such as "Alice Smith  0:05" followed by the text',
            )
        if leading:
            result.keep_fragment(
                SourceLocation(source.name, line=leading[0], end_line=leading[-1]),
                "\n".join(lines[leading[0] - 1 : leading[-1]]),
                line_span(leading[0], leading[-1]) + ": text before the first speaker header",
            )

        unknown: list[int] = []
        last_start: float | None = None
        backwards = False
        for k, (n, speaker, start, body) in enumerate(paragraphs):
            end = paragraphs[k + 1][2] if k + 1 < len(paragraphs) else None
            if last_start is not None and start < last_start and not backwards:
                backwards = True
                result.warn(
                    "W106",
                    f"line {n}: the paragraph starts before the previous one",
                    SourceLocation(source.name, line=n),
                )
            last_start = start
            if speaker is None:
                unknown.append(n)
            location = SourceLocation(source.name, line=n, end_line=body[-1][0] if body else n)
            text = "\n".join(t for _, t in body)
            if not text:
                result.warn("W108", f"line {n}: the paragraph has no text", location)
            result.messages.append(
                Message(
                    index=len(result.messages),
                    sender=speaker or UNKNOWN_SPEAKER,
                    text=text,
                    location=location,
                    start=start,
                    end=end if end is not None and end >= start else None,
                )
            )
        if unknown:
            result.warn(
                "W107",
                f"{len(unknown)} paragraph header(s) give a time but no speaker (first at line "
                f'{unknown[0]}); speaker "{UNKNOWN_SPEAKER}" used',
                SourceLocation(source.name, line=unknown[0]),
            )
        if not unknown:
            result.details["headers"] = "name-and-time"
        else:
            result.details["headers"] = "time-only" if len(unknown) == len(paragraphs) else "mixed"
        return result


PARSERS = (OtterParser(),)
