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

import bisect
import contextlib
import functools
import hashlib
import importlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from typing import Any

__all__ = [
    "GroupScanner",
    "key_table",
    "keys",
    "prefixes",
    "recording_patterns",
]

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


_GAP_ITEMS = frozenset({(_c.CATEGORY, _c.CATEGORY_SPACE), (_c.LITERAL, ord(","))})
_GAP_CHAR = re.compile(r"[\s,]")
_GAP_RUN = re.compile(r"[\s,]+")
KEY_DEPTH = 12
"""How many leading tokens (characters, or a run of spaces and commas) key a branch."""


def _is_gap(items: Any) -> bool:
    r"""Whether ``items`` is one character of ``[\s,]``: a class of nothing else, such as
    ``[\s,]`` (the gap between the words of a lexicon phrase) or ``\s``. A run of them in a
    text lies within one run of spaces and commas."""
    seq = list(items)
    if len(seq) != 1 or seq[0][0] is not _c.IN or not seq[0][1]:
        return False
    return all(
        item in _GAP_ITEMS or (item[0] is _c.LITERAL and _GAP_CHAR.match(chr(item[1])))
        for item in seq[0][1]
    )


def _walk(
    items: list[tuple[Any, Any]], key: str, out: set[tuple[bool, str]], depth: int, line: bool
) -> None:
    r"""Like ``_expand``, but a run of ``[\s,]`` (one or more) is one token, written " ", and a
    key ends before anything else that could match a space or a comma, so that the keys that
    begin a text at one position form a chain (each a prefix of the next). ``line`` tells
    that the path so far passed ``^`` before any character: its matches begin a line."""
    if len(out) > _LIMIT:
        raise _TooManyError
    if len(key) >= depth or not items:
        out.add((line, key))
        return
    (op, av), rest = items[0], items[1:]
    if op is _c.LITERAL:
        ch = chr(av)
        if _GAP_CHAR.match(ch):
            out.add((line, key))
            return
        _walk(rest, key + ch, out, depth, line)
    elif op is _c.IN:
        chars = _chars(av)
        if chars is None or any(_GAP_CHAR.match(ch) for ch in chars):
            out.add((line, key))
            return
        for ch in chars:
            _walk(rest, key + ch, out, depth, line)
    elif op is _c.SUBPATTERN:
        if av[1] & _c.SRE_FLAG_IGNORECASE:
            out.add((line, key))
            return
        _walk(list(av[3]) + rest, key, out, depth, line)
    elif op is _c.ATOMIC_GROUP:
        _walk(list(av) + rest, key, out, depth, line)
    elif op is _c.BRANCH:
        for branch in av[1]:
            _walk(list(branch) + rest, key, out, depth, line)
    elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, inner = av
        if _is_gap(inner) and op is _c.MAX_REPEAT:
            if not key or key.endswith(" "):
                out.add((line, key))
                return
            if low == 0:
                _walk(rest, key, out, depth, line)
            if high != 0:
                _walk(rest, key + " ", out, depth, line)
            return
        if low == 0:
            _walk(rest, key, out, depth, line)
        if high == 0:
            return
        if low == high or (low <= 1 and high == 1):  # a fixed count, or an optional one
            _walk(list(inner) * max(high, 1) + rest, key, out, depth, line)
        elif low == 0:
            # Some repetitions (none is walked above): the first, then an unknown number
            # more, so the beginning ends after it.
            _walk(list(inner), key, out, depth, line)
        else:
            # The least number of repetitions, then none or some more (``x+`` is ``xx*``).
            more = _c.MAXREPEAT if high == _c.MAXREPEAT else high - low
            _walk(list(inner) * low + [(op, (0, more, inner)), *rest], key, out, depth, line)
    elif op is _c.AT:
        _walk(rest, key, out, depth, line or (not key and av in _LINE_STARTS))
    elif op in (_c.ASSERT, _c.ASSERT_NOT):
        _walk(rest, key, out, depth, line)
    else:
        out.add((line, key))


_compiler: Any = importlib.import_module("re._compiler")
_PARSED: dict[str, Any] = {}
"""Parse trees of the branches being indexed, so that each is parsed once: read for its keys,
then compiled from the same tree (cleared when the scanner is built)."""


def _parsed(pattern: str) -> Any:
    tree = _PARSED.get(pattern)
    if tree is None:
        tree = _PARSED[pattern] = _parser.parse(pattern)
    return tree


def _compile(pattern: str, flags: int) -> re.Pattern[str]:
    """``re.compile``, from the tree already parsed for the pattern's keys when there is
    one (parsing is most of the cost of compiling a large pattern)."""
    tree = _PARSED.get(pattern)
    if tree is None:
        return re.compile(pattern, flags)
    rx: re.Pattern[str] = _compiler.compile(tree, flags)
    return rx


_LINE_STARTS = (_c.AT_BEGINNING, _c.AT_BEGINNING_LINE, _c.AT_BEGINNING_STRING)

KEY_TABLE = "scan_keys.json"
"""The start keys of every shipped lexicon's branches (``reattune/data/lexicons/``), written
by ``python scripts/build_scan_keys.py``: reading a branch's keys from Python's parse of the
pattern is most of the cost of building the lexicons — paid by every new process (each CLI
call) — and it gives the same keys every time. A test checks the table against the keys
computed afresh; a pattern the table does not hold (an edited lexicon) is read as before."""

KEY_SCHEMA = (
    f"reattune.scan-keys/1 depth={DEPTH} key-depth={KEY_DEPTH} "
    f"python={sys.version_info[0]}.{sys.version_info[1]}"
)
"""What the table's keys depend on besides the pattern: the depths, and the Python whose
regular-expression parser read them (another version's table is not used)."""

_SEEN: list[dict[str, None]] = []
"""While :func:`recording_patterns` runs: every branch pattern a scanner is built with, in
order (for the script that writes the table, and its test)."""


def _digest(pattern: str) -> str:
    return hashlib.sha256(pattern.encode("utf-8")).hexdigest()[:32]


@functools.cache
def _shipped() -> dict[str, Any]:
    try:
        text = resources.files("reattune.data.lexicons").joinpath(KEY_TABLE).read_text("utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema") != KEY_SCHEMA:
        return {}
    table = data.get("keys")
    return table if isinstance(table, dict) else {}


def _keys_of(pattern: str) -> tuple[bool, tuple[frozenset[str], frozenset[str]] | None]:
    """(whether the shipped table holds ``pattern``, its start keys)."""
    for seen in _SEEN:
        seen[pattern] = None
    table = _shipped()
    digest = _digest(pattern)
    if digest in table:
        found = table[digest]
        return True, None if found is None else (frozenset(found[0]), frozenset(found[1]))
    return False, start_keys(pattern)


@contextlib.contextmanager
def recording_patterns() -> Iterator[list[str]]:
    """``with recording_patterns() as patterns:`` — the branch patterns of the scanners built
    inside the block, in order, in ``patterns`` when it ends."""
    seen: dict[str, None] = {}
    out: list[str] = []
    _SEEN.append(seen)
    try:
        yield out
    finally:
        _SEEN.remove(seen)
        out.extend(seen)


def key_table(patterns: Iterable[str]) -> dict[str, Any]:
    """The table for ``patterns``, computed afresh: ``{"schema", "keys": {digest: [line
    keys, other keys] or null}}``."""
    out: dict[str, Any] = {}
    for p in patterns:
        re.compile(p)  # a pattern in the table compiles: scanners compile it when first needed
        found = start_keys(p)
        out[_digest(p)] = None if found is None else [sorted(found[0]), sorted(found[1])]
    _PARSED.clear()
    return {"schema": KEY_SCHEMA, "keys": dict(sorted(out.items()))}


def start_keys(
    pattern: str, depth: int = KEY_DEPTH
) -> tuple[frozenset[str], frozenset[str]] | None:
    """:func:`keys`, split in two: the keys of matches that begin a line (the path to them
    passes ``^``), which begin a word too, and the others."""
    try:
        parsed = _parsed(pattern)
    except re.error:
        return None
    if parsed.state.flags & _c.SRE_FLAG_IGNORECASE:
        return None
    for d in (depth, DEPTH):
        out: set[tuple[bool, str]] = set()
        try:
            _walk(list(parsed), "", out, d, False)
        except _TooManyError:
            continue
        except RecursionError:
            return None
        if any(not k for _, k in out):
            return None
        return (
            frozenset(k for line, k in out if line),
            frozenset(k for line, k in out if not line),
        )
    return None


def keys(pattern: str, depth: int = KEY_DEPTH) -> frozenset[str] | None:
    """The keys every match of ``pattern`` begins with one of: strings of at most ``depth``
    tokens, a token being a character or a run of spaces and commas (written as one space);
    ``None`` when they cannot be listed. A text at a position begins with a key when the key
    is a prefix of the text with its runs of spaces and commas written as one space."""
    found = start_keys(pattern, depth)
    return None if found is None else found[0] | found[1]


def _anchored(items: list[tuple[Any, Any]]) -> bool:
    """Whether every match of ``items`` begins at the start of the text or of a line."""
    for op, av in items:
        if op is _c.AT:
            return av in (_c.AT_BEGINNING, _c.AT_BEGINNING_LINE, _c.AT_BEGINNING_STRING)
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            continue
        if op is _c.SUBPATTERN:
            return _anchored(list(av[3]))
        if op is _c.BRANCH:
            return all(_anchored(list(b)) for b in av[1])
        return False
    return False


def anchored(pattern: str) -> bool:
    try:
        return _anchored(list(_parser.parse(pattern)))
    except re.error:
        return False


def _trie(words: Sequence[str]) -> str:
    """A regular expression that matches, at a position, the longest of ``words`` (keys from
    :func:`keys`) that begins the text there."""
    root: dict[str, Any] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def alternation(node: dict[str, Any]) -> str:
        parts = []
        for ch in sorted(c for c in node if c):
            token = r"[\s,]+" if ch == " " else re.escape(ch)
            parts.append(token + sub(node[ch]))
        return "|".join(parts)

    def sub(node: dict[str, Any]) -> str:
        children = [c for c in node if c]
        if not children:
            return ""
        inner = alternation(node)
        return f"(?:{inner})?" if "" in node else f"(?:{inner})"

    return alternation(root)


class _Branch:
    """One branch's pattern, compiled when a text first gives it a place to try (a one-off
    check of a short text tries few of the hundreds of branches). A branch from the shipped
    key table starts uncompiled — it compiled when the table was written; any other is
    compiled at once, so that a broken lexicon fails when it is loaded."""

    __slots__ = ("flags", "pattern", "rx")

    def __init__(self, pattern: str, flags: int, rx: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self.flags = flags
        self.rx = rx

    def compiled(self) -> re.Pattern[str]:
        rx = self.rx
        if rx is None:
            rx = self.rx = re.compile(self.pattern, self.flags)
        return rx


_Entry = tuple[int, int, _Branch]


def _chains(
    index: dict[str, list[_Entry]], keys: Iterable[str] | None = None
) -> dict[str, tuple[_Entry, ...]]:
    """For every key (of ``index``, or ``keys``), the entries of every key of ``index`` that
    is a prefix of it (itself included), in group and branch order."""
    out: dict[str, tuple[_Entry, ...]] = {}
    for k in index if keys is None else keys:
        found: dict[tuple[int, int], _Entry] = {}
        for n in range(1, len(k) + 1):
            for e in index.get(k[:n], ()):
                found[(e[0], e[1])] = e
        out[k] = tuple(found[x] for x in sorted(found))
    return out


class _Pass:
    """Groups scanned together: their edged keys at word starts, their other keys anywhere,
    their line-anchored branches at line starts."""

    def __init__(
        self,
        edged: dict[str, list[_Entry]],
        free: dict[str, list[_Entry]],
        line: list[_Entry],
    ) -> None:
        self.edged = _chains(edged)
        self.free = _chains(free)
        self.line = tuple(sorted(line, key=lambda e: (e[0], e[1])))
        # Not a look-ahead tried at every position: the trie alone begins with a set of
        # characters, which lets ``search`` skip to the next place one of them is.
        self.anywhere = re.compile(_trie(list(free))) if free else None


_Chains = tuple[tuple[_Entry, ...], tuple[_Entry, ...]]
"""At a word start: the entries of the word-start groups to try there at once, and those of
the other groups (tried with them in position order)."""


def _lookup(table: dict[str, tuple[_Entry, ...]], key: str) -> tuple[_Entry, ...]:
    found = table.get(key)
    if found is None:
        found = table[_GAP_RUN.sub(" ", key)]
    return found


class GroupScanner:
    """Every match of every group in a text, as ``(group, branch, match)``.

    ``groups`` holds, per group, its branches in order: ``(pattern, edged)``, each pattern
    complete (word-edge look-arounds included) and ``edged`` true when it can only begin at a
    word's start (after no letter, digit or apostrophe). The results are those of
    ``re.finditer`` over each group's alternation ``(?P<b0>…)|(?P<b1>…)|…``, group by group.

    Each branch is keyed by how its matches can begin (:func:`start_keys`): an edged branch,
    or one that begins a line (``^…``), is tried at the word starts that begin with one of
    its keys; another branch wherever one of its keys begins; a branch whose beginning cannot
    be listed but that is anchored at a line's start at every line start. One regular
    expression finds the word starts and the longest key at each. Groups with only
    word-start branches are scanned in one pass, the others in a second; a group with a
    branch that fits none of these is scanned the old way.
    """

    def __init__(self, groups: Sequence[Sequence[tuple[str, bool]]], flags: int = 0) -> None:
        self._groups = len(groups)
        self._slow: list[tuple[int, re.Pattern[str], int]] = []
        words: dict[str, list[_Entry]] = {}
        mixed: tuple[dict[str, list[_Entry]], dict[str, list[_Entry]], list[_Entry]] = (
            {},
            {},
            [],
        )
        for g, group in enumerate(groups):
            branches = [b for b, _ in group]
            kinds: list[tuple[frozenset[str], frozenset[str]] | None] = []
            shipped: list[bool] = []
            for b, is_edged in group:
                in_table, found = _keys_of(b)
                shipped.append(in_table)
                if found is not None:
                    starts, anywhere = found
                    kinds.append((starts | anywhere, frozenset()) if is_edged else found)
                elif anchored(b):
                    kinds.append(None)
                else:
                    break
            if len(kinds) < len(branches):
                alternation = "|".join(f"(?P<b{j}>{b})" for j, b in enumerate(branches))
                self._slow.append((g, re.compile(alternation, flags), len(branches)))
                continue
            simple = all(k is not None and not k[1] for k in kinds)
            edged, free, line = (words, {}, []) if simple else mixed
            for j, (branch, kind) in enumerate(zip(branches, kinds, strict=True)):
                rx = None if shipped[j] else _compile(branch, flags)
                entry = (g, j, _Branch(branch, flags, rx))
                if kind is None:
                    line.append(entry)
                    continue
                for k in kind[0]:
                    edged.setdefault(k, []).append(entry)
                for k in kind[1]:
                    free.setdefault(k, []).append(entry)
        _PARSED.clear()
        self._words = _Pass(words, {}, [])
        self._mixed = _Pass(*mixed)
        # One look-ahead at every word start finds the keys of both passes: the longest key
        # there, with the entries of each pass's keys that begin it (they form a chain).
        every = list(dict.fromkeys([*words, *mixed[0]]))
        at_once, in_order = _chains(words, every), _chains(mixed[0], every)
        self._edged: dict[str, _Chains] = {k: (at_once[k], in_order[k]) for k in every}
        # A word start follows a character that is not part of a word (the texts are joined
        # after a line break): the regular expression begins with that character, a set
        # that ``search`` skips to in one step, where a look-behind is a match attempt at
        # every position.
        self._at_words = re.compile(f"[^{_WORD}](?=({_trie(every)}))") if every else None

    @property
    def slow_groups(self) -> int:
        return len(self._slow)

    def scan(self, text: str) -> list[tuple[int, int, re.Match[str]]]:
        """Matches as ``(group, branch, match)``, in no particular order across groups."""
        return self.scan_many((text,))[0]

    def scan_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, re.Match[str]]]]:
        """``scan`` of every text, with one pass of each regular expression over them all
        (see ``spans_many``)."""
        outs: list[list[Any]] = [[] for _ in texts]
        self._scan_many(texts, outs, False)
        return outs

    def spans_many(self, texts: Sequence[str]) -> list[list[tuple[int, int, int, int]]]:
        """``scan_many`` with each match as plain ``(group, start, end, branch)``: no match
        object is kept (tens of thousands of them on a long chat, each one more object for
        the garbage collector to walk while they wait)."""
        outs: list[list[Any]] = [[] for _ in texts]
        self._scan_many(texts, outs, True)
        return outs

    def _scan_many(self, texts: Sequence[str], outs: list[list[Any]], spans: bool) -> None:
        """The matches of every text into ``outs``, as ``(group, branch, match)`` or, with
        ``spans``, as ``(group, start, end, branch)``.

        The texts are joined, each after a line break, and the places where a branch may
        begin are found in the joined text; each branch is then matched on its own text, so
        that every match is the one a text alone gives. A key found across a line break (the
        end of one text, the start of the next) only adds branches that cannot match their
        text there (it does not begin with any of their keys); no key begins with a line
        break; and the line starts of the joined text are those of the texts (and their ends,
        after a final line break)."""
        if not texts:
            return
        for g, rx, _ in self._slow:
            for out, text in zip(outs, texts, strict=True):
                for m in rx.finditer(text):
                    name = m.lastgroup
                    if name is not None:
                        j = int(name[1:])
                        out.append((g, m.start(), m.end(), j) if spans else (g, j, m))
        joined = "\n" + "\n".join(texts)
        starts = [0] * len(texts)
        at = 1
        for i, text in enumerate(texts):
            starts[i] = at
            at += len(text) + 1
        n_groups = self._groups
        mixed = self._mixed
        # the entries to try at each place: the tables' own tuples, joined only where two
        # passes meet (no list per place for the collector to walk)
        places: dict[int, tuple[_Entry, ...]] = {}
        if self._at_words is not None:
            table = self._edged
            i, start, end, text, out, taken = -1, 0, -1, "", outs[0], [0] * n_groups
            for hit in self._at_words.finditer(joined):
                p = hit.start() + 1
                key = hit.group(1)
                found = table.get(key)
                if found is None:
                    found = table[_GAP_RUN.sub(" ", key)]
                now, later = found
                if now:
                    if p > end:  # the next text with a place in it
                        i = bisect.bisect_right(starts, p, i + 1) - 1
                        text, start, out = texts[i], starts[i], outs[i]
                        end = start + len(text)
                        taken = [0] * n_groups
                    _first_hits(now, text, p - start, taken, out, spans)
                if later:
                    places[p] = later
        if mixed.anywhere is not None:
            # every position where a key begins, overlapping ones too
            search = mixed.anywhere.search
            begins = search(joined)
            while begins is not None:
                p = begins.start()
                free = _lookup(mixed.free, begins.group())
                before = places.get(p)
                places[p] = free if before is None else before + free
                begins = search(joined, p + 1)
        if mixed.line:
            line = mixed.line
            p = joined.find("\n")
            while p >= 0:
                before = places.get(p + 1)
                places[p + 1] = line if before is None else before + line
                p = joined.find("\n", p + 1)
        i, start, end, text, out, taken = -1, 0, -1, "", outs[0], [0] * n_groups
        for p in sorted(places):
            if p > end:
                i = bisect.bisect_right(starts, p, i + 1) - 1
                text, start, out = texts[i], starts[i], outs[i]
                end = start + len(text)  # a place at a text's end is the text's own
                taken = [0] * n_groups
            entries: Iterable[_Entry] = places[p]
            if len(places[p]) > 1:
                entries = sorted(
                    {(e[0], e[1]): e for e in places[p]}.values(), key=lambda e: (e[0], e[1])
                )
            _first_hits(entries, text, p - start, taken, out, spans)


def _first_hits(
    entries: Iterable[_Entry],
    text: str,
    p: int,
    taken: list[int],
    out: list[Any],
    spans: bool,
) -> None:
    """At position ``p``, the first branch (in order) of each group that matches there,
    unless the group's previous match still covers ``p`` (``taken``, updated); added to
    ``out`` as ``(group, branch, match)``, or with ``spans`` as ``(group, p, end, branch)``."""
    done = -1
    for g, j, branch in entries:
        if g == done or p < taken[g]:
            continue
        rx = branch.rx
        if rx is None:
            rx = branch.compiled()
        hit = rx.match(text, p)
        if hit is None:
            continue
        end = hit.end()
        taken[g] = end if end > p else p + 1
        done = g
        out.append((g, p, end, j) if spans else (g, j, hit))
