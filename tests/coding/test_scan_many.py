"""Scanning many texts at once (joined, each after a line break) finds, in every text, exactly
what one ``finditer`` per group finds in that text alone: keys found across two texts,
line-anchored branches at a text's start and end, and texts that are empty or end in a line
break included."""

from __future__ import annotations

import random
import re

import pytest

from reattune.coding.lexicon import default_lexicon, lowered
from reattune.coding.scan import GroupScanner
from reattune.safety.rules import load_rules

from .test_scan import TEXTS, _gap_variants, per_group

EDGES = [
    "",
    "\n",
    "maybe",
    "maybe\n",
    "\nmaybe",
    "i guess so\n\n",
    "you",
    "always",
    "you\nalways",
    "hello",
    "?",
    "??",
    "hi?\nhi?",
    "you never listen",
    "um, i'm not saying you always do this",
]


def _batches(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    pool = [*TEXTS, *EDGES, *(v for t in TEXTS[:40] for v in _gap_variants(t))]
    return [[rng.choice(pool) for _ in range(rng.randint(1, 30))] for _ in range(60)]


def _spans(hits: list[tuple[int, int, re.Match[str]]]) -> list[tuple[int, int, int, int]]:
    return sorted((g, j, m.start(), m.end()) for g, j, m in hits)


def test_a_batch_finds_in_each_text_what_finditer_finds_in_it_alone() -> None:
    lexicon = default_lexicon()
    compiled = [rx for _, rx, _ in lexicon.compiled]
    for batch in [*_batches(1), EDGES, TEXTS]:
        lows = [lowered(t) for t in batch]
        for low, hits in zip(lows, lexicon.scanner.scan_many(lows), strict=True):
            got = sorted((g, m.start(), m.end(), f"e{j}") for g, j, m in hits)
            assert got == per_group(compiled, low), low


@pytest.mark.parametrize("name", ["crisis", "violence", "risk_indicators"])
def test_a_batch_finds_what_each_text_alone_finds_in_the_safety_rules(name: str) -> None:
    scanner = load_rules(name).scanner
    for batch in _batches(2):
        lows = [lowered(t) for t in batch]
        assert [_spans(h) for h in scanner.scan_many(lows)] == [
            _spans(scanner.scan(low)) for low in lows
        ]


def test_an_unlistable_group_is_scanned_in_each_text() -> None:
    scanner = GroupScanner([[(r"\w+ly", True), ("kind", True)], [("you", True)]])
    texts = ["you kindly", "", "oddly kind\nyou"]
    assert [_spans(h) for h in scanner.scan_many(texts)] == [
        [(0, 0, 4, 10), (1, 0, 0, 3)],
        [],
        [(0, 0, 0, 5), (0, 1, 6, 10), (1, 0, 11, 14)],
    ]
    assert scanner.scan_many([]) == []


def test_lexicon_matches_of_many_texts_are_those_of_each() -> None:
    lexicon = default_lexicon()
    for batch in _batches(3)[:20]:
        assert lexicon.matches_many(batch) == [lexicon.matches(t) for t in batch]


def test_fillers_are_blanked_as_the_plain_expression_does() -> None:
    plain = re.compile(r"(?<![\w'’])(?:um+|uh+|erm+|er|ah+|hmm+)(?![\w'’])")
    rng = random.Random(4)
    texts = ["".join(rng.choice("umhear ’'x\nUMé,") for _ in range(rng.randint(0, 16)))]
    texts += ["".join(rng.choice("umhear ’'x\nUMé,") for _ in range(12)) for _ in range(3000)]
    for text in [*texts, *TEXTS]:
        low = text.lower()
        assert lowered(text) == plain.sub(lambda m: " " * len(m.group()), low), text


def test_spans_many_holds_the_matches_of_scan_many_as_plain_numbers() -> None:
    """``spans_many`` (what the lexicon coder reads) is ``scan_many`` with each match as
    ``(group, start, end, branch)``, for the lexicon's scanner and the safety rules'."""
    scanners = [default_lexicon().scanner, load_rules("crisis").scanner]
    scanners.append(GroupScanner([[(r"\w+ly", True), ("kind", True)], [("you", True)]]))
    for scanner in scanners:
        for batch in [*_batches(5)[:20], EDGES]:
            lows = [lowered(t) for t in batch]
            expected = [
                sorted((g, m.start(), m.end(), j) for g, j, m in hits)
                for hits in scanner.scan_many(lows)
            ]
            assert [sorted(s) for s in scanner.spans_many(lows)] == expected
