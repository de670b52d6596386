"""Classification metrics in numpy (no scikit-learn), with scikit-learn's conventions:
ROC AUC counts tied scores as half, F1/precision/recall are 0 when undefined, macro-F1
averages over the classes present in the truth or the predictions."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "accuracy",
    "best_f1_threshold",
    "f1",
    "macro_f1",
    "majority_accuracy",
    "precision",
    "recall",
    "roc_auc",
]


def _binary_truth(y_true: ArrayLike) -> np.ndarray:
    truth = np.asarray(y_true)
    if truth.ndim != 1:
        raise ValueError("labels must be one-dimensional")
    if truth.size and not np.all((truth == 0) | (truth == 1)):
        raise ValueError("binary labels must be 0/1 or booleans")
    return truth.astype(bool)


def roc_auc(y_true: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney U / (n_pos * n_neg), ties count one half).

    Returns NaN when the truth has only one class (the AUC is then undefined).
    """

    truth = _binary_truth(y_true)
    values = np.asarray(scores, dtype=np.float64)
    if values.shape != truth.shape:
        raise ValueError("labels and scores differ in length")
    n_pos = int(truth.sum())
    n_neg = int(truth.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(values.size, dtype=np.float64)
    # average ranks (1-based) over runs of tied scores
    boundaries = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [values.size]))
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[truth].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def _counts(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[int, int, int]:
    truth = _binary_truth(y_true)
    pred = _binary_truth(y_pred)
    if truth.shape != pred.shape:
        raise ValueError("labels and predictions differ in length")
    tp = int(np.sum(truth & pred))
    fp = int(np.sum(~truth & pred))
    fn = int(np.sum(truth & ~pred))
    return tp, fp, fn


def precision(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    tp, fp, _ = _counts(y_true, y_pred)
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    tp, _, fn = _counts(y_true, y_pred)
    return tp / (tp + fn) if tp + fn else 0.0


def f1(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """F1 of the positive class: 2TP / (2TP + FP + FN); 0 when there is nothing to find."""

    tp, fp, fn = _counts(y_true, y_pred)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    if truth.shape != pred.shape:
        raise ValueError("labels and predictions differ in length")
    return float(np.mean(truth == pred)) if truth.size else math.nan


def macro_f1(y_true: ArrayLike, y_pred: ArrayLike, labels: Sequence[int] | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (default: the classes present in
    either the truth or the predictions, as scikit-learn does)."""

    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    if truth.shape != pred.shape:
        raise ValueError("labels and predictions differ in length")
    classes = (
        list(labels) if labels is not None else sorted(set(truth.tolist()) | set(pred.tolist()))
    )
    if not classes:
        return math.nan
    return float(np.mean([f1(truth == c, pred == c) for c in classes]))


def majority_accuracy(y_true: ArrayLike) -> float:
    """Accuracy of always predicting the most frequent class."""

    truth = np.asarray(y_true)
    if not truth.size:
        return math.nan
    _, counts = np.unique(truth, return_counts=True)
    return float(counts.max() / truth.size)


def best_f1_threshold(y_true: ArrayLike, scores: ArrayLike) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of ``scores >= threshold``; the threshold is the
    midpoint between the chosen score and the next lower distinct score."""

    truth = _binary_truth(y_true)
    values = np.asarray(scores, dtype=np.float64)
    if not truth.any():
        return float("inf"), 0.0
    order = np.argsort(-values, kind="mergesort")
    sorted_values = values[order]
    sorted_truth = truth[order]
    tp = np.cumsum(sorted_truth)
    fp = np.cumsum(~sorted_truth)
    # only cut where the score changes
    last_of_run = np.concatenate((np.diff(sorted_values) != 0, [True]))
    tp_c = tp[last_of_run]
    fp_c = fp[last_of_run]
    cut_values = sorted_values[last_of_run]
    n_pos = int(truth.sum())
    f1s = 2 * tp_c / (tp_c + fp_c + n_pos)
    best = int(np.argmax(f1s))
    lower = cut_values[best + 1] if best + 1 < cut_values.size else cut_values[best] - 1.0
    return float((cut_values[best] + lower) / 2.0), float(f1s[best])
