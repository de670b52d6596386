"""What every parser shares: options, the result it returns, and the interface it follows.

A parser turns a ``Source`` into a ``ParseResult`` (messages with speaker names, warnings,
fragments, structural lines). ``ingest.load`` then adds speakers, roles and turns, so no
parser repeats that work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import ClassVar, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reattune.errors import SettingsError
from reattune.ingest.source import DEFAULT_MAX_BYTES, Source
from reattune.model import (
    ConversationKind,
    Fragment,
    Message,
    ParseWarning,
    SourceLocation,
    Turn,
)

DEFAULT_TURN_GAP_SECONDS = 60.0
"""Consecutive messages of one sender closer than this form one turn (codebook: 60 s)."""


class DateOrder(StrEnum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Settings for reading a file. Every field has a documented default."""

    format: str | None = None
    """Skip sniffing and use this parser (``reattune formats`` lists them)."""
    encoding: str | None = None
    """Text encoding; by default a BOM, the UTF-16 pattern, else strict UTF-8."""
    date_order: DateOrder | None = None
    """For numeric dates that fit both orders: by default decided from the whole file."""
    timezone: str = "UTC"
    """IANA zone that times without a zone (WhatsApp, plain text) are read in."""
    turn_gap_seconds: float = DEFAULT_TURN_GAP_SECONDS
    max_bytes: int = DEFAULT_MAX_BYTES
    partner_a: str | None = None
    partner_b: str | None = None
    therapists: tuple[str, ...] = ()

    def zone(self) -> tzinfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(
                f"unknown time zone {self.timezone!r}",
                expected="an IANA zone name such as Europe/Berlin or America/New_York",
            ) from exc


@dataclass(slots=True)
class ParseResult:
    """What a parser read. Messages carry speaker *names* in ``sender`` (or the format's own
    ids, with ``names`` mapping id → display name) and are numbered from 0 in order."""

    kind: ConversationKind
    messages: list[Message] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    fragments: list[Fragment] = field(default_factory=list)
    structural_lines: list[tuple[int, int]] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None
    turns: tuple[Turn, ...] | None = None
    """The turns of ``messages`` for a gap of ``turn_gap_seconds``, when the parser made them
    in its own pass (as ``ingest.turns.build_turns`` would, with ``make_turn``); else the
    turns are made from the messages afterwards."""
    turn_gap_seconds: float | None = None

    def warn(self, code: str, message: str, location: SourceLocation | None = None) -> None:
        self.warnings.append(ParseWarning(code, message, location))

    def keep_fragment(self, location: SourceLocation, text: str, why: str) -> None:
        """Keep text no message could hold, and say so (``W101``)."""
        self.fragments.append(Fragment(location, text))
        self.warn("W101", why, location)


class Parser(Protocol):
    """One source format. ``sniff`` returns a confidence in [0, 1] from the content."""

    name: ClassVar[str]
    title: ClassVar[str]
    kind: ClassVar[ConversationKind]
    sniff_ceiling: ClassVar[float]
    """The highest confidence ``sniff`` ever returns (so that sniffing can stop once a parser
    is more confident than any other could be)."""

    def sniff(self, source: Source) -> float: ...

    def parse(self, source: Source, options: ParseOptions) -> ParseResult: ...


def note_backwards(result: ParseResult) -> None:
    """Add one W106 when a message's time is earlier than the one before it."""
    last: datetime | None = None
    for m in result.messages:
        if m.timestamp is None:
            continue
        if last is not None and m.timestamp < last:
            result.warn("W106", "a message is dated before the one above it", m.location)
            return
        last = m.timestamp


WARNING_CODES: dict[str, str] = {
    "W101": "a line could not be read as a message; its text is kept as a fragment",
    "W102": "the date order was ambiguous; an order was assumed (flip it with --date-order)",
    "W103": "times carry no zone; a zone was assumed (set it with --timezone)",
    "W104": "roles were assigned automatically",
    "W105": "text was repaired (mojibake: UTF-8 read as Latin-1)",
    "W106": "timestamps go backwards; order of the file kept",
    "W107": "a record lacks a field that was expected; defaults used",
    "W108": "a message has no text and no attachment",
}
"""The catalogue of parse warnings."""
