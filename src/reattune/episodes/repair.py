"""Repair attempts and whether they worked.

A repair succeeds when the partner's next turn is not negative and the negative run ends
(negativity in the ``repair_window_turns`` after is lower than before, or there was none);
it fails when the partner's reply is negative or negativity goes on. The turns after are the
exchange the repair opened: the partner's response and what follows, up to the repairer's own
next turn after it. Timing: early (first
3 minutes), middle, late (last 3 minutes); without times, the first/last tenth of turns.
"""

from __future__ import annotations

from collections.abc import Callable

from reattune.episodes.timeline import Timeline
from reattune.model._construct import positional_constructor
from reattune.model.analysis import Phase, RepairAttempt, RepairOutcome

_new_repair: Callable[
    [
        int,
        str,
        tuple[str, ...],
        RepairOutcome,
        int | None,
        float,
        float | None,
        Phase,
        float | None,
        str,
    ],
    RepairAttempt,
] = positional_constructor(RepairAttempt)
"""``RepairAttempt(...)`` with its fields in order, built faster (``model/_construct.py``)."""


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def _span(tl: Timeline) -> tuple[float, float] | None:
    """First start and last end on the conversation's clock (computed once per analysis)."""
    starts = [t.start for t in tl.turns if t.start is not None]
    ends = [t.end for t in tl.turns if t.end is not None]
    if not starts or not ends:
        return None
    return min(starts), max(ends)


def _phase(tl: Timeline, i: int, span: tuple[float, float] | None) -> Phase:
    s = tl.settings
    at = tl.clock(i)
    if at is not None and span is not None:
        first, last = span
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


def _exchange_after(tl: Timeline, i: int, response: int | None, k: int) -> list[int]:
    """The k turns after the repair that judge it: the partner's response and what follows,
    up to the repairer's next turn after that response (a fresh move of their own, judged on
    its own), so a repair that landed is not undone by its maker's later complaint."""
    me = tl.turns[i].speaker
    out = []
    for j in range(i + 1, min(len(tl.turns), i + 1 + k)):
        if response is not None and j > response and tl.turns[j].speaker == me:
            break
        out.append(j)
    return out


def repair_attempts(tl: Timeline) -> list[RepairAttempt]:
    k = tl.settings.repair_window_turns
    span = _span(tl)
    out = []
    repairs = tl.flags("repair.attempt", "cycle.naming")
    for i, turn in enumerate(tl.turns):
        if not repairs[i]:
            continue  # no repair here (the tags below would be empty)
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
        after_turns = _exchange_after(tl, i, response, k)
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
            _new_repair(
                i,  # turn
                turn.speaker,  # speaker
                tuple(tags),  # types
                outcome,  # outcome
                response,  # response_turn
                round(before, 3),  # negativity_before
                None if after is None else round(after, 3),  # negativity_after
                _phase(tl, i, span),  # phase
                tl.clock(i),  # at
                f"repair attempt ({', '.join(tags)}): {why}",  # explanation
            )
        )
    return out
