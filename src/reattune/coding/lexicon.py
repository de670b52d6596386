"""Lexicons as data: loading the TOML files of ``reattune/data/lexicons`` and matching them.

The compiled form groups the entries by code into one alternation per code (named groups
tell which entry matched), so a turn is scanned once per code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from reattune.coding.scan import GroupScanner
from reattune.coding.text import inside, negated, quoted_ranges
from reattune.errors import SettingsError

_GAP = r"[\s,]+"
_OPTIONAL_GAP = r"[\s,]*"
_W = r"[\w'’]"
_FILLER = re.compile(
    rf"u(?<!{_W}u)(?:m+|h+)(?!{_W})|e(?<!{_W}e)(?:rm+|r)(?!{_W})|a(?<!{_W}a)h+(?!{_W})"
    rf"|h(?<!{_W}h)mm+(?!{_W})"
)
r"""A filler word ("um", "uh", "erm", "er", "ah", "hmm") on its own: what
``(?<![\w'’])(?:um+|uh+|erm+|er|ah+|hmm+)(?![\w'’])`` finds, written to begin with its first
letter (which ``sub`` skips to) and to look behind it only there."""
_APOSTROPHE = "['’]?"


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    id: str
    code: str
    pattern: str
    score: float
    explanation: str
    negatable: bool = True
    quoted: bool = False
    edges: bool = True
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class LexiconMatch:
    entry: LexiconEntry
    start: int
    end: int


def expand_pattern(pattern: str, gap: str = _GAP) -> str:
    """Apply the lexicon conventions to a pattern: lower case; a straight or typographic
    apostrophe also matches the other or none ("dont", "I’m"); a space matches ``gap`` (a run
    of spaces and commas); a space followed by ``?`` is an optional gap ("any ?more" matches
    "anymore" and "any more"). Inside a character class and after a backslash, nothing
    changes. Shared by the coding lexicons and the safety lexicons."""
    out = []
    in_class = False
    escaped = False
    skip = False
    for i, raw in enumerate(pattern):
        if skip:
            skip = False
            continue
        if escaped:
            out.append(raw)
            escaped = False
            continue
        ch = raw.lower()
        if not in_class and ch == " " and pattern[i + 1 : i + 2] == "?":
            out.append(_OPTIONAL_GAP)
            skip = True
            continue
        if ch == "\\":
            out.append(ch)
            escaped = True
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        if not in_class and ch in "'’":
            out.append(_APOSTROPHE)
        elif not in_class and ch == " ":
            out.append(gap)
        else:
            out.append(ch)
    return "".join(out)


def _entry_pattern(e: LexiconEntry) -> str:
    body = expand_pattern(e.pattern)
    return rf"(?<![\w'’])(?:{body})(?![\w'’])" if e.edges else body


def _compile(
    entries: list[LexiconEntry], origin: str
) -> tuple[re.Pattern[str], tuple[LexiconEntry, ...]]:
    parts = [f"(?P<e{i}>{_entry_pattern(e)})" for i, e in enumerate(entries)]
    try:
        rx = re.compile("|".join(parts), re.MULTILINE)
    except re.error as exc:
        raise SettingsError(
            f"a pattern of code {entries[0].code} does not compile: {exc}", file=origin
        ) from exc
    return rx, tuple(entries)


def lowered(text: str) -> str:
    """``text`` in lower case with transcript fillers ("um", "uh") blanked out, at the same
    length, so offsets into it are offsets into ``text``."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    if "u" in low or "e" in low or "a" in low or "h" in low:
        low = _FILLER.sub(lambda m: " " * len(m.group()), low)
    return low


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A versioned set of entries, compiled into one alternation per code.

    Matching runs on the lower-cased text (patterns are lower-cased when compiled), which is
    about twice as fast as case-insensitive matching; offsets are the original text's.
    Within one code, matches do not overlap (as with ``finditer``).
    """

    version: str
    entries: tuple[LexiconEntry, ...]
    compiled: tuple[tuple[str, re.Pattern[str], tuple[LexiconEntry, ...]], ...]
    scanner: GroupScanner = field(compare=False, repr=False)
    """The same alternations, indexed by how each entry can begin (see ``coding/scan.py``)."""

    @classmethod
    def from_data(cls, data: dict[str, Any], origin: str) -> Lexicon:
        try:
            version = str(data["version"])
            entries = tuple(
                LexiconEntry(
                    id=e["id"],
                    code=e["code"],
                    pattern=e["pattern"],
                    score=float(e["score"]),
                    explanation=e["explanation"],
                    negatable=bool(e.get("negatable", True)),
                    quoted=bool(e.get("quoted", False)),
                    edges=bool(e.get("edges", True)),
                    tag=e.get("tag"),
                )
                for e in data["entry"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(
                f"lexicon entry is incomplete ({exc})",
                file=origin,
                expected="entries with id, code, pattern, score, explanation",
            ) from exc
        by_code: dict[str, list[LexiconEntry]] = {}
        for e in entries:
            by_code.setdefault(e.code, []).append(e)
        compiled = tuple((code, *_compile(group, origin)) for code, group in by_code.items())
        scanner = GroupScanner(
            [[(_entry_pattern(e), e.edges) for e in group] for _, _, group in compiled],
            re.MULTILINE,
        )
        return cls(version=version, entries=entries, compiled=compiled, scanner=scanner)

    @classmethod
    def from_file(cls, path: Path) -> Lexicon:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read the lexicon ({exc})", file=str(path)) from exc
        return cls.from_data(data, str(path))

    def matches(self, text: str) -> list[LexiconMatch]:
        """Every entry match in ``text`` that is the speaker's own (not negated where the
        entry is negatable, not inside quotation marks unless the entry allows it), in order
        of code, then offset."""
        return self.matches_many((text,))[0]

    def matches_many(self, texts: Sequence[str]) -> list[list[LexiconMatch]]:
        """``matches`` of every text, the texts scanned together (``GroupScanner.scan_many``)."""
        return [
            [LexiconMatch(entry, start, end) for entry, start, end in found]
            for found in self.found_many(texts)
        ]

    def found_many(self, texts: Sequence[str]) -> list[list[tuple[LexiconEntry, int, int]]]:
        """``matches_many`` as plain ``(entry, start, end)`` triples."""
        groups = self.groups
        return [
            [(groups[g][j], start, end) for g, start, end, j in kept]
            for kept in self.spans_many(texts)
        ]

    @property
    def groups(self) -> tuple[tuple[LexiconEntry, ...], ...]:
        """The entries of each code, in the scanner's group order."""
        return tuple(entries for _, _, entries in self.compiled)

    def spans_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, int, int]]]:
        """``found_many`` as ``(group, start, end, entry)`` indices: ``groups[group][entry]``
        matched at ``start:end`` (for the coder: plain numbers, which the garbage collector
        stops walking, where a tuple holding the entry stays in its sight)."""
        lows = [lowered(text) for text in texts]
        groups = self.groups
        out: list[list[tuple[int, int, int, int]]] = []
        for text, low, hits in zip(texts, lows, self.scanner.spans_many(lows), strict=True):
            if not hits:
                out.append(hits)
                continue
            quotes = quoted_ranges(text)
            kept = []
            hits.sort()
            for hit in hits:
                g, start, end, j = hit
                if start == end:
                    continue
                entry = groups[g][j]
                if quotes and not entry.quoted and inside(quotes, start, end):
                    continue
                if entry.negatable and negated(low, start):
                    continue
                kept.append(hit)
            out.append(hits if len(kept) == len(hits) else kept)
        return out


@cache
def default_lexicon() -> Lexicon:
    root = resources.files("reattune.data.lexicons")
    text = root.joinpath("turn_codes.toml").read_text(encoding="utf-8")
    return Lexicon.from_data(tomllib.loads(text), "reattune/data/lexicons/turn_codes.toml")


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    meaning: str
    valence: int


@dataclass(frozen=True, slots=True)
class Codebook:
    version: str
    codes: dict[str, CodeInfo]

    def valence(self, code: str) -> int:
        info = self.codes.get(code)
        return 0 if info is None else info.valence


@cache
def default_codebook() -> Codebook:
    root = resources.files("reattune.data.lexicons")
    data = tomllib.loads(root.joinpath("codebook.toml").read_text(encoding="utf-8"))
    return Codebook(
        version=str(data["version"]),
        codes={
            code: CodeInfo(code, str(v["meaning"]), int(v["valence"]))
            for code, v in data["codes"].items()
        },
    )
