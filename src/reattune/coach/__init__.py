"""The partner's private coach: draft feedback and calmer rewrites, the withdrawer's
organiser, the time-out protocol, the flooding check and structured moments.

Every function that produces coaching text is safety-gated (:mod:`reattune.safety`): when
the gate flags the input it returns the :class:`~reattune.safety.SafetyResult` instead, and
coaching output types cannot be constructed outside a gated call.

    from reattune import coach
    feedback = coach.review("Why do you always do this? Do you even care?")
    for rewrite in feedback.rewrites:
        print(rewrite.text)
"""

from reattune.coach.review import ContextWarning, DraftFinding, Feedback, Rewrite, review
from reattune.coach.rewrite import Candidate, CodedDraft, Rewriter, RuleRewriter

__all__ = [
    "Candidate",
    "CodedDraft",
    "ContextWarning",
    "DraftFinding",
    "Feedback",
    "Rewrite",
    "Rewriter",
    "RuleRewriter",
    "review",
]
