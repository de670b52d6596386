"""Shared helpers for the learned-coder tests: a deterministic corpus of varied short texts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

_WORDS = (
    "you always never listen to me why can't just stop it I am so tired of this whatever fine "
    "ok we need talk about the dishes again seriously what is wrong with your brain love thanks "
    "sorry idiot GENIUS great job oh really lol haha it sounds like you feel overwhelmed work "
    "tell me more how did that feel drinking smoking quit cut down don't won't I'm you're "
    "café naïve Ελληνικά ΣΟΦΟΣ straße 😀 ❤️ 12 2024 e-mail x y a I"
).split()
_PUNCT = ("", ".", "?", "!", "...", "!!!", "??", ",", " :)", "—", "-")


def make_texts(n: int, seed: int = 7) -> list[str]:
    """Short chat-like texts with mixed case, punctuation, unicode and odd white space."""

    rng = random.Random(seed)
    texts = ["", " ", "ok", "K", "I", "a  b\t\tc\n\nd", "Σ ΣΑΣ σας", "x" * 40, "?!"]
    while len(texts) < n:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 18))]
        if rng.random() < 0.2:
            words = [w.upper() for w in words]
        sep = rng.choice((" ", " ", " ", "  ", "\n", " \t"))
        texts.append(sep.join(words) + rng.choice(_PUNCT))
    return texts


@pytest.fixture(scope="session")
def texts() -> list[str]:
    return make_texts(300)
