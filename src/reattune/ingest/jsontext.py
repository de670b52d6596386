"""JSON sources for parsers: decoding with catalogued errors, and the line range of each
array item (so JSON records account for their lines like text formats do)."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reattune.errors import MalformedFileError, TruncatedFileError
from reattune.ingest.source import Source

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()

JsonPath = Sequence[str | int]


def _ws(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return pos if match is None else match.end()


def _enter(text: str, pos: int, step: str | int) -> int:
    """Offset of the value at key/index ``step`` of the container starting at ``pos``, or -1."""
    opening, closing = ("{", "}") if isinstance(step, str) else ("[", "]")
    if pos >= len(text) or text[pos] != opening:
        return -1
    pos = _ws(text, pos + 1)
    index = 0
    while pos < len(text) and text[pos] != closing:
        if isinstance(step, str):
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _ws(text, _ws(text, pos) + 1)  # past the colon
            if key == step:
                return pos
        elif index == step:
            return pos
        _, pos = _DECODER.raw_decode(text, pos)
        index += 1
        pos = _ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _ws(text, pos + 1)
    return -1


@dataclass(slots=True)
class JsonText:
    """A JSON file read for a parser: the decoded value and the text it came from (line
    breaks normalised, so line numbers match ``Source.lines()``)."""

    text: str
    data: Any
    _newlines: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", self.text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def item_lines(self, path: JsonPath) -> list[tuple[int, int]]:
        """First and last line of each item of the array at ``path`` (keys and indices)."""
        text = self.text
        pos = _ws(text, 0)
        for step in path:
            pos = _enter(text, pos, step)
            if pos < 0:
                return []
        if pos >= len(text) or text[pos] != "[":
            return []
        spans: list[tuple[int, int]] = []
        pos = _ws(text, pos + 1)
        while pos < len(text) and text[pos] != "]":
            _, end = _DECODER.raw_decode(text, pos)
            spans.append((self.line_of(pos), self.line_of(end - 1)))
            pos = _ws(text, end)
            if pos < len(text) and text[pos] == ",":
                pos = _ws(text, pos + 1)
        return spans


def read_json(source: Source, expected: str) -> JsonText:
    """Decode ``source`` as JSON; a damaged file is a catalogued error with its line."""
    text = source.text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        in_string = exc.msg.startswith("Unterminated string")
        if in_string or exc.pos >= len(text.rstrip()):
            where = "inside a string that starts here" if in_string else exc.msg.lower()
            raise TruncatedFileError(
                f"the JSON ends before it is complete ({where})",
                file=source.name,
                line=exc.lineno,
                expected=expected,
            ) from exc
        raise MalformedFileError(
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            file=source.name,
            line=exc.lineno,
            expected=expected,
        ) from exc
    except RecursionError as exc:
        raise MalformedFileError(
            "the JSON is nested too deeply", file=source.name, expected=expected
        ) from exc
    return JsonText(text, data)


def complement(total: int, used: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The line ranges of 1..``total`` outside ``used`` (the JSON scaffolding)."""
    covered = sorted(used)
    ranges: list[tuple[int, int]] = []
    nxt = 1
    for lo, hi in covered:
        if lo > nxt:
            ranges.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= total:
        ranges.append((nxt, total))
    return ranges
