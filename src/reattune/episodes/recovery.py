"""The escalation/recovery balance and recovery time.

Each turn scores positives minus negatives (by the codebook's valence); sessions are cut in
3-minute blocks, chats in exchanges (two turns). The rolling balance is the mean over the
block and the two before it. Recovery time runs from the negativity peak until the rolling
balance is back at the couple's baseline (the median rolling balance) and stays there.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from reattune.durations import duration
from reattune.episodes.timeline import Timeline
from reattune.model import ConversationKind
from reattune.model._construct import positional_constructor
from reattune.model.analysis import Block, Recovery


def _groups(tl: Timeline) -> list[Sequence[int]]:
    n = len(tl.turns)
    if tl.kind is ConversationKind.SESSION and all(t.start is not None for t in tl.turns):
        size = tl.settings.block_seconds
        origin = tl.turns[0].start if n else 0.0
        assert origin is not None
        groups: dict[int, list[int]] = {}
        for i, t in enumerate(tl.turns):
            assert t.start is not None
            groups.setdefault(int((t.start - origin) // size), []).append(i)
        return [groups[k] for k in sorted(groups)]
    return [range(i, min(n, i + 2)) for i in range(0, n, 2)]


def balance_blocks(tl: Timeline) -> list[Block]:
    blocks: list[Block] = []
    window: list[int] = []
    positives, negatives = tl.positives, tl.negatives
    for k, turns in enumerate(_groups(tl)):
        pos = neg = 0
        for i in turns:
            pos += positives(i)
            neg += negatives(i)
        window = [*window[-2:], pos - neg]
        blocks.append(
            _new_block(
                k,  # index
                tl.clock(turns[0]),  # start
                tl.clock_end(turns[-1]),  # end
                turns[0],  # first_turn
                turns[-1],  # last_turn
                pos,  # positives
                neg,  # negatives
                pos - neg,  # balance
                round(sum(window) / len(window), 3),  # rolling
            )
        )
    return blocks


_new_block: Callable[[int, float | None, float | None, int, int, int, int, int, float], Block] = (
    positional_constructor(Block)
)
"""``Block(...)`` with its fields in order, built faster (a chat has one per exchange)."""


def recovery(tl: Timeline, blocks: list[Block]) -> Recovery:
    if not blocks:
        return Recovery(0.0, None, None, None, None, False, "no turns to measure")
    baseline = statistics.median(b.rolling for b in blocks)
    peak = min(blocks, key=lambda b: (b.rolling, b.index))
    if peak.rolling >= baseline or peak.negatives == 0:
        return Recovery(
            baseline, None, None, None, None, True, "no negativity peak below the couple's baseline"
        )
    peak_turn = max(range(peak.first_turn, peak.last_turn + 1), key=tl.negatives)
    hold = tl.settings.recovery_hold_blocks
    for b in blocks[peak.index + 1 :]:
        later = blocks[b.index : b.index + 1 + hold]
        if all(x.rolling >= baseline for x in later):
            seconds = None
            if b.start is not None and peak.start is not None:
                seconds = max(0.0, b.start - peak.start)
            when = f" {duration(seconds)}" if seconds is not None else ""
            return Recovery(
                baseline,
                peak.index,
                peak_turn,
                b.index,
                seconds,
                True,
                f"the balance returned to the couple's baseline{when} after the "
                "negativity peak and stayed there",
            )
    return Recovery(
        baseline,
        peak.index,
        peak_turn,
        None,
        None,
        False,
        "the balance did not return to the couple's baseline before the end",
    )
