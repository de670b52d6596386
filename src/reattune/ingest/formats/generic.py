"""reattune's own generic transcript format, as JSON or CSV (documented in ``docs/formats.md``).

JSON: a list of segments, or an object ``{"segments": [...]}`` (``"utterances"`` is read the
same way), each segment ``{"speaker": str, "start": time, "end": time | null, "text": str}``
where a time is a number of seconds or a string ``hh:mm:ss(.fff)`` / ``mm:ss(.fff)``. An
optional top-level ``"recorded_at"`` ISO 8601 date-time gives every segment a wall-clock
``timestamp`` (``recorded_at + start``); with a zone or offset it is stored in UTC, without
one it is read in ``--timezone`` (``W103``). Other keys are ignored, so WhisperX-style
output with ``speaker`` labels reads as is.

CSV: a header row naming ``speaker``, ``start``, ``end`` (optional) and ``text`` in any order
and case; other columns are ignored; ``,``, ``;`` or tab delimited; quoted fields may span
lines.

Every segment becomes one message; its location holds both the JSON pointer
(``/segments/3``) or CSV line and the line range in the file. A segment that breaks the
rules is a ``MalformedFileError`` naming the pointer or line and what was expected.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from reattune.errors import MalformedFileError, TruncatedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.source import Source
from reattune.model import ConversationKind, Message, SourceLocation

UNKNOWN_SPEAKER = "Unknown"
TIME_EXPECTED = 'a number of seconds or a time "hh:mm:ss(.fff)"'

_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,6}))?\s*$")
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")


def parse_time(value: object) -> float | None:
    """Seconds from a number or a ``hh:mm:ss(.fff)`` / ``mm:ss(.fff)`` / ``"12.5"`` string;
    ``None`` when it is neither (or negative, or not finite)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value >= 0 else None
    if not isinstance(value, str):
        return None
    if _NUMBER.match(value):
        return float(value)
    m = _CLOCK.match(value)
    if m is None:
        return None
    h, mi, s, frac = m.groups()
    if int(s) >= 60 or (h is not None and int(mi) >= 60):
        return None
    fraction = int(frac) / 10 ** len(frac) if frac else 0.0
    return round(int(h or 0) * 3600 + int(mi) * 60 + int(s) + fraction, 6)


@dataclass(slots=True)
class _Segment:
    where: str
    """``/segments/3`` or ``line 12``, for messages."""
    location: SourceLocation
    speaker: object
    start: object
    end: object
    text: object
    has_speaker: bool
    has_start: bool
    has_text: bool


class _Builder:
    """Validation shared by JSON and CSV: segments to messages."""

    def __init__(self, source: Source, result: ParseResult, recorded_at: datetime | None):
        self.source = source
        self.result = result
        self.recorded_at = recorded_at
        self.unknown: list[str] = []
        self.last_start: float | None = None

    def error(self, seg: _Segment, message: str, expected: str) -> MalformedFileError:
        return MalformedFileError(
            f"segment {seg.where}: {message}",
            file=self.source.name,
            line=seg.location.line,
            expected=expected,
        )

    def add(self, seg: _Segment) -> None:
        speaker = seg.speaker
        if not seg.has_speaker or speaker is None or speaker == "":
            self.unknown.append(seg.where)
            speaker = UNKNOWN_SPEAKER
        elif not isinstance(speaker, str):
            raise self.error(seg, '"speaker" is not a string', "the speaker's name as a string")
        if not seg.has_start:
            raise self.error(seg, '"start" is missing', TIME_EXPECTED)
        start = parse_time(seg.start)
        if start is None:
            raise self.error(seg, '"start" is not a time', TIME_EXPECTED)
        end: float | None = None
        if seg.end is not None and seg.end != "":
            end = parse_time(seg.end)
            if end is None:
                raise self.error(seg, '"end" is not a time', TIME_EXPECTED + ", or null")
            if end < start:
                raise self.error(seg, '"end" is before "start"', "an end at or after the start")
        if not seg.has_text or not isinstance(seg.text, str):
            raise self.error(seg, '"text" is missing or not a string', "the words as a string")
        backwards = self.last_start is not None and start < self.last_start
        if backwards and not any(w.code == "W106" for w in self.result.warnings):
            self.result.warn(
                "W106", f"segment {seg.where} starts before the previous one", seg.location
            )
        self.last_start = start
        text = seg.text.strip()
        if not text:
            self.result.warn("W108", f"segment {seg.where} has no text", seg.location)
        timestamp = None
        if self.recorded_at is not None:
            try:
                timestamp = self.recorded_at + timedelta(seconds=start)
            except OverflowError:
                raise self.error(seg, '"start" is too large', TIME_EXPECTED) from None
        self.result.messages.append(
            Message(
                index=len(self.result.messages),
                sender=speaker.strip(),
                text=text,
                location=seg.location,
                timestamp=timestamp,
                start=start,
                end=end,
            )
        )

    def finish(self) -> None:
        if self.unknown:
            self.result.warn(
                "W107",
                f"{len(self.unknown)} segment(s) have no speaker (first: {self.unknown[0]}); "
                f'speaker "{UNKNOWN_SPEAKER}" used',
            )


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_KEYS = ("segments", "utterances")


def _skip(text: str, i: int) -> int:
    m = _WS.match(text, i)
    return m.end() if m else i


def _array_spans(text: str, i: int, decoder: json.JSONDecoder) -> list[tuple[int, int]]:
    i = _skip(text, i + 1)
    spans: list[tuple[int, int]] = []
    while text[i] != "]":
        _, end = decoder.raw_decode(text, i)
        spans.append((i, end))
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return spans


def element_spans(text: str, key: str | None) -> list[tuple[int, int]]:
    """Character spans of the elements of the top-level array (``key`` None) or of the
    array under top-level ``key``. Only for text that ``json.loads`` accepted."""
    decoder = json.JSONDecoder()
    i = _skip(text, 0)
    if key is None:
        return _array_spans(text, i, decoder)
    found: list[tuple[int, int]] = []
    i = _skip(text, i + 1)
    while text[i] != "}":
        name, i = decoder.raw_decode(text, i)
        i = _skip(text, _skip(text, i) + 1)
        if name == key:
            found = _array_spans(text, i, decoder)
        _, i = decoder.raw_decode(text, i)
        i = _skip(text, i)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return found


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _sniff_json(head: str) -> float:
    body = head.lstrip("\ufeff \t\r\n")
    if not body.startswith(("[", "{")):
        return 0.0
    needed = all(re.search(rf'"{k}"\s*:', body) for k in ("speaker", "start", "text"))
    if not needed:
        return 0.0
    if body.startswith("{") and not re.search(r'"(?:segments|utterances)"\s*:\s*\[', body):
        return 0.0
    return 0.9


def _recorded_at(
    value: object, source: Source, options: ParseOptions, result: ParseResult
) -> datetime:
    where = "/recorded_at"
    problem = MalformedFileError(
        f"{where}: not an ISO 8601 date-time",
        file=source.name,
        expected='a date-time such as "2024-03-12T18:00:00+01:00"',
    )
    if not isinstance(value, str):
        raise problem
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise problem from None
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=options.zone())
        result.timezone = options.timezone
        result.warn("W103", f"{where} carries no zone; read in {options.timezone}")
        return moment
    result.timezone = "UTC"
    return moment.astimezone(UTC)


class TranscriptJsonParser:
    name: ClassVar[str] = "transcript-json"
    title: ClassVar[str] = "Transcript segments as JSON (reattune generic format)"
    kind: ClassVar[ConversationKind] = ConversationKind.SESSION
    sniff_ceiling: ClassVar[float] = 0.9

    def sniff(self, source: Source) -> float:
        return _sniff_json(source.head())

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        text = "\n".join(source.lines())
        data = self._load(source, text)
        result = ParseResult(kind=self.kind)
        key: str | None = None
        if isinstance(data, dict):
            key = next((k for k in _KEYS if k in data), None)
            segments = data.get(key) if key else None
            if not isinstance(segments, list):
                raise MalformedFileError(
                    "the JSON object has no segment list",
                    file=source.name,
                    line=1,
                    expected='a list of segments, or an object with a "segments" list',
                )
            recorded = data.get("recorded_at")
            recorded_at = (
                _recorded_at(recorded, source, options, result) if recorded is not None else None
            )
        elif isinstance(data, list):
            segments, recorded_at = data, None
        else:
            raise MalformedFileError(
                "the JSON document is neither a segment list nor an object",
                file=source.name,
                line=1,
                expected='a list of segments, or an object with a "segments" list',
            )
        try:
            spans = element_spans(text, key)
        except (ValueError, IndexError):  # pragma: no cover - json.loads accepted the text
            spans = []
        if len(spans) != len(segments):  # pragma: no cover - same reason
            spans = []
        prefix = f"/{key}" if key else ""
        builder = _Builder(source, result, recorded_at)
        covered: set[int] = set()
        for i, item in enumerate(segments):
            pointer = f"{prefix}/{i}"
            line = end_line = None
            if spans:
                line, end_line = _line_at(text, spans[i][0]), _line_at(text, spans[i][1] - 1)
                covered.update(range(line, end_line + 1))
            location = SourceLocation(source.name, line=line, end_line=end_line, pointer=pointer)
            if not isinstance(item, dict):
                raise MalformedFileError(
                    f"segment {pointer}: not an object",
                    file=source.name,
                    line=line,
                    expected='{"speaker": …, "start": …, "end": …, "text": …}',
                )
            builder.add(
                _Segment(
                    pointer,
                    location,
                    item.get("speaker"),
                    item.get("start"),
                    item.get("end"),
                    item.get("text"),
                    "speaker" in item,
                    "start" in item,
                    "text" in item,
                )
            )
        builder.finish()
        if spans:
            result.structural_lines.extend(_gaps(covered, len(source.lines())))
        if not result.messages:
            raise MalformedFileError(
                "the transcript holds no segments",
                file=source.name,
                line=1,
                expected="at least one segment",
            )
        result.details["container"] = key or "list"
        return result

    @staticmethod
    def _load(source: Source, text: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()):
                raise TruncatedFileError(
                    "the JSON document ends too early",
                    file=source.name,
                    line=exc.lineno,
                    expected="a complete JSON document",
                ) from None
            raise MalformedFileError(
                f"invalid JSON ({exc.msg}) at column {exc.colno}",
                file=source.name,
                line=exc.lineno,
                expected="valid JSON",
            ) from None
        except RecursionError:
            raise MalformedFileError(
                "the JSON is nested too deeply", file=source.name, expected="valid JSON"
            ) from None


def _gaps(covered: set[int], total: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for n in range(1, total + 2):
        if n <= total and n not in covered:
            start = n if start is None else start
        elif start is not None:
            ranges.append((start, n - 1))
            start = None
    return ranges


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t")
_COLUMNS = ("speaker", "start", "end", "text")


def _delimiter(header: str) -> str:
    return max(_DELIMITERS, key=header.count)


def _header_names(header: str) -> list[str]:
    row = next(csv.reader([header], delimiter=_delimiter(header)), [])
    return [c.strip().strip("\ufeff").casefold() for c in row]


class TranscriptCsvParser:
    name: ClassVar[str] = "transcript-csv"
    title: ClassVar[str] = "Transcript segments as CSV (reattune generic format)"
    kind: ClassVar[ConversationKind] = ConversationKind.SESSION
    sniff_ceiling: ClassVar[float] = 0.9

    def sniff(self, source: Source) -> float:
        head = source.head()
        first = next((line for line in head.splitlines() if line.strip()), "")
        if first.lstrip().startswith(("{", "[", "WEBVTT")):
            return 0.0
        try:
            names = set(_header_names(first))
        except csv.Error:
            return 0.0
        return 0.9 if {"speaker", "start", "text"} <= names else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        lines = source.lines()
        header_at = next((i for i, line in enumerate(lines) if line.strip()), 0)
        header = lines[header_at] if lines else ""
        names = _header_names(header)
        missing = [c for c in ("speaker", "start", "text") if c not in names]
        if missing:
            raise MalformedFileError(
                "the CSV header lacks the column(s) " + ", ".join(missing),
                file=source.name,
                line=header_at + 1,
                expected="a header row naming the columns speaker, start, end, text",
            )
        column = {c: names.index(c) for c in _COLUMNS if c in names}
        result = ParseResult(kind=self.kind)
        result.structural_lines.append((header_at + 1, header_at + 1))
        builder = _Builder(source, result, None)
        for first, last, row in self._rows(source, lines, header_at, header):
            if not any(cell.strip() for cell in row):
                continue

            def cell(name: str, row: list[str] = row) -> str | None:
                k = column.get(name)
                return row[k] if k is not None and k < len(row) else None

            speaker, start, end, text = (cell(c) for c in _COLUMNS)
            builder.add(
                _Segment(
                    f"line {first}",
                    SourceLocation(source.name, line=first, end_line=last),
                    speaker.strip() if speaker is not None else None,
                    start if start is not None and start.strip() else None,
                    end,
                    text,
                    speaker is not None,
                    start is not None and bool(start.strip()),
                    text is not None,
                )
            )
        builder.finish()
        if not result.messages:
            raise MalformedFileError(
                "the CSV holds a header but no segments",
                file=source.name,
                line=header_at + 1,
                expected="one row per segment after the header",
            )
        result.details["delimiter"] = {",": "comma", ";": "semicolon", "\t": "tab"}[
            _delimiter(header)
        ]
        return result

    @staticmethod
    def _rows(
        source: Source, lines: list[str], header_at: int, header: str
    ) -> Iterator[tuple[int, int, list[str]]]:
        feed = (line + "\n" for line in lines[header_at + 1 :])
        reader = csv.reader(feed, delimiter=_delimiter(header), strict=True)
        done = header_at + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise MalformedFileError(
                    f"the CSV row could not be read ({exc})",
                    file=source.name,
                    line=done + 1,
                    expected="CSV fields, with quotes closed on the same row",
                ) from None
            first, done = done + 1, header_at + 1 + reader.line_num
            yield first, done, row


PARSERS = (TranscriptJsonParser(), TranscriptCsvParser())
