"""Stonewalling episodes and the processing / freeze / shutdown reading of slow replies.

An episode opens only in active conflict, when the listener (a) leaves two or more
consecutive bids unanswered — each bid followed by another, and the last by silence past
``chat_silence_seconds`` / ``session_silence_seconds`` or by the end of the data, so a
double text answered at once is no episode; (b) gives two or more consecutive minimal,
denying or noncommittal replies (other withdrawal, such as "not now", neither counts nor
breaks the run; a reply that takes up content does); or (c) replies far slower than their
own median with minimal content. A break request is a break, not stonewalling: bids while
the listener is on a requested time-out do not count. An episode ends at the listener's first
turn that takes up content, at a break request, or at the end of the data (censored). A slow
but elaborated, on-topic reply is processing and never opens an episode; flooding said of the
present is a freeze, flooding recalled ("last night I was overwhelmed") is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reattune.episodes.timeline import PURSUIT_CODES, STONEWALL_REPLY_CODES, Timeline
from reattune.model._construct import positional_constructor
from reattune.model.analysis import (
    DelayedReply,
    DelayKind,
    EpisodeEnd,
    StonewallCriterion,
    StonewallingEpisode,
)

_new_delay: Callable[[int, str, float, float, float, DelayKind, str], DelayedReply] = (
    positional_constructor(DelayedReply)
)
"""``DelayedReply(...)`` with its fields in order, built faster (``model/_construct.py``)."""

_CRITERION_WHY = {
    StonewallCriterion.UNANSWERED_BIDS: "left {n} consecutive bids unanswered",
    StonewallCriterion.WITHDRAWAL_REPLIES: "gave {n} withdrawal replies in a row",
    StonewallCriterion.SLOW_MINIMAL: "replied {n}× slower than usual, with minimal content",
}


@dataclass(slots=True)
class _Open:
    criterion: StonewallCriterion
    start_turn: int
    strength: int
    turns: list[int] = field(default_factory=list)


def _slow_factor(tl: Timeline, i: int, baseline: float | None) -> float | None:
    latency = tl.turns[i].latency
    if latency is None or baseline is None or baseline <= 0:
        return None
    return latency / baseline


def _elaborated(tl: Timeline, i: int, of: int | None) -> bool:
    """An elaborated, on-topic reply: long enough, no withdrawal in it (or engaging despite
    one), and it takes up the partner's turn it answers."""
    toks = tl.tokens[i]
    if len(toks) < tl.settings.processing_min_tokens:
        return False
    return of is None or (tl.takes_up_content(i, of) and tl.on_topic(i, of))


def _flooded_now(tl: Timeline, i: int) -> bool:
    """Flooding said of the present ("I can't think", "my heart is pounding"), not recalled
    ("last night I was completely overwhelmed", tag ``recalled``)."""
    for s in tl.spans[i]:  # a loop: no generator made for the one or two spans
        if s.code == "flooding" and s.tag != "recalled":
            break
    else:
        return False
    return True


def _after_break(tl: Timeline, i: int, prev: int | None) -> bool:
    """The delay before turn ``i`` was a time-out: it returns from one, or it follows a break
    request or agreement."""
    if tl.flags("break.return")[i]:
        return True
    asked = tl.flags("break.request", "break.agree")
    if i > 0 and asked[i - 1]:
        return True
    return prev is not None and asked[prev]


def delayed_replies(tl: Timeline) -> list[DelayedReply]:
    """Every partner reply slower than ``stonewall_latency_factor`` × the speaker's own
    median, read as processing, freeze, shutdown or an ordinary pause."""
    out = []
    baselines = {p: tl.latency_baseline(p) for p in tl.partners}
    prev: int | None = None  # the closest earlier turn by someone else
    for i, turn in enumerate(tl.turns):
        if i > 0 and tl.turns[i - 1].speaker != turn.speaker:
            prev = i - 1
        if turn.speaker not in baselines:
            continue
        base = baselines[turn.speaker]
        factor = _slow_factor(tl, i, base)
        if factor is None or base is None or factor < tl.settings.stonewall_latency_factor:
            continue
        if _after_break(tl, i, prev):
            continue  # the silence was an agreed or requested time-out, not a slow reply
        if _flooded_now(tl, i):
            kind, why = DelayKind.FREEZE, "says they are flooded or cannot think: freeze"
        elif _elaborated(tl, i, prev):
            kind, why = DelayKind.PROCESSING, "an elaborated, on-topic reply after the delay"
        elif tl.withdraws(i) and tl.in_conflict(i):
            kind, why = DelayKind.SHUTDOWN, "minimal or avoiding content in active conflict"
        else:
            kind, why = DelayKind.PAUSE, "an ordinary turn after a pause"
        assert turn.latency is not None
        out.append(
            _new_delay(
                i,  # turn
                turn.speaker,  # speaker
                turn.latency,  # latency
                base,  # baseline
                round(factor, 2),  # factor
                kind,  # kind
                f"reply {factor:.1f}× slower than the speaker's median: {why}",  # explanation
            )
        )
    return out


def _trigger(tl: Timeline, pursuer: str, before: int) -> int | None:
    """The pursuer's last coded turn at or before ``before`` (looking back a bounded stretch,
    three conflict windows)."""
    lo = max(-1, before - 3 * tl.settings.conflict_window_turns - 1)
    for j in range(before, lo, -1):
        if tl.turns[j].speaker == pursuer and (tl.pursues(j) or tl.has(j, "horseman.")):
            return j
    return None


def _close(
    tl: Timeline,
    listener: str,
    pursuer: str,
    ep: _Open,
    end_turn: int | None,
    ended_by: EpisodeEnd,
) -> StonewallingEpisode:
    turns = tuple(sorted(set(ep.turns)))
    start = tl.clock(ep.start_turn)
    if end_turn is not None:
        end = tl.clock(end_turn)
    else:
        ends = [e for t in turns if (e := tl.clock_end(t)) is not None]
        end = max(ends) if ends else None
    duration = None if start is None or end is None else max(0.0, end - start)
    pursuer_turns = [t for t in turns if tl.turns[t].speaker == pursuer]
    bids = [t for t in pursuer_turns if tl.pursues(t) or tl.has(t, "pursue.bid_in_silence")]
    rate = None
    if duration and duration > 0 and bids:
        rate = round(len(bids) / (duration / 3600.0), 2)
    trigger = _trigger(tl, pursuer, ep.start_turn)
    lo = max(0, ep.start_turn - tl.settings.conflict_window_turns)
    flooding = any(
        tl.turns[j].speaker == listener and _flooded_now(tl, j)
        for j in range(lo, ep.start_turn + 1)
    )
    why = _CRITERION_WHY[ep.criterion].format(n=ep.strength)
    tail = {
        EpisodeEnd.CONTENT: "until they took up the partner's content again",
        EpisodeEnd.BREAK: "until they asked for a break",
        EpisodeEnd.END_OF_DATA: "and the conversation ended first (censored)",
    }[ended_by]
    return StonewallingEpisode(
        listener=listener,
        pursuer=pursuer,
        criterion=ep.criterion,
        start_turn=ep.start_turn,
        last_turn=turns[-1] if turns else ep.start_turn,
        end_turn=end_turn,
        start=start,
        end=end,
        duration_seconds=duration,
        censored=ended_by is EpisodeEnd.END_OF_DATA,
        ended_by=ended_by,
        unanswered_bids=len([t for t in pursuer_turns if t >= ep.start_turn]),
        pursuer_bids=len(bids),
        pursuer_bid_rate_per_hour=rate,
        trigger_turn=trigger,
        trigger_codes=tuple(sorted(tl.codes(trigger))) if trigger is not None else (),
        trigger_words=tl.topic_words(trigger) if trigger is not None else (),
        flooding_before=flooding,
        turns=turns,
        explanation=f"In active conflict the listener {why}, {tail}; a protective shutdown, "
        "not indifference.",
    )


def _left_unanswered(tl: Timeline, bids: list[int], reply: int | None) -> int:
    """How many of ``bids`` (the pursuer's bids since the listener last spoke) were left
    unanswered: each bid the pursuer had to follow with another, and the last one too when
    the listener's ``reply`` came only after the silence threshold (counted from whoever spoke
    last), or never (``None``)."""
    if not bids:
        return 0
    if reply is None:
        return len(bids)
    silence = tl.turns[reply].gap  # since whoever spoke last: a therapist may have taken the floor
    if silence is None:
        said, answered = tl.clock_end(bids[-1]), tl.clock(reply)
        silence = None if said is None or answered is None else answered - said
    if silence is not None and silence >= tl.silence_seconds():
        return len(bids)
    return len(bids) - 1


def _episodes_for(tl: Timeline, listener: str, pursuer: str) -> list[StonewallingEpisode]:
    s = tl.settings
    baseline = tl.latency_baseline(listener)
    out: list[StonewallingEpisode] = []
    ep: _Open | None = None
    unanswered: list[int] = []
    withdrawals: list[int] = []
    last_pursuer: int | None = None
    on_break = False  # the listener asked for a time-out and has not spoken since
    bid = [p or h for p, h in zip(tl.flags(*PURSUIT_CODES), tl.flags("horseman."), strict=True)]
    asks_break = tl.flags("break.request")
    replies = tl.flags(*STONEWALL_REPLY_CODES)
    minimal = tl.flags("withdraw.minimal")
    for i, turn in enumerate(tl.turns):
        if turn.speaker == pursuer:
            last_pursuer = i
            if ep is not None:
                ep.turns.append(i)
            elif not on_break and bid[i] and (unanswered or tl.in_conflict(i)):
                unanswered.append(i)  # a bid in conflict, or one more in an unanswered run
            continue
        if turn.speaker != listener:
            continue  # a therapist's turn neither answers the bids nor ends the run
        if ep is None:
            left = _left_unanswered(tl, unanswered, i)
            if left >= s.stonewall_min_bids:
                ep = _Open(StonewallCriterion.UNANSWERED_BIDS, unanswered[0], left, unanswered)
        unanswered = []
        on_break = False
        if asks_break[i]:
            if ep is not None:
                out.append(_close(tl, listener, pursuer, ep, i, EpisodeEnd.BREAK))
                ep = None
            withdrawals = []
            on_break = True
            continue
        if ep is not None:
            if tl.takes_up_content(i, last_pursuer):
                out.append(_close(tl, listener, pursuer, ep, i, EpisodeEnd.CONTENT))
                ep = None
            else:
                ep.turns.append(i)
            continue
        conflict = tl.in_conflict(i)
        factor = _slow_factor(tl, i, baseline)
        if tl.takes_up_content(i, last_pursuer):
            withdrawals = []
        elif conflict and replies[i]:
            withdrawals.append(i)
        # other withdrawal (avoiding, refusing) neither counts for (b) nor breaks the run
        if len(withdrawals) >= s.stonewall_min_withdrawals:
            ep = _Open(
                StonewallCriterion.WITHDRAWAL_REPLIES,
                withdrawals[0],
                len(withdrawals),
                list(withdrawals),
            )
            # the pursuer's turns in between belong to the episode too
            ep.turns.extend(j for j in range(withdrawals[0], i) if tl.turns[j].speaker == pursuer)
            withdrawals = []
        elif (
            conflict
            and factor is not None
            and factor >= s.stonewall_latency_factor
            and minimal[i]
            and not _elaborated(tl, i, last_pursuer)
        ):
            start = last_pursuer if last_pursuer is not None else i
            ep = _Open(StonewallCriterion.SLOW_MINIMAL, start, round(factor), [start, i])
            withdrawals = []
    if ep is None and _left_unanswered(tl, unanswered, None) >= s.stonewall_min_bids:
        ep = _Open(StonewallCriterion.UNANSWERED_BIDS, unanswered[0], len(unanswered), unanswered)
    if ep is not None:
        out.append(_close(tl, listener, pursuer, ep, None, EpisodeEnd.END_OF_DATA))
    return out


def stonewalling_episodes(tl: Timeline) -> list[StonewallingEpisode]:
    """Episodes for each partner as listener, in order of start."""
    out: list[StonewallingEpisode] = []
    if len(tl.partners) != 2:
        return out
    a, b = tl.partners
    out += _episodes_for(tl, a, b)
    out += _episodes_for(tl, b, a)
    return sorted(out, key=lambda e: (e.start_turn, e.listener))
