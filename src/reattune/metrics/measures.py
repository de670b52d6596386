"""The measures a clinician documents, per partner and for the conversation."""

from __future__ import annotations

import statistics
from collections import Counter
from itertools import chain
from operator import attrgetter

from reattune.episodes.timeline import Timeline
from reattune.model import Conversation
from reattune.model.analysis import (
    Break,
    BreakStatus,
    ConversationMetrics,
    Cycle,
    Loop,
    PartnerMetrics,
    Recovery,
    RepairAttempt,
    RepairOutcome,
    StonewallingEpisode,
)

HORSEMEN = (
    "horseman.criticism",
    "horseman.contempt",
    "horseman.defensiveness",
    "horseman.stonewalling",
)
ANTIDOTES = (
    "antidote.gentle_startup",
    "antidote.appreciation",
    "antidote.responsibility",
    "antidote.self_soothing",
)


_MESSAGES = attrgetter("messages")
_TEXT = attrgetter("text")
_YOU = frozenset({"you", "your", "you're", "u", "ur", "yours"})
_WE = frozenset({"we", "us", "our", "we're", "ours", "let's"})


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def partner_metrics(
    conversation: Conversation,
    tl: Timeline,
    episodes: list[StonewallingEpisode],
    repairs: list[RepairAttempt],
) -> list[PartnerMetrics]:
    out = []
    by_speaker: dict[str, list[int]] = {}
    for i, t in enumerate(tl.turns):
        by_speaker.setdefault(t.speaker, []).append(i)
    for speaker in conversation.participants:
        sid = speaker.id
        idx = by_speaker.get(sid, [])
        turns = [tl.turns[i] for i in idx]
        counts = Counter(chain.from_iterable(map(tl.codes, idx)))
        toks = [tl.tokens[i] for i in idx]
        all_toks = list(chain.from_iterable(toks))
        you = sum(map(_YOU.__contains__, all_toks))
        we = sum(map(_WE.__contains__, all_toks))
        mine = [e for e in episodes if e.listener == sid]
        my_repairs = [r for r in repairs if r.speaker == sid]
        wpm = [w for t in turns if (w := t.words_per_minute) is not None]
        latencies = [lat for t in turns if (lat := t.latency) is not None]
        out.append(
            PartnerMetrics(
                speaker=sid,
                label=speaker.label,
                turns=len(idx),
                messages=sum(map(len, map(_MESSAGES, turns))),
                words=sum(map(len, map(str.split, map(_TEXT, turns)))),
                median_turn_tokens=_median([float(len(t)) for t in toks]),
                median_latency=_median(latencies),
                baseline_latency=tl.latency_baseline(sid),
                median_words_per_minute=_median(wpm),
                code_counts=dict(sorted(counts.items())),
                horsemen={h: counts.get(h, 0) for h in HORSEMEN},
                antidotes={a: counts.get(a, 0) for a in ANTIDOTES},
                demand=round(sum(map(tl.pursues, idx)) / len(idx), 4) if idx else 0.0,
                withdraw=round(sum(map(tl.withdraws, idx)) / len(idx), 4) if idx else 0.0,
                bids=counts.get("pursue.bid_in_silence", 0),
                repair_attempts=len(my_repairs),
                repair_successes=sum(1 for r in my_repairs if r.outcome is RepairOutcome.SUCCESS),
                stonewalling_episodes=len(mine),
                stonewalling_seconds=round(sum(e.duration_seconds or 0.0 for e in mine), 3),
                cycle_namings=counts.get("cycle.naming", 0),
                flooding=counts.get("flooding", 0),
                you_talk=round(you / len(all_toks), 4) if all_toks else 0.0,
                we_talk=round(we / len(all_toks), 4) if all_toks else 0.0,
            )
        )
    return out


def conversation_metrics(
    conversation: Conversation,
    tl: Timeline,
    episodes: list[StonewallingEpisode],
    loops: list[Loop],
    cycles: list[Cycle],
    repairs: list[RepairAttempt],
    breaks: list[Break],
    recovery: Recovery,
) -> ConversationMetrics:
    duration = tl.duration()
    judged = [r for r in repairs if r.outcome is not RepairOutcome.UNDETERMINED]
    neg = sum(tl.negatives(i) for i in range(len(tl.turns)))
    pos = sum(tl.positives(i) for i in range(len(tl.turns)))
    return ConversationMetrics(
        kind=conversation.kind.value,
        turns=len(tl.turns),
        duration_seconds=duration,
        stonewalling_episodes=len(episodes),
        stonewalling_seconds=round(sum(e.duration_seconds or 0.0 for e in episodes), 3),
        loops=len(loops),
        cycles=len(cycles),
        loops_per_hour=round(len(loops) / (duration / 3600.0), 3) if duration else None,
        repair_attempts=len(repairs),
        repair_success_rate=round(
            sum(1 for r in judged if r.outcome is RepairOutcome.SUCCESS) / len(judged), 4
        )
        if judged
        else None,
        breaks=len(breaks),
        breaks_honoured=sum(1 for b in breaks if b.status is BreakStatus.HONOURED),
        recovery_seconds=recovery.recovery_seconds,
        cycle_namings=sum(tl.flags("cycle.naming")),
        negative_codes=neg,
        positive_codes=pos,
        positive_negative_ratio=round(pos / neg, 3) if neg else None,
    )
