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
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.source import Source
from reattune.model import ConversationKind, MessageKind, SourceLocation
from reattune.model.message import new_location, new_message

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


def speaker_rules(cues: Sequence[Cue]) -> SpeakerRules:
    """Prefixes count when the name starts two or more lines, or when most cues carry one;
    ``(Name)`` lines count when most cues open with one (Google Meet)."""
    counts: Counter[str] = Counter()
    prefixed = paren = texted = 0
    for cue in cues:
        texts = [clean_markup(t).strip() for _, t in cue.lines if t.strip()]
        if not texts:
            continue
        texted += 1
        if _PAREN_LINE.match(texts[0]) and plausible_name(texts[0][1:-1]):
            paren += 1
        prefixes = [speaker_prefix(t) for t in texts]
        found = [p for p in prefixes if p is not None]
        if prefixes[0] is not None:
            prefixed += 1
        counts.update(p[0] for p in found)
    half = max(1, texted) / 2
    return SpeakerRules(
        prefixes=frozenset(n for n, c in counts.items() if c >= 2),
        prefix_everywhere=texted > 0 and prefixed >= half,
        paren_lines=texted > 0 and paren >= half,
    )


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


def _blocks(lines: list[str], first: int) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks from line index ``first`` on, as (number, text) pairs.
    A whitespace-only line right after a ``-`` line does not end a block (Google Meet)."""
    blocks: list[list[tuple[int, str]]] = []
    block: list[tuple[int, str]] = []
    for i in range(first, len(lines)):
        line = lines[i]
        if not line.strip():
            if line and block and block[-1][1].strip() in {"-", "–"}:
                continue
            if block:
                blocks.append(block)
                block = []
            continue
        block.append((i + 1, line))
    if block:
        blocks.append(block)
    return blocks


class WebVTTParser:
    name: ClassVar[str] = "webvtt"
    title: ClassVar[str] = "WebVTT transcript (Zoom, Teams, Google Meet)"
    kind: ClassVar[ConversationKind] = ConversationKind.SESSION

    def sniff(self, source: Source) -> float:
        head = source.head(256).lstrip("\ufeff \t\r\n")
        first = head.split("\n", 1)[0].rstrip("\r")
        return 0.99 if _HEADER.match(first) else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
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

        cues: list[Cue] = []
        bad: list[int] = []
        ids: list[str] = []
        for block in _blocks(lines, header_end + 1):
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
            cues.append(cue)

        if not cues:
            raise MalformedFileError(
                "the WebVTT file holds no cues",
                file=source.name,
                line=bad[0] if bad else len(lines),
                expected="cues with a timing line such as 00:00:01.000 --> 00:00:04.000",
            )

        rules = speaker_rules(cues)
        marks: Counter[str] = Counter()
        builder = CueBuilder(source, result)
        for cue in cues:
            segments = split_cue(cue, rules, marks)
            if not segments:
                result.structural_lines.append((cue.first_line, cue.last_line))
                continue
            builder.add(cue, segments)
        builder.finish()
        numeric_ids = bool(ids) and all(i.isdigit() for i in ids)
        result.details["dialect"] = dialect_of(marks, lambda: numeric_ids or not ids)
        result.details["cues"] = str(len(cues))
        return result

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
