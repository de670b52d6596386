"""Scanning a text for many groups of phrase patterns at once, fast.

A lexicon is matched as one alternation per group (a code, or a safety category), and a
text is scanned once per group with ``finditer``. Python's regular-expression engine then
tries every branch of every group at every word, which dominates the engine's time. Most
branches, however, can only begin with a few known letters: "you always …", "kill myself",
"why …". :class:`GroupScanner` reads each branch's possible beginnings (up to a few
characters) from Python's own parse of the pattern, indexes the branches by them, and at each
word tries only the branches whose beginning is there — with exactly the results of the
per-group ``finditer`` (leftmost match first, the earliest branch winning at a position,
matches of one group never overlapping). Branches whose beginning cannot be listed (a
pattern that starts with ``\\w+`` or ``.``) keep the old way for their whole group.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["GroupScanner", "prefixes"]

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

DEPTH = 3
"""How many leading characters index a branch."""
_LIMIT = 400
"""Give up listing a branch's beginnings beyond this many (it then scans the old way)."""
_CLASS_LIMIT = 8
"""A character class with at most this many characters is listed; a wider one ends the
beginning there."""
_WORD = r"\w'’"


class _TooManyError(Exception):
    pass


def _chars(av: Any) -> list[str] | None:
    out: list[str] = []
    for op, arg in av:
        if op is _c.LITERAL:
            out.append(chr(arg))
        elif op is _c.RANGE and arg[1] - arg[0] < _CLASS_LIMIT:
            out.extend(chr(x) for x in range(arg[0], arg[1] + 1))
        else:
            return None
        if len(out) > _CLASS_LIMIT:
            return None
    return out


def _expand(items: list[tuple[Any, Any]], prefix: str, out: set[str], depth: int) -> None:
    """Add to ``out`` every beginning (up to ``depth`` characters) of the sequence
    ``items`` after ``prefix``; a beginning shorter than ``depth`` means "begins with this,
    then anything"."""
    if len(out) > _LIMIT:
        raise _TooManyError
    if len(prefix) >= depth or not items:
        out.add(prefix[:depth])
        return
    (op, av), rest = items[0], items[1:]
    if op is _c.LITERAL:
        _expand(rest, prefix + chr(av), out, depth)
    elif op is _c.IN:
        chars = _chars(av)
        if chars is None:
            out.add(prefix)
            return
        for ch in chars:
            _expand(rest, prefix + ch, out, depth)
    elif op is _c.SUBPATTERN:
        if av[1] & _c.SRE_FLAG_IGNORECASE:
            out.add(prefix)
            return
        _expand(list(av[3]) + rest, prefix, out, depth)
    elif op is _c.ATOMIC_GROUP:
        _expand(list(av) + rest, prefix, out, depth)
    elif op is _c.BRANCH:
        for branch in av[1]:
            _expand(list(branch) + rest, prefix, out, depth)
    elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, inner = av
        if low == 0:
            _expand(rest, prefix, out, depth)
        if high == 0:
            return
        if low <= 1 and high == 1:
            _expand(list(inner) + rest, prefix, out, depth)
        else:
            # One repetition, then an unknown number more: the beginning ends after it.
            _expand(list(inner), prefix, out, depth)
    elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        # Zero-width: it only narrows where a match may start, never what it begins with.
        _expand(rest, prefix, out, depth)
    else:
        out.add(prefix)


def prefixes(pattern: str, depth: int = DEPTH) -> frozenset[str] | None:
    """The strings every match of ``pattern`` begins with one of (each at most ``depth``
    characters long), or ``None`` when they cannot be listed (a match may begin with almost
    anything, or there are too many)."""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & _c.SRE_FLAG_IGNORECASE:
        return None
    out: set[str] = set()
    try:
        _expand(list(parsed), "", out, depth)
    except (_TooManyError, RecursionError):
        return None
    if "" in out:
        return None
    return frozenset(out)


class GroupScanner:
    """Every match of every group in a text, as ``(group, branch, match)``.

    ``groups`` holds, per group, its branches in order: ``(pattern, edged)``, each pattern
    complete (word-edge look-arounds included) and ``edged`` true when it can only begin at a
    word's start (after no letter, digit or apostrophe). The results are those of
    ``re.finditer`` over each group's alternation ``(?P<b0>…)|(?P<b1>…)|…``, group by group.
    A group with a branch that is not edged, or whose beginnings cannot be listed, is
    scanned that way.
    """

    def __init__(self, groups: Sequence[Sequence[tuple[str, bool]]], flags: int = 0) -> None:
        self._groups = len(groups)
        self._index: dict[str, list[tuple[int, int, re.Pattern[str]]]] = {}
        self._slow: list[tuple[int, re.Pattern[str], int]] = []
        self.depth = 1
        for g, group in enumerate(groups):
            branches = [b for b, _ in group]
            beginnings = [prefixes(b) if edged else None for b, edged in group]
            if any(p is None for p in beginnings):
                alternation = "|".join(f"(?P<b{j}>{b})" for j, b in enumerate(branches))
                self._slow.append((g, re.compile(alternation, flags), len(branches)))
                continue
            for j, (branch, starts) in enumerate(zip(branches, beginnings, strict=True)):
                rx = re.compile(branch, flags)
                assert starts is not None
                for s in starts:
                    self._index.setdefault(s, []).append((g, j, rx))
                    self.depth = max(self.depth, len(s))
        for entries in self._index.values():
            entries.sort(key=lambda e: (e[0], e[1]))
        lead = sorted({s[0] for s in self._index})
        self._starts = (
            re.compile(f"(?<![{_WORD}])[" + "".join(re.escape(ch) for ch in lead) + "]")
            if lead
            else None
        )

    @property
    def slow_groups(self) -> int:
        return len(self._slow)

    def scan(self, text: str) -> Iterator[tuple[int, int, re.Match[str]]]:
        """Matches as ``(group, branch, match)``, in no particular order across groups."""
        for g, rx, _ in self._slow:
            for m in rx.finditer(text):
                name = m.lastgroup
                if name is not None:
                    yield g, int(name[1:]), m
        if self._starts is None:
            return
        index = self._index
        depth = self.depth
        taken = [0] * self._groups
        for at in self._starts.finditer(text):
            p = at.start()
            found: list[tuple[int, int, re.Pattern[str]]] = []
            for k in range(1, depth + 1):
                entries = index.get(text[p : p + k])
                if entries:
                    found.extend(entries)
            if not found:
                continue
            if len(found) > 1:
                found.sort(key=lambda e: (e[0], e[1]))
            done = -1
            for g, j, rx in found:
                if g == done or p < taken[g]:
                    continue
                hit = rx.match(text, p)
                if hit is None:
                    continue
                taken[g] = max(hit.end(), p + 1)
                done = g
                yield g, j, hit
