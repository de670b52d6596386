"""Text analyzers that turn one document into the list of terms a TF-IDF block counts.

``word`` and ``char_wb`` reproduce scikit-learn's ``TfidfVectorizer`` analyzers exactly
(``lowercase=True``, no accent stripping, no stop words, the default token pattern), so a
model trained with scikit-learn scores identically here without importing it. The other
analyzers are this project's own; the training script hands the very same functions to
scikit-learn as callable analyzers, so they agree by construction.

Every analyzer is a plain function ``str -> list[str]`` and is looked up by name from the
model file (``ANALYZERS``); a model that names an analyzer this version does not have is
refused when it is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

__all__ = [
    "ANALYZERS",
    "SKLEARN_TOKEN_PATTERN",
    "char_wb_ngrams",
    "char_wb_word_ngrams",
    "first_sentence",
    "mi_markers",
    "sentences",
    "word_ngrams",
    "word_tokens",
]

SKLEARN_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
"""scikit-learn's default ``token_pattern`` (words of two or more word characters)."""

_TOKEN = re.compile(SKLEARN_TOKEN_PATTERN)
_SIMPLE = re.compile(r"[a-z0-9']+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.?!])\s+")

Analyzer = Callable[[str], list[str]]


def word_tokens(doc: str) -> list[str]:
    """Lower-cased tokens exactly as scikit-learn's default word analyzer finds them."""

    if doc.isascii():
        # On ASCII text, ASCII ``\w`` is Unicode ``\w``: the same tokens, without looking up
        # every character's Unicode category (the pattern from ``re``'s own cache).
        return re.findall(r"\b\w\w+\b", doc.lower(), re.ASCII)
    return _TOKEN.findall(doc.lower())


def word_ngrams(tokens: list[str], min_n: int, max_n: int) -> list[str]:
    """Word n-grams in scikit-learn's order (all unigrams first, then bigrams, ...)."""

    if max_n == 1:
        return list(tokens) if min_n <= 1 else []
    out: list[str] = list(tokens) if min_n == 1 else []
    start = 2 if min_n == 1 else min_n
    n_tokens = len(tokens)
    join = " ".join
    for n in range(start, min(max_n + 1, n_tokens + 1)):
        if n == 2:
            out.extend([a + " " + b for a, b in pairwise(tokens)])
            continue
        for i in range(n_tokens - n + 1):
            out.append(join(tokens[i : i + n]))
    return out


def char_wb_word_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The padded character n-grams of one (already lower-cased) whitespace-free word.

    Mirrors scikit-learn's ``_char_wb_ngrams`` for a single word, including its rule that a
    word shorter than ``n`` is counted once and larger ``n`` are then skipped.
    """

    w = " " + word + " "
    w_len = len(w)
    out: list[str] = []
    for n in range(min_n, max_n + 1):
        offset = 0
        out.append(w[offset : offset + n])
        while offset + n < w_len:
            offset += 1
            out.append(w[offset : offset + n])
        if offset == 0:
            break
    return out


def char_wb_ngrams(doc: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer on a whole document (lower-cased first)."""

    out: list[str] = []
    for word in doc.lower().split():
        out.extend(char_wb_word_ngrams(word, min_n, max_n))
    return out


def sentences(text: str) -> list[str]:
    """Sentences split after ``.``, ``?`` or ``!`` followed by white space (non-empty only)."""

    return [s for s in _SENTENCE_SPLIT.split(text.strip()) if s.strip()]


_LEAD = frozenset(
    "okay ok so yeah yes um uh mm hmm mm-hmm right well and but alright all oh ah now then "
    "also".split()
)
_AUX = frozenset(
    "do does did is are was were can could would will have has had should may might shall am "
    "isn't aren't don't doesn't didn't won't wouldn't can't couldn't haven't hasn't".split()
)
_WH = frozenset("what how why when where who which whose whom".split())


def _strip_lead(tokens: list[str]) -> list[str]:
    i = 0
    while i < len(tokens) and tokens[i] in _LEAD:
        i += 1
    return tokens[i:]


def mi_markers(text: str) -> list[str]:
    """Structural markers of questions and reflections in a spoken turn.

    For the last sentence: its words (``L_``), its first one and two words after discourse
    fillers (``F1_``, ``F2_``) and how it ends (``END_Q``, ``END_DASH``, ``END_OTHER``). For
    every sentence: its position (last or earlier), whether it opens with a wh-word, an
    auxiliary verb (inverted, interrogative syntax) or declaratively, and whether it ends in
    ``?`` -- so that "So you're not sure?" (a declarative, reflection-like question) and
    "Are you sure?" (an interrogative one) get different markers.
    """

    parts = sentences(text)
    out: list[str] = []
    last = parts[-1].lower() if parts else ""
    toks = _strip_lead(_SIMPLE.findall(last))
    out.extend("L_" + w for w in toks)
    if toks:
        out.append("F1_" + toks[0])
        out.append("F2_" + " ".join(toks[:2]))
    else:
        out.append("F_EMPTY")
    stripped = last.rstrip()
    if stripped.endswith("?"):
        out.append("END_Q")
    elif stripped.endswith(("-", "—")):
        out.append("END_DASH")
    else:
        out.append("END_OTHER")
    for k, sentence in enumerate(parts):
        low = sentence.lower()
        raw = _SIMPLE.findall(low)
        stoks = _strip_lead(raw)
        asks = low.rstrip().endswith("?")
        if not stoks:
            kind = "EMPTY"
        elif stoks[0] in _WH:
            kind = "WH"
        elif stoks[0] in _AUX:
            kind = "AUX"
        else:
            kind = "DECL"
        pos = "LAST" if k == len(parts) - 1 else "EARLY"
        mark = "Q" if asks else "N"
        out.append(f"S_{pos}_{kind}_{mark}")
        if raw and raw[0] == "so":
            out.append(f"SO_{kind}_{mark}")
        if asks and stoks:
            out.append("QF_" + stoks[0])
            out.append("QF2_" + " ".join(stoks[:2]))
        if any(w in _WH for w in stoks[:6]):
            out.append(f"WH6_{mark}")
    return out


def first_sentence(text: str) -> list[str]:
    """Words of a response's first sentence, as their own features.

    An empathic reply usually opens with its empathy ("I'm so sorry you're going through
    this", "That sounds exhausting."); the same words later in a long reply are often about
    something else. So the first sentence's words (``FS_``), its word pairs (``FS2_``) and its
    opening one and two words (``FIRST_``, ``FIRST2_``) are counted apart from the reply's
    other words. Tokens as scikit-learn's word analyzer finds them, lower-cased.
    """

    parts = sentences(text)
    if not parts:
        return []
    toks = word_tokens(parts[0])
    out = ["FS_" + w for w in toks]
    out.extend([f"FS2_{a}_{b}" for a, b in pairwise(toks)])
    if toks:
        out.append("FIRST_" + toks[0])
    if len(toks) > 1:
        out.append(f"FIRST2_{toks[0]}_{toks[1]}")
    return out


ANALYZERS: dict[str, Analyzer] = {"mi_markers": mi_markers, "first_sentence": first_sentence}
"""Custom (non-scikit-learn) analyzers by the name a model file uses."""
