"""SubRip (``.srt``) session transcripts.

The shape is the SubRip convention described by the ``srt`` Python library and most subtitle
tools: numbered blocks, each an index line, a timing line ``00:00:01,000 --> 00:00:04,000``
(comma decimal; a dot is tolerated) and one or more text lines, blocks separated by a blank
line. Missing index numbers and extra blank lines are tolerated: cues are found by their
timing lines, and a digits-only line right before a timing line is its index.

Speakers, as transcription tools write them into the text (Otter's and Rev's ``.srt``
exports, WhisperX-style ``SPEAKER_01:``): ``Name: text``, ``NAME: text``, ``[Name] text`` and
the subtitle dialogue form ``- Name: text`` (two speakers in one block become two messages
with the block's times). A prefix counts when its name starts at least two lines of the file
or when most blocks carry one, so a one-off ``Note: …`` stays text. A block without a prefix
continues the previous speaker; before any is known the speaker is ``"Unknown"`` (``W107``).
Markup (``<i>``, ``<b>``, ``<font …>``) is removed and HTML entities decoded.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.formats.webvtt import (
    Cue,
    CueBuilder,
    line_span,
    parse_timing,
    speaker_rules,
    split_cue,
)
from reattune.ingest.source import Source
from reattune.model import ConversationKind, SourceLocation

_INDEX = re.compile(r"^\s*\d+\s*$")


class SrtParser:
    name: ClassVar[str] = "srt"
    title: ClassVar[str] = "SubRip subtitles / transcript (.srt)"
    kind: ClassVar[ConversationKind] = ConversationKind.SESSION
    sniff_ceiling: ClassVar[float] = 0.95

    def sniff(self, source: Source) -> float:
        head = source.head(2048).lstrip("\ufeff")
        if head.lstrip().startswith("WEBVTT"):
            return 0.0
        first = [line.strip() for line in head.splitlines() if line.strip()][:3]
        if len(first) < 2:
            return 0.0
        if _INDEX.match(first[0]) and parse_timing(first[1]) is not None:
            return 0.95 if "," in first[1] else 0.75
        if any(parse_timing(line) is not None and "," in line for line in first):
            return 0.85
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        lines = source.lines()
        starts = self._cue_starts(lines)
        if not starts:
            first = next((i + 1 for i, line in enumerate(lines) if line.strip()), 1)
            raise MalformedFileError(
                "this is not a SubRip file: no cue timing line was found",
                file=source.name,
                line=first,
                expected="numbered blocks with a timing line such as 00:00:01,000 --> 00:00:04,000",
            )
        result = ParseResult(kind=self.kind)
        self._leading_fragment(source, lines, starts[0][0], result)
        cues: list[Cue] = []
        for k, (first, timing) in enumerate(starts):
            stop = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
            body = [(n + 1, lines[n]) for n in range(timing + 1, stop) if lines[n].strip()]
            times = parse_timing(lines[timing])
            if times is None:
                end = body[-1][0] if body else timing + 1
                result.keep_fragment(
                    SourceLocation(source.name, line=first + 1, end_line=end),
                    "\n".join(lines[first:end]).strip("\n"),
                    f"line {timing + 1}: the timing line could not be read "
                    "(hh:mm:ss,mmm --> hh:mm:ss,mmm); the block was kept as a fragment",
                )
                continue
            cues.append(Cue(first + 1, timing + 1, times[0], times[1], body))
        if not cues:
            raise MalformedFileError(
                "the SubRip file holds no readable cue",
                file=source.name,
                line=starts[0][1] + 1,
                expected="a timing line such as 00:00:01,000 --> 00:00:04,000",
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
        labels = [k for k in ("colon", "bracket", "voice") if marks[k]]
        result.details["speaker_labels"] = "+".join(labels) or "none"
        result.details["cues"] = str(len(cues))
        return result

    @staticmethod
    def _cue_starts(lines: list[str]) -> list[tuple[int, int]]:
        """``(first line index, timing line index)`` of every cue. A line with ``-->`` starts
        a cue when it reads as timing, or when it follows an index line, a blank line or the
        start of the file (so an arrow inside someone's words stays text)."""
        starts: list[tuple[int, int]] = []
        for i, line in enumerate(lines):
            if "-->" not in line:
                continue
            after_index = i > 0 and _INDEX.match(lines[i - 1]) is not None
            after_gap = i == 0 or not lines[i - 1].strip()
            if parse_timing(line) is None and not (after_index or after_gap):
                continue
            starts.append((i - 1 if after_index else i, i))
        return starts

    @staticmethod
    def _leading_fragment(source: Source, lines: list[str], stop: int, result: ParseResult) -> None:
        numbers = [n for n in range(stop) if lines[n].strip()]
        if numbers:
            result.keep_fragment(
                SourceLocation(source.name, line=numbers[0] + 1, end_line=numbers[-1] + 1),
                "\n".join(lines[numbers[0] : numbers[-1] + 1]),
                line_span(numbers[0] + 1, numbers[-1] + 1) + ": text before the first cue",
            )


PARSERS = (SrtParser(),)
