"""A person's history weighed for suicide risk: weak signs that add up across their texts.

The per-message crisis screen (:mod:`reattune.safety.crisis`) looks for what a clinician would
act on in one message: thoughts of suicide, plans, attempts, self-harm. Many people at risk
never write that in so many words; what they write, over several posts or entries, is a
pattern of *risk factors*: despair, loneliness, loss of interest, sleepless nights, drinking,
a break-up, abuse, a psychiatric history, self-hatred, their own past thoughts of death —
mostly about themselves rather than to others. Each alone is common and harmless, so none of
them ever counts on a message (the message gate does not even load their lexicon,
``data/safety/risk_indicators.toml``); :func:`screen_history` counts the distinct kinds a
writer shows across all their texts and reaches the *concern* level only when several come
together (the weights are in the ``[history]`` table of that file).

It reads one person's own texts (a user's posts, journal entries, the turns one partner
wrote) and never changes what the per-message gate says; :func:`reattune.safety.check_history`
turns it into a :class:`~reattune.safety.SafetyResult`.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from reattune.coding.lexicon import lowered
from reattune.errors import SettingsError
from reattune.safety.crisis import detect_crisis
from reattune.safety.findings import Domain, Finding, SafetyLevel, Subject, level_for
from reattune.safety.rules import load_rules

__all__ = ["HistoryScreen", "HistoryWeights", "history_weights", "screen_history", "self_focus"]

_FIRST = re.compile(r"\b(?:i|i['’]?m|i['’]?ve|i['’]?d|i['’]?ll|me|my|myself|mine)\b")
_SECOND = re.compile(
    r"\b(?:you|your|yours|you['’]?re|you['’]?ve|you['’]?ll|you['’]?d|yourself|u|ur)\b"
)


@dataclass(frozen=True, slots=True)
class HistoryWeights:
    """How a history is weighed (the ``[history]`` table of ``risk_indicators.toml``)."""

    points: int
    """Points a history needs to reach the concern level."""
    repeat: int
    """Hits of one kind that earn the persistence point."""
    self_focus: float
    """Self-focus (see :func:`self_focus`) that earns the self-focus point."""
    score: float
    """The score of the combined finding (at the concern level)."""
    crisis_rules: Mapping[str, str]
    """Crisis-lexicon rule id → indicator kind, for the writer's below-concern findings."""
    crisis_categories: Mapping[str, str]
    """Crisis-lexicon category → indicator kind (thoughts of death, means)."""


@cache
def history_weights() -> HistoryWeights:
    """The shipped weights (``reattune/data/safety/risk_indicators.toml``, ``[history]``)."""
    origin = "reattune/data/safety/risk_indicators.toml"
    try:
        text = resources.files("reattune.data.safety").joinpath("risk_indicators.toml")
        data: dict[str, Any] = tomllib.loads(text.read_text("utf-8"))["history"]
        weights = HistoryWeights(
            points=int(data["points"]),
            repeat=int(data["repeat"]),
            self_focus=float(data["self_focus"]),
            score=float(data["score"]),
            crisis_rules={str(k): str(v) for k, v in dict(data["crisis_rules"]).items()},
            crisis_categories={str(k): str(v) for k, v in dict(data["crisis_categories"]).items()},
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise SettingsError(
            f"cannot read the history weights ({exc})",
            file=origin,
            expected="a [history] table with points, repeat, self_focus, score, "
            "crisis_rules and crisis_categories",
        ) from exc
    if level_for(weights.score) is SafetyLevel.NONE or weights.points < 1:
        raise SettingsError(
            "the history score must reach the concern level and points must be positive",
            file=origin,
        )
    return weights


def self_focus(texts: Sequence[str]) -> float:
    """The share of first-person singular words among first- and second-person words in
    ``texts`` ("I", "my", "me" against "you", "your"), with one "you" added so that a text
    with a single "I" is not all self-focus. Someone writing about their own life scores
    high; someone writing support to another ("you are not alone") scores low."""
    first = second = 0
    for text in texts:
        low = lowered(text)
        first += len(_FIRST.findall(low))
        second += len(_SECOND.findall(low))
    return first / (first + second + 1)


def _kind(f: Finding, weights: HistoryWeights) -> str | None:
    """The indicator kind of a finding about the writer, or ``None``."""
    if f.subject is not Subject.SELF or "negated" in f.tags:
        return None
    if f.rule.startswith("indicator."):
        return f.category
    return weights.crisis_rules.get(f.rule) or weights.crisis_categories.get(f.category)


@dataclass(frozen=True, slots=True)
class HistoryScreen:
    """What :func:`screen_history` found: the indicator findings (each placed on the index of
    its text as ``turn``), the kinds shown and how often, the self-focus, the points, and
    the combined finding when the points reach the threshold."""

    findings: tuple[Finding, ...]
    kinds: tuple[tuple[str, int], ...]
    self_focus: float
    points: int
    combined: Finding | None

    @property
    def level(self) -> SafetyLevel:
        return SafetyLevel.NONE if self.combined is None else self.combined.level


def screen_history(
    texts: Sequence[str], crisis: Sequence[Sequence[Finding]] | None = None
) -> HistoryScreen:
    """Weigh one person's texts for risk factors that add up (see the module docstring).

    The crisis lexicon's findings and the risk-indicator lexicon's are read on every text;
    those about the writer (not negated) are mapped to indicator kinds. Points: one per
    distinct kind, one when a kind recurs, and one for a mostly self-focused history (the
    last two only next to at least one kind). ``crisis`` may hold the crisis findings of each
    text when the caller has them already."""
    weights = history_weights()
    indicators = load_rules("risk_indicators")
    kinds: Counter[str] = Counter()
    found: list[Finding] = []
    for i, text in enumerate(texts):
        own = detect_crisis(text) if crisis is None else crisis[i]
        for f in [*own, *indicators.findings(text)]:
            kind = _kind(f, weights)
            if kind is None:
                continue
            kinds[kind] += 1
            found.append(f.at(i, None))
    focus = self_focus(texts)
    points = len(kinds)
    if points and max(kinds.values()) >= weights.repeat:
        points += 1
    if points and focus >= weights.self_focus:
        points += 1
    combined = None
    if points >= weights.points:
        last = found[-1]
        shown = ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items()))
        combined = Finding(
            domain=Domain.CRISIS,
            category="distress",
            start=last.start,
            end=last.end,
            score=weights.score,
            explanation=f"several risk factors across this person's texts ({shown}"
            + (
                f"; written mostly about themselves, self-focus {focus:.2f}"
                if focus >= weights.self_focus
                else ""
            )
            + "): none alone is a sign of suicide risk, together they warrant a gentle check-in",
            rule="combined.history",
            subject=Subject.SELF,
            tags=("combined", "history"),
            turn=last.turn,
        )
    return HistoryScreen(
        findings=tuple(found),
        kinds=tuple(sorted(kinds.items())),
        self_focus=round(focus, 4),
        points=points,
        combined=combined,
    )
