"""The learned models score a conversation's texts in one batch, by faster routes than one
text at a time: the very same floats either way (the engine's output must not depend on how
many texts a batch holds)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from reattune.learned import available_models, load_model

WORDS = (
    "you never listen i always do this why are we fighting again sorry love it's fine "
    "whatever ok k idk can we talk later I'm tired YOU DON'T CARE!!! great job genius "
    "thank you 😂 ❤️ café naïve İstanbul don’t we'll"
).split()


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = ["", "ok", "k k k", "Tell me more. I'm so sorry!"]
    while len(out) < n:
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 18))]
        out.append(" ".join(words) + rng.choice(["", "?", "!", "...", " 😂"]))
    return out[:n]


def _reference(name: str, texts: list[str], contexts: list[str]) -> np.ndarray:
    """The scores from the sorted feature matrix: every entry times its weight, added row by
    row in column order (``features`` is the documented matrix the weights multiply)."""
    model = load_model(name)
    extra = {"previous_own": contexts[::-1]}
    matrix = model.features(texts, contexts, extra)
    out = np.zeros((len(texts), len(model.outputs)))
    for j in range(len(model.outputs)):
        contributions = model.coef[:, j][matrix.cols] * matrix.values
        out[:, j] = np.bincount(matrix.rows, weights=contributions, minlength=len(texts))
    return out + model.intercept


@pytest.mark.parametrize("name", available_models())
def test_a_batch_scores_the_same_floats_as_its_feature_matrix(name: str) -> None:
    model = load_model(name)
    texts = _texts(60, seed=len(name))
    contexts = texts[7:] + texts[:7]
    got = model.decision_function(texts, contexts, extra={"previous_own": contexts[::-1]})
    assert np.array_equal(got, _reference(name, texts, contexts))


@pytest.mark.parametrize("name", ["ucc", "annomi_therapist", "epitome_explorations"])
def test_each_text_alone_scores_the_same_floats_as_in_a_batch(name: str) -> None:
    model = load_model(name)
    texts = _texts(40, seed=3)
    contexts = texts[::-1]
    extra = {"previous_own": texts[1:] + texts[:1]}
    batch = model.decision_function(texts, contexts, extra=extra)
    for k in range(0, 40, 3):
        alone = model.decision_function(
            [texts[k]], [contexts[k]], extra={"previous_own": [extra["previous_own"][k]]}
        )
        assert np.array_equal(alone[0], batch[k]), texts[k]


def test_a_batch_read_after_clearing_the_word_cache_scores_the_same() -> None:
    model = load_model("ucc")
    texts = _texts(30, seed=9)
    first = model.decision_function(texts)
    model.clear_caches()
    assert np.array_equal(model.decision_function(texts), first)
