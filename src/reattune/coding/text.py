"""Small, fast readings of a turn's text that several coders share: tokens without fillers,
quoted ranges, clause-level negation, questions (with or without a question mark), shouting
and repeated punctuation. All offsets are character offsets into the original text."""

from __future__ import annotations

import re
from functools import lru_cache

FILLERS = frozenset({"um", "umm", "uh", "uhh", "erm", "er", "hmm", "mm", "ah", "eh"})
"""Transcript fillers that carry no content (ignored when counting tokens)."""

SHORTHAND = frozenset(
    {
        "k",
        "kk",
        "ok",
        "okay",
        "okk",
        "oki",
        "fine",
        "sure",
        "whatever",
        "wtv",
        "whatevs",
        "idk",
        "dunno",
        "nvm",
        "np",
        "yep",
        "yup",
        "yeah",
        "ya",
        "mhm",
        "mm",
        "hm",
        "meh",
        "cool",
        "right",
        "noted",
        "nope",
        "no",
        "yes",
        "y",
        "n",
        "alright",
        "ok.",
        "lol",
    }
)
"""Chat shorthand and one-word replies that, alone, take up none of the partner's content."""

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[\U0001F300-\U0001FAFF\u2600-\u27BF]", re.UNICODE)
_QUOTED = re.compile(r'"[^"\n]{1,200}"|“[^”\n]{1,200}”|«[^»\n]{1,200}»')
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_QUESTION_START = re.compile(
    r"\s*(?:(?:and|but|so|ok|okay|seriously|honestly|like|um|uh)[,\s]+)?"
    r"(?:why|what|how|when|where|who|whose|which|how come|"
    r"(?:do|does|did|are|is|was|were|can|could|will|would|should|have|has|had|aren't|isn't|"
    r"don't|doesn't|didn't|won't|wouldn't|can't|couldn't|haven't)\s+(?:you|u|we|i|it|he|she|"
    r"they|this|that|there|ya))\b",
    re.IGNORECASE,
)
_NEGATORS = re.compile(
    r"\b(?:not|no|n't|nt|dont|don't|doesn't|didn't|isn't|wasn't|aren't|won't|can't|cannot|"
    r"without|hardly|neither|nor)\b|n['’]t\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]|\bbut\b|\band\b", re.IGNORECASE)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’]+\b")
_REPEATED_PUNCT = re.compile(r"[!?]{2,}|!{2,}")
EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2764\ufe0f\u200d]+")


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Lower-cased word and emoji tokens, fillers dropped."""
    return tuple(t for t in (m.group().lower() for m in _TOKEN.finditer(text)) if t not in FILLERS)


def content_words(text: str) -> frozenset[str]:
    """Tokens of four letters or more, a cheap stand-in for content words."""
    return frozenset(t for t in tokens(text) if len(t) >= 4)


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges inside double or typographic quotation marks (quoted speech)."""
    if '"' not in text and "“" not in text and "«" not in text:
        return []
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(lo <= start and end <= hi for lo, hi in ranges)


def negated(text: str, start: int, window: int = 30) -> bool:
    """Whether the clause before ``start`` negates what follows ("I'm not saying you always…",
    "it's not that you never…"). Looks back to the last clause break, at most ``window``
    characters."""
    lo = max(0, start - window)
    before = text[lo:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    return _NEGATORS.search(before) is not None


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence-like ranges (split at . ! ? and line breaks), stripped of outer spaces."""
    out = []
    for m in _SENTENCE.finditer(text):
        lo, hi = m.start(), m.end()
        seg = text[lo:hi]
        stripped = seg.strip()
        if not stripped:
            continue
        lo += len(seg) - len(seg.lstrip())
        hi = lo + len(stripped)
        out.append((lo, hi))
    return out


def questions(text: str) -> list[tuple[int, int]]:
    """Ranges of the sentences that are questions: ending in "?" or opening like one
    ("why would you do that", "do you even care") even without a question mark."""
    out = []
    for lo, hi in sentences(text):
        seg = text[lo:hi]
        if seg.rstrip().endswith("?") or _QUESTION_START.match(seg):
            out.append((lo, hi))
    return out


def shouting(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words: two or more words in capitals, or one of four letters or
    more in otherwise lower-case text ("You NEVER listen")."""
    words = list(_CAPS_WORD.finditer(text))
    if not words:
        return []
    letters = sum(1 for ch in text if ch.isalpha())
    upper = sum(1 for ch in text if ch.isupper())
    if letters and upper / letters > 0.85 and letters < 6:
        return []  # "OK", "NO" alone: too short to call shouting
    out: list[tuple[int, int]] = []
    for m in words:
        if len(m.group()) < 2 or m.group() in {"I", "OK", "I'M", "TV", "PM", "AM"}:
            continue
        if out and m.start() - out[-1][1] <= 1:
            out[-1] = (out[-1][0], m.end())
        else:
            out.append((m.start(), m.end()))
    return [(a, b) for a, b in out if b - a >= 4 or " " in text[a:b]]


def repeated_punctuation(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _REPEATED_PUNCT.finditer(text)]


def is_only_emoji(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and EMOJI.fullmatch(stripped) is not None


def second_person_ratio(text: str) -> float:
    toks = tokens(text)
    if not toks:
        return 0.0
    return sum(1 for t in toks if t in {"you", "your", "you're", "yours", "u", "ur"}) / len(toks)
