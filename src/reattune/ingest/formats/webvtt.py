"""WebVTT session transcripts (Zoom, Microsoft Teams, Google Meet, generic captions).

The container follows the W3C *WebVTT* specification: a ``WEBVTT`` first line (optionally
followed by text, then header lines such as ``Kind:``/``Language:``), blocks separated by
blank lines, ``NOTE``/``STYLE``/``REGION`` blocks, cues made of an optional identifier, a
timing line ``00:01:02.500 --> 00:01:05.000`` (hours optional, cue settings after it ignored)
and text lines with optional markup.

Who speaks is written differently by each app; each cue is read by the first rule that fits:

* **Teams** (``dialect=teams``): voice spans ``<v Alice Smith>text</v>``, cue identifiers
  like ``3f2c…/12-0``; one cue may hold several ``<v>`` spans, which become separate
  messages with the cue's times (as in Teams exports and the parsers of them on GitHub).
* **Google Meet** (``dialect=meet``): the recording's caption file puts the speaker in
  parentheses on its own line, ``(Alice Smith)``, followed by the words; a second speaker in
  the same cue follows a ``-`` line and a line holding a single space (the shape documented by
  the ``danyelf/parse-vtt`` project for Meet's ``.vtt``). It is chosen when most cues open
  with such a line.
* **Zoom** (``dialect=zoom``): numbered cues whose text starts ``Alice Smith: text``.
  A ``Name:`` prefix counts as a speaker when that name starts at least two cue lines in the
  file, or when most cues carry a prefix (so a one-off ``Note: …`` stays text).
* Otherwise ``dialect=generic``. A cue without a speaker continues the previous cue's
  speaker; before any speaker is known it is ``"Unknown"`` (one ``W107`` warning).

Markup (``<c>``, ``<i>``, ``<b>``, ``<u>``, ``<lang>``, ``<ruby>``, timestamp tags) is removed
and HTML entities decoded. The lines of one speaker's part of a cue are joined with a space,
since caption line breaks are display wrapping, not the speaker's.

The module also holds the cue helpers the SubRip parser (``srt``) shares.
"""

from __future__ import annotations

import bisect
import html
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.source import Source
from reattune.ingest.turns import MIN_RATE_SECONDS, make_turn
from reattune.model import (
    TURN_JOINER,
    ConversationKind,
    Message,
    MessageKind,
    ParseWarning,
    SourceLocation,
    Turn,
)
from reattune.model.message import new_located_message, new_location, new_message
from reattune.model.turn import new_turn

UNKNOWN_SPEAKER = "Unknown"

# ---------------------------------------------------------------------------------------------
# Helpers shared with srt.py (and the name rules with plaintext.py)
# ---------------------------------------------------------------------------------------------

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")

_TAG = re.compile(
    r"</?(?:c|i|b|u|v|lang|ruby|rt|font|span)(?:\.[^\s>]*)?(?:[ \t][^>]*)?>"
    r"|<\d+:\d{2}(?::\d{2})?[.,]\d{1,3}>",
    re.IGNORECASE,
)
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*(?:[ \t]+([^>]*))?>", re.IGNORECASE)
_HAS_VOICE = re.compile(r"<v[\s.>]", re.IGNORECASE)

NAME_STOPWORDS = frozenset(
    {
        "note", "notes", "ps", "p.s", "p.p.s", "pps", "re", "fwd", "fw", "subject", "edit",
        "edited", "update", "warning", "reminder", "important", "todo", "to do", "fyi", "btw",
        "example", "tip", "http", "https", "nb", "n.b", "caution", "summary", "also", "and",
        "but", "so", "ok", "okay", "well", "yes", "no", "like", "because", "then", "translation",
        "music", "applause", "laughter", "source", "link", "address", "time", "date", "location",
    }
)  # fmt: skip
"""Words that often end in a colon at a line start but are not people."""

_BAD_NAME_CHARS = set('?!;,"“”…/\\<>{}=*#@|~^`%$+')


@lru_cache(maxsize=4096)
def plausible_name(name: str) -> bool:
    """A speaker label: 1–40 characters, at most five words, starting with a letter, not only
    digits, none of ``?!;,"/\\<>`` and the like, and not a stop word such as ``Note``."""
    name = name.strip()
    if not name or len(name) > 40 or len(name.split()) > 5:
        return False
    if not name[0].isalpha():
        return False
    if any(ch in _BAD_NAME_CHARS for ch in name):
        return False
    return name.casefold().rstrip(".") not in NAME_STOPWORDS


_PREFIX = re.compile(
    r"^(?:[-–]\s*)?(?:\[(?P<bracket>[^\]\n]{1,40})\]\s*|(?P<colon>[^\W\d_][^:\n]{0,39}?):(?:\s+|$))"
    r"(?P<rest>.*)$"
)
_PAREN_LINE = re.compile(r"^\((?P<name>[^()\n]{1,40})\)$")


def speaker_prefix(line: str) -> tuple[str, str, str] | None:
    """``(name, rest, kind)`` when ``line`` opens with ``Name:``, ``- Name:`` or ``[Name]``
    (kind ``colon`` or ``bracket``) and the name is plausible; else ``None``."""
    m = _PREFIX.match(line)
    if m is None:
        return None
    kind = "bracket" if m.group("bracket") is not None else "colon"
    name = (m.group("bracket") or m.group("colon") or "").strip()
    if not plausible_name(name):
        return None
    return name, m.group("rest"), kind


def line_span(first: int, last: int) -> str:
    """``line 3`` or ``lines 3-7``, for warnings."""
    return f"line {first}" if first == last else f"lines {first}-{last}"


def parse_timing(line: str) -> tuple[float, float] | None:
    """``(start, end)`` in seconds from a cue timing line, or ``None`` if it is not one."""
    m = _TIMING.match(line)
    if m is None:
        return None
    groups = m.groups()
    times: list[float] = []
    for h, mi, s, frac in (groups[0:4], groups[4:8]):
        if int(mi) >= 60 or int(s) >= 60:
            return None
        seconds = int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(frac) / 10 ** len(frac)
        times.append(round(seconds, 3))
    return times[0], times[1]


def clean_markup(text: str) -> str:
    """Remove caption markup tags and decode HTML entities (``&nbsp;`` becomes a space)."""
    if "<" not in text and "&" not in text:
        return text
    text = _TAG.sub("", text)
    text = re.sub(r"&nbsp;|&#160;|&#xa0;", " ", text, flags=re.IGNORECASE)
    return html.unescape(text)


@dataclass(slots=True)
class Cue:
    """One timed cue: the line of its identifier (or timing line) and its text lines."""

    first_line: int
    timing_line: int
    start: float
    end: float
    lines: list[tuple[int, str]] = field(default_factory=list)

    @property
    def last_line(self) -> int:
        return self.lines[-1][0] if self.lines else self.timing_line


@dataclass(slots=True)
class Segment:
    """One speaker's part of a cue."""

    speaker: str | None
    lines: list[str]
    first: int
    last: int

    @property
    def text(self) -> str:
        return " ".join(t for t in self.lines if t).strip()


@dataclass(frozen=True, slots=True)
class SpeakerRules:
    """Which speaker marks count in one file (decided from all its cues)."""

    prefixes: frozenset[str]
    prefix_everywhere: bool
    paren_lines: bool

    def accepts(self, name: str) -> bool:
        return self.prefix_everywhere or name in self.prefixes


class RuleTally:
    """What ``speaker_rules`` counts, cue by cue (so a parser can add cues as it finds them)."""

    __slots__ = ("counts", "paren", "prefixed", "texted")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.prefixed = self.paren = self.texted = 0

    def add(self, cue: Cue) -> None:
        texts = [clean_markup(t).strip() for _, t in cue.lines if t.strip()]
        if not texts:
            return
        self.texted += 1
        if _PAREN_LINE.match(texts[0]) and plausible_name(texts[0][1:-1]):
            self.paren += 1
        prefixes = [speaker_prefix(t) for t in texts]
        found = [p for p in prefixes if p is not None]
        if prefixes[0] is not None:
            self.prefixed += 1
        self.counts.update(p[0] for p in found)

    def rules(self) -> SpeakerRules:
        texted = self.texted
        half = max(1, texted) / 2
        return SpeakerRules(
            prefixes=frozenset(n for n, c in self.counts.items() if c >= 2),
            prefix_everywhere=texted > 0 and self.prefixed >= half,
            paren_lines=texted > 0 and self.paren >= half,
        )


def speaker_rules(cues: Sequence[Cue]) -> SpeakerRules:
    """Prefixes count when the name starts two or more lines, or when most cues carry one;
    ``(Name)`` lines count when most cues open with one (Google Meet)."""
    tally = RuleTally()
    for cue in cues:
        tally.add(cue)
    return tally.rules()


def _line_of(starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)


def split_cue(cue: Cue, rules: SpeakerRules, marks: Counter[str]) -> list[Segment]:
    """The cue's text cut into speaker segments. Every cue line falls in some segment's
    ``first..last`` range; the first segment starts at the cue's first line."""
    lines = cue.lines
    if not lines:
        return []
    if any(_HAS_VOICE.search(t) for _, t in lines):
        segments = _split_voices(lines)
        marks["voice"] += 1
    else:
        segments = _split_lines(lines, rules, marks)
    segments = [s for s in segments if s.text or s.speaker is not None] or segments[:1]
    if not segments:
        return []
    segments[0].first = cue.first_line
    segments[-1].last = max(segments[-1].last, cue.last_line)
    for before, after in itertools.pairwise(segments):
        before.last = max(before.last, after.first - 1)
    return segments


def _split_voices(lines: list[tuple[int, str]]) -> list[Segment]:
    joined = "\n".join(t for _, t in lines)
    starts: list[int] = []
    pos = 0
    for _, t in lines:
        starts.append(pos)
        pos += len(t) + 1
    numbers = [n for n, _ in lines]
    pieces: list[tuple[str | None, int, int, int]] = []  # speaker, tag start, text start, end
    matches = list(_VOICE.finditer(joined))
    lead_end = matches[0].start() if matches else len(joined)
    if lead_end > 0:
        pieces.append((None, 0, 0, lead_end))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(joined)
        name = (m.group(1) or "").strip()
        pieces.append((clean_markup(name).strip() or None, m.start(), m.end(), end))
    segments: list[Segment] = []
    for speaker, tag_start, text_start, end in pieces:
        raw = clean_markup(joined[text_start:end])
        text_lines = [t.strip() for t in raw.split("\n") if t.strip()]
        first = numbers[_line_of(starts, tag_start)]
        last = numbers[_line_of(starts, max(tag_start, end - 1))]
        segments.append(Segment(speaker, text_lines, first, last))
    return segments


def _split_lines(
    lines: list[tuple[int, str]], rules: SpeakerRules, marks: Counter[str]
) -> list[Segment]:
    segments: list[Segment] = []
    current: Segment | None = None
    may_open_paren = True
    for number, raw in lines:
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped in {"-", "–"}:
            may_open_paren = True
            if current is not None:
                current.last = number
            continue
        text = clean_markup(stripped).strip()
        paren = _PAREN_LINE.match(text)
        if rules.paren_lines and may_open_paren and paren and plausible_name(paren["name"]):
            current = Segment(paren["name"].strip(), [], number, number)
            segments.append(current)
            marks["paren"] += 1
            may_open_paren = False
            continue
        may_open_paren = False
        prefix = speaker_prefix(text)
        if prefix is not None and rules.accepts(prefix[0]):
            name, rest, kind = prefix
            current = Segment(name, [rest.strip()] if rest.strip() else [], number, number)
            segments.append(current)
            marks[kind] += 1
            continue
        if current is None:
            current = Segment(None, [], number, number)
            segments.append(current)
        current.lines.append(text)
        current.last = number
    return segments


class CueBuilder:
    """Turns cues into messages: speaker continuation, ``W107`` once, ``W106`` once."""

    def __init__(self, source: Source, result: ParseResult) -> None:
        self.source = source
        self.result = result
        self.previous: str | None = None
        self.unknown: list[int] = []
        self.last_start: float | None = None
        self.backwards = False

    def add(self, cue: Cue, segments: list[Segment]) -> None:
        if self.last_start is not None and cue.start < self.last_start and not self.backwards:
            self.backwards = True
            self.result.warn(
                "W106",
                f"line {cue.timing_line}: the cue starts before the previous one",
                SourceLocation(self.source.name, line=cue.timing_line),
            )
        self.last_start = cue.start
        for seg in segments:
            speaker = seg.speaker or self.previous
            if speaker is None:
                speaker = UNKNOWN_SPEAKER
                self.unknown.append(seg.first)
            self.previous = speaker
            location = new_location(self.source.name, seg.first, seg.last, None)
            text = seg.text
            if not text:
                self.result.warn("W108", f"line {seg.first}: the cue has no text", location)
            messages = self.result.messages
            messages.append(
                new_message(
                    len(messages),
                    speaker,
                    text,
                    location,
                    None,
                    cue.start,
                    cue.end,
                    MessageKind.SPEECH,
                    (),
                    False,
                    False,
                    (),
                )
            )

    def finish(self) -> None:
        if self.unknown:
            first = self.unknown[0]
            self.result.warn(
                "W107",
                f"{len(self.unknown)} cue(s) name no speaker and follow no named cue "
                f'(first at line {first}); speaker "{UNKNOWN_SPEAKER}" used',
                SourceLocation(self.source.name, line=first),
            )


def dialect_of(marks: Counter[str], ids: Callable[[], bool]) -> str:
    if marks["voice"]:
        return "teams"
    if marks["paren"]:
        return "meet"
    if marks["colon"] or marks["bracket"]:
        return "zoom" if ids() else "generic"
    return "generic"


# ---------------------------------------------------------------------------------------------
# WebVTT
# ---------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^\ufeff?WEBVTT(?:[ \t].*)?$")
_BLOCK_KEYWORD = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t].*)?$")


def _block_at(lines: list[str], i: int) -> tuple[list[tuple[int, str]], int]:
    """The blank-line separated block at or after line index ``i``, as (number, text) pairs,
    and the index of the first line after it and the blank lines that follow. A
    whitespace-only line right after a ``-`` line does not end a block (Google Meet)."""
    count = len(lines)
    while i < count and not lines[i].strip():
        i += 1
    block: list[tuple[int, str]] = []
    while i < count:
        line = lines[i]
        if not line.strip():
            if line and block[-1][1].strip() in {"-", "–"}:
                i += 1
                continue
            break
        block.append((i + 1, line))
        i += 1
    while i < count and not lines[i].strip():
        i += 1
    return block, i


_SIMPLE_CUE = re.compile(
    r"(?:([^\n]*\S[^\n]*)\n)?"
    r"((?:[0-9]{1,6}:)?[0-5][0-9]):([0-5][0-9])\.([0-9]{3}) --> "
    r"((?:[0-9]{1,6}:)?[0-5][0-9]):([0-5][0-9])\.([0-9]{3})\n"
    r"(?=\S)("
    r"(?:(?:[-–][^\S\n]*+)?"
    r"(?:\[([^\]\n]{1,40}+)\][^\S\n]*+|([^\W\d_][^:\n]{0,39}+):(?:[^\S\n]++|(?=\n|\Z))))?"
    r"([^\n]*))"
    r"(\n\n+|\n?\Z)"
)
"""The common cue, matched at the start of a block: (1) an optional identifier line; a plain
timing line (``hh:mm:ss.ttt --> hh:mm:ss.ttt`` in ASCII digits, hours optional, no settings)
as (2) hours and minutes, (3) seconds, (4) milliseconds of the start and (5-7) of the end;
(8) one text line that starts with a non-space, read as ``speaker_prefix`` reads it — (9) a
``[Name]``, or (10) a ``Name:`` (either after an optional ``-``), then (11) the rest; and (12)
the blank lines after it (or the end of the file). A text line that holds ``<`` or ``&``
(markup, entities) is left to the general path.

Such a cue is read in one step: what the general path (``_block_at``, ``WebVTTParser._cue``,
``RuleTally.add``, ``split_cue``, ``CueBuilder.add``) would do with it, done inline. Every
other block (and one whose identifier holds ``-->`` or whose text is a ``-``) takes the
general path; tests check that both give equal results. The prefix pattern is
``_PREFIX`` with ``\\s`` kept inside the line, ``$`` as the line's end, and possessive
quantifiers where giving back could not help (the name ends at the first ``:`` or ``]``, and
what follows the prefix takes any spaces left), which match the same without backtracking."""

_NAMED_CUE = re.compile(
    r"(?:([^\n]*\S[^\n]*)\n)?"
    r"([0-9][0-9]:[0-5][0-9]):([0-5][0-9])\.([0-9]{3}) --> "
    r"([0-9][0-9]:[0-5][0-9]):([0-5][0-9])\.([0-9]{3})\n"
    r"(?:[-–][^\S\n]*+)?"
    r"(?:\[([^\]\n]{1,40}+)\][^\S\n]*+|([^\W\d_][^:\n]{0,39}+):(?:[^\S\n]++|(?=\n|\Z)))"
    r"([^\n]*)"
    r"(\n\n+|\n?\Z)"
)
"""``_SIMPLE_CUE`` for the one-pass reader of named cues: the name prefix required (groups 8
and 9, then 10 the rest, 11 the blank lines), two-digit hours (Zoom's timing) and no group
for the whole text line. What it matches, ``_SIMPLE_CUE`` matches the same way (a cue it does
not match sends the file to the two passes)."""

_DASHES = frozenset({"-", "–"})
_JOINER_LEN = len(TURN_JOINER)
_SECONDS = {f"{s:02d}": s * 1000 for s in range(60)}
_MILLIS = {f"{f:03d}": f for f in range(1000)}


def _clock_ms(hours_minutes: str) -> int:
    """Milliseconds of ``hh:mm`` or ``mm`` (the part of a timing before the seconds)."""
    *hours, minutes = hours_minutes.split(":")
    return (int(hours[0]) * 3600 + int(minutes) * 60) * 1000 if hours else int(minutes) * 60000


_Simple = tuple[int, int, int, float, float, str, str | None, tuple[str, str, str] | None]
"""A common cue: first line, timing line, text line, start, end, the text (stripped), the
name of a ``(Name)`` line, and its ``speaker_prefix``."""


class WebVTTParser:
    name: ClassVar[str] = "webvtt"
    title: ClassVar[str] = "WebVTT transcript (Zoom, Teams, Google Meet)"
    kind: ClassVar[ConversationKind] = ConversationKind.SESSION
    sniff_ceiling: ClassVar[float] = 0.99

    def sniff(self, source: Source) -> float:
        head = source.head(256).lstrip("\ufeff \t\r\n")
        first = head.split("\n", 1)[0].rstrip("\r")
        return 0.99 if _HEADER.match(first) else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        return self.read(source, options)

    def read(
        self, source: Source, options: ParseOptions | None = None, *, quick: bool = True
    ) -> ParseResult:
        """``parse``; ``quick=False`` reads every block by the general path (for tests)."""
        options = options or ParseOptions()
        lines = source.lines()
        start = next((i for i, line in enumerate(lines) if line.strip()), 0)
        if start >= len(lines) or not _HEADER.match(lines[start].rstrip()):
            raise MalformedFileError(
                "this is not a WebVTT file: the first line is not the WEBVTT header",
                file=source.name,
                line=start + 1,
                expected='"WEBVTT" on the first line',
            )
        result = ParseResult(kind=self.kind)
        header_end = start  # the header runs to the first blank line (or, in sloppy files, cue)
        while header_end + 1 < len(lines) and lines[header_end + 1].strip():
            ahead = lines[header_end + 1 : header_end + 3]
            if any("-->" in line for line in ahead):
                break
            header_end += 1
        result.structural_lines.append((start + 1, header_end + 1))
        for i in range(start + 1, header_end + 1):
            key, _, value = lines[i].partition(":")
            if key.strip().casefold() == "language" and value.strip():
                result.details["language"] = value.strip()[:20]

        if quick:
            done = self._speaker_cues(source, options, lines, header_end + 1, result)
            if done is not None:
                return done

        entries: list[Cue | _Simple] = []
        bad: list[int] = []
        ids: list[str] = []
        tally = RuleTally()
        counts = tally.counts
        texted = prefixed = paren = 0
        match = _SIMPLE_CUE.match if quick else None
        paren_match = _PAREN_LINE.match
        seconds, millis = _SECONDS, _MILLIS
        clock: dict[str, int] = {}  # hh:mm -> ms, for the timings
        count = len(lines)
        n = header_end + 1  # the line at ``pos`` in ``text``: a block starts there
        while n < count and not lines[n].strip():
            n += 1
        text = "\n".join(lines)
        pos = sum(map(len, lines[:n])) + n
        while n < count:
            m = match(text, pos) if match is not None else None
            if m is not None:
                ident, hm1, s1, f1, hm2, s2, f2, said, bracket, colon, rest, tail = m.groups()
                stripped = said.rstrip()  # it starts with a non-space: ``said.strip()``
                if (
                    (ident is None or "-->" not in ident)
                    and stripped not in _DASHES
                    and "<" not in said
                    and "&" not in said
                ):
                    first = n + 1
                    if ident is not None:
                        ids.append(ident.strip())
                        n += 1
                    timing = n + 1
                    n += (len(tail) or 1) + 1  # timing, text and blank lines
                    pos = m.end()
                    # parse_timing: the same sum of whole seconds and fraction, rounded to
                    # the millisecond — which is the millisecond count divided by 1000
                    begin = clock.get(hm1)
                    if begin is None:
                        begin = clock[hm1] = _clock_ms(hm1)
                    finish = clock.get(hm2)
                    if finish is None:
                        finish = clock[hm2] = _clock_ms(hm2)
                    # RuleTally.add, for one line without markup
                    texted += 1
                    name = None
                    if stripped[0] == "(" and paren_match(stripped):
                        name = stripped[1:-1]
                        if plausible_name(name):
                            paren += 1
                        else:
                            name = None
                    prefix = None
                    if bracket is not None:  # speaker_prefix, from the same match
                        label = bracket.strip()
                        if plausible_name(label):
                            prefix = (label, rest, "bracket")
                    elif colon is not None:
                        label = colon.strip()
                        if plausible_name(label):
                            prefix = (label, rest, "colon")
                    if prefix is not None:
                        prefixed += 1
                        counts[label] += 1
                    entries.append(
                        (
                            first,
                            timing,
                            timing + 1,
                            (begin + seconds[s1] + millis[f1]) / 1000,
                            (finish + seconds[s2] + millis[f2]) / 1000,
                            stripped,
                            name,
                            prefix,
                        )
                    )
                    continue
            # the general path: one block, whatever it holds
            block, after = _block_at(lines, n)
            pos += sum(map(len, lines[n:after])) + (after - n)
            n = after
            if not block:
                continue
            head_text = block[0][1].strip()
            if _BLOCK_KEYWORD.match(head_text) and not any("-->" in t for _, t in block[:2]):
                result.structural_lines.append((block[0][0], block[-1][0]))
                continue
            cue = self._cue(block, ids)
            if cue is None:
                bad.append(block[0][0])
                result.keep_fragment(
                    SourceLocation(source.name, line=block[0][0], end_line=block[-1][0]),
                    "\n".join(t for _, t in block),
                    f"line {block[0][0]}: a block without a valid cue timing line "
                    "(hh:mm:ss.ttt --> hh:mm:ss.ttt) was kept as a fragment",
                )
                continue
            entries.append(cue)
            tally.add(cue)

        if not entries:
            raise MalformedFileError(
                "the WebVTT file holds no cues",
                file=source.name,
                line=bad[0] if bad else len(lines),
                expected="cues with a timing line such as 00:00:01.000 --> 00:00:04.000",
            )
        tally.texted += texted
        tally.prefixed += prefixed
        tally.paren += paren
        rules = tally.rules()
        marks: Counter[str] = Counter()
        builder = CueBuilder(source, result)
        gap = options.turn_gap_seconds
        result.turns = self._messages(entries, rules, marks, builder, gap)
        result.turn_gap_seconds = gap
        builder.finish()
        # (identifiers are never empty: digits only when all of them together are)
        numeric_ids = bool(ids) and "".join(ids).isdigit()
        result.details["dialect"] = dialect_of(marks, lambda: numeric_ids or not ids)
        result.details["cues"] = str(len(entries))
        return result

    @staticmethod
    def _speaker_cues(
        source: Source, options: ParseOptions, lines: list[str], n: int, result: ParseResult
    ) -> ParseResult | None:
        """Read a file whose every cue is a common cue (see ``_SIMPLE_CUE``) that opens with
        a speaker's name (``Name:`` or ``[Name]``, a plausible name) in one pass, or return
        ``None`` (and change nothing) at the first block that is not one.

        With every cue named, ``speaker_rules`` accept every name and no ``(Name)`` line (a
        line that opens with ``(`` has no name prefix), so what the two passes of ``read``
        would make of each cue is known as it is read: its speaker is its name, its text the
        rest of the line. (Zoom writes its transcripts so.)"""
        count = len(lines)
        while n < count and not lines[n].strip():
            n += 1
        text = source.text  # the lines joined, but for a last line break
        if "\r" in text:
            text = "\n".join(lines)
        markup = "<" in text or "&" in text  # else no line needs looking at for them
        pos = sum(map(len, lines[:n])) + n
        match = _NAMED_CUE.match
        seconds, millis = _SECONDS, _MILLIS
        clock: dict[str, int] = {}  # hh:mm -> ms, for the timings
        file = source.name
        speech = MessageKind.SPEECH
        gap = options.turn_gap_seconds
        messages: list[Message] = []
        append = messages.append
        late: list[ParseWarning] = []  # the warnings of the second pass: after all others
        ids: list[str] = []
        last_start = -math.inf
        backwards = False
        # turns: the open one (from message ``turn_lo``, start, end, sender), the last made
        turns: list[Turn] = []
        last_turn: Turn | None = None
        turn_lo = 0
        turn_start = turn_end = 0.0
        turn_sender: str | None = None
        one_span: dict[int, tuple[tuple[int, int], ...]] = {}  # ((0, n),), shared
        while n < count:
            m = match(text, pos)
            if m is None:
                if text[pos:].strip():
                    return None
                break  # only blank lines are left
            ident, hm1, s1, f1, hm2, s2, f2, bracket, colon, rest, tail = m.groups()
            speaker = (colon if bracket is None else bracket).strip()
            # (the text line: an optional dash, the name, spaces and ``rest``)
            if markup and ("<" in speaker or "&" in speaker or "<" in rest or "&" in rest):
                return None
            if (ident is not None and "-->" in ident) or not plausible_name(speaker):
                return None
            first = n + 1
            if ident is not None:
                ids.append(ident)
                n += 1
            timing = n + 1
            n += (len(tail) or 1) + 1  # timing, text and blank lines
            pos = m.end()
            begin = clock.get(hm1)
            if begin is None:
                begin = clock[hm1] = _clock_ms(hm1)
            finish = clock.get(hm2)
            if finish is None:
                finish = clock[hm2] = _clock_ms(hm2)
            start = (begin + seconds[s1] + millis[f1]) / 1000
            end = (finish + seconds[s2] + millis[f2]) / 1000
            said = rest.strip()
            # ``CueBuilder.add``
            if start < last_start and not backwards:
                backwards = True
                late.append(
                    ParseWarning(
                        "W106",
                        f"line {timing}: the cue starts before the previous one",
                        SourceLocation(file, line=timing),
                    )
                )
            last_start = start
            # turns, as ``build_turns`` groups them; the open turn holds messages[turn_lo:]
            if speaker != turn_sender or start - turn_end > gap:
                held_count = len(messages) - turn_lo
                if 0 < held_count < 3:  # ``make_turn``, inline
                    assert turn_sender is not None  # (a turn is open)
                    first_message = messages[turn_lo]
                    words = first_message.text
                    size = len(words)
                    if held_count == 1:
                        held: tuple[Message, ...] = (first_message,)
                        spans = one_span.get(size)
                        if spans is None:
                            spans = one_span[size] = ((0, size),)
                    else:
                        second = messages[turn_lo + 1]
                        held = (first_message, second)
                        cut = size + _JOINER_LEN
                        spans = ((0, size), (cut, cut + len(second.text)))
                        words = TURN_JOINER.join((words, second.text))
                    gap_ = latency = None
                    if last_turn is not None and last_turn.end is not None:
                        gap_ = turn_start - last_turn.end
                        if last_turn.speaker != turn_sender:
                            latency = gap_
                    duration = turn_end - turn_start
                    wpm = None
                    if duration >= MIN_RATE_SECONDS:
                        wpm = len(words.split()) * 60.0 / duration
                    last_turn = new_turn(
                        len(turns),
                        turn_sender,
                        held,
                        words,
                        spans,
                        turn_start,
                        turn_end,
                        latency,
                        gap_,
                        wpm,
                    )
                    turns.append(last_turn)
                elif held_count:
                    held = tuple(messages[turn_lo:])
                    last_turn = make_turn(len(turns), held, turn_start, turn_end, last_turn)
                    turns.append(last_turn)
                turn_lo, turn_start, turn_sender = len(messages), start, speaker
            turn_end = end
            message = new_located_message(
                len(messages),
                speaker,
                said,
                file,
                first,
                timing + 1,
                None,
                None,
                start,
                end,
                speech,
                (),
                False,
                False,
                (),
            )
            append(message)
            if not said:
                late.append(
                    ParseWarning("W108", f"line {first}: the cue has no text", message.location)
                )
        if not messages:
            return None  # no cue: the general path says so
        turns.append(
            make_turn(len(turns), tuple(messages[turn_lo:]), turn_start, turn_end, last_turn)
        )
        result.messages = messages
        result.warnings += late
        result.turns, result.turn_gap_seconds = tuple(turns), gap
        # every cue named: "zoom" when the identifiers are numbers (or absent)
        names = "".join(ident.strip() for ident in ids)
        numbered = not ids or names.isdigit()
        result.details["dialect"] = "zoom" if numbered else "generic"
        result.details["cues"] = str(len(messages))
        return result

    @staticmethod
    def _messages(
        entries: list[Cue | _Simple],
        rules: SpeakerRules,
        marks: Counter[str],
        builder: CueBuilder,
        gap: float,
    ) -> tuple[Turn, ...]:
        """The messages of every cue, in order: common cues inline (``split_cue`` and
        ``CueBuilder.add`` for one line without markup), the others by those functions; and
        their turns for ``gap``, grouped as ``build_turns`` groups them (every cue message is
        speech, with a speaker, a start and an end)."""
        result = builder.result
        file = builder.source.name
        messages = result.messages
        append = messages.append
        unknown = builder.unknown
        paren_lines = rules.paren_lines
        everywhere = rules.prefix_everywhere
        accepted = rules.prefixes
        speech = MessageKind.SPEECH
        tally: Counter[str] = Counter()
        previous, last_start, backwards = builder.previous, builder.last_start, builder.backwards
        turns: list[Turn] = []
        last_turn: Turn | None = None
        turn_first: Message | None = None
        turn_rest: list[Message] | None = None
        turn_start = turn_end = 0.0
        turn_sender: str | None = None
        for entry in entries:
            if type(entry) is not tuple:
                assert isinstance(entry, Cue)
                segments = split_cue(entry, rules, marks)
                if not segments:
                    result.structural_lines.append((entry.first_line, entry.last_line))
                    continue
                builder.previous, builder.last_start = previous, last_start
                builder.backwards = backwards
                made = len(messages)
                builder.add(entry, segments)
                previous, last_start = builder.previous, builder.last_start
                backwards = builder.backwards
                for message in messages[made:]:  # turns: as below
                    assert message.sender is not None and message.end is not None
                    start = entry.start
                    if message.sender != turn_sender or start - turn_end > gap:
                        if turn_first is not None:
                            held = (turn_first,) if turn_rest is None else (turn_first, *turn_rest)
                            last_turn = make_turn(len(turns), held, turn_start, turn_end, last_turn)
                            turns.append(last_turn)
                        turn_first, turn_rest = message, None
                        turn_start, turn_sender = start, message.sender
                    elif turn_rest is None:
                        turn_rest = [message]
                    else:
                        turn_rest.append(message)
                    turn_end = message.end
                continue
            first, timing, last, start, end, text, name, prefix = entry
            if paren_lines and name is not None:
                speaker: str | None = name.strip()
                text = ""
                tally["paren"] += 1
            elif prefix is not None and (everywhere or prefix[0] in accepted):
                speaker = prefix[0]
                text = prefix[1].strip()
                tally[prefix[2]] += 1
            else:
                speaker = None
            if last_start is not None and start < last_start and not backwards:
                backwards = True
                result.warn(
                    "W106",
                    f"line {timing}: the cue starts before the previous one",
                    SourceLocation(file, line=timing),
                )
            last_start = start
            if speaker is None:
                speaker = previous
                if speaker is None:
                    speaker = UNKNOWN_SPEAKER
                    unknown.append(first)
            previous = speaker
            location = new_location(file, first, last, None)
            if not text:
                result.warn("W108", f"line {first}: the cue has no text", location)
            message = new_message(
                len(messages),
                speaker,
                text,
                location,
                None,
                start,
                end,
                speech,
                (),
                False,
                False,
                (),
            )
            append(message)
            # turns: a new one when the speaker changes or the gap is too long
            if speaker != turn_sender or start - turn_end > gap:
                if turn_first is not None:
                    held = (turn_first,) if turn_rest is None else (turn_first, *turn_rest)
                    last_turn = make_turn(len(turns), held, turn_start, turn_end, last_turn)
                    turns.append(last_turn)
                turn_first, turn_rest, turn_start, turn_sender = message, None, start, speaker
            elif turn_rest is None:
                turn_rest = [message]
            else:
                turn_rest.append(message)
            turn_end = end
        if turn_first is not None:
            held = (turn_first,) if turn_rest is None else (turn_first, *turn_rest)
            turns.append(make_turn(len(turns), held, turn_start, turn_end, last_turn))
        builder.previous, builder.last_start, builder.backwards = previous, last_start, backwards
        marks.update(tally)
        return tuple(turns)

    @staticmethod
    def _cue(block: list[tuple[int, str]], ids: list[str]) -> Cue | None:
        timing_at = next((k for k, (_, t) in enumerate(block[:2]) if "-->" in t), None)
        if timing_at is None:
            return None
        times = parse_timing(block[timing_at][1])
        if times is None:
            return None
        if timing_at == 1:
            ids.append(block[0][1].strip())
        return Cue(
            first_line=block[0][0],
            timing_line=block[timing_at][0],
            start=times[0],
            end=times[1],
            lines=list(block[timing_at + 1 :]),
        )


PARSERS = (WebVTTParser(),)
