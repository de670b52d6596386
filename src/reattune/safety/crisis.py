"""Crisis detector: suicide and self-harm risk in a text, as scored spans.

The lexicon (``data/safety/crisis.toml``) finds the phrases; this module adds the rules that
need more than one phrase, following the C-SSRS screener's logic that method, intent and
timing raise thoughts of suicide to a high-risk level:

- *means with thoughts*: access to means ("I've been saving my pills") counts only next to
  thoughts of suicide or self-harm by the writer, and then as high risk;
- *risk factors together*: two or more distinct signs of distress by the writer in one
  message (hopelessness, worthlessness, self-hatred, a low point, a diagnosis) reach the
  concern level, though each alone is recorded only;
- *timing*: a time to act ("tonight", "this weekend") in the same sentence as the writer's
  own thoughts of suicide makes it an emergency — but not the time a denial names ("I'm not
  going to kill myself today" is a concern: ``not_now`` in ``safety/rules.py``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from reattune.coding.lexicon import lowered
from reattune.safety.findings import Domain, Finding, Subject
from reattune.safety.rules import NOT_NOW, load_rules, not_now_time

__all__ = ["THOUGHT_CATEGORIES", "detect_crisis"]

THOUGHT_CATEGORIES = frozenset({"ideation", "passive", "self_harm", "plan", "intent"})
"""Categories that stand for the writer's own thoughts of death or self-harm."""

_TIME = re.compile(
    r"\b(?:tonight|today|tomorrow|this weekend|this week|right now|in (?:a few|an|\d+|two|"
    r"three) (?:hours?|days?|minutes?))\b"
)
_SENTENCE = re.compile(r"[^.!?\n]+")


def _own_thought(f: Finding) -> bool:
    """A thought of the writer's own that method or timing can raise: not denied, not even
    for a time only ("I'm not going to kill myself today" stays a concern: the time it names
    is the time it denies, so it never makes it intent with timing)."""
    return (
        f.subject is Subject.SELF
        and f.category in THOUGHT_CATEGORIES
        and f.counts
        and "negated" not in f.tags
        and NOT_NOW not in f.tags
        and "past" not in f.tags
    )


RISK_FACTOR_CATEGORIES = frozenset({"distress", "passive", "self_harm", "ideation"})
"""Categories whose findings below the concern level still count as risk factors."""
RISK_FACTORS_FOR_CONCERN = 2
"""How many distinct risk-factor phrases one message needs to reach the concern level."""


def _risk_factor(f: Finding) -> bool:
    return (
        f.subject is Subject.SELF
        and f.category in RISK_FACTOR_CATEGORIES
        and not f.counts
        and "negated" not in f.tags
        and "past" not in f.tags
    )


def _accumulated(findings: list[Finding]) -> Finding | None:
    """One *concern* finding when a message holds several distinct risk factors of the writer
    ("I'm worthless … I've hit rock bottom … my depression is eating me"): each alone is
    recorded only, together they warrant a gentle check-in."""
    factors = [f for f in findings if _risk_factor(f)]
    if len({f.rule for f in factors}) < RISK_FACTORS_FOR_CONCERN:
        return None
    return Finding(
        domain=Domain.CRISIS,
        category="distress",
        start=factors[0].start,
        end=max(f.end for f in factors),
        score=0.45,
        explanation="several signs of distress in one message (hopelessness, worthlessness, "
        "self-hatred, a low point): together worth a gentle check-in",
        rule="combined.risk_factors",
        tags=("combined",),
    )


def detect_crisis(text: str) -> list[Finding]:
    """Every crisis finding in ``text`` (counted or not), sorted by position."""
    findings = load_rules("crisis").findings(text)
    if not findings:
        return findings
    acc = _accumulated(findings)
    if acc is not None:
        findings = sorted([*findings, acc], key=lambda f: (f.start, -f.score))
    thoughts = [f for f in findings if _own_thought(f)]
    if not thoughts:
        return findings
    out: list[Finding] = []
    for found in findings:
        f = found
        if f.category == "means" and f.subject is Subject.SELF and not f.counts:
            f = replace(
                f,
                score=0.88,
                tags=(*f.tags, "combined"),
                explanation=f.explanation.split(" (counted only")[0]
                + " — alongside their own thoughts of suicide (C-SSRS: method → high risk)",
            )
        out.append(f)
    low = lowered(text)
    denied_times = [
        span
        for f in findings
        if NOT_NOW in f.tags
        for span in (not_now_time(low, f.end),)
        if span is not None
    ]
    for sentence in _SENTENCE.finditer(low):
        lo, hi = sentence.span()
        inside = [f for f in thoughts if lo <= f.start < hi]
        if not inside:
            continue
        for m in _TIME.finditer(low, lo, hi):
            if any(a <= m.start() < b for a, b in denied_times):
                continue  # the time a denial names ("not … today") is no time to act
            out.append(
                Finding(
                    domain=Domain.CRISIS,
                    category="intent",
                    start=m.start(),
                    end=m.end(),
                    score=0.9,
                    explanation="names a time ('"
                    + text[m.start() : m.end()]
                    + "') next to their own thoughts of suicide (intent with timing)",
                    rule="combined.timing",
                    tags=("combined",),
                )
            )
            break
    out.sort(key=lambda f: (f.start, -f.score))
    return out
