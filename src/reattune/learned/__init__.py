"""Learned coders: small linear text models trained on public, labelled data.

The models ship as JSON + ``.npz`` files in ``reattune.data.models`` and are scored with
numpy alone (scikit-learn is needed only to train them, see ``scripts/train_models.py``).
``docs/models.md`` describes every model, its training data and that data's licence.

>>> from reattune.learned import load_model
>>> ucc = load_model("ucc")
>>> ucc.predict_proba(["You are an idiot.", "Thanks, that helps."]).shape
(2, 7)
"""

from __future__ import annotations

from reattune.learned.model import (
    FeatureMatrix,
    LinearTextModel,
    ModelFormatError,
    ModelNotFoundError,
    available_models,
    load_model,
    load_model_file,
)

__all__ = [
    "FeatureMatrix",
    "LinearTextModel",
    "ModelFormatError",
    "ModelNotFoundError",
    "available_models",
    "load_model",
    "load_model_file",
]
