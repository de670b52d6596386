"""The coded conversation as the episode finders read it: turns, their codes, the partners,
and the small questions every finder asks (is this a pursuit? a withdrawal? how negative?)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reattune.coding import text as tx
from reattune.coding.base import per_text
from reattune.coding.lexicon import Codebook, default_codebook
from reattune.model import ConversationKind, Turn
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings

PURSUIT_CODES = ("pursue.", "horseman.criticism", "horseman.contempt")
WITHDRAWAL_CODES = ("withdraw.",)
STONEWALL_REPLY_CODES = ("withdraw.minimal", "withdraw.deny", "withdraw.noncommittal")
"""Stonewalling (b): the replies that show no sign of listening (codebook)."""
ENGAGING_CODES = (
    "horseman.defensiveness",
    "repair.",
    "validation",
    "antidote.",
    "cycle.naming",
    "interest",
    "break.",
)
"""Codes of a turn that engages with the partner, even defensively."""
BID_ONLY = "pursue.bid_in_silence"


@dataclass(slots=True)
class Timeline:
    turns: Sequence[Turn]
    spans: Sequence[Sequence[CodeSpan]]
    kind: ConversationKind
    partners: tuple[str, ...]
    """Speaker ids of partner A and partner B (in that order), where known."""
    settings: AnalysisSettings
    codebook: Codebook = field(default_factory=default_codebook)
    tokens: Sequence[tuple[str, ...]] = ()
    """``text.tokens`` of every turn: pass the coding's (``CodingState.tokens``), or they are
    read here."""
    _codes: list[frozenset[str]] = field(default_factory=list)
    _conflict: list[bool] = field(default_factory=list)
    _last_conflict: list[float] = field(default_factory=list)
    """For each turn, the last turn in conflict up to it (minus infinity before the first)."""
    _baselines: dict[str, float | None] = field(default_factory=dict)
    _memo: dict[tuple[tuple[str, ...], frozenset[str]], bool] = field(default_factory=dict)
    """``has`` per set of codes and prefixes: the same few sets of codes recur on many
    turns."""
    _flags: dict[tuple[str, ...], list[bool]] = field(default_factory=dict)
    _pursues: list[bool] = field(default_factory=list)
    _withdraws: list[bool] = field(default_factory=list)
    _negatives: list[int] = field(default_factory=list)
    _positives: list[int] = field(default_factory=list)
    _engages: list[bool] = field(default_factory=list)
    """``has(i, *ENGAGING_CODES)`` of every turn."""

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.turns):
            self.tokens = per_text([t.text for t in self.turns], tx.token_tuple)
        # one frozenset per distinct set of codes, shared by the turns that have it (the
        # same few sets recur: fewer objects for the garbage collector to walk)
        distinct: dict[frozenset[str], frozenset[str]] = {}
        share = distinct.setdefault
        self._codes = [
            share(codes, codes)
            if spans and (codes := frozenset([s.code for s in spans]))
            else _NONE
            for spans in self.spans
        ]
        # the questions every finder asks of every turn, answered once per set of codes
        facts = {codes: self._facts(codes) for codes in set(self._codes)}
        per_turn = list(map(facts.__getitem__, self._codes))
        self._conflict = [f[0] for f in per_turn]
        self._last_conflict = _last_true(self._conflict)
        self._pursues = [f[1] for f in per_turn]
        self._withdraws = [f[2] for f in per_turn]
        self._negatives = [f[3] for f in per_turn]
        self._positives = [f[4] for f in per_turn]
        self._engages = [f[5] for f in per_turn]

    def _facts(self, codes: frozenset[str]) -> tuple[bool, bool, bool, int, int, bool]:
        """Of a turn with ``codes``: in conflict, pursues, withdraws, negatives, positives,
        engages (``ENGAGING_CODES``)."""
        valence = self.codebook.valence
        return (
            _conflict(codes),
            any(c.startswith(PURSUIT_CODES) for c in codes),
            any(c.startswith(WITHDRAWAL_CODES) for c in codes),
            sum(1 for c in codes if valence(c) < 0),
            sum(1 for c in codes if valence(c) > 0),
            any(c.startswith(ENGAGING_CODES) for c in codes),
        )

    def recode(self, turns: Iterable[int]) -> None:
        """Read the codes of ``turns`` again after their spans changed (as a new timeline
        over the same spans would)."""
        for i in turns:
            codes = self._codes[i] = frozenset(s.code for s in self.spans[i])
            (
                self._conflict[i],
                self._pursues[i],
                self._withdraws[i],
                self._negatives[i],
                self._positives[i],
                self._engages[i],
            ) = self._facts(codes)
            for prefixes, found in self._flags.items():
                found[i] = any(c.startswith(prefixes) for c in codes)
        self._last_conflict = _last_true(self._conflict)
        self._baselines.clear()  # calm turns may have changed

    def flags(self, *prefixes: str) -> list[bool]:
        """``has(i, *prefixes)`` of every turn ``i``, read once per set of prefixes (for
        the finders that ask it of every turn; do not change the list)."""
        found = self._flags.get(prefixes)
        if found is None:
            table = {
                codes: any(c.startswith(prefixes) for c in codes) for codes in set(self._codes)
            }
            found = self._flags[prefixes] = list(map(table.__getitem__, self._codes))
        return found

    def codes(self, i: int) -> frozenset[str]:
        return self._codes[i]

    def has(self, i: int, *prefixes: str) -> bool:
        codes = self._codes[i]
        if not codes:
            return False
        key = (prefixes, codes)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = any(c.startswith(prefixes) for c in codes)
        return found

    def pursues(self, i: int) -> bool:
        return self._pursues[i]

    def withdraws(self, i: int) -> bool:
        return self._withdraws[i]

    def negatives(self, i: int) -> int:
        """How many of the turn's codes are negative (by the codebook's valence)."""
        return self._negatives[i]

    def positives(self, i: int) -> int:
        return self._positives[i]

    def in_conflict(self, i: int) -> bool:
        """Active conflict: a pursuit or horseman code in this turn or the last few
        (``conflict_window_turns``). A bid for contact alone ("hello??", "you there?") reaches
        out; it does not make a conflict."""
        return self._last_conflict[i] >= i - self.settings.conflict_window_turns

    def silence_seconds(self) -> float:
        """How long a partner must stay silent for a bid to count as left unanswered."""
        if self.kind is ConversationKind.SESSION:
            return self.settings.session_silence_seconds
        return self.settings.chat_silence_seconds

    def other(self, speaker: str) -> str | None:
        if len(self.partners) == 2 and speaker in self.partners:
            return self.partners[1] if speaker == self.partners[0] else self.partners[0]
        return None

    def is_partner(self, speaker: str) -> bool:
        return speaker in self.partners

    def clock(self, i: int) -> float | None:
        return self.turns[i].start

    def clock_end(self, i: int) -> float | None:
        return self.turns[i].end

    def duration(self) -> float | None:
        starts = [t.start for t in self.turns if t.start is not None]
        ends = [t.end for t in self.turns if t.end is not None]
        if not starts or not ends:
            return None
        return max(ends) - min(starts)

    def latency_baseline(self, speaker: str) -> float | None:
        """Median reply latency over the speaker's calm turns (all replies if fewer than three
        are calm); computed once per speaker."""
        if speaker not in self._baselines:
            self._baselines[speaker] = self._latency_baseline(speaker)
        return self._baselines[speaker]

    def _latency_baseline(self, speaker: str) -> float | None:
        calm, every = [], []
        for i, t in enumerate(self.turns):
            if t.speaker != speaker or t.latency is None or t.latency < 0:
                continue
            every.append(t.latency)
            if not self.in_conflict(i):
                calm.append(t.latency)
        pool = calm if len(calm) >= 3 else every
        return statistics.median(pool) if pool else None

    def takes_up_content(self, i: int, of: int | None) -> bool:
        """The turn engages: it carries no withdrawal code, or it is defensive, repairing,
        validating or curious (defending is engaging). ``of`` is the partner's turn it
        answers (kept for finders that weigh overlap)."""
        del of
        return self._engages[i] or not self._withdraws[i]

    def on_topic(self, i: int, of: int | None) -> bool:
        """The turn answers ``of``: it engages (repair, validation, defence…) or shares a
        content word with it."""
        if of is None or self._engages[i]:
            return True
        mine = tx.words_of_content(self.tokens[i]) - _STOP
        return bool(mine & tx.words_of_content(self.tokens[of]))

    def topic_words(self, i: int, limit: int = 5) -> tuple[str, ...]:
        words = sorted(
            (
                w
                for w in tx.words_of_content(self.tokens[i])
                if w not in _STOP and "'" not in w and "’" not in w
            ),
            key=lambda w: (-len(w), w),
        )
        return tuple(words[:limit])


_NONE: frozenset[str] = frozenset()


def _last_true(flags: list[bool]) -> list[float]:
    """For each index, the last index up to it whose flag is true (minus infinity if none)."""
    out: list[float] = []
    last = -math.inf
    for i, flag in enumerate(flags):
        if flag:
            last = float(i)
        out.append(last)
    return out


def _conflict(codes: frozenset[str]) -> bool:
    return any(c.startswith(("pursue.", "horseman.")) and c != BID_ONLY for c in codes)


_STOP = frozenset(
    "that this with what your have just like about there they them then when where would "
    "could should really even dont don't can't cant will been were want need always never "
    "because from into over also some more much very know think feel".split()
)
