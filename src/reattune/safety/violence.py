"""Partner-violence and coercive-control detector, as scored spans.

The lexicon (``data/safety/violence.toml``) finds the signs; this module adds the
combinations the Danger Assessment and the Lethality Screen weigh:

- *gun with other abuse*: access to a gun counts as high danger when any other sign of abuse
  is present in the same text (alone it is a concern);
- *violence with control*: physical or sexual violence or threats together with control
  (monitoring, isolation, money, intimidation) raise the highest finding one step, because
  the pattern — not a single incident — is what predicts escalation.

Jokes lower a threat's score ("I'm going to kill you for spoiling the finale 😂"), never to
nothing when the rest of the text holds other signs.
"""

from __future__ import annotations

import re
from dataclasses import replace

from reattune.coding.lexicon import lowered
from reattune.safety.findings import Finding, Subject
from reattune.safety.rules import load_rules

__all__ = ["CONTROL_CATEGORIES", "VIOLENCE_CATEGORIES", "detect_violence"]

VIOLENCE_CATEGORIES = frozenset(
    {"physical", "strangulation", "weapon", "threat", "sexual", "children_pets"}
)
CONTROL_CATEGORIES = frozenset(
    {"monitoring", "isolation", "financial", "intimidation", "emotional", "fear", "control"}
)
_JOKE = re.compile(r"(?:\blol\b|\blmao\b|\bhaha\w*|\bjk\b|\bjust kidding\b|😂|🤣|😜|😉|😆|😝)")


def detect_violence(text: str) -> list[Finding]:
    """Every partner-violence finding in ``text`` (counted or not), sorted by position."""
    findings = load_rules("violence").findings(text)
    if not findings:
        return findings
    low = lowered(text)
    if _JOKE.search(low):
        findings = [
            replace(
                f,
                score=round(f.score * 0.4, 4),
                tags=(*f.tags, "joking"),
                explanation=f.explanation + " — in a joking message (still recorded)",
            )
            if f.category == "threat"
            else f
            for f in findings
        ]
    counted = [f for f in findings if f.counts and f.subject is not Subject.NOBODY]
    if not counted:
        return findings
    categories = {f.category for f in counted}
    others = categories - {"weapon"}
    out: list[Finding] = []
    for found in findings:
        f = found
        if f.rule == "weapon.access" and others and "negated" not in f.tags:
            f = replace(
                f,
                score=0.9,
                tags=(*f.tags, "combined"),
                explanation=f.explanation.split(" (Danger")[0] + " — alongside other abuse"
                " (Danger Assessment: gun access with abuse is high danger)",
            )
        out.append(f)
    if categories & VIOLENCE_CATEGORIES and categories & CONTROL_CATEGORIES:
        top = max(out, key=lambda f: f.score if f.counts else -1.0)
        if top.score < 0.85:
            raised = replace(
                top,
                score=round(min(0.85, top.score + 0.1), 4),
                tags=(*top.tags, "combined"),
                explanation=top.explanation + " — together with controlling behaviour",
            )
            out = [raised if f is top else f for f in out]
    out.sort(key=lambda f: (f.start, -f.score))
    return out
