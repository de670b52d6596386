"""Pursue-withdraw loops, cycles, and the codebook's five measures of cycle strength.

A loop is a pursuit by one partner, a withdrawal by the other within ``loop_max_turn_lag``
turns, and the first partner's pursuit again within as many turns after that. Roles are
never assumed: either partner may pursue, and roles may flip by topic.
"""

from __future__ import annotations

from reattune.durations import duration
from reattune.episodes.timeline import Timeline
from reattune.model.analysis import Cycle, CycleStrength, Loop


def _next(tl: Timeline, after: int, speaker: str, want: str, lag: int) -> int | None:
    """The first turn by ``speaker`` within ``lag`` turns after ``after`` that pursues or
    withdraws (``want``); other turns by the partners in between are allowed."""
    for j in range(after + 1, min(len(tl.turns), after + 1 + lag)):
        if tl.turns[j].speaker != speaker:
            continue
        if (want == "pursue" and tl.pursues(j)) or (want == "withdraw" and tl.withdraws(j)):
            return j
    return None


def find_loops(tl: Timeline) -> list[Loop]:
    lag = tl.settings.loop_max_turn_lag
    loops: list[Loop] = []
    for i, turn in enumerate(tl.turns):
        other = tl.other(turn.speaker)
        if other is None or not tl.pursues(i):
            continue
        w = _next(tl, i, other, "withdraw", lag)
        if w is None:
            continue
        again = _next(tl, w, turn.speaker, "pursue", lag)
        if again is None:
            continue
        if loops and loops[-1].pursue_turn == i:
            continue
        loops.append(
            Loop(
                pursuer=turn.speaker,
                withdrawer=other,
                pursue_turn=i,
                withdraw_turn=w,
                repursue_turn=again,
                pursue_codes=tuple(
                    sorted(c for c in tl.codes(i) if c.startswith(("pursue.", "horseman.")))
                ),
                withdraw_codes=tuple(sorted(c for c in tl.codes(w) if c.startswith("withdraw."))),
                start=tl.clock(i),
                end=tl.clock_end(again),
            )
        )
    # a pursuit that both closes one loop and opens the next is shared; drop exact repeats
    unique: list[Loop] = []
    for loop in loops:
        if unique and unique[-1].withdraw_turn == loop.withdraw_turn:
            continue
        unique.append(loop)
    return unique


def find_cycles(tl: Timeline, loops: list[Loop]) -> list[Cycle]:
    s = tl.settings
    cycles: list[Cycle] = []
    group: list[int] = []

    def close() -> None:
        if len(group) >= 2:
            first, last = loops[group[0]], loops[group[-1]]
            span = None
            if first.start is not None and last.end is not None:
                span = last.end - first.start
            when = f" over {duration(span)}" if span is not None else ""
            cycles.append(
                Cycle(
                    pursuer=first.pursuer,
                    withdrawer=first.withdrawer,
                    loops=tuple(group),
                    start_turn=first.pursue_turn,
                    end_turn=last.repursue_turn,
                    explanation=f"{len(group)} pursue-withdraw loops with the same roles"
                    f"{when}: each pursuit met withdrawal, and each withdrawal met more "
                    "pursuit.",
                )
            )

    for k, loop in enumerate(loops):
        if group:
            prev = loops[group[-1]]
            same_roles = prev.pursuer == loop.pursuer
            exchanges = (loop.pursue_turn - prev.pursue_turn) / 2.0
            close_in_turns = exchanges <= s.cycle_window_exchanges
            close_in_time = (
                prev.start is not None
                and loop.start is not None
                and loop.start - prev.start <= s.cycle_window_seconds
            )
            if same_roles and (close_in_turns or close_in_time):
                group.append(k)
                continue
            close()
        group = [k]
    close()
    return cycles


def _rate(tl: Timeline, speaker: str, test: str) -> float:
    idx = [i for i, t in enumerate(tl.turns) if t.speaker == speaker]
    if not idx:
        return 0.0
    hits = sum(1 for i in idx if (tl.pursues(i) if test == "pursue" else tl.withdraws(i)))
    return round(hits / len(idx), 4)


def _slope(values: list[float]) -> float | None:
    n = len(values)
    if n < 2:
        return None
    mx = (n - 1) / 2.0
    my = sum(values) / n
    den = sum((x - mx) ** 2 for x in range(n))
    return round(sum((x - mx) * (y - my) for x, y in enumerate(values)) / den, 4)


def cycle_strength(tl: Timeline, loops: list[Loop]) -> CycleStrength:
    partners = tl.partners
    demand = {p: _rate(tl, p, "pursue") for p in partners}
    withdraw = {p: _rate(tl, p, "withdraw") for p in partners}
    if len(partners) != 2:
        return CycleStrength(None, None, None, None, None, 0.0, demand, withdraw, None, None)
    a, b = partners
    if loops:
        by_a = sum(1 for x in loops if x.pursuer == a)
        pursuer = a if by_a * 2 >= len(loops) else b
    else:
        pursuer = a if demand[a] - withdraw[a] >= demand[b] - withdraw[b] else b
    withdrawer = b if pursuer == a else a
    # lag-1 contingency over adjacent (pursuer turn, withdrawer turn) pairs
    n11 = n10 = n01 = n00 = 0
    for i in range(len(tl.turns) - 1):
        if tl.turns[i].speaker != pursuer or tl.turns[i + 1].speaker != withdrawer:
            continue
        p, w = tl.pursues(i), tl.withdraws(i + 1)
        n11 += p and w
        n10 += p and not w
        n01 += (not p) and w
        n00 += (not p) and (not w)
    p_w = round(n11 / (n11 + n10), 4) if n11 + n10 else None
    q = None
    if n11 + n10 and n01 + n00:
        c = 0.5 if 0 in (n11, n10, n01, n00) else 0.0
        ad, bc = (n11 + c) * (n00 + c), (n10 + c) * (n01 + c)
        q = round((ad - bc) / (ad + bc), 4) if ad + bc else None
    asym = round(
        (demand[pursuer] - demand[withdrawer]) + (withdraw[withdrawer] - withdraw[pursuer]), 4
    )
    escalation = _slope([float(tl.negatives(x.pursue_turn)) for x in loops if x.pursuer == pursuer])
    duration = tl.duration()
    per_hour = round(len(loops) / (duration / 3600.0), 3) if duration else None
    return CycleStrength(
        pursuer=pursuer,
        withdrawer=withdrawer,
        p_withdraw_after_pursuit=p_w,
        withdraw_base_rate=withdraw[withdrawer],
        yules_q=q,
        role_asymmetry=asym,
        demand=demand,
        withdraw=withdraw,
        escalation_slope=escalation,
        loops_per_hour=per_hour,
    )
