"""The WhatsApp header pattern's possessive quantifiers match what plain ones would."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reattune.ingest.formats.whatsapp import _HEADER

PLAIN = re.compile(re.sub(r"(?<=[*?}])\+", "", _HEADER.pattern))

SEEDS = (
    "12/03/2024, 21:14 - Alice: text",
    "[12/03/2024, 21:14:05] Alice: text",
    "3/12/24, 9:14 PM - Alice: text",
    "3/12/24, 9:14\u202fp. m. - Alice: text",
    "\u200e[1.2.24 9.14.05 a.m.] Alice: text",
    "2024-03-12, 21:14 - Alice",
)
ALPHABET = "0123456789/.-, :[]aApPmM\u200e\u200f\u00a0\u202f\u2013x"


def same(line: str) -> None:
    a, b = PLAIN.match(line), _HEADER.match(line)
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        assert a.groups() == b.groups()


def test_the_plain_pattern_differs_only_in_the_quantifiers() -> None:
    assert "+" not in PLAIN.pattern.replace(r"\+", "")
    assert PLAIN.pattern != _HEADER.pattern


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
