"""The file's own header shape (``_shape_pattern``) gives what ``_HEADER`` gives.

``_match_headers`` matches each line first with a pattern made from the file's first header
(its characters, any digit for a digit) and then with ``_HEADER`` where that one fails: every
line must get the groups ``_HEADER`` gives it, or no match where ``_HEADER`` has none —
headers of another shape, near-headers, continuation lines alike.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reattune.ingest.formats.whatsapp import _HEADER, _match_headers, _shape_pattern
from tests.ingest.helpers import edit

SEEDS = (
    "12/03/2024, 21:14 - Alice: text",
    "12/03/2024, 21:14 - Bob joined using this group's invite link",
    "12/03/2024, 21:14 - : c",
    "[12/03/2024, 21:14:05] Alice: text",
    "\u200e[12/03/2024, 21:14:05] Alice: \u200eimage omitted",
    "3/12/24, 9:14 PM - Alice: text",
    "3/12/24, 9:14\u202fp.\u00a0m. - Alice: text",
    "\u200e[1.2.24 9.14.05 a.m.] Alice: text",
    "2024-03-12, 21:14 - Alice",
    "12.03.24, 21:14 \u2013 A:b: c",
    "\u0661\u0662/03/2024, 21:14 - Alice: Arabic-Indic digits",
)
ALPHABET = '0123456789/.-, :[]aApPmM"\u200e\u200f\u00a0\u202f\u2013x\u0663'


def groups(m: re.Match[str] | None) -> tuple[str | None, ...] | None:
    return None if m is None else m.groups()


EDITS = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(ALPHABET), st.booleans()), max_size=4
)


def test_each_seed_against_every_other() -> None:
    for first in SEEDS:
        m = _HEADER.match(first)
        assert m is not None
        shape = _shape_pattern(m)
        assert groups(shape.match(first)) == m.groups()
        for line in SEEDS:
            got = shape.match(line)
            if got is not None:
                assert got.groups() == groups(_HEADER.match(line)), (first, line)


@settings(max_examples=800)
@given(st.sampled_from(SEEDS), st.sampled_from(SEEDS), EDITS)
@example(SEEDS[0], "21/03/2024, 21:14 - Alice: text", [])
@example(SEEDS[0], "[12/03/2024, 21:14 - Alice: text", [])
@example(SEEDS[0], "112/03/2024, 21:14 - Alice: text", [])
@example(SEEDS[0], "12/03/2024, 21:14 PM - Alice: text", [])
def test_a_line_the_shape_matches_gets_the_header_groups(
    first: str, seed: str, edits: list[tuple[int, str, bool]]
) -> None:
    m = _HEADER.match(first)
    assert m is not None
    line = edit(seed, edits)
    got = _shape_pattern(m).match(line)
    if got is not None:
        assert got.groups() == groups(_HEADER.match(line))


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.sampled_from(SEEDS), EDITS).map(lambda t: edit(*t)),
            st.text(alphabet=ALPHABET, max_size=30),
            st.sampled_from(("", "continued", "5 minutes later", "12/03", "[not a header]")),
        ),
        max_size=12,
    )
)
def test_every_line_as_header_reads_it(lines: list[str]) -> None:
    assert list(map(groups, _match_headers(lines))) == [groups(_HEADER.match(x)) for x in lines]
