"""Metrics in numpy, checked by hand and (when installed) against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reattune.evaluation.metrics import (
    accuracy,
    best_f1_threshold,
    f1,
    macro_f1,
    majority_accuracy,
    precision,
    recall,
    roc_auc,
)


def test_roc_auc_by_hand() -> None:
    # positives 0.8, 0.4; negatives 0.6, 0.2 -> pairs won: (0.8>0.6)(0.8>0.2)(0.4>0.2) = 3/4
    assert roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.6, 0.2]) == pytest.approx(0.75)
    assert roc_auc([1, 0], [0.9, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.1, 0.9]) == 0.0
    # ties count one half
    assert roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5)
    assert roc_auc([1, 0, 0], [0.7, 0.7, 0.1]) == pytest.approx(0.75)
    assert math.isnan(roc_auc([0, 0, 0], [0.1, 0.2, 0.3]))
    assert math.isnan(roc_auc([1, 1], [0.1, 0.2]))


def test_f1_precision_recall_by_hand() -> None:
    truth = [1, 1, 1, 0, 0, 0]
    pred = [1, 1, 0, 1, 0, 0]
    # tp 2, fp 1, fn 1
    assert precision(truth, pred) == pytest.approx(2 / 3)
    assert recall(truth, pred) == pytest.approx(2 / 3)
    assert f1(truth, pred) == pytest.approx(2 / 3)
    assert f1([0, 0], [0, 0]) == 0.0
    assert precision([1, 0], [0, 0]) == 0.0
    assert f1([True, False], [True, True]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        f1([1, 2], [1, 0])
    with pytest.raises(ValueError):
        f1([1, 0], [1])


def test_multiclass_by_hand() -> None:
    truth = [0, 0, 1, 2, 2, 2]
    pred = [0, 1, 1, 2, 2, 0]
    assert accuracy(truth, pred) == pytest.approx(4 / 6)
    # class 0: tp1 fp1 fn1 -> .5; class 1: tp1 fp1 fn0 -> 2/3; class 2: tp2 fp0 fn1 -> .8
    assert macro_f1(truth, pred) == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)
    assert majority_accuracy(truth) == pytest.approx(0.5)
    # a class present only in the predictions still counts (scikit-learn's convention)
    assert macro_f1([0, 0], [0, 1]) == pytest.approx((2 / 3 + 0.0) / 2)


def test_best_f1_threshold() -> None:
    threshold, best = best_f1_threshold([1, 1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.1])
    # cutting below 0.6 catches 3 positives with 1 false positive: F1 = 6/7
    assert best == pytest.approx(6 / 7)
    assert 0.1 < threshold < 0.6
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.1])
    assert f1([1, 1, 0, 1, 0], scores >= threshold) == pytest.approx(best)


def test_against_sklearn() -> None:
    metrics = pytest.importorskip("sklearn.metrics", reason="scikit-learn is not installed")
    rng = np.random.default_rng(5)
    for _ in range(20):
        truth = rng.integers(0, 2, size=200)
        scores = np.round(rng.normal(size=200) + truth * 0.7, 1)  # rounded: many ties
        pred = scores > 0.3
        assert roc_auc(truth, scores) == pytest.approx(metrics.roc_auc_score(truth, scores))
        assert f1(truth, pred) == pytest.approx(metrics.f1_score(truth, pred))
        assert precision(truth, pred) == pytest.approx(metrics.precision_score(truth, pred))
        assert recall(truth, pred) == pytest.approx(metrics.recall_score(truth, pred))
        levels = rng.integers(0, 3, size=200)
        guess = rng.integers(0, 3, size=200)
        assert macro_f1(levels, guess) == pytest.approx(
            metrics.f1_score(levels, guess, average="macro")
        )
