"""Evaluation of the safety screen: the crisis detector on the Reddit C-SSRS data and the
partner-violence detector on any labelled CSV/TSV.

Nothing here is learned from the file it reads: the crisis screen is the shipped lexicons and
rules (``reattune/data/safety``); the partner-violence screen adds a small text model trained
by ``scripts/train_models.py`` on the project's own labelled sets — on those files the report
says so and adds the model's recorded held-out figures.

- ``cssrs``: one user a row (``User``, ``Post`` — a Python-list literal of the user's posts —
  and ``Label`` in Supportive, Indicator, Ideation, Behavior, Attempt). A user is flagged when
  the screen puts any of their posts at the *concern* level or above for the writer
  themselves (:func:`reattune.safety.writer_level`), or when their posts together do
  (:func:`reattune.safety.check_history`: several weak risk factors across the posts).
  ``recall.at_risk`` is the share of Ideation, Behavior and Attempt users flagged;
  ``fpr.supportive`` the share of Supportive users flagged; ``flagged.<Label>`` the share
  flagged per label; ``posts_only.*`` the per-message screen alone; ``half_a.*`` and
  ``half_b.*`` the two halves of :func:`cssrs_halves`.
- ``ipv``: one message a row with a ``text`` and a ``label`` column (Yes/No, true/false,
  1/0); a message is flagged when the partner-violence screen counts anything in it.
"""

from __future__ import annotations

import ast
import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reattune.errors import MalformedFileError
from reattune.evaluation.datasets import _no_rows, _read_rows
from reattune.learned.model import load_model
from reattune.safety.findings import Domain, SafetyLevel, Subject
from reattune.safety.gate import check_history, check_text, writer_level

__all__ = [
    "CSSRS_AT_RISK",
    "CSSRS_LABELS",
    "cssrs_halves",
    "evaluate_cssrs",
    "evaluate_ipv",
    "parse_posts",
    "read_cssrs",
    "read_labelled_texts",
    "screen_user",
]

CSSRS_LABELS = ("Supportive", "Indicator", "Ideation", "Behavior", "Attempt")
CSSRS_AT_RISK = frozenset({"Ideation", "Behavior", "Attempt"})

_TRUE = {"yes", "y", "true", "t", "1", "1.0"}
_FALSE = {"no", "n", "false", "f", "0", "0.0"}

Report = dict[str, Any]


def parse_posts(value: str) -> list[str]:
    """A user's posts from the ``Post`` column: a Python list literal of strings. Some cells
    of the published file were cut at a spreadsheet's 32,759-character limit in the middle
    of a post; the list is closed again so that nothing before the cut is lost. A cell that
    is no list at all is one post."""
    text = value.strip()
    if not text.startswith("["):
        return [value]
    for tail in ("", "']", '"]', "']]"):
        try:
            parsed = ast.literal_eval(text + tail)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            return parsed
    return [value]


def read_cssrs(path: Path | str) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """sha256 and ``(user, label, posts)`` rows of a C-SSRS CSV file."""
    p = Path(path)
    digest, _, rows = _read_rows(p, ("User", "Post", "Label"))
    out: list[tuple[str, str, list[str]]] = []
    for line, row in rows:
        label = row["Label"].strip()
        if label not in CSSRS_LABELS:
            raise MalformedFileError(
                f"unknown label {label!r}",
                file=str(p),
                line=line,
                expected="one of " + ", ".join(CSSRS_LABELS) + " in column 'Label'",
            )
        out.append((row["User"], label, parse_posts(row["Post"])))
    if not out:
        raise _no_rows(p)
    return digest, out


def read_labelled_texts(path: Path | str) -> list[tuple[str, bool]]:
    """``(text, label)`` rows of a CSV or TSV (by suffix, or by a tab in the header line)
    with ``text`` and ``label`` columns; labels Yes/No, true/false or 1/0."""
    p = Path(path)
    delimiter = ","
    if p.suffix.lower() == ".tsv":
        delimiter = "\t"
    elif p.is_file():
        with p.open("rb") as fh:
            first = fh.readline()
        if b"\t" in first and b"," not in first:
            delimiter = "\t"
    _, _header, rows = _read_rows(p, ("text", "label"), delimiter=delimiter)
    out: list[tuple[str, bool]] = []
    for line, row in rows:
        raw = row["label"].strip().lower()
        if raw in _TRUE:
            out.append((row["text"], True))
        elif raw in _FALSE:
            out.append((row["text"], False))
        else:
            raise MalformedFileError(
                f"label {row['label']!r} is not a yes/no value",
                file=str(p),
                line=line,
                expected="Yes/No, true/false or 1/0 in column 'label'",
            )
    if not out:
        raise _no_rows(p)
    return out


def screen_user(posts: Sequence[str]) -> tuple[bool, bool]:
    """Whether a user is flagged by one of their posts alone (the per-message screen), and
    whether by their posts together (the history screen, which includes every post)."""
    result = check_history(posts, domains=(Domain.CRISIS,))
    by_post = any(
        f.level >= SafetyLevel.CONCERN
        for f in result.findings
        if f.subject is Subject.SELF and f.rule != "combined.history"
    )
    return by_post, writer_level(result.findings) >= SafetyLevel.CONCERN


def cssrs_halves(rows: Sequence[tuple[str, str, list[str]]]) -> dict[str, str]:
    """User → ``"a"`` or ``"b"``: two halves of a C-SSRS file, stratified by label. Within
    each label, users are ordered by the sha256 of their id and alternate between the halves,
    so the split is the same on every machine and needs no random seed. The rules and
    weights were developed looking at half ``a`` of the dev file only; half ``b`` is the
    check (docs/safety.md)."""
    by_label: dict[str, list[str]] = {}
    for user, label, _ in rows:
        by_label.setdefault(label, []).append(user)
    half: dict[str, str] = {}
    for users in by_label.values():
        users.sort(key=lambda u: hashlib.sha256(u.encode("utf-8")).hexdigest())
        for i, user in enumerate(users):
            half[user] = "a" if i % 2 == 0 else "b"
    return half


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def _rates(flags: Sequence[tuple[str, bool]]) -> tuple[float | None, float | None]:
    """(recall of at-risk users, false-positive rate on Supportive users) of ``(label,
    flagged)`` pairs."""
    at_risk = [hit for label, hit in flags if label in CSSRS_AT_RISK]
    supportive = [hit for label, hit in flags if label == "Supportive"]
    return _ratio(sum(at_risk), len(at_risk)), _ratio(sum(supportive), len(supportive))


def evaluate_cssrs(path: Path | str) -> Report:
    """Recall of at-risk users and false-positive rate on Supportive users (see the module
    docstring)."""
    _, rows = read_cssrs(path)
    half = cssrs_halves(rows)
    total: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    screened: list[tuple[str, str, bool, bool]] = []
    for user, label, posts in rows:
        by_post, by_history = screen_user(posts)
        total[label] += 1
        flagged[label] += by_history
        screened.append((half[user], label, by_post, by_history))
    at_risk = sum(total[label] for label in CSSRS_AT_RISK)
    caught = sum(flagged[label] for label in CSSRS_AT_RISK)
    flagged_all = sum(flagged.values())
    metrics: dict[str, float | None] = {
        "recall.at_risk": _ratio(caught, at_risk),
        "fpr.supportive": _ratio(flagged["Supportive"], total["Supportive"]),
        "precision.at_risk": _ratio(caught, flagged_all),
    }
    for label in CSSRS_LABELS:
        metrics[f"flagged.{label}"] = _ratio(flagged[label], total[label])
    recall, fpr = _rates([(label, by_post) for _, label, by_post, _ in screened])
    metrics["posts_only.recall.at_risk"] = recall
    metrics["posts_only.fpr.supportive"] = fpr
    for name in ("a", "b"):
        part = [(label, hit) for h, label, _, hit in screened if h == name]
        recall, fpr = _rates(part)
        metrics[f"half_{name}.recall.at_risk"] = recall
        metrics[f"half_{name}.fpr.supportive"] = fpr
    notes = [
        "rules and lexicons only: nothing was trained, on this file or any other",
        "a user is flagged when any post puts the writer at the concern level or above, or "
        "when their posts together show several risk factors (reattune.safety.history); "
        "posts_only.* is the per-message screen alone",
        "half_a.* and half_b.*: the users split in two, stratified by label (sha256 of the "
        "id); on the dev file the history rules were first developed on half a with half b "
        "as the check, then (crisis lexicon 1.4, indicators 1.1) on misses of both halves, "
        "so neither half is independent any more: only unseen users are",
        "Indicator users (risk factors without suicidal thoughts) count neither way in "
        "recall nor in the false-positive rate; their flagged share is reported",
        "baseline: a TF-IDF classifier needs fpr.supportive near 0.57 to reach "
        "recall.at_risk 0.95 (issue 5); the best clinical screeners reach sensitivity 0.969",
    ]
    counts = {f"n.{label}": total[label] for label in CSSRS_LABELS}
    return {
        "task": "cssrs",
        "n": len(rows),
        "metrics": metrics,
        "baselines": {"recall.at_risk": 0.95, "fpr.supportive": 0.57},
        "counts": counts,
        "notes": notes,
    }


def _ipv_model_notes(path: Path) -> tuple[list[str], dict[str, float]]:
    """When the text model was trained on this very file: a note, and its recorded held-out
    and cross-validated figures (the honest estimate) under ``cv.*`` and ``heldout.*``."""
    model = load_model("ipv")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    files = model.metadata.get("training", {}).get("data", [])
    if not any(isinstance(f, dict) and f.get("sha256") == digest for f in files):
        return [], {}
    cv = model.metadata.get("cv", {})
    extra = {f"cv.{k}": float(v) for k, v in cv.get("metrics", {}).items()}
    extra |= {f"heldout.{k}": float(v) for k, v in cv.get("heldout", {}).get("metrics", {}).items()}
    return [
        "the text model was trained on this file, so these figures are in-sample for it; "
        "its held-out and cross-validated figures are given under heldout.* and cv.*"
    ], extra


def evaluate_ipv(path: Path | str) -> Report:
    """Recall and precision of the partner-violence screen (lexicon, and the text model for
    accounts of 15 words or more) on labelled messages."""
    rows = read_labelled_texts(path)
    tp = fp = fn = tn = 0
    for text, label in rows:
        hit = check_text(text, domains=(Domain.IPV,)).positive
        if label and hit:
            tp += 1
        elif label:
            fn += 1
        elif hit:
            fp += 1
        else:
            tn += 1
    recall = _ratio(tp, tp + fn)
    precision = _ratio(tp, tp + fp)
    f1 = (
        None
        if not recall or not precision
        else round(2 * recall * precision / (recall + precision), 4)
    )
    notes, extra = _ipv_model_notes(Path(path))
    return {
        "task": "ipv",
        "n": len(rows),
        "metrics": {
            "recall.ipv": recall,
            "precision.ipv": precision,
            "f1.ipv": f1,
            "fpr.benign": _ratio(fp, fp + tn),
            **extra,
        },
        "baselines": {},
        "counts": {"n.ipv": tp + fn, "n.benign": fp + tn},
        "notes": [
            "a message is flagged when the partner-violence screen counts any finding in it: "
            "the lexicon's, or the text model's for accounts of 15 words or more",
            *notes,
        ],
    }
