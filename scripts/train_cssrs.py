#!/usr/bin/env python3
"""Measure an *approach* on the C-SSRS users: the shipped crisis screen OR a small text model,
cross-validated. Nothing is written: no model trained on this data ships in the package.

    python scripts/train_cssrs.py [--data ../shared/data/cssrs/dev.csv] [--seeds 5]

Why only cross-validation: the Reddit C-SSRS file is licensed for research use, so weights
trained on it do not go into a product package (docs/safety.md). What this script answers is
whether a model trained on data *of this kind* — e.g. a licensed or project-owned set of
first-person posts — would add recall to the rules, and at what false-positive cost.

Per seed: 5-fold cross-validation stratified by label; in every fold a TF-IDF (word 1–2
grams, sublinear, fitted on the training folds only) and a class-balanced logistic regression
are trained to tell at-risk users (Ideation, Behavior, Attempt) from the others; a test user
is flagged by the model when its probability is at least 0.5 (the balanced model's own
decision rule: no threshold is tuned). A user is flagged by the approach when the shipped
screen (``reattune eval cssrs``) or the model flags them. Prints JSON: recall of at-risk
users and false-positive rate on Supportive users for the rules alone, the model alone and
the two together, per seed and their mean. Needs scikit-learn (the ``train`` extra).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from reattune.evaluation.safety import CSSRS_AT_RISK, read_cssrs, screen_user  # noqa: E402

THRESHOLD = 0.5


def out_of_fold(texts: list[str], y: np.ndarray, strata: list[str], seed: int) -> np.ndarray:
    """Out-of-fold probabilities of being at risk, one per user."""
    scores = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for train, test in folds.split(texts, strata):
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50_000
        )
        x = vectorizer.fit_transform([texts[i] for i in train])
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        model.fit(x, y[train])
        scores[test] = model.predict_proba(vectorizer.transform([texts[i] for i in test]))[:, 1]
    return scores


def rates(flag: np.ndarray, y: np.ndarray, supportive: np.ndarray) -> dict[str, float]:
    return {
        "recall.at_risk": round(float(flag[y].mean()), 4),
        "fpr.supportive": round(float(flag[supportive].mean()), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "data" / "cssrs" / "dev.csv"
    )
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    _, rows = read_cssrs(args.data)
    texts = ["\n".join(posts) for _, _, posts in rows]
    labels = [label for _, label, _ in rows]
    y = np.array([label in CSSRS_AT_RISK for label in labels])
    supportive = np.array([label == "Supportive" for label in labels])
    rules = np.array([screen_user(posts)[1] for _, _, posts in rows])
    per_seed = []
    for seed in range(args.seeds):
        model = out_of_fold(texts, y, labels, seed) >= THRESHOLD
        per_seed.append(
            {
                "seed": seed,
                "model": rates(model, y, supportive),
                "rules_or_model": rates(rules | model, y, supportive),
            }
        )
    mean = {
        part: {
            key: round(statistics.mean(s[part][key] for s in per_seed), 4)
            for key in ("recall.at_risk", "fpr.supportive")
        }
        for part in ("model", "rules_or_model")
    }
    print(
        json.dumps(
            {
                "task": "cssrs-approach",
                "n": len(rows),
                "rules": rates(rules, y, supportive),
                "mean": mean,
                "per_seed": per_seed,
                "notes": [
                    "cross-validated: the model is trained inside each fold on the other "
                    "folds' users; nothing is saved and nothing ships (research-use licence)",
                    "model flag: balanced logistic regression probability >= 0.5 (no tuning)",
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
