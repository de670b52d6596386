"""What a draft names: topics, times and people — the words a rewrite must keep."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from reattune.coach.data import load

CLOCK = re.compile(
    r"\b(?:[01]?\d|2[0-3])(?::[0-5]\d)\s*(?:am|pm)?\b|\b(?:1[0-2]|0?[1-9])\s*(?:am|pm)\b|"
    r"\b(?:at|by|around|before|until|till) (?:[01]?\d|2[0-3])\b(?![:.]?\d)",
    re.IGNORECASE,
)
DURATION = re.compile(
    r"\b(?:in|for|after)\s+(?:\d{1,3}|an?|one|two|three|half an?|twenty|thirty|ten|fifteen)"
    r"\s*(?:min(?:ute)?s?|h(?:ou)?rs?|hours?)\b",
    re.IGNORECASE,
)
_PRAISE = re.compile(r"\b(?:great|good|nice|well done|fine|excellent)\W*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Terms:
    """Lower-cased words and phrases of a text, by kind."""

    topics: tuple[str, ...]
    times: tuple[str, ...]
    people: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.people, *self.topics, *self.times)))


@cache
def _lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = load("terms")
    return (
        frozenset(w.lower() for w in data["topics"]),
        frozenset(w.lower() for w in data["times"]),
        frozenset(data["not_names"]),
    )


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


def _opens_sentence(text: str, at: int) -> bool:
    j = at - 1
    while j >= 0 and text[j] in ' \t"“(':
        j -= 1
    return j < 0 or text[j] in ".!?\n"


@lru_cache(maxsize=4096)
def terms(text: str) -> Terms:
    """Topics (from ``terms.toml``), times (clock times, durations, day words) and people
    (capitalised words that do not open a sentence, and are not in ``not_names``)."""
    topics_lex, times_lex, not_names = _lexicon()
    topics: list[str] = []
    times: list[str] = [_norm(m.group()) for m in CLOCK.finditer(text)]
    times += [_norm(m.group()) for m in DURATION.finditer(text)]
    people: list[str] = []
    for m in _WORD.finditer(text):
        word = m.group()
        low = _norm(word)
        base = low.removesuffix("'s")
        if base in topics_lex:
            if not _PRAISE.search(text, max(0, m.start() - 16), m.start()):
                topics.append(base)
        elif base in times_lex:
            times.append(base)
        elif (
            word[0].isupper()
            and not word.isupper()
            and word.removesuffix("'s").removesuffix("’s") not in not_names
            and not _opens_sentence(text, m.start())
        ):
            people.append(base)
    return Terms(
        tuple(dict.fromkeys(topics)), tuple(dict.fromkeys(times)), tuple(dict.fromkeys(people))
    )


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(term).replace(r"\ ", r"\s+") + r"(?![\w])")


def contains(text: str, term: str) -> bool:
    """``term`` (lower case) occurs in ``text`` as whole words, ignoring case."""
    return _term_pattern(term).search(_norm(text)) is not None


def missing(draft: str, rewrite: str) -> tuple[str, ...]:
    """The draft's topics, times and people that the rewrite lost."""
    return tuple(t for t in terms(draft).all if not contains(rewrite, t))
