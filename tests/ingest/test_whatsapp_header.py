"""The WhatsApp header pattern matches what the plain pattern it replaced matched.

``_HEADER`` uses possessive quantifiers and cuts the rest of the line at its first ``": "``
(for speed); ``PLAIN`` is the earlier pattern, whose group 4 was the whole rest.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reattune.ingest.formats.whatsapp import _HEADER

PLAIN = re.compile(
    r"[\u200e\u200f]*(\[)?"
    r"(\d{1,4}[/.\-] ?\d{1,2}[/.\-] ?\d{1,4})\.?,?[ \u00a0\u202f]"
    r"(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ \u00a0\u202f]?[aApP]\.?[ \u00a0\u202f]?[mM]\.?)?)"
    r"(?(1)\] | [-\u2013] )"
    r"(.*)"
)

SEEDS = (
    "12/03/2024, 21:14 - Alice: text",
    "[12/03/2024, 21:14:05] Alice: text",
    "3/12/24, 9:14 PM - Alice: text",
    "3/12/24, 9:14\u202fp. m. - Alice: text",
    "\u200e[1.2.24 9.14.05 a.m.] Alice: text",
    "2024-03-12, 21:14 - Alice",
)
ALPHABET = '0123456789/.-, :[]aApPmM"\u200e\u200f\u00a0\u202f\u2013x'


def same(line: str) -> None:
    a, b = PLAIN.match(line), _HEADER.match(line)
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        bracket, date, time, rest = a.groups()
        cut = rest.find(": ")
        if cut >= 0:
            assert b.groups() == (bracket, date, time, rest[:cut], rest[cut + 2 :])
        else:
            assert b.groups() == (bracket, date, time, None, rest)


def test_cut_at_the_first_separator() -> None:
    for line in (
        "12/03/2024, 21:14 - Alice: a: b",
        "12/03/2024, 21:14 - A:b: c",
        "12/03/2024, 21:14 - A::  c",
        "12/03/2024, 21:14 - : c",
        "12/03/2024, 21:14 - Bob joined",
        "12/03/2024, 21:14 - Bob:",
        "12/03/2024, 21:14 - ",
    ):
        same(line)


@settings(max_examples=400)
@given(st.text(alphabet=ALPHABET, max_size=30))
def test_random_text(line: str) -> None:
    same(line)


@settings(max_examples=400)
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from(ALPHABET), st.booleans()), max_size=4),
)
@example(SEEDS[0], [])
def test_edited_headers(seed: str, edits: list[tuple[int, str, bool]]) -> None:
    chars = list(seed)
    for position, ch, insert in edits:
        at = min(position, len(chars))
        if insert:
            chars.insert(at, ch)
        elif at < len(chars):
            chars[at] = ch
    same("".join(chars))
