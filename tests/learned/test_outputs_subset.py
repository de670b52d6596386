"""Scoring a subset of a model's outputs gives exactly those columns of the full scoring."""

from __future__ import annotations

import numpy as np

from reattune.learned import load_model

TEXTS = [
    "Why do you always do this? Why can't you just talk to me?",
    "You NEVER make time for us!!! It's always work, work, work",
    "Great job, genius. Really mature 🙄",
    "ok",
    "",
    "I'm sorry about last night, I was overwhelmed and I shut down",
    "Ça suffit, tu es ridicule… “whatever” lol",
]


def test_a_subset_of_outputs_is_bitwise_the_same_columns() -> None:
    model = load_model("ucc")
    every = model.predict_proba(TEXTS)
    wanted = ("condescending", "hostile", "antagonize")
    some = model.predict_proba(TEXTS, outputs=wanted)
    columns = [model.output_index(o) for o in wanted]
    assert np.array_equal(some, every[:, columns])
    scores = model.decision_function(TEXTS, outputs=wanted)
    assert np.array_equal(scores, model.decision_function(TEXTS)[:, columns])
