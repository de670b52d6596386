"""Draft feedback: what the engine's coders find in a message before it is sent, what the
conversation around it says about sending it now, and calmer rewrites that keep its meaning.

``review`` is safety-gated: a draft (or a context) that the gate flags returns the
:class:`~reattune.safety.SafetyResult` — crisis or safety resources — instead of feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reattune import safety
from reattune.coach.data import load
from reattune.coach.draft import (
    Frame,
    alone,
    check_draft,
    code_context,
    in_context,
)
from reattune.coach.rewrite import (
    WITHDRAW_CODES,
    Rewriter,
    RuleRewriter,
    best_rewrites,
    coded,
    has_return_time,
)
from reattune.coding import text as tx
from reattune.episodes.breaks import clock_named, duration_named
from reattune.errors import CoachInputError
from reattune.model import Conversation
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings

REPORTED = (
    "pursue.question_stack",
    "pursue.blame",
    "pursue.pressure",
    "pursue.bid_in_silence",
    "pursue.escalation",
    "horseman.contempt",
    "horseman.defensiveness",
    *WITHDRAW_CODES,
)
"""The codes a draft review reports (``horseman.criticism`` mirrors ``pursue.blame``)."""


@dataclass(frozen=True, slots=True)
class DraftFinding:
    """One thing in the draft worth a second look: the code, its span in the draft, the
    engine's score and explanation, and a one-line why for the writer."""

    code: str
    start: int
    end: int
    score: float
    why: str
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "why": self.why,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class ContextWarning:
    """What the conversation says about sending now (``third_bid``, ``partner_flooded``,
    ``partner_on_break``, ``you_on_break``)."""

    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True, kw_only=True)
class Rewrite(safety.Cleared):
    """A calmer version of the draft that kept the guarantees (``coach.rewrite``)."""

    text: str
    strategy: str
    changes: tuple[str, ...]
    scores: tuple[tuple[str, float], ...]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "strategy": self.strategy,
            "changes": list(self.changes),
            "scores": {c: s for c, s in self.scores if s},
            "source": self.source,
        }


@dataclass(frozen=True, kw_only=True)
class Feedback(safety.Cleared):
    """The review of one draft: findings (in draft order), warnings from the context, and
    the rewrites (best first; none when there was nothing to soften)."""

    findings: tuple[DraftFinding, ...]
    warnings: tuple[ContextWarning, ...]
    rewrites: tuple[Rewrite, ...]
    rewriter: str
    safety: safety.SafetyResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "warnings": [w.to_dict() for w in self.warnings],
            "rewrites": [r.to_dict() for r in self.rewrites],
            "rewriter": self.rewriter,
            "safety": self.safety.to_dict(),
        }


def _why(code: str, sentence: str) -> str:
    whys: dict[str, str] = load("findings")["why"]
    if code == "pursue.pressure" and has_return_time(sentence):
        return whys["pursue.pressure.concrete"]
    return whys[code]


def findings(text: str, spans: Sequence[CodeSpan]) -> tuple[DraftFinding, ...]:
    """The reported codes of a draft, one finding per code and span. A postponement that
    names its return time is not a finding."""
    out: dict[tuple[str, int, int], DraftFinding] = {}
    ranges = tx.sentences(text)
    for s in spans:
        if s.code not in REPORTED:
            continue
        sentence = _sentence_at(text, ranges, s.start, s.end)
        if s.code == "withdraw.avoid" and has_return_time(sentence):
            continue
        key = (s.code, s.start, s.end)
        if key in out:
            continue
        out[key] = DraftFinding(
            s.code, s.start, s.end, s.score, _why(s.code, sentence), s.explanation
        )
    return tuple(sorted(out.values(), key=lambda f: (f.start, f.end, f.code)))


def _sentence_at(text: str, ranges: Sequence[tuple[int, int]], start: int, end: int) -> str:
    parts = [text[lo:hi] for lo, hi in ranges if lo < max(end, start + 1) and start < hi]
    return " ".join(parts) or text[start:end]


# --- what the conversation says about sending now ------------------------------------------


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M")


def _break_end(frame: Frame, turn: int) -> datetime | None:
    t = frame.turns[turn]
    started = t.messages[-1].timestamp
    if started is None:
        return None
    seconds = duration_named(t.text) or clock_named(t.text, started) or 20 * 60.0
    return started + timedelta(seconds=seconds)


def warnings(
    conversation: Conversation, frame: Frame, text: str, settings: AnalysisSettings
) -> tuple[ContextWarning, ...]:
    """Sending now would be a third unanswered message; the partner is flooded; one of you
    is on a break."""
    texts: dict[str, str] = load("findings")["warnings"]
    out: list[ContextWarning] = []
    me, partner = frame.me, frame.partner
    mine = 0
    for m in reversed(conversation.messages):
        if not m.is_speech:
            continue
        if m.sender != me:
            break
        mine += 1
    if mine >= 2:
        out.append(ContextWarning("third_bid", texts["third_bid"].format(n=mine + 1)))
    spans = code_context(text, frame, settings)
    turns = frame.turns
    recent = range(max(0, len(turns) - settings.conflict_window_turns), len(turns))
    flooded = [
        i
        for i in recent
        if turns[i].speaker == partner
        and any(s.code == "flooding" and s.tag != "recalled" for s in spans[i])
    ]
    if flooded:
        at = turns[flooded[-1]].messages[-1].timestamp
        when = f"at {_hhmm(at)}" if at is not None else "a moment ago"
        out.append(ContextWarning("partner_flooded", texts["partner_flooded"].format(when=when)))
    requested = None
    for i, per_turn in enumerate(spans):
        codes = {s.code for s in per_turn}
        if "break.request" in codes:
            requested = i
        elif (
            "break.return" in codes
            and requested is not None
            and turns[i].speaker == turns[requested].speaker
        ):
            requested = None
    if requested is not None:
        end = _break_end(frame, requested)
        if end is None or frame.sent_at is None or frame.sent_at < end:
            until = f" until {_hhmm(end)}" if end is not None else ""
            kind = "partner_on_break" if turns[requested].speaker == partner else "you_on_break"
            out.append(ContextWarning(kind, texts[kind].format(until=until)))
    return tuple(out)


# --- the gated entry point -----------------------------------------------------------------


def _screen(
    draft: str,
    context: Conversation | None = None,
    *,
    me: str | None = None,
    sent_at: datetime | None = None,
    rewriter: Rewriter | None = None,
    settings: AnalysisSettings | None = None,
    locale: str | None = None,
    alternatives: int = 3,
) -> safety.SafetyResult:
    check_draft(draft)
    if not 1 <= alternatives <= 5:
        raise CoachInputError("alternatives must be 1 to 5", expected="a small number")
    result = safety.check(draft, person=me, locale=locale)
    if result.positive or context is None:
        return result
    from reattune.coach.draft import resolve_me

    person = resolve_me(context, me)
    seen = safety.check(context, person=person, locale=locale)
    return seen if seen.positive else result


@safety.gated(_screen)
def review(
    draft: str,
    context: Conversation | None = None,
    *,
    me: str | None = None,
    sent_at: datetime | None = None,
    rewriter: Rewriter | None = None,
    settings: AnalysisSettings | None = None,
    locale: str | None = None,
    alternatives: int = 3,
) -> Feedback:
    """Review a draft message before it is sent.

    ``context`` is the recent conversation (``me`` names the writer in it; ``sent_at`` when
    the draft would go, by default right after the last message). ``rewriter`` proposes the
    rewrites (default: the deterministic :class:`~reattune.coach.rewrite.RuleRewriter`);
    whatever it proposes is kept only when it meets the guarantees of
    :mod:`reattune.coach.rewrite` and passes the safety gate; up to ``alternatives`` of
    them are returned, best first (each costs one more pass of the engine). Returns the
    :class:`~reattune.safety.SafetyResult` instead when the gate flags the draft or the
    context.
    """
    settings = settings or AnalysisSettings()
    frame = alone() if context is None else in_context(context, me, sent_at)
    cd = coded(draft, frame, settings)
    rules = RuleRewriter()
    chosen = rewriter or rules
    pairs = _safe(best_rewrites(cd, chosen, alternatives), draft, locale)
    name = chosen.name
    if not pairs and chosen is not rules:
        pairs = _safe(best_rewrites(cd, rules, alternatives), draft, locale)
        name = f"{rules.name} (fallback from {chosen.name})"
    rewrites = tuple(
        Rewrite(
            text=c.text,
            strategy=c.strategy,
            changes=c.changes,
            scores=tuple(sorted(v.scores.items())),
            source=name,
        )
        for c, v in pairs
    )
    found = findings(draft, cd.spans)
    warned = () if context is None else warnings(context, frame, draft, settings)
    return Feedback(
        findings=found,
        warnings=warned,
        rewrites=rewrites,
        rewriter=name,
        safety=safety.current_clearance().result,
    )


def _safe(pairs: list[Any], draft: str, locale: str | None) -> list[Any]:
    """Rewrites the safety gate does not flag. A model's words are screened whole, like the
    draft. A rule rewrite is made of the draft's own sentences, already screened with the
    draft, and of sentences the rules wrote: those are screened, all in one pass, and if
    anything there is flagged, each rewrite is screened whole."""
    rules = [c for c, _ in pairs if c.strategy != "model"]
    own = {draft[lo:hi] for lo, hi in tx.sentences(draft)}
    written = {
        c.text[lo:hi] for c in rules for lo, hi in tx.sentences(c.text) if c.text[lo:hi] not in own
    }
    if not written or not safety.check("\n\n".join(sorted(written)), locale=locale).positive:
        screened = {id(c) for c in rules}
    else:
        screened = set()
    return [
        (c, v)
        for c, v in pairs
        if id(c) in screened or not safety.check(c.text, locale=locale).positive
    ]


__all__ = ["ContextWarning", "DraftFinding", "Feedback", "Rewrite", "findings", "review"]
