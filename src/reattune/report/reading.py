"""A plain-language reading of an analysis, shared by the terminal summary and the Markdown
report: who pursued and who withdrew (with the evidence), the episodes, and what it means in
the codebook's spirit — protection, not indifference; the cycle, not the person."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from reattune.durations import duration
from reattune.model import Conversation
from reattune.model.analysis import Analysis, BreakStatus, RepairOutcome
from reattune.report.redact import redact_text, speaker_labels


@dataclass(frozen=True, slots=True)
class Reading:
    title: str
    roles: str
    """Who pursued and who withdrew, with the evidence."""
    paragraphs: tuple[str, ...]
    """The plain-language reading of the cycle."""


class Namer:
    """Speaker names, or role labels when the report is shared redacted."""

    def __init__(self, conversation: Conversation, redact: bool) -> None:
        self.conversation = conversation
        self.redact = redact
        self.labels = speaker_labels(conversation.participants)
        self.names: dict[str, str] = {}
        for s in conversation.participants:
            self.names[s.id] = self.labels[s.id]
            self.names[s.display_name] = self.labels[s.id]

    def __call__(self, speaker: str | None) -> str:
        if speaker is None:
            return "nobody"
        if self.redact:
            return self.labels.get(speaker, "Participant")
        try:
            return self.conversation.speaker(speaker).display_name
        except KeyError:
            return speaker

    def text(self, value: str) -> str:
        return redact_text(value, self.names) if self.redact else value


def _evidence(analysis: Analysis, speaker: str, prefix: str) -> str:
    counts: Counter[str] = Counter()
    for p in analysis.partners:
        if p.speaker == speaker:
            counts.update({c: n for c, n in p.code_counts.items() if c.startswith(prefix)})
    top = ", ".join(f"{code} ×{n}" for code, n in counts.most_common(3))
    return top or "no coded moves"


def read_analysis(
    conversation: Conversation, analysis: Analysis, *, redact: bool = False
) -> Reading:
    name = Namer(conversation, redact)
    cs = analysis.cycle_strength
    m = analysis.metrics
    paragraphs: list[str] = []
    if cs.pursuer is not None and cs.withdrawer is not None and m.loops:
        roles = (
            f"{name(cs.pursuer)} pursued ({_evidence(analysis, cs.pursuer, 'pursue.')}) and "
            f"{name(cs.withdrawer)} withdrew ({_evidence(analysis, cs.withdrawer, 'withdraw.')})."
        )
        paragraphs.append(
            f"The conversation went round the pursue-withdraw cycle {m.loops} "
            f"time{'s' if m.loops != 1 else ''}: each push for closeness met a step back, and each "
            "step back brought more pushing. Neither move is the problem on its own — the loop is. "
            f"{name(cs.pursuer)}'s pursuit most likely protects against disconnection; "
            f"{name(cs.withdrawer)}'s withdrawal most likely protects against flooding — "
            "protection, not indifference."
        )
    else:
        roles = (
            "No pursue-withdraw loop was found: neither partner settled into pursuing or "
            "withdrawing."
        )
    if analysis.stonewalling:
        total = sum(e.duration_seconds or 0.0 for e in analysis.stonewalling)
        censored = sum(1 for e in analysis.stonewalling if e.censored)
        flooded = sum(1 for e in analysis.stonewalling if e.flooding_before)
        text = (
            f"{len(analysis.stonewalling)} stonewalling episode"
            f"{'s' if len(analysis.stonewalling) != 1 else ''} ({_duration(total)} in all"
            + (f"; {censored} still open when the conversation ended" if censored else "")
            + "). A shutdown in the middle of conflict is usually the nervous system's freeze "
            "response to overwhelm; more questions tend to deepen it, a break and a promise to "
            "return tend to end it."
        )
        if flooded:
            text += f" In {flooded} of them the listener had said they felt flooded just before."
        paragraphs.append(text)
    judged = [r for r in analysis.repairs if r.outcome is not RepairOutcome.UNDETERMINED]
    if analysis.repairs:
        ok = sum(1 for r in judged if r.outcome is RepairOutcome.SUCCESS)
        paragraphs.append(
            f"{len(analysis.repairs)} repair attempt{'s' if len(analysis.repairs) != 1 else ''}"
            f"; {ok} of {len(judged)} that could be judged landed (the partner's next turn was "
            "not negative and the negative run ended)."
        )
    if analysis.breaks:
        honoured = sum(1 for b in analysis.breaks if b.status is BreakStatus.HONOURED)
        paragraphs.append(
            f"{len(analysis.breaks)} break{'s' if len(analysis.breaks) != 1 else ''} asked for; "
            f"{honoured} honoured (agreed, and the return came on time)."
        )
    namings = m.cycle_namings
    if namings:
        paragraphs.append(
            f"The cycle was named {namings} time{'s' if namings != 1 else ''} — naming the "
            "pattern instead of the person is one of the strongest ways out of it."
        )
    if analysis.recovery.recovery_seconds is not None:
        paragraphs.append(
            f"After the most negative stretch, the balance of positive and negative moves "
            "returned to the couple's baseline after "
            f"{_duration(analysis.recovery.recovery_seconds)}."
        )
    title = "Conversation reading" if redact else f"Reading of {conversation.source.path}"
    return Reading(title=title, roles=roles, paragraphs=tuple(paragraphs))


def _duration(seconds: float | None) -> str:
    return "unknown time" if seconds is None else duration(seconds)
