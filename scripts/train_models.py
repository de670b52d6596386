#!/usr/bin/env python3
"""Train reattune's learned coders on the public dev files and write them to the package.

    python scripts/train_models.py                      # cross-validate, train, write
    python scripts/train_models.py --cv-only            # only print cross-validated figures
    python scripts/train_models.py --models ucc --cv-only

Reads ONLY the dev files under ``--data`` (default ``../shared/data`` beside the repository)
and never copies them: the model files record each file's path relative to the data folder,
its sha256, its row count and its licence (read from the data folder's README.md).

Everything is seeded (``--seed``, default 13): folds, solvers and the written files are the
same on every run with the same library versions. Needs scikit-learn (the ``train`` extra);
the shipped models are scored without it (``reattune.learned``).

Cross-validation:
- ucc: per attribute, 5-fold stratified; ROC AUC of the out-of-fold scores.
- annomi: 5 folds grouped by ``transcript_id`` (no session in two folds), stratified by label;
  decision thresholds are chosen on the training folds only (inner grouped 4-fold CV).
- epitome: per mechanism, 5-fold stratified; accuracy and macro-F1 of the model's decision:
  the arg-max class, except for interpretations, whose decision adds per-class offsets to
  the log-probabilities (stored in the model file as its ``decision``), chosen in each
  training part by an inner 3-fold CV (seed + 1) on the training rows only; the shipped
  model's offsets come from the same inner CV over all dev rows.
- ipv: the partner-violence text model of the safety screen, trained on the project's own
  labelled sets (``src/reattune/data/safety/ipv_eval.csv``, ``ipv_accounts.csv`` beside it
  and ``tests/safety/data/ipv_forum_posts.csv``, all in this repository). First a held-out
  check: trained on the short messages and one half of the forum posts (seeded split), its
  threshold chosen by cross-validation on that training part only, measured once on the
  other half. Then 5-fold stratified CV over everything, and the shipped model is trained on
  everything with its threshold chosen on the out-of-fold scores (recall first: the highest
  threshold that keeps out-of-fold recall at or above 0.95).
The vectorizers are fitted inside every fold, so no fold's vocabulary or IDF sees its test rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reattune.evaluation.datasets import (  # noqa: E402
    ANNOMI_BEHAVIOURS,
    ANNOMI_TALK_TYPES,
    EPITOME_MECHANISMS,
    UCC_ATTRIBUTES,
    find_epitome_files,
    read_annomi,
    read_epitome,
    read_ucc,
)
from reattune.evaluation.metrics import (  # noqa: E402
    accuracy,
    best_f1_threshold,
    f1,
    macro_f1,
    majority_accuracy,
    precision,
    recall,
    roc_auc,
)
from reattune.evaluation.safety import read_labelled_texts  # noqa: E402
from reattune.learned.analyzers import ANALYZERS, SKLEARN_TOKEN_PATTERN  # noqa: E402
from reattune.learned.features import FEATURE_SETS  # noqa: E402
from reattune.learned.model import DecisionRule, load_model_file, save_model  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "src" / "reattune" / "data" / "models"
MODEL_VERSION = "1.0.0"
STORE_DTYPE = np.float32

# ---------------------------------------------------------------------------------------
# features


@dataclass(frozen=True)
class BlockSpec:
    name: str
    type: str  # "tfidf" | "dense"
    source: str = "text"  # "text" | "context" | "previous_own" (tfidf only)
    analyzer: str = "word"
    ngram_range: tuple[int, int] = (1, 1)
    min_df: int = 2
    max_features: int | None = None
    weight: float = 1.0
    feature_set: str = ""


WORD = BlockSpec("word", "tfidf", analyzer="word", ngram_range=(1, 2), max_features=20000)
CHAR = BlockSpec("char", "tfidf", analyzer="char_wb", ngram_range=(2, 5), max_features=30000)


class FeatureBuilder:
    """scikit-learn vectorizers for the TF-IDF blocks + standardised dense blocks."""

    def __init__(self, specs: Sequence[BlockSpec]) -> None:
        self.specs = list(specs)
        self.vectorizers: dict[str, TfidfVectorizer] = {}
        self.dense_stats: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def _analyzer(spec: BlockSpec) -> str | Callable[[str], list[str]]:
        return spec.analyzer if spec.analyzer in ("word", "char_wb") else ANALYZERS[spec.analyzer]

    @classmethod
    def _vocabulary(cls, spec: BlockSpec, docs: Sequence[str]) -> list[str] | None:
        """The terms a ``max_features`` block keeps: those in at least ``min_df`` documents,
        the ``max_features`` most frequent, ties broken by the term (alphabetical), in
        alphabetical order — what scikit-learn's ``max_features`` keeps, but for its ties:
        it ranks them with an unstable ``argsort``, whose order among equal counts depends
        on the CPU's vector instructions, so the same data gave other vocabularies on
        other machines. ``None`` for a block without ``max_features``."""

        if spec.max_features is None:
            return None
        counts = CountVectorizer(
            analyzer=cls._analyzer(spec),
            ngram_range=spec.ngram_range,
            token_pattern=SKLEARN_TOKEN_PATTERN,
            lowercase=True,
            min_df=spec.min_df,
        )
        matrix = counts.fit_transform(docs)
        terms = counts.get_feature_names_out()  # alphabetical
        totals = np.asarray(matrix.sum(axis=0)).ravel()
        kept = np.sort(np.argsort(-totals, kind="stable")[: spec.max_features])
        return [str(t) for t in terms[kept]]

    @classmethod
    def _vectorizer(cls, spec: BlockSpec, docs: Sequence[str]) -> TfidfVectorizer:
        vocabulary = cls._vocabulary(spec, docs)
        return TfidfVectorizer(
            analyzer=cls._analyzer(spec),
            ngram_range=spec.ngram_range,
            token_pattern=SKLEARN_TOKEN_PATTERN,
            lowercase=True,
            min_df=spec.min_df if vocabulary is None else 1,
            vocabulary=vocabulary,
            sublinear_tf=True,
            norm="l2",
            use_idf=True,
            smooth_idf=True,
            dtype=np.float64,
        )

    @staticmethod
    def _dense(spec: BlockSpec, texts: Sequence[str], contexts: Sequence[str]) -> np.ndarray:
        compute = FEATURE_SETS[spec.feature_set].compute
        return np.asarray(
            [compute(t, c) for t, c in zip(texts, contexts, strict=True)], dtype=np.float64
        )

    def _build(
        self,
        texts: Sequence[str],
        contexts: Sequence[str],
        fit: bool,
        extra: dict[str, list[str]] | None = None,
    ) -> sparse.csr_matrix:
        blocks = []
        sources: dict[str, Sequence[str]] = {"text": texts, "context": contexts, **(extra or {})}
        for spec in self.specs:
            if spec.type == "tfidf":
                docs = sources[spec.source]
                if fit:
                    self.vectorizers[spec.name] = self._vectorizer(spec, docs)
                    matrix = self.vectorizers[spec.name].fit_transform(docs)
                else:
                    matrix = self.vectorizers[spec.name].transform(docs)
                blocks.append(matrix * spec.weight)
            else:
                raw = self._dense(spec, texts, contexts)
                if fit:
                    mean = raw.mean(axis=0)
                    scale = raw.std(axis=0)
                    scale[scale < 1e-12] = 1.0
                    self.dense_stats[spec.name] = (mean, scale)
                mean, scale = self.dense_stats[spec.name]
                blocks.append(sparse.csr_matrix((raw - mean) / scale * spec.weight))
        return sparse.hstack(blocks, format="csr")

    def fit_transform(
        self,
        texts: Sequence[str],
        contexts: Sequence[str],
        extra: dict[str, list[str]] | None = None,
    ) -> sparse.csr_matrix:
        return self._build(texts, contexts, True, extra)

    def transform(
        self,
        texts: Sequence[str],
        contexts: Sequence[str],
        extra: dict[str, list[str]] | None = None,
    ) -> sparse.csr_matrix:
        return self._build(texts, contexts, False, extra)

    def export(self) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
        metas: list[dict[str, Any]] = []
        arrays: dict[str, np.ndarray] = {}
        for spec in self.specs:
            if spec.type == "tfidf":
                vec = self.vectorizers[spec.name]
                terms = [""] * len(vec.vocabulary_)
                for term, index in vec.vocabulary_.items():
                    terms[index] = term
                arrays[f"idf.{spec.name}"] = np.asarray(vec.idf_, dtype=STORE_DTYPE)
                arrays[f"vocab.{spec.name}"] = np.frombuffer(
                    "\n".join(terms).encode("utf-8"), dtype=np.uint8
                ).copy()
                metas.append(
                    {
                        "type": "tfidf",
                        "name": spec.name,
                        "source": spec.source,
                        "analyzer": spec.analyzer,
                        "ngram_range": list(spec.ngram_range),
                        "lowercase": True,
                        "token_pattern": SKLEARN_TOKEN_PATTERN,
                        "sublinear_tf": True,
                        "norm": "l2",
                        "smooth_idf": True,
                        "min_df": spec.min_df,
                        "max_features": spec.max_features,
                        "weight": spec.weight,
                        "n_features": len(terms),
                    }
                )
            else:
                mean, scale = self.dense_stats[spec.name]
                metas.append(
                    {
                        "type": "dense",
                        "name": spec.name,
                        "feature_set": spec.feature_set,
                        "features": list(FEATURE_SETS[spec.feature_set].names),
                        "mean": [float(x) for x in mean],
                        "scale": [float(x) for x in scale],
                        "weight": spec.weight,
                    }
                )
        return metas, arrays


# ---------------------------------------------------------------------------------------
# learners


def soft_label_logistic(
    x: sparse.csr_matrix, p: np.ndarray, c: float, seed: int
) -> tuple[np.ndarray, float]:
    """Logistic regression on soft labels: every row appears as a positive with weight p
    and as a negative with weight 1-p; the two classes are balanced to equal total weight."""

    n = x.shape[0]
    stacked = sparse.vstack([x, x], format="csr")
    target = np.concatenate([np.ones(n), np.zeros(n)])
    pos, neg = p, 1.0 - p
    weights = np.concatenate([pos / max(pos.sum(), 1e-9), neg / max(neg.sum(), 1e-9)]) * n / 2
    keep = weights > 0
    model = LogisticRegression(C=c, solver="liblinear", max_iter=5000, random_state=seed)
    model.fit(stacked[keep], target[keep], sample_weight=weights[keep])
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def platt(scores: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float, float]:
    """Slope and offset mapping decision scores to calibrated log-odds."""

    model = LogisticRegression(C=1e4, max_iter=5000, random_state=seed)
    model.fit(scores.reshape(-1, 1), labels)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def softmax_logistic(
    x: sparse.csr_matrix, y: np.ndarray, classes: Sequence[str], c: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with balanced class weights; coef (n_feat, n_class)
    in the order of ``classes``."""

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=seed)
    model.fit(x, y)
    order = [list(model.classes_).index(k) for k in classes]
    coef = model.coef_[order].T.astype(np.float64)
    intercept = model.intercept_[order].astype(np.float64)
    return coef, intercept


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------
# provenance


def licence_of(data_root: Path, folder: str) -> dict[str, str]:
    """The source and licence columns of ``folder``'s row in the data README's table."""

    readme = data_root / "README.md"
    for line in readme.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].strip("`").startswith(folder + "/"):
            return {"source": cells[1], "licence": cells[2], "readme_rows": cells[3]}
    raise SystemExit(f"{readme}: no table row for {folder}/")


def training_record(
    data_root: Path, path: Path, sha256: str, rows: int, folder: str, seed: int, **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "data": path.resolve().relative_to(data_root.resolve()).as_posix(),
        "sha256": sha256,
        "rows": rows,
        **licence_of(data_root, folder),
        "seed": seed,
        "libraries": {
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
    }
    record.update(extra)
    return record


def spec_record(specs: Sequence[BlockSpec]) -> list[dict[str, Any]]:
    return [
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(s).items() if v != ""}
        for s in specs
    ]


@dataclass
class Result:
    name: str
    cv: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    check: Callable[[Any], float] | None = None


def rounded(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 4) for k, v in metrics.items()}


def show(title: str, metrics: dict[str, float]) -> None:
    print(f"  {title}:", flush=True)
    for key, value in metrics.items():
        print(f"    {key:<38} {value:.4f}", flush=True)


# ---------------------------------------------------------------------------------------
# UCC

UCC_SPECS = (
    WORD,
    CHAR,
    BlockSpec("hand", "dense", feature_set="hostility_v1", weight=0.1),
)
UCC_C = 0.1


def train_ucc(data_root: Path, seed: int, folds: int, cv_only: bool) -> Result:
    path = data_root / "ucc" / "dev.csv"
    data = read_ucc(path)
    texts = data.texts
    empty = [""] * len(texts)
    n = len(texts)
    print(f"ucc: {n} comments from {path}", flush=True)

    def soft(attribute: str) -> np.ndarray:
        labels = data.labels[attribute].astype(np.float64)
        if data.confidence is None:
            return labels
        conf = data.confidence[attribute]
        return np.where(labels == 1, conf, 1.0 - conf)

    oof = np.zeros((n, len(UCC_ATTRIBUTES)))
    for j, attribute in enumerate(UCC_ATTRIBUTES):
        y = data.labels[attribute]
        p = soft(attribute)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(np.zeros(n), y):
            builder = FeatureBuilder(UCC_SPECS)
            x_train = builder.fit_transform([texts[i] for i in train], empty[: len(train)])
            x_test = builder.transform([texts[i] for i in test], empty[: len(test)])
            coef, intercept = soft_label_logistic(x_train, p[train], UCC_C, seed)
            oof[test, j] = x_test @ coef + intercept
    cv = {f"auc.{a}": roc_auc(data.labels[a], oof[:, j]) for j, a in enumerate(UCC_ATTRIBUTES)}
    cv["auc.mean"] = float(np.mean(list(cv.values())))
    show("ucc cross-validated", cv)
    result = Result("ucc", rounded(cv))
    if cv_only:
        return result

    builder = FeatureBuilder(UCC_SPECS)
    x_all = builder.fit_transform(texts, empty)
    coefs, intercepts, calibration, thresholds = [], [], {}, {}
    for j, attribute in enumerate(UCC_ATTRIBUTES):
        coef, intercept = soft_label_logistic(x_all, soft(attribute), UCC_C, seed)
        slope, offset = platt(oof[:, j], data.labels[attribute], seed)
        coefs.append(coef * slope)
        intercepts.append(intercept * slope + offset)
        calibration[attribute] = {"slope": slope, "offset": offset}
        calibrated = 1.0 / (1.0 + np.exp(-(oof[:, j] * slope + offset)))
        threshold, _ = best_f1_threshold(data.labels[attribute], calibrated)
        thresholds[attribute] = round(min(max(threshold, 0.0), 1.0), 6)
    blocks, arrays = builder.export()
    arrays["coef"] = np.stack(coefs, axis=1).astype(STORE_DTYPE)
    arrays["intercept"] = np.asarray(intercepts, dtype=np.float64)
    result.meta = {
        "name": "ucc",
        "version": MODEL_VERSION,
        "description": "Unhealthy-comment attributes (contempt, criticism, dismissiveness "
        "proxies): one calibrated probability per attribute.",
        "kind": "binary",
        "outputs": list(UCC_ATTRIBUTES),
        "thresholds": thresholds,
        "threshold_rule": "maximises F1 of the out-of-fold calibrated probabilities",
        "input": {"text": "one comment or turn", "context": None},
        "blocks": blocks,
        "training": training_record(
            data_root,
            path,
            data.sha256,
            n,
            "ucc",
            seed,
            labels="0/1 majority labels; unhealthy = (healthy == 0)",
            learner="logistic regression per attribute on soft labels (each comment is a "
            "positive with weight = annotator confidence in 'yes', a negative with the rest), "
            "classes balanced, liblinear; Platt-calibrated on out-of-fold scores",
            hyperparameters={"C": UCC_C, "blocks": spec_record(UCC_SPECS)},
            calibration=calibration,
        ),
        "cv": {
            "scheme": f"{folds}-fold stratified per attribute, shuffled, seed {seed}; "
            "vectorizers fitted inside each fold",
            "metrics": rounded(cv),
        },
    }
    result.arrays = arrays

    def check(model: Any) -> float:
        sample = texts[:: max(1, n // 300)]
        ours = model.decision_function(sample)
        ref = builder.transform(sample, [""] * len(sample)) @ arrays["coef"].astype(np.float64)
        return float(np.max(np.abs(ours - (ref + arrays["intercept"]))))

    result.check = check
    return result


# ---------------------------------------------------------------------------------------
# AnnoMI


def _other_text(source: str) -> BlockSpec:
    """Words and word pairs of another text than the utterance (its context, the speaker's
    previous utterance), at half weight, in a block named after it."""
    return BlockSpec(
        source,
        "tfidf",
        source=source,
        analyzer="word",
        ngram_range=(1, 2),
        max_features=10000,
        weight=0.5,
    )


ANNOMI_THERAPIST_SPECS = (
    WORD,
    CHAR,
    BlockSpec("markers", "tfidf", analyzer="mi_markers", min_df=2),
    _other_text("context"),
    BlockSpec("hand", "dense", feature_set="mi_v1", weight=0.3),
)
# The client model's context is the therapist's last utterance that says something (not a
# back-channel: read_annomi's substantive_contexts), and it also reads the client's own
# previous utterance: sustain talk runs in stretches, and a long client turn is often cut
# in two by a therapist's "Mm-hmm".
ANNOMI_CLIENT_SPECS = (
    WORD,
    CHAR,
    _other_text("context"),
    BlockSpec("hand", "dense", feature_set="mi_v1", weight=0.3),
    _other_text("previous_own"),
)
ANNOMI_CONTEXT_RULES = {"therapist": "latest", "client": "substantive"}


def _grouped_softmax_cv(
    texts: list[str],
    contexts: list[str],
    previous: list[str],
    labels: np.ndarray,
    groups: np.ndarray,
    classes: Sequence[str],
    specs: Sequence[BlockSpec],
    c: float,
    targets: Sequence[str],
    seed: int,
    folds: int,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Out-of-fold probabilities and, per target, out-of-fold decisions whose thresholds
    were chosen on the training folds only (inner grouped CV)."""

    n = len(texts)

    def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        builder = FeatureBuilder(specs)
        x_train = builder.fit_transform(
            [texts[i] for i in train],
            [contexts[i] for i in train],
            {"previous_own": [previous[i] for i in train]},
        )
        coef, intercept = softmax_logistic(x_train, labels[train], classes, c, seed)
        x_test = builder.transform(
            [texts[i] for i in test],
            [contexts[i] for i in test],
            {"previous_own": [previous[i] for i in test]},
        )
        return softmax(x_test @ coef + intercept)

    proba = np.zeros((n, len(classes)))
    decisions = {t: np.zeros(n, dtype=bool) for t in targets}
    outer = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (train, test) in enumerate(outer.split(np.zeros(n), labels, groups)):
        inner_proba = np.zeros((len(train), len(classes)))
        inner = StratifiedGroupKFold(n_splits=folds - 1, shuffle=True, random_state=seed + 1)
        for itrain, itest in inner.split(np.zeros(len(train)), labels[train], groups[train]):
            inner_proba[itest] = fit_predict(train[itrain], train[itest])
        proba[test] = fit_predict(train, test)
        for t in targets:
            j = list(classes).index(t)
            threshold, _ = best_f1_threshold(labels[train] == t, inner_proba[:, j])
            decisions[t][test] = proba[test, j] >= threshold
            print(f"    fold {k}: {t} threshold {threshold:.3f}", flush=True)
    return proba, decisions


def _train_annomi_role(
    name: str,
    role: str,
    data_root: Path,
    seed: int,
    folds: int,
    cv_only: bool,
    specs: Sequence[BlockSpec],
    classes: Sequence[str],
    targets: Sequence[str],
    c: float,
) -> Result:
    path = data_root / "annomi" / "dev.csv"
    data = read_annomi(path)
    idx = [i for i, s in enumerate(data.interlocutors) if s == role]
    texts = [data.texts[i] for i in idx]
    rule = ANNOMI_CONTEXT_RULES[role]
    context_source = data.substantive_contexts if rule == "substantive" else data.contexts
    contexts = [context_source[i] for i in idx]
    previous = [data.previous_own[i] for i in idx]
    extra = {"previous_own": previous}
    source = data.behaviours if role == "therapist" else data.talk_types
    labels = np.asarray([source[i] for i in idx])
    groups = np.asarray([data.transcript_ids[i] for i in idx])
    print(
        f"{name}: {len(idx)} {role} utterances in {len(set(groups))} sessions from {path}",
        flush=True,
    )
    proba, decisions = _grouped_softmax_cv(
        texts, contexts, previous, labels, groups, classes, specs, c, targets, seed, folds
    )
    cv: dict[str, float] = {}
    for t in targets:
        truth = labels == t
        cv[f"f1.{t}"] = f1(truth, decisions[t])
        cv[f"precision.{t}"] = precision(truth, decisions[t])
        cv[f"recall.{t}"] = recall(truth, decisions[t])
    show(f"{name} cross-validated (thresholds from inner CV)", cv)
    result = Result(name, rounded(cv))
    if cv_only:
        return result
    thresholds = {}
    for t in targets:
        threshold, _ = best_f1_threshold(labels == t, proba[:, list(classes).index(t)])
        thresholds[t] = round(min(max(threshold, 0.0), 1.0), 6)
    builder = FeatureBuilder(specs)
    x_all = builder.fit_transform(texts, contexts, extra)
    coef, intercept = softmax_logistic(x_all, labels, classes, c, seed)
    blocks, arrays = builder.export()
    arrays["coef"] = coef.astype(STORE_DTYPE)
    arrays["intercept"] = intercept
    label_column = "main_therapist_behaviour" if role == "therapist" else "client_talk_type"
    result.meta = {
        "name": name,
        "version": MODEL_VERSION,
        "description": (
            "Therapist behaviour in a motivational-interviewing session: question, "
            "reflection (a proxy for validation), therapist input, other."
            if role == "therapist"
            else "Client talk type in a motivational-interviewing session: change, neutral, "
            "sustain (a proxy for resistance / deflection)."
        ),
        "kind": "softmax",
        "outputs": list(classes),
        "thresholds": thresholds,
        "threshold_rule": "maximises F1 of the out-of-fold (grouped by session) probabilities",
        "input": {
            "text": f"one {role} utterance",
            "context": (
                "the most recent earlier utterance by the other speaker that is not a "
                "back-channel (4 words or more; '' if none)"
                if rule == "substantive"
                else "the most recent earlier utterance by the other speaker ('' if none)"
            ),
            "context_rule": rule,
            **(
                {"previous_own": "the same speaker's previous utterance ('' if none)"}
                if any(s.source == "previous_own" for s in specs)
                else {}
            ),
        },
        "blocks": blocks,
        "training": training_record(
            data_root,
            path,
            data.sha256,
            len(idx),
            "annomi",
            seed,
            file_rows=len(data.texts),
            labels=f"{label_column} of the {role} rows",
            learner="multinomial logistic regression, classes balanced, lbfgs",
            hyperparameters={"C": c, "blocks": spec_record(specs)},
        ),
        "cv": {
            "scheme": f"{folds}-fold StratifiedGroupKFold by transcript_id, shuffled, seed "
            f"{seed}; thresholds chosen by an inner {folds - 1}-fold grouped CV on the "
            "training folds only; vectorizers fitted inside each fold",
            "metrics": rounded(cv),
        },
    }
    result.arrays = arrays

    def check(model: Any) -> float:
        step = max(1, len(texts) // 300)
        sample, sample_ctx = texts[::step], contexts[::step]
        sample_extra = {"previous_own": previous[::step]}
        ours = model.decision_function(sample, sample_ctx, extra=sample_extra)
        ref = builder.transform(sample, sample_ctx, sample_extra) @ arrays["coef"].astype(
            np.float64
        )
        return float(np.max(np.abs(ours - (ref + arrays["intercept"]))))

    result.check = check
    return result


def train_annomi(data_root: Path, seed: int, folds: int, cv_only: bool) -> list[Result]:
    return [
        _train_annomi_role(
            "annomi_therapist",
            "therapist",
            data_root,
            seed,
            folds,
            cv_only,
            ANNOMI_THERAPIST_SPECS,
            ANNOMI_BEHAVIOURS,
            ("question", "reflection"),
            1.0,
        ),
        _train_annomi_role(
            "annomi_client",
            "client",
            data_root,
            seed,
            folds,
            cv_only,
            ANNOMI_CLIENT_SPECS,
            ANNOMI_TALK_TYPES,
            ("sustain",),
            0.3,
        ),
    ]


# ---------------------------------------------------------------------------------------
# EPITOME

# The first sentence's words as their own block: an empathic reply usually opens with its
# empathy (analyzers.first_sentence).
EPITOME_SPECS = (
    WORD,
    CHAR,
    BlockSpec("first_sentence", "tfidf", analyzer="first_sentence", min_df=2, weight=0.7),
    BlockSpec("hand", "dense", feature_set="empathy_v1", weight=0.3),
)
# Each mechanism also reads its own hand-made features (features.emotional_reactions_v1,
# interpretations_v1, explorations_v1: phrases that tell a strong from a weak expression
# of it); interpretations_v1 did not help the other two mechanisms.
EPITOME_MECHANISM_SPECS = {
    "emotional_reactions": (
        *EPITOME_SPECS,
        BlockSpec("emotions", "dense", feature_set="emotional_reactions_v1", weight=0.3),
    ),
    "interpretations": (
        *EPITOME_SPECS,
        BlockSpec("interpretations", "dense", feature_set="interpretations_v1", weight=0.3),
    ),
    "explorations": (
        *EPITOME_SPECS,
        BlockSpec("explorations", "dense", feature_set="explorations_v1", weight=0.3),
    ),
}
EPITOME_C = 2.0
EPITOME_LEVELS = ("none", "weak", "strong")
EPITOME_OFFSET_RULE = frozenset({"interpretations"})
"""Mechanisms whose decision adds per-class offsets to the log-probabilities before the
arg-max (chosen by an inner CV); the others keep the plain arg-max, which nested CV over
seeds 13-17 found as good or better for them (docs/models.md)."""
EPITOME_OFFSETS = (-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0)
EPITOME_INNER_FOLDS = 3
EPITOME_RATIONALE_ROWS = frozenset({"explorations"})
"""Mechanisms trained with one more row per expressed response (level 1 or 2): the spans
its annotators marked as the evidence (the file's ``rationales``), alone, with the
response's level and seeker post. Nested CV over seeds 13-17 (``learned_targets.py
rationales``): explorations 0.705 -> 0.714, better on every seed; emotional reactions and
interpretations +0.001 (not used). Only for mechanisms without an offset rule, whose inner
CV would otherwise see a response and its rationale on both sides of a split."""


def epitome_training_rows(
    data: Any, rows: Sequence[int] | np.ndarray, rationale_rows: bool
) -> tuple[list[str], list[str], np.ndarray]:
    """The texts, seeker posts and levels of the training rows ``rows`` of ``data`` (an
    ``EpitomeData``), then, with ``rationale_rows``, one row per expressed response whose
    rationale holds two words or more and is not the whole response: the rationale alone,
    with the response's seeker post and level (``EPITOME_RATIONALE_ROWS``)."""

    texts = [data.responses[i] for i in rows]
    contexts = [data.seeker_posts[i] for i in rows]
    levels = [int(data.levels[i]) for i in rows]
    for i in rows if rationale_rows else ():
        said = " ".join(data.rationales[i])
        if data.levels[i] > 0 and len(said.split()) >= 2 and said != data.responses[i].strip():
            texts.append(said)
            contexts.append(data.seeker_posts[i])
            levels.append(int(data.levels[i]))
    return texts, contexts, np.asarray(levels, dtype=np.int64)


def epitome_offset_candidates() -> list[tuple[float, float]]:
    """(weak, strong) log-probability offsets to choose from (none stays 0), no offset
    first: of equally good candidates the first is kept."""

    grid = (0.0, *EPITOME_OFFSETS)
    return [(a, b) for a in grid for b in grid]


def epitome_inner_probabilities(x: sparse.csr_matrix, labels: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold probabilities of the training rows ``x`` (inner stratified 3-fold CV,
    seed + 1; the features come from vectorizers fitted on these rows only)."""

    proba = np.zeros((x.shape[0], len(EPITOME_LEVELS)))
    inner = StratifiedKFold(n_splits=EPITOME_INNER_FOLDS, shuffle=True, random_state=seed + 1)
    for a, b in inner.split(np.zeros(x.shape[0]), labels):
        coef, intercept = softmax_logistic(x[a], labels[a], EPITOME_LEVELS, EPITOME_C, seed)
        proba[b] = softmax(x[b] @ coef + intercept)
    return proba


def choose_epitome_rule(proba: np.ndarray, y: np.ndarray) -> DecisionRule:
    """The offsets of the highest macro-F1 on out-of-fold probabilities ``proba``."""

    best, best_value = DecisionRule(), -1.0
    for weak, strong in epitome_offset_candidates():
        rule = DecisionRule(offsets={"none": 0.0, "weak": weak, "strong": strong})
        value = macro_f1(y, rule.apply(proba, EPITOME_LEVELS))
        if value > best_value + 1e-12:
            best, best_value = rule, value
    return best


def train_epitome(data_root: Path, seed: int, folds: int, cv_only: bool) -> list[Result]:
    """The three EPITOME models. BLAS runs on one thread here: the solver's sums then come
    out in the same order whatever ``OMP_NUM_THREADS`` is, so the written files are
    byte-identical on every run (with more threads the last bits of some weights depend
    on the thread count)."""

    with threadpool_limits(limits=1):
        return _train_epitome(data_root, seed, folds, cv_only)


def _train_epitome(data_root: Path, seed: int, folds: int, cv_only: bool) -> list[Result]:
    folder = data_root / "epitome"
    files = find_epitome_files(folder)
    results = []
    for mechanism in EPITOME_MECHANISMS:
        path = files[mechanism]
        data = read_epitome(path, mechanism)
        texts, contexts, y = data.responses, data.seeker_posts, data.levels
        specs = EPITOME_MECHANISM_SPECS.get(mechanism, EPITOME_SPECS)
        with_rule = mechanism in EPITOME_OFFSET_RULE
        rationale_rows = mechanism in EPITOME_RATIONALE_ROWS
        assert not (with_rule and rationale_rows), "an offset rule's inner CV takes no extra rows"
        if rationale_rows and not any(data.rationales):
            raise SystemExit(f"{path}: no rationales column, which epitome_{mechanism} needs")
        n = len(texts)
        labels = np.asarray([EPITOME_LEVELS[v] for v in y])
        print(f"epitome_{mechanism}: {n} pairs from {path}", flush=True)
        pred = np.zeros(n, dtype=np.int64)
        chosen: list[dict[str, float]] = []
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(np.zeros(n), y):
            builder = FeatureBuilder(specs)
            texts_t, contexts_t, levels_t = epitome_training_rows(data, train, rationale_rows)
            x_train = builder.fit_transform(texts_t, contexts_t)
            labels_t = np.asarray([EPITOME_LEVELS[v] for v in levels_t])
            coef, intercept = softmax_logistic(x_train, labels_t, EPITOME_LEVELS, EPITOME_C, seed)
            x_test = builder.transform([texts[i] for i in test], [contexts[i] for i in test])
            rule = DecisionRule()
            if with_rule:  # chosen on the training folds only
                inner = epitome_inner_probabilities(x_train, labels[train], seed)
                rule = choose_epitome_rule(inner, y[train])
                chosen.append(dict(rule.offsets))
            pred[test] = rule.apply(softmax(x_test @ coef + intercept), EPITOME_LEVELS)
        cv = {
            f"accuracy.{mechanism}": accuracy(y, pred),
            f"macro_f1.{mechanism}": macro_f1(y, pred),
            f"majority.{mechanism}": majority_accuracy(y),
            **{
                f"f1.{mechanism}.{level}": f1(y == k, pred == k)
                for k, level in enumerate(EPITOME_LEVELS)
            },
        }
        show(f"epitome_{mechanism} cross-validated", cv)
        if chosen:
            print(f"    offsets chosen in the training folds: {chosen}", flush=True)
        result = Result(f"epitome_{mechanism}", rounded(cv))
        results.append(result)
        if cv_only:
            continue
        builder = FeatureBuilder(specs)
        texts_t, contexts_t, levels_t = epitome_training_rows(data, range(n), rationale_rows)
        x_all = builder.fit_transform(texts_t, contexts_t)
        labels_t = np.asarray([EPITOME_LEVELS[v] for v in levels_t])
        coef, intercept = softmax_logistic(x_all, labels_t, EPITOME_LEVELS, EPITOME_C, seed)
        rule = DecisionRule()
        if with_rule:
            rule = choose_epitome_rule(epitome_inner_probabilities(x_all, labels, seed), y)
        blocks, arrays = builder.export()
        arrays["coef"] = coef.astype(STORE_DTYPE)
        arrays["intercept"] = intercept
        pretty = mechanism.replace("_", " ")
        scheme = (
            f"{folds}-fold stratified, shuffled, seed {seed}; vectorizers fitted inside each fold"
        )
        if with_rule:
            scheme += (
                f"; the decision offsets chosen in each training part by an inner "
                f"{EPITOME_INNER_FOLDS}-fold CV (seed {seed + 1})"
            )
        result.meta = {
            "name": f"epitome_{mechanism}",
            "version": MODEL_VERSION,
            "description": f"EPITOME empathy mechanism '{pretty}' of a response to a "
            "help-seeking post: level none (0), weak (1) or strong (2).",
            "kind": "softmax",
            "outputs": list(EPITOME_LEVELS),
            "thresholds": {},
            "decision": rule.to_json(),
            "input": {"text": "the response", "context": "the help-seeking post"},
            "blocks": blocks,
            "training": training_record(
                data_root,
                path,
                data.sha256,
                n,
                "epitome",
                seed,
                labels="level 0/1/2",
                learner="multinomial logistic regression, classes balanced, lbfgs",
                hyperparameters={"C": EPITOME_C, "blocks": spec_record(specs)},
                **(
                    {
                        "decision_rule": "offsets (none 0; weak, strong from "
                        f"{list(EPITOME_OFFSETS)}) added to the log-probabilities before "
                        "the arg-max, chosen for macro-F1 on the out-of-fold probabilities "
                        f"of a {EPITOME_INNER_FOLDS}-fold CV (seed {seed + 1}) over the "
                        "training rows"
                    }
                    if with_rule
                    else {}
                ),
                **(
                    {
                        "rationale_rows": f"{len(levels_t) - n} more training rows: of each "
                        "expressed response (level 1 or 2), its annotated rationale alone, "
                        "with the response's level (in the CV, from the training part only)"
                    }
                    if rationale_rows
                    else {}
                ),
            ),
            "cv": {
                "scheme": scheme,
                "metrics": rounded(cv),
                **({"offsets_per_fold": chosen} if chosen else {}),
            },
        }
        result.arrays = arrays

        def check(
            model: Any,
            b: FeatureBuilder = builder,
            a: dict[str, Any] = arrays,
            t: list[str] = texts,
            c: list[str] = contexts,
            r: DecisionRule = rule,
        ) -> float:
            step = max(1, len(t) // 300)
            sample, sample_ctx = t[::step], c[::step]
            ours = model.decision_function(sample, sample_ctx)
            ref = b.transform(sample, sample_ctx) @ a["coef"].astype(np.float64)
            ref = ref + a["intercept"]
            if model.decision != r or not np.array_equal(
                model.predict(sample, sample_ctx), r.apply(softmax(ref), EPITOME_LEVELS)
            ):
                return float("inf")  # the decision rule does not survive the round trip
            return float(np.max(np.abs(ours - ref)))

        result.check = check
    return results


# ---------------------------------------------------------------------------------------
# Partner violence (the safety screen's text model)

IPV_FILES = (
    ROOT / "src" / "reattune" / "data" / "safety" / "ipv_eval.csv",
    ROOT / "src" / "reattune" / "data" / "safety" / "ipv_accounts.csv",
    ROOT / "tests" / "safety" / "data" / "ipv_forum_posts.csv",
)
"""The project's own messages, its own longer accounts (hard negatives among them), and the
forum-style posts; the last is the one split into a training half and a held-out half."""
IPV_SPECS = (
    BlockSpec("word", "tfidf", analyzer="word", ngram_range=(1, 2), min_df=1),
    BlockSpec("char", "tfidf", analyzer="char_wb", ngram_range=(3, 5), min_df=2),
)
IPV_C = 4.0
IPV_MIN_RECALL = 0.95
IPV_SPLIT_SEED = 5


def _ipv_fit(
    texts: Sequence[str], y: np.ndarray, seed: int
) -> tuple[FeatureBuilder, np.ndarray, float]:
    builder = FeatureBuilder(IPV_SPECS)
    x = builder.fit_transform(texts, [""] * len(texts))
    model = LogisticRegression(
        C=IPV_C, class_weight="balanced", max_iter=5000, random_state=seed
    ).fit(x, y)
    return builder, model.coef_[0].astype(np.float64), float(model.intercept_[0])


def _ipv_oof(texts: Sequence[str], y: np.ndarray, seed: int, folds: int) -> np.ndarray:
    scores = np.zeros(len(texts))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(texts)), y):
        builder, coef, intercept = _ipv_fit([texts[i] for i in train], y[train], seed)
        x = builder.transform([texts[i] for i in test], [""] * len(test))
        scores[test] = 1.0 / (1.0 + np.exp(-(x @ coef + intercept)))
    return scores


def _recall_first_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The highest threshold whose recall on ``y`` stays at or above IPV_MIN_RECALL."""
    positives = np.sort(p[y == 1])
    k = int(np.floor((1.0 - IPV_MIN_RECALL) * len(positives)))
    return float(positives[k]) if len(positives) else 0.5


def _pr(y: np.ndarray, pred: np.ndarray, key: str) -> dict[str, float]:
    return {f"recall.{key}": recall(y, pred), f"precision.{key}": precision(y, pred)}


def train_ipv(data_root: Path, seed: int, folds: int, cv_only: bool) -> Result:
    from reattune.safety.findings import Domain
    from reattune.safety.violence import detect_violence, model_reads

    del data_root  # the training data lives in this repository
    parts = [read_labelled_texts(path) for path in IPV_FILES]
    own = [row for part in parts[:-1] for row in part]
    forum = parts[-1]
    order = list(range(len(forum)))
    import random

    random.Random(IPV_SPLIT_SEED).shuffle(order)
    half_a = [forum[i] for i in order[: len(order) // 2]]
    half_b = [forum[i] for i in order[len(order) // 2 :]]

    def rules(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            [
                any(
                    f.counts and f.domain is Domain.IPV for f in detect_violence(t, use_model=False)
                )
                for t in texts
            ],
            dtype=bool,
        )

    # 1. held-out check: train on own + half A, threshold by CV there, measure half B once
    train = own + half_a
    t_texts = [t for t, _ in train]
    t_y = np.asarray([int(v) for _, v in train])
    threshold_a = _recall_first_threshold(t_y, _ipv_oof(t_texts, t_y, seed, folds))
    builder, coef, intercept = _ipv_fit(t_texts, t_y, seed)
    b_texts = [t for t, _ in half_b]
    b_y = np.asarray([int(v) for _, v in half_b])
    b_p = 1.0 / (
        1.0 + np.exp(-(builder.transform(b_texts, [""] * len(b_texts)) @ coef + intercept))
    )
    # as at run time: the model reads accounts that name a partner (safety.violence.model_reads)
    model_b = (b_p >= threshold_a) & np.asarray([model_reads(t) for t in b_texts])
    rules_b = rules(b_texts)
    heldout = {
        **_pr(b_y, rules_b.astype(int), "rules"),
        **_pr(b_y, model_b.astype(int), "model"),
        **_pr(b_y, (rules_b | model_b).astype(int), "rules_or_model"),
        "threshold": threshold_a,
    }
    show(f"ipv held-out half of the forum posts ({len(half_b)} posts)", heldout)

    # 2. CV over everything, 3. the shipped model
    everything = own + forum
    texts = [t for t, _ in everything]
    y = np.asarray([int(v) for _, v in everything])
    oof = _ipv_oof(texts, y, seed, folds)
    threshold = _recall_first_threshold(y, oof)
    rules_all = rules(texts)
    long_enough = np.asarray([model_reads(t) for t in texts])
    fired = (oof >= threshold) & long_enough
    cv = {
        # the model alone, on the accounts it reads (safety.violence.model_reads)
        **_pr(y[long_enough], fired[long_enough].astype(int), "model_on_accounts"),
        "auc.model_on_accounts": roc_auc(y[long_enough], oof[long_enough]),
        "n.accounts": float(long_enough.sum()),
        # the screen as it runs: lexicon (fitted to these texts: optimistic) or model
        **_pr(y, (rules_all | fired).astype(int), "rules_or_model"),
    }
    show("ipv cross-validated (all labelled messages and posts)", cv)
    result = Result("ipv", rounded(cv))
    if cv_only:
        return result
    builder, coef, intercept = _ipv_fit(texts, y, seed)
    blocks, arrays = builder.export()
    arrays["coef"] = coef.reshape(-1, 1).astype(STORE_DTYPE)
    arrays["intercept"] = np.asarray([intercept], dtype=np.float64)
    files = [
        {
            "data": path.relative_to(ROOT).as_posix(),
            "sha256": sha256_of(path),
            "rows": len(rows),
        }
        for path, rows in zip(IPV_FILES, parts, strict=True)
    ]
    result.meta = {
        "name": "ipv",
        "version": MODEL_VERSION,
        "description": "Partner violence or coercive control described in a message or post "
        "(the safety screen's text model, used next to its lexicon).",
        "kind": "binary",
        "outputs": ["ipv"],
        "thresholds": {"ipv": round(threshold, 6)},
        "threshold_rule": f"highest threshold keeping out-of-fold recall >= {IPV_MIN_RECALL}",
        "input": {"text": "one message or post", "context": None},
        "blocks": blocks,
        "training": {
            "data": files,
            "source": "written for reattune (see docs/safety.md)",
            "licence": "the project's own",
            "seed": seed,
            "libraries": {
                "scikit-learn": sklearn.__version__,
                "numpy": np.__version__,
                "scipy": scipy.__version__,
            },
            "labels": "Yes/No: partner violence or coercive control described",
            "learner": "logistic regression, classes balanced, lbfgs",
            "hyperparameters": {"C": IPV_C, "blocks": spec_record(IPV_SPECS)},
        },
        "cv": {
            "scheme": f"{folds}-fold stratified, shuffled, seed {seed}; vectorizers fitted "
            "inside each fold",
            "metrics": rounded(cv),
            "heldout": {
                "scheme": f"trained on {IPV_FILES[0].name}, {IPV_FILES[1].name} and half of "
                f"{IPV_FILES[2].name} "
                f"(random.Random({IPV_SPLIT_SEED}) split), threshold by CV on that part, "
                f"measured once on the other {len(half_b)} posts",
                "metrics": rounded(heldout),
            },
        },
    }
    result.arrays = arrays

    def check(model: Any) -> float:
        sample = texts[::5]
        ours = model.decision_function(sample)[:, 0]
        ref = builder.transform(sample, [""] * len(sample)) @ coef + intercept
        return float(np.max(np.abs(ours - ref)))

    result.check = check
    return result


def sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where models go")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--models",
        default="ucc,annomi,epitome,ipv",
        help="comma-separated: ucc, annomi, epitome, ipv",
    )
    parser.add_argument("--cv-only", action="store_true", help="print CV figures, write nothing")
    args = parser.parse_args(argv)
    data_root: Path = args.data
    if not (data_root / "README.md").is_file():
        parser.error(f"{data_root} is not the shared data folder (no README.md)")
    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = set(wanted) - {"ucc", "annomi", "epitome", "ipv"}
    if unknown:
        parser.error(f"unknown model group(s): {', '.join(sorted(unknown))}")
    np.random.seed(args.seed)
    started = time.time()
    results: list[Result] = []
    # Every model is fitted with BLAS on one thread: the solvers' sums then come out in the
    # same order whatever OMP_NUM_THREADS is, so the written files are byte-identical on
    # every run with the same library versions (with more threads the last bits of some
    # weights depend on the thread count).
    with threadpool_limits(limits=1):
        if "ucc" in wanted:
            results.append(train_ucc(data_root, args.seed, args.folds, args.cv_only))
        if "annomi" in wanted:
            results.extend(train_annomi(data_root, args.seed, args.folds, args.cv_only))
        if "epitome" in wanted:
            results.extend(train_epitome(data_root, args.seed, args.folds, args.cv_only))
        if "ipv" in wanted:
            results.append(train_ipv(data_root, args.seed, args.folds, args.cv_only))
    summary = {r.name: r.cv for r in results}
    print(json.dumps({"cv": summary}, indent=1))
    if not args.cv_only:
        for result in results:
            json_path, npz_path = save_model(args.out, result.meta, result.arrays)
            model = load_model_file(json_path)
            diff = result.check(model) if result.check else 0.0
            size = json_path.stat().st_size + npz_path.stat().st_size
            print(
                f"wrote {json_path.name} + {npz_path.name} ({size / 1e6:.2f} MB); "
                f"max |score - scikit-learn| = {diff:.2e}",
                flush=True,
            )
            if diff > 1e-4:
                print(f"ERROR: {result.name} does not reproduce scikit-learn", file=sys.stderr)
                return 1
    print(f"done in {time.time() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
