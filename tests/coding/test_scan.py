"""The indexed scanner gives exactly the matches of one ``finditer`` per group, on the
shipped lexicons (coding and safety) over every text the project has at hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reattune.coding.lexicon import default_lexicon, lowered
from reattune.coding.scan import GroupScanner, prefixes
from reattune.evaluation.safety import read_labelled_texts

ROOT = Path(__file__).resolve().parents[2]


def corpus() -> list[str]:
    texts: list[str] = []
    texts += [
        line
        for line in (ROOT / "src/reattune/data/coach/drafts.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for name in ("src/reattune/data/safety/ipv_eval.csv", "tests/safety/data/ipv_forum_posts.csv"):
        texts += [t for t, _ in read_labelled_texts(ROOT / name)]
    for path in sorted((ROOT / "src/reattune/data/examples").glob("*.txt")):
        texts += path.read_text("utf-8").splitlines()
    texts += [
        "I WANT TO KILL MYSELF!!! kms lol",
        "he said 'I'll kill you' and laughed",
        "you always do this, never mind, whatever 🙄",
        "",
        "'",
        "i i i i i i",
    ]
    return [lowered(t) for t in texts]


TEXTS = corpus()


def per_group(compiled: list[re.Pattern[str]], low: str) -> list[tuple[int, int, int, str]]:
    out = []
    for g, rx in enumerate(compiled):
        for m in rx.finditer(low):
            assert m.lastgroup is not None
            out.append((g, m.start(m.lastgroup), m.end(m.lastgroup), m.lastgroup))
    return sorted(out)


def scanned(scanner: GroupScanner, low: str, prefix: str) -> list[tuple[int, int, int, str]]:
    return sorted((g, m.start(), m.end(), f"{prefix}{j}") for g, j, m in scanner.scan(low))


def test_coding_lexicon_scanner_matches_finditer() -> None:
    lex = default_lexicon()
    compiled = [rx for _, rx, _ in lex.compiled]
    assert lex.scanner.slow_groups < len(compiled)
    for low in TEXTS:
        assert scanned(lex.scanner, low, "e") == per_group(compiled, low), low


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("kill myself", {"kil"}),
        ("(?:i|we) hate", {"i h", "we "}),
        ("a?bc", {"abc", "bc"}),
        ("[xy]z+", {"xz", "yz"}),
        (r"(?<![\w'])you", {"you"}),
        (r"\w+ing", None),
        (".", None),
        ("x*", None),
    ],
)
def test_prefixes(pattern: str, expected: set[str] | None) -> None:
    got = prefixes(pattern)
    assert (None if got is None else set(got)) == expected


def test_an_unlistable_branch_sends_its_group_the_old_way() -> None:
    scanner = GroupScanner([[(r"\w+ly", True), ("kind", True)], [("you", True)]])
    assert scanner.slow_groups == 1
    hits = sorted((g, j, m.group()) for g, j, m in scanner.scan("you kindly"))
    assert hits == [(0, 0, "kindly"), (1, 0, "you")]


def _gap_variants(low: str) -> list[str]:
    """The text with its spaces written as other runs of spaces, commas and line breaks."""
    return [low.replace(" ", rep) for rep in (",  ", "\n", " ,", "\t", ",", "")] + [
        "".join(ch + (" " * (i % 3) if ch == " " else "") for i, ch in enumerate(low))
    ]


def test_scanners_match_finditer_whatever_the_gaps() -> None:
    lex = default_lexicon()
    compiled = [rx for _, rx, _ in lex.compiled]
    for text in TEXTS:
        for low in _gap_variants(text):
            assert scanned(lex.scanner, low, "e") == per_group(compiled, low), low


def test_keys_read_gaps_as_one_token() -> None:
    from reattune.coding.scan import keys

    assert keys(r"(?<![\w'])you[\s,]+always") == frozenset({"you always"})
    assert keys(r"any[\s,]*more") == frozenset({"anymore", "any more"})
    assert keys(r"maybe,?[\s,]+not") == frozenset({"maybe", "maybe not"})
    assert keys(r"[\s,]+x") is None
    assert keys(r"^\s*i guess") is None


def test_line_anchored_and_free_branches_are_indexed() -> None:
    scanner = GroupScanner([[(r"^\s*maybe$", False), ("lol", False), ("you", True)]], re.MULTILINE)
    assert scanner.slow_groups == 0
    hits = sorted((j, m.start()) for _, j, m in scanner.scan("lollol you"))
    assert hits == [(1, 0), (1, 3), (2, 7)]
    assert [(j, m.start()) for _, j, m in scanner.scan("x\n  maybe")] == [(0, 2)]
