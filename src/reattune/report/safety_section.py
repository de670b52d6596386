"""The safety section that opens every report (terminal, Markdown, HTML) when the gate
fires on the conversation: the message, the help lines, who is at risk, and each reason
with its quoted words."""

from __future__ import annotations

from dataclasses import dataclass

from reattune.model import Conversation
from reattune.report.reading import Namer
from reattune.safety.findings import Domain
from reattune.safety.gate import SafetyResult

__all__ = ["SafetyLines", "safety_caveat", "safety_lines"]

QUOTE_LIMIT = 120


@dataclass(frozen=True, slots=True)
class SafetyLines:
    heading: str
    message: str
    resources: tuple[str, ...]
    people: str
    reasons: tuple[str, ...]


def safety_lines(conversation: Conversation, result: SafetyResult, name: Namer) -> SafetyLines:
    resources = tuple(
        ("EMERGENCY — " if r.emergency else "") + f"{r.name}: {r.how}" for r in result.resources
    )
    at_risk = [f"{name(p)} ({level.label})" for p, level in result.people if level.positive]
    reasons = []
    for f in result.reasons:
        words = ""
        if f.turn is not None and 0 <= f.turn < len(conversation.turns):
            text = conversation.turns[f.turn].text[f.start : f.end]
            text = " ".join(name.text(text).split())
            if len(text) > QUOTE_LIMIT:
                text = text[: QUOTE_LIMIT - 1] + "…"
            words = f" — “{text}” (turn {f.turn})"
        who = f"{name(f.speaker)}: " if f.speaker else ""
        reasons.append(f"[{f.level.label}] {who}{name.text(f.explanation)}{words}")
    return SafetyLines(
        heading=f"Safety first ({result.level.label})",
        message=result.message,
        resources=resources,
        people="At risk: " + "; ".join(at_risk) + "." if at_risk else "",
        reasons=tuple(reasons),
    )


def safety_caveat(result: SafetyResult) -> str:
    """The sentence that frames the cycle reading when the safety gate fired."""
    if Domain.IPV in result.domains:
        return (
            "Words about harm, threats or control appear in this conversation (see Safety "
            "first). The pursue–withdraw reading assumes both partners are safe with each "
            "other; where one is being hurt or controlled it does not apply, and advice to "
            "give space, re-engage or meet jointly is paused."
        )
    return (
        "Words about suicide or self-harm appear in this conversation (see Safety first). "
        "Safety comes before the cycle: advice to give space, re-engage or meet jointly is "
        "paused until the person at risk has support."
    )
