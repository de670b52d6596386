"""Evaluation of the learned coders on the public labelled data sets (UCC, AnnoMI, EPITOME).

Pure functions: each reads one file (or folder), scores it with the SHIPPED models and
returns ``{"task", "n", "metrics", "baselines", "notes"}``. Nothing here trains, and nothing
needs scikit-learn. See ``docs/models.md``.
"""

from __future__ import annotations

from reattune.evaluation.tasks import BASELINES, evaluate_annomi, evaluate_epitome, evaluate_ucc

__all__ = ["BASELINES", "evaluate_annomi", "evaluate_epitome", "evaluate_ucc"]
