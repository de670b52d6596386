"""The shortcuts of ``coding/text.py`` read exactly what the plain patterns read: tokens of
ASCII text (one ``bytes.translate`` without an apostrophe) and negation (a window without an
"n" nor "hardly" is never searched)."""

from __future__ import annotations

import random
import re

from reattune.coding import text as tx

_PLAIN_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_PLAIN_NEGATORS = re.compile(
    r"\b(?:not|no|n't|nt|dont|don't|doesn't|didn't|isn't|wasn't|aren't|won't|can't|cannot|"
    r"without|hardly|neither|nor)\b|n['’]t\b",
    re.IGNORECASE,
)
_PLAIN_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]|\bbut\b|\band\b", re.IGNORECASE)


def _plain_tokens(text: str) -> tuple[str, ...]:
    found = [m.group().lower() for m in _PLAIN_TOKEN.finditer(text)]
    return tuple(t for t in found if t not in tx.FILLERS)


def _plain_negated(text: str, start: int, window: int = 30) -> bool:
    before = text[max(0, start - window) : start]
    breaks = list(_PLAIN_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    return _PLAIN_NEGATORS.search(before) is not None


def _texts(alphabet: str, seed: int, n: int = 20_000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(n)]


def test_tokens_are_those_of_the_plain_pattern() -> None:
    ascii_texts = _texts("abnoTKY019_ '\t\n,.!?-\x1c\x0b", 1)
    other = _texts("abnoTK19 '’éİ❤😂,.", 2)
    words = ["don't", "I'M", "ok", "um", "Um, uh", "x_y", "hello??", "it's  '  fine'", "a'b'c"]
    for text in [*ascii_texts, *other, *words]:
        assert tx.token_tuple(text) == _plain_tokens(text), repr(text)


def test_negation_is_that_of_the_plain_search() -> None:
    rng = random.Random(3)
    texts = _texts("nNhHardlyARDLY ot'’,.iİı", 4, 5_000)
    texts += ["i'm not saying you always", "you hardly ever", "HARDLY you never", "and nor you"]
    for text in texts:
        for start in {0, len(text), rng.randint(0, len(text)), rng.randint(0, len(text))}:
            assert tx.negated(text, start) == _plain_negated(text, start), (text, start)
