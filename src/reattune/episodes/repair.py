"""Repair attempts and whether they worked.

A repair succeeds when the partner's next turn is not negative and the negative run ends
(negativity in the ``repair_window_turns`` after is lower than before, or there was none);
it fails when the partner's reply is negative or negativity goes on. Timing: early (first
3 minutes), middle, late (last 3 minutes); without times, the first/last tenth of turns.
"""

from __future__ import annotations

from reattune.episodes.timeline import Timeline
from reattune.model.analysis import Phase, RepairAttempt, RepairOutcome


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def _phase(tl: Timeline, i: int) -> Phase:
    s = tl.settings
    at = tl.clock(i)
    starts = [t.start for t in tl.turns if t.start is not None]
    ends = [t.end for t in tl.turns if t.end is not None]
    if at is not None and starts and ends:
        first, last = min(starts), max(ends)
        if at - first < s.phase_seconds:
            return Phase.EARLY
        if last - at < s.phase_seconds:
            return Phase.LATE
        return Phase.MIDDLE
    n = len(tl.turns)
    if i < max(1, n // 10):
        return Phase.EARLY
    if i >= n - max(1, n // 10):
        return Phase.LATE
    return Phase.MIDDLE


def repair_attempts(tl: Timeline) -> list[RepairAttempt]:
    k = tl.settings.repair_window_turns
    out = []
    for i, turn in enumerate(tl.turns):
        if not tl.is_partner(turn.speaker):
            continue
        tags = sorted(
            {s.tag or "repair" for s in tl.spans[i] if s.code == "repair.attempt"}
            | ({"cycle naming"} if tl.has(i, "cycle.naming") else set())
        )
        if not tags:
            continue
        lo = max(0, i - 2 * k)
        if not any(tl.negatives(j) for j in range(lo, i)) and tags != ["apology"]:
            continue  # affection or humour in a calm stretch is not a repair of anything
        before = _mean([tl.negatives(j) for j in range(max(0, i - k), i)])
        partner = tl.other(turn.speaker)
        response = next(
            (
                j
                for j in range(i + 1, min(len(tl.turns), i + 1 + k))
                if tl.turns[j].speaker == partner
            ),
            None,
        )
        after_turns = list(range(i + 1, min(len(tl.turns), i + 1 + k)))
        after = _mean([tl.negatives(j) for j in after_turns]) if after_turns else None
        if response is None or after is None:
            outcome = RepairOutcome.UNDETERMINED
            why = "no reply from the partner followed to judge it by"
        elif tl.negatives(response) == 0 and (after < before or after == 0):
            outcome = RepairOutcome.SUCCESS
            why = "the partner's reply was not negative and the negative run ended"
        else:
            outcome = RepairOutcome.FAILURE
            why = (
                "the partner's reply was negative"
                if tl.negatives(response)
                else "negativity went on after it"
            )
        out.append(
            RepairAttempt(
                turn=i,
                speaker=turn.speaker,
                types=tuple(tags),
                outcome=outcome,
                response_turn=response,
                negativity_before=round(before, 3),
                negativity_after=None if after is None else round(after, 3),
                phase=_phase(tl, i),
                at=tl.clock(i),
                explanation=f"repair attempt ({', '.join(tags)}): {why}",
            )
        )
    return out
