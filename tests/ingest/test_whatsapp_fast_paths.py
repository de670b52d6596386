"""The WhatsApp parser's fast paths give what the plain ways gave.

The header pattern matches what the plain pattern it replaced matched, and a text of several
lines skips ``_classify`` only where ``_classify`` would leave it as it is.

``_HEADER`` uses possessive quantifiers and cuts the rest of the line at its first ``": "``
(for speed); ``PLAIN`` is the earlier pattern, whose group 4 was the whole rest.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reattune.ingest.formats.whatsapp import _HEADER, _classify, _lines_may_hold_marker
from tests.ingest.helpers import edit

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
    same(edit(seed, edits))


PIECES = (
    "hello",
    "",
    " ",
    "omitted",
    "image omitted",
    "<Media omitted>",
    "<attached: 00000012-PHOTO.jpg>",
    "IMG-20240312-WA0001.jpg (file attached)",
    "(see above)",
    "<This message was edited>",
    "This message was deleted",
    "This message was deleted by admin",
    "null",
    "\u200e",
    ">",
    ")",
    "Missed voice call",
    "a.pdf \u2022 2 pages \u200edocument omitted",
)


@settings(max_examples=600)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=3).map("".join), min_size=2, max_size=5))
def test_several_lines_skip_classify_only_when_it_changes_nothing(lines: list[str]) -> None:
    text = "\n".join(lines)
    if not _lines_may_hold_marker(text):
        assert _classify(text) == (text, (), False, False, False)
