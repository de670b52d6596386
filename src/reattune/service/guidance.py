"""What one partner sees after a conversation is analysed: the cycle suggestions for their
side of it (give space, re-engage, a joint session), or the safety response instead.

The suggestions are produced only through the safety gate (:func:`reattune.safety.gated`).
The screen for a viewer reads the conversation and **the viewer's own** private screening
results; another person's screening is never read here, so nothing the other partner can
see changes when someone screens positive. Findings in the shared conversation pause the
suggestions for both partners (both saw those words): the person at risk gets the full
safety response and a notification for their own therapist, the other a neutral message
with no detail and no notification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reattune.model import Conversation
from reattune.model.analysis import Analysis
from reattune.safety import Cleared, SafetyResult, ScreeningResult, check, gated
from reattune.safety.gate import combine

__all__ = ["PartnerView", "Suggestion", "partner_view", "suggestions"]


@dataclass(frozen=True, kw_only=True)
class Suggestion(Cleared):
    """One coaching suggestion; constructible only inside a gated call."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True, slots=True)
class PartnerView:
    """Everything a partner's own screen shows for one conversation."""

    viewer: str
    suggestions: tuple[Suggestion, ...]
    safety: SafetyResult | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "viewer": self.viewer,
            "suggestions": [s.to_dict() for s in self.suggestions],
            "safety": None if self.safety is None else self.safety.to_dict(),
        }


def _screen(
    conversation: Conversation,
    analysis: Analysis,
    viewer: str,
    screens: Sequence[ScreeningResult] = (),
    locale: str | None = None,
) -> SafetyResult:
    results = [check(conversation, person=viewer, locale=locale)]
    results += [check(s, locale=locale) for s in screens if s.person == viewer]
    return combine(results, person=viewer, locale=locale)


@gated(_screen)
def suggestions(
    conversation: Conversation,
    analysis: Analysis,
    viewer: str,
    screens: Sequence[ScreeningResult] = (),
    locale: str | None = None,
) -> tuple[Suggestion, ...]:
    """The viewer's cycle suggestions (or the gate's SafetyResult when it fires)."""
    strength = analysis.cycle_strength
    out: list[Suggestion] = []
    if strength.pursuer == viewer and strength.withdrawer is not None:
        other = conversation.speaker(strength.withdrawer).display_name
        out.append(
            Suggestion(
                kind="give_space",
                text=f"When {other} goes quiet, it is usually to calm down, not to leave. "
                "Give the space you agree on — a time to come back — instead of another "
                "message.",
            )
        )
    elif strength.withdrawer == viewer and strength.pursuer is not None:
        other = conversation.speaker(strength.pursuer).display_name
        out.append(
            Suggestion(
                kind="re_engage",
                text=f"When you need a pause, tell {other} how long and when you will come "
                "back, then come back: the promise to return is what lets the pause help.",
            )
        )
    if analysis.loops:
        out.append(
            Suggestion(
                kind="name_the_cycle",
                text="Name the loop, not the person: “I think we’re in our loop again — "
                "can we slow down?”",
            )
        )
    if len(analysis.loops) >= 3 or analysis.stonewalling:
        out.append(
            Suggestion(
                kind="joint_session",
                text="This pattern came back several times: it is worth bringing to a joint "
                "session with your therapist.",
            )
        )
    return tuple(out)


def partner_view(
    conversation: Conversation,
    analysis: Analysis,
    viewer: str,
    screens: Sequence[ScreeningResult] = (),
    locale: str | None = None,
) -> PartnerView:
    """What ``viewer`` sees: suggestions, or the safety response in their place."""
    out = suggestions(conversation, analysis, viewer, screens, locale)
    if isinstance(out, SafetyResult):
        return PartnerView(viewer, (), out)
    return PartnerView(viewer, out, None)
