"""The rule coders: lexicon entries, the structure of a turn, and the conversation around it.

Each class is one step of the pipeline; ``DEFAULT_CODERS`` is their order.
"""

from __future__ import annotations

from typing import ClassVar

from reattune.coding import text as tx
from reattune.coding.base import CodingState
from reattune.coding.lexicon import Lexicon, default_lexicon
from reattune.model.codes import CodeSpan, EvidenceKind

WITHDRAW_REPLY_CODES = ("withdraw.deny", "withdraw.noncommittal", "withdraw.avoid")
"""Codes that describe a reply's evasion: they need a partner's move to evade."""


def _span(
    code: str,
    turn: int,
    start: int,
    end: int,
    score: float,
    why: str,
    kind: EvidenceKind,
    ref: str,
    tag: str | None = None,
) -> CodeSpan:
    return CodeSpan(
        code, turn, start, end, round(min(1.0, max(0.0, score)), 3), why, kind, ref, tag
    )


class LexiconCoder:
    """Fires every lexicon entry on its own words (negation and quotation respected)."""

    name: ClassVar[str] = "lexicon"
    assigns: ClassVar[tuple[str, ...]] = ("*",)
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()

    def apply(self, state: CodingState) -> None:
        for i, turn in enumerate(state.turns):
            for m in self.lexicon.matches(turn.text):
                e = m.entry
                state.spans[i].append(
                    _span(
                        e.code,
                        i,
                        m.start,
                        m.end,
                        e.score,
                        f"{e.explanation}: “{turn.text[m.start : m.end]}”",
                        EvidenceKind.LEXICON,
                        e.id,
                        e.tag,
                    )
                )


class StructureCoder:
    """Question stacks, shouting and repeated punctuation, from the shape of the text."""

    name: ClassVar[str] = "structure"
    assigns: ClassVar[tuple[str, ...]] = ("pursue.question_stack", "pursue.escalation")
    requires: ClassVar[tuple[str, ...]] = ()

    def apply(self, state: CodingState) -> None:
        minimum = state.settings.question_stack_min
        for i, turn in enumerate(state.turns):
            text = turn.text
            qs = tx.questions(text)
            if len(qs) >= minimum:
                hostile = any(
                    text[a:b].lstrip().lower().startswith(("why", "what is wrong", "do you even"))
                    for a, b in qs
                )
                state.spans[i].append(
                    _span(
                        "pursue.question_stack",
                        i,
                        qs[0][0],
                        qs[-1][1],
                        0.6 + 0.1 * min(len(qs) - minimum, 2) + (0.15 if hostile else 0.0),
                        f"{len(qs)} questions in one turn"
                        + (", some rhetorical ('why…', 'do you even…')" if hostile else ""),
                        EvidenceKind.RULE,
                        "rule.question_count",
                    )
                )
            for a, b in tx.shouting(text):
                state.spans[i].append(
                    _span(
                        "pursue.escalation",
                        i,
                        a,
                        b,
                        0.6,
                        f"written in capitals: “{text[a:b]}”",
                        EvidenceKind.RULE,
                        "rule.all_caps",
                    )
                )
            for a, b in tx.repeated_punctuation(text):
                if "!" in text[a:b] and b - a >= 2:
                    state.spans[i].append(
                        _span(
                            "pursue.escalation",
                            i,
                            a,
                            b,
                            0.45 + 0.05 * min(b - a, 5),
                            f"repeated punctuation “{text[a:b]}”",
                            EvidenceKind.RULE,
                            "rule.repeated_punctuation",
                        )
                    )


class ContextCoder:
    """Codes that depend on the conversation around the turn:

    - ``withdraw.minimal``: a short reply (≤ ``minimal_max_tokens`` tokens of shorthand, a
      lone emoji, or far shorter than the partner's long turn) that takes up none of the
      partner's words — only when the partner just made a move (conflict, a question, or a
      long turn), so "ok" to "can you get milk" stays uncoded;
    - evasive replies (deny, noncommittal, topic change) need a partner move to evade;
    - ``pursue.bid_in_silence`` needs silence: the speaker's previous turn is also theirs,
      or the partner has been silent past the silence threshold; a second or third message
      before any reply that asks or presses is itself a bid;
    - ``horseman.defensiveness`` is stronger right after a criticism, weaker without one;
    - ``break.agree`` needs the partner's request, ``break.return`` an earlier request;
    - ``validation`` is a response: it needs a partner turn before it;
    - ``horseman.criticism`` mirrors ``pursue.blame``; ``antidote.responsibility`` is also a
      repair attempt (type responsibility);
    - escalation across turns: a speaker's negativity rising over their previous turn in
      conflict.
    """

    name: ClassVar[str] = "context"
    assigns: ClassVar[tuple[str, ...]] = (
        "withdraw.minimal",
        "pursue.bid_in_silence",
        "horseman.criticism",
        "repair.attempt",
        "pursue.escalation",
    )
    requires: ClassVar[tuple[str, ...]] = ("lexicon", "structure")

    def apply(self, state: CodingState) -> None:
        break_requested_at: int | None = None
        negativity: dict[str, int] = {}
        for i in range(len(state.turns)):
            prev = state.previous_other(i)
            self._evasion(state, i, prev)
            self._minimal(state, i, prev)
            self._bids(state, i, prev)
            self._defensiveness(state, i, prev)
            break_requested_at = self._breaks(state, i, break_requested_at)
            if prev is None:  # validation answers someone
                self._drop(state, i, "validation")
            self._mirrors(state, i)
            if state.has(i, "pursue.blame", "horseman.contempt"):
                self._drop(state, i, "antidote.gentle_startup")  # not gentle with blame in it
            self._escalation(state, i, negativity)

    @staticmethod
    def _drop(state: CodingState, i: int, *codes: str) -> None:
        state.spans[i][:] = [x for x in state.spans[i] if x.code not in codes]

    @staticmethod
    def _partner_moved(state: CodingState, prev: int | None) -> bool:
        if prev is None:
            return False
        text = state.turns[prev].text
        return (
            state.in_conflict(prev)
            or bool(tx.questions(text))
            or len(tx.tokens(text)) >= state.settings.minimal_partner_min_tokens
        )

    def _evasion(self, state: CodingState, i: int, prev: int | None) -> None:
        if not (prev == i - 1 and self._partner_moved(state, prev)):
            self._drop(state, i, *WITHDRAW_REPLY_CODES)

    def _minimal(self, state: CodingState, i: int, prev: int | None) -> None:
        s = state.settings
        spans = state.spans[i]
        turn = state.turns[i]
        positive = any(
            x.code.startswith(("repair", "antidote", "break", "validation", "cycle")) for x in spans
        )
        if prev is None or prev != i - 1 or positive or not self._partner_moved(state, prev):
            return
        prev_text = state.turns[prev].text
        toks = tx.tokens(turn.text)
        p_toks = tx.tokens(prev_text)
        if tx.content_words(turn.text) & tx.content_words(prev_text):
            return
        short = len(toks) <= s.minimal_max_tokens and (
            not toks or all(t in tx.SHORTHAND for t in toks) or tx.is_only_emoji(turn.text)
        )
        relative = len(p_toks) >= s.minimal_partner_min_tokens and len(
            toks
        ) <= s.minimal_ratio * len(p_toks)
        if short or relative:
            why = (
                f"a {len(toks)}-word reply that takes up none of the partner's "
                f"{len(p_toks)}-word turn"
            )
            spans.append(
                _span(
                    "withdraw.minimal",
                    i,
                    0,
                    len(turn.text),
                    0.8 if short else 0.6,
                    why,
                    EvidenceKind.CONTEXT,
                    "context.minimal_reply",
                )
            )

    def _bids(self, state: CodingState, i: int, prev: int | None) -> None:
        turns = state.turns
        turn = turns[i]
        spans = state.spans[i]
        own_run = i > 0 and turns[i - 1].speaker == turn.speaker
        silent_long = turn.latency is not None and turn.latency >= state.silence_seconds()
        if not (own_run or silent_long or prev is None):
            self._drop(state, i, "pursue.bid_in_silence")
            return
        if not own_run or prev is None or any(x.code == "pursue.bid_in_silence" for x in spans):
            return
        run = 1
        j = i - 1
        while j >= 0 and turns[j].speaker == turn.speaker:
            run += 1
            j -= 1
        if tx.questions(turn.text) or any(x.code.startswith("pursue") for x in spans):
            spans.append(
                _span(
                    "pursue.bid_in_silence",
                    i,
                    0,
                    len(turn.text),
                    min(0.9, 0.4 + 0.15 * run),
                    f"message {run} in a row with no reply from the partner",
                    EvidenceKind.CONTEXT,
                    "context.unanswered_run",
                )
            )

    def _defensiveness(self, state: CodingState, i: int, prev: int | None) -> None:
        after = prev is not None and state.has(prev, "pursue.blame", "horseman.contempt")
        factor = 1.2 if after else 0.7
        suffix = " — right after the partner's criticism" if after else ""
        state.spans[i][:] = [
            _span(
                x.code, i, x.start, x.end, x.score * factor, x.explanation + suffix, x.kind, x.ref
            )
            if x.code == "horseman.defensiveness"
            else x
            for x in state.spans[i]
        ]

    def _breaks(self, state: CodingState, i: int, requested_at: int | None) -> int | None:
        codes = state.codes(i)
        if "break.request" in codes:
            self._drop(state, i, "break.return")
            return i
        by_partner = (
            requested_at is not None
            and state.turns[requested_at].speaker != state.turns[i].speaker
            and i - requested_at <= 3
        )
        if not by_partner:
            self._drop(state, i, "break.agree")
        if requested_at is None:
            self._drop(state, i, "break.return")
        if "break.agree" in state.codes(i):
            self._drop(state, i, "withdraw.minimal")
        return requested_at

    @staticmethod
    def _mirrors(state: CodingState, i: int) -> None:
        extra = []
        for x in state.spans[i]:
            if x.code == "pursue.blame":
                extra.append(
                    _span(
                        "horseman.criticism",
                        i,
                        x.start,
                        x.end,
                        x.score,
                        "criticism (Four Horsemen): " + x.explanation,
                        x.kind,
                        x.ref,
                    )
                )
            elif x.code == "antidote.responsibility":
                extra.append(
                    _span(
                        "repair.attempt",
                        i,
                        x.start,
                        x.end,
                        x.score,
                        "repair by taking responsibility: " + x.explanation,
                        x.kind,
                        x.ref,
                        "responsibility",
                    )
                )
        state.spans[i].extend(extra)

    @staticmethod
    def _escalation(state: CodingState, i: int, negativity: dict[str, int]) -> None:
        turn = state.turns[i]
        neg = sum(1 for x in state.spans[i] if x.family in ("pursue", "horseman"))
        before = negativity.get(turn.speaker)
        if before is not None and neg >= before + 2 and neg >= 3 and state.in_conflict(i):
            state.spans[i].append(
                _span(
                    "pursue.escalation",
                    i,
                    0,
                    len(turn.text),
                    0.55,
                    f"negativity rising: {neg} negative codes after {before} in the speaker's "
                    "previous turn",
                    EvidenceKind.CONTEXT,
                    "context.rising_negativity",
                )
            )
        negativity[turn.speaker] = neg
