"""Evaluate the shipped learned coders on a labelled file (never training on it).

Each function returns ``{"task", "n", "metrics", "baselines", "notes"}``: ``metrics`` is a
flat mapping of metric name to value (``None`` where a metric is undefined on the file, with
a note saying why), ``baselines`` holds the published figures from the data README under the
same keys. When the file is the very one a model was trained on (same sha256), a note says
so and the model's recorded cross-validated figures are added under ``cv.*`` keys: those, not
the in-sample figures, are the honest estimate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reattune.errors import SourceNotFoundError
from reattune.evaluation.datasets import (
    EPITOME_MECHANISMS,
    UCC_ATTRIBUTES,
    find_epitome_files,
    read_annomi,
    read_epitome,
    read_ucc,
)
from reattune.evaluation.metrics import (
    accuracy,
    f1,
    macro_f1,
    majority_accuracy,
    precision,
    recall,
    roc_auc,
)
from reattune.learned.model import LinearTextModel, load_model

__all__ = ["BASELINES", "evaluate_annomi", "evaluate_epitome", "evaluate_ucc"]

Metrics = dict[str, float | None]
Report = dict[str, Any]

_BATCH = 2048

BASELINES: dict[str, dict[str, float]] = {
    # Published ROC AUC of BERT on the UCC test split (data/README.md); auc.mean is their mean.
    "ucc": {
        "auc.hostile": 0.84,
        "auc.antagonize": 0.82,
        "auc.dismissive": 0.82,
        "auc.condescending": 0.78,
        "auc.generalisation": 0.74,
        "auc.sarcastic": 0.64,
        "auc.unhealthy": 0.69,
        "auc.mean": round((0.84 + 0.82 + 0.82 + 0.78 + 0.74 + 0.64 + 0.69) / 7, 4),
    },
    # The "bare question mark" rule (an utterance containing '?' is a question).
    "annomi": {"f1.question": 0.80},
    # Published accuracy / macro-F1 (Sharma et al. 2020), as fractions.
    "epitome": {
        "accuracy.emotional_reactions": 0.794,
        "macro_f1.emotional_reactions": 0.745,
        "accuracy.interpretations": 0.840,
        "macro_f1.interpretations": 0.626,
        "accuracy.explorations": 0.926,
        "macro_f1.explorations": 0.726,
    },
}

_UCC_HUMAN = (
    "Published single-human-rater ROC AUC on the UCC test split: hostile 0.76, antagonize "
    "0.71, dismissive 0.68, condescending 0.72, generalisation 0.73, sarcastic 0.72, "
    "unhealthy 0.62."
)


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def _batched_proba(
    model: LinearTextModel,
    texts: Sequence[str],
    contexts: Sequence[str] | None = None,
    extra: Mapping[str, Sequence[str]] | None = None,
) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), _BATCH):
        chunk = texts[start : start + _BATCH]
        ctx = contexts[start : start + _BATCH] if contexts is not None else None
        more = {k: v[start : start + _BATCH] for k, v in (extra or {}).items()}
        parts.append(model.predict_proba(chunk, ctx, extra=more))
    if not parts:
        return np.zeros((0, len(model.outputs)))
    return np.concatenate(parts, axis=0)


def _training_note(model: LinearTextModel, sha256: str, metrics: Metrics) -> str | None:
    """If ``sha256`` is the model's training file: add its cv.* figures, return a note."""

    training = model.metadata.get("training", {})
    if training.get("sha256") != sha256:
        return None
    recorded = model.metadata.get("cv", {}).get("metrics", {})
    for key, value in recorded.items():
        metrics[f"cv.{key}"] = float(value)
    return (
        f"This file is the one model {model.name!r} was trained on "
        f"({training.get('data')}, sha256 match): the figures above are in-sample and "
        "optimistic. The cv.* metrics are the model's recorded cross-validated figures on "
        "this file (scored on folds it was not trained on): use those."
    )


def evaluate_ucc(path: Path | str) -> Report:
    """ROC AUC of the ``ucc`` model per attribute on a UCC-format CSV file."""

    data = read_ucc(Path(path))
    model = load_model("ucc")
    proba = _batched_proba(model, data.texts)
    metrics: Metrics = {}
    notes: list[str] = []
    defined: list[float] = []
    for attribute in UCC_ATTRIBUTES:
        value = roc_auc(data.labels[attribute], proba[:, model.output_index(attribute)])
        metrics[f"auc.{attribute}"] = _clean(value)
        if math.isnan(value):
            notes.append(f"auc.{attribute} is undefined: the file has only one class for it.")
        else:
            defined.append(value)
    metrics["auc.mean"] = _clean(float(np.mean(defined))) if defined else None
    note = _training_note(model, data.sha256, metrics)
    if note:
        notes.append(note)
    notes.append("Baselines are BERT's published ROC AUC on the UCC test split. " + _UCC_HUMAN)
    notes.append("unhealthy = (healthy == 0); labels are the 0/1 majority labels.")
    return {
        "task": "ucc",
        "n": len(data.texts),
        "metrics": metrics,
        "baselines": dict(BASELINES["ucc"]),
        "notes": notes,
    }


def _binary_metrics(metrics: Metrics, target: str, truth: np.ndarray, pred: np.ndarray) -> None:
    metrics[f"f1.{target}"] = _clean(f1(truth, pred))
    metrics[f"precision.{target}"] = _clean(precision(truth, pred))
    metrics[f"recall.{target}"] = _clean(recall(truth, pred))


def evaluate_annomi(path: Path | str) -> Report:
    """F1 of therapist questions and reflections, and of client sustain talk (AnnoMI CSV).

    Question and reflection are scored over the therapist utterances, sustain over the
    client utterances. Each utterance's context is the most recent earlier utterance of the
    other speaker in the same session, or, for a model whose ``input.context_rule`` is
    ``substantive``, the most recent one that is not a back-channel
    (:func:`~reattune.evaluation.datasets.is_substantive`); a model that reads the
    speaker's own previous utterance (``previous_own``) gets it too.
    """

    data = read_annomi(Path(path))
    therapist_model = load_model("annomi_therapist")
    client_model = load_model("annomi_client")
    metrics: Metrics = {}
    notes: list[str] = []
    roles = np.asarray(data.interlocutors)
    groups: list[tuple[LinearTextModel, str, Sequence[str], list[str]]] = [
        (therapist_model, "therapist", ("question", "reflection"), data.behaviours),
        (client_model, "client", ("sustain",), data.talk_types),
    ]
    counts: dict[str, int] = {}
    for model, role, targets, labels in groups:
        idx = np.flatnonzero(roles == role)
        counts[role] = int(idx.size)
        texts = [data.texts[i] for i in idx]
        rule = model.metadata.get("input", {}).get("context_rule", "latest")
        source = data.substantive_contexts if rule == "substantive" else data.contexts
        contexts = [source[i] for i in idx]
        extra = {"previous_own": [data.previous_own[i] for i in idx]}
        proba = _batched_proba(model, texts, contexts, extra)
        for target in targets:
            truth = np.asarray([labels[i] == target for i in idx], dtype=bool)
            pred = proba[:, model.output_index(target)] >= model.thresholds[target]
            _binary_metrics(metrics, target, truth, pred)
            if not truth.any():
                notes.append(f"The file has no {role} utterance labelled {target!r}.")
        note = _training_note(model, data.sha256, metrics)
        if note:
            notes.append(note)
    question_rule = np.asarray(["?" in data.texts[i] for i in range(len(data.texts))])
    therapist = roles == "therapist"
    truth_q = np.asarray([b == "question" for b in data.behaviours])
    rule_f1 = f1(truth_q[therapist], question_rule[therapist])
    notes.append(
        f"{counts['therapist']} therapist utterances (question, reflection) and "
        f"{counts['client']} client utterances (sustain) in {len(set(data.transcript_ids))} "
        "sessions."
    )
    notes.append(
        f"Baseline f1.question 0.80 is the bare '?' rule; on this file that rule scores "
        f"{rule_f1:.3f}."
    )
    return {
        "task": "annomi",
        "n": len(data.texts),
        "metrics": metrics,
        "baselines": dict(BASELINES["annomi"]),
        "notes": notes,
    }


def evaluate_epitome(folder: Path | str) -> Report:
    """Accuracy and macro-F1 per empathy mechanism on a folder of EPITOME CSV files
    (``emotional-reactions*.csv``, ``interpretations*.csv``, ``explorations*.csv``)."""

    folder = Path(folder)
    files = find_epitome_files(folder)
    if not files:
        raise SourceNotFoundError(
            "no EPITOME files in folder",
            file=str(folder),
            expected="emotional-reactions*.csv, interpretations*.csv or explorations*.csv",
        )
    metrics: Metrics = {}
    notes: list[str] = []
    n = 0
    for mechanism in EPITOME_MECHANISMS:
        if mechanism not in files:
            notes.append(f"No file for {mechanism.replace('_', ' ')}: not evaluated.")
            continue
        data = read_epitome(files[mechanism], mechanism)
        model = load_model(f"epitome_{mechanism}")
        proba = _batched_proba(model, data.responses, data.seeker_posts)
        pred = model.decide(proba)  # the model's decision rule (arg-max unless it has one)
        n += len(data.responses)
        metrics[f"accuracy.{mechanism}"] = _clean(accuracy(data.levels, pred))
        metrics[f"macro_f1.{mechanism}"] = _clean(macro_f1(data.levels, pred))
        metrics[f"majority.{mechanism}"] = _clean(majority_accuracy(data.levels))
        note = _training_note(model, data.sha256, metrics)
        if note:
            notes.append(note)
    notes.append(
        "majority.* is the accuracy of always answering the file's most frequent level; "
        "macro-F1 averages the levels present in the labels or the predictions."
    )
    notes.append("Baselines are the published EPITOME figures (Sharma et al. 2020).")
    return {
        "task": "epitome",
        "n": n,
        "metrics": metrics,
        "baselines": dict(BASELINES["epitome"]),
        "notes": notes,
    }
