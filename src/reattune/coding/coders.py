"""The rule coders: lexicon entries, the structure of a turn, and the conversation around it.

Each class is one step of the pipeline; ``DEFAULT_CODERS`` is their order.
"""

from __future__ import annotations

from typing import ClassVar

from reattune.coding import text as tx
from reattune.coding.base import CodingState, negative_code, per_text
from reattune.coding.lexicon import Lexicon, default_lexicon
from reattune.model import ConversationKind
from reattune.model.codes import CodeSpan, EvidenceKind, code_span

WITHDRAW_REPLY_CODES = ("withdraw.deny", "withdraw.noncommittal", "withdraw.avoid")
"""Codes that describe a reply's evasion: they need a partner's move to evade."""

POSITIVE = ("repair", "antidote", "break", "validation", "cycle", "interest")
"""Code prefixes of engaging moves: a turn carrying one is not a minimal reply, and a question
inside one is an invitation, not part of a question stack."""
NOT_MINIMAL = (*POSITIVE, "flooding")
"""Code prefixes of a turn that is never a minimal reply."""
EVASION_CODES = frozenset(WITHDRAW_REPLY_CODES)
ESCALATION_FAMILIES = ("pursue.", "horseman.")
"""With the bare family names: the codes whose ``family`` is pursue or horseman."""

QUESTION_STACK = "rule.question_count"
HOSTILE_STACK = "rule.hostile_questions"
ALL_CAPS = "rule.all_caps"
REPEATED_PUNCTUATION = "rule.repeated_punctuation"
INTENSITY_RULES = frozenset({QUESTION_STACK, ALL_CAPS, REPEATED_PUNCTUATION})
"""Structural cues that intensify negativity but are not negative on their own: capitals and
"!!" in "HAPPY BIRTHDAY!!", two questions in "what time? should I bring wine?". They count
only in conflict or next to another negative code of the same turn."""

"""Sessions: a backchannel this prompt after the partner's turn acknowledges it (proposed;
overlapping speech always does)."""

REPORTABLE = ("pursue.", "withdraw.", "horseman.", "break.request")
"""Codes that a verb of saying before them turns into reported speech."""

ACCEPTED_AFTER_REPAIR = ("repair.attempt", "antidote.responsibility", "break.return")
"""After one of these from the partner, "it's fine" / "all good" accepts, it does not deny."""

CONFLICT_ONLY = frozenset(
    {
        "soothe.pause",
        "contempt.sarcasm",
        "contempt.sarcastic_opener",
        "escalation.threat_in_conflict",
        "escalation.swearing_in_conflict",
        "escalation.unbelievable",
        "defensive.yes_but",
        "defensive.excuse",
    }
)
"""Lexicon entries that mean what they say only in conflict (or next to flooding or another
negative code of the turn): "give me a sec" is self-soothing only with something to calm down
from, "great job" and "Perfect! see you at 6" are sarcasm only in a fight, "holy shit" and
"I'm done!" are joy as often as anger, "yeah but" and "I was busy" defend only against a
complaint."""

REPLY_ONLY = frozenset({"exit.going_to_bed"})
"""Lexicon entries that withdraw only as a reply to the partner's move ("I'm going to bed" to
"can we talk?"), not as a closing ("good night", "bye!") in a calm chat."""

ADDRESSED_ONLY = frozenset({"contempt.insult"})
"""Lexicon entries that are contempt only when aimed at the partner ("you're pathetic", "you
idiot") or said on their own ("pathetic."), not "traffic is insane" or "I'm such an idiot"."""


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
    return code_span(code, turn, start, end, _clamped(score), why, kind, ref, tag)


def _clamped(score: float) -> float:
    """A finding's score: in [0, 1], to three decimals."""
    return round(min(1.0, max(0.0, score)), 3)


def _conflict_before(state: CodingState, i: int, *also: str) -> bool:
    """A negative code (or one of ``also``) in the last few turns before ``i``; a bid for
    contact alone ("hello??") reaches out, it does not make a conflict."""
    lo = max(0, i - state.settings.conflict_window_turns)
    return any(
        (negative_code(x.code) and x.code != "pursue.bid_in_silence") or x.code in also
        for j in range(lo, i)
        for x in state.spans[j]
    )


_MIRRORED = frozenset({"pursue.blame", "antidote.responsibility"})
"""The codes ``ContextCoder._mirrors`` mirrors."""
_LEXICON = EvidenceKind.LEXICON


class LexiconCoder:
    """Fires every lexicon entry on its own words (negation and quotation respected)."""

    name: ClassVar[str] = "lexicon"
    assigns: ClassVar[tuple[str, ...]] = ("*",)
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        self._scores: dict[float, float] = {}
        """``_clamped`` of each entry score met so far."""

    def apply(self, state: CodingState) -> None:
        lexicon = self.lexicon
        found = per_text(state.texts, lambda t: lexicon.spans_many([t])[0], lexicon.spans_many)
        groups = lexicon.groups
        scores = self._scores
        kind = EvidenceKind.LEXICON
        for i, (text, hits) in enumerate(zip(state.texts, found, strict=True)):
            if not hits:
                continue
            spans = state.spans[i]
            for g, start, end, j in hits:
                e = groups[g][j]
                score = scores.get(e.score)
                if score is None:
                    score = scores[e.score] = _clamped(e.score)
                spans.append(
                    code_span(
                        e.code,
                        i,
                        start,
                        end,
                        score,
                        f"{e.explanation}: “{text[start:end]}”",
                        kind,
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
        state.read_questions()
        for i, text in enumerate(state.texts):
            questions = state.questions(i)
            if len(questions) >= minimum:  # else no stack: a stack is some of the questions
                self._stack(state, i, text, questions, minimum)
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
                        ALL_CAPS,
                    )
                )
            if "!" not in text:
                continue  # repeated punctuation counts only with a "!" in it
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
                            REPEATED_PUNCTUATION,
                        )
                    )

    @staticmethod
    def _stack(
        state: CodingState, i: int, text: str, questions: list[tuple[int, int]], minimum: int
    ) -> None:
        """Questions stacked in one turn, the invitations among them (inside an engaging
        code of a turn without blame or contempt) and one-word questions not counted."""
        hostile_turn = any(x.code in ("pursue.blame", "horseman.contempt") for x in state.spans[i])
        inviting = [
            (x.start, x.end)
            for x in state.spans[i]
            if x.code.startswith(POSITIVE) and not hostile_turn
        ]
        qs = [
            (a, b)
            for a, b in questions
            if (len(tx.tokens(text[a:b])) >= 2 or tx.hostile_question(text[a:b]))
            and not any(lo < b and a < hi for lo, hi in inviting)
        ]
        if len(qs) >= minimum:
            hostile = any(tx.hostile_question(text[a:b]) for a, b in qs)
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
                    HOSTILE_STACK if hostile else QUESTION_STACK,
                )
            )


class ContextCoder:
    """Codes that depend on the conversation around the turn:

    - words that are not the speaker's own move are dropped: a withdrawal phrase echoing the
      partner ("not now?? then when") and any code after a verb of saying ("you always say
      later", "I'm sorry I said you never listen", "I could say I need a break");
    - ``withdraw.minimal``: a short reply (≤ ``minimal_max_tokens`` tokens of shorthand, a
      lone emoji, or far shorter than the partner's long turn) that takes up none of the
      partner's words — only when the partner's turn asks for more (conflict, an open
      question, or a long turn), so "ok" to "can you get milk?" stays uncoded; in speech a
      backchannel ("mm-hm", "yeah") over the partner or promptly in calm is ``validation``;
    - evasive replies (deny, noncommittal, topic change, leaving) need a partner move to
      evade; a denial ("I'm fine", "idk") also needs an issue to deny (conflict, a concern
      raised, a complaint), and "it's fine" after the partner's apology accepts it;
    - entries that mean what they say only in conflict (``CONFLICT_ONLY``: sarcastic "great
      job", "holy shit", "I'm done!", "yeah but") or only aimed at the partner
      (``ADDRESSED_ONLY``: "pathetic", not "traffic is insane");
    - capitals, "!!" and neutral question pairs only where there is negativity to intensify;
    - ``pursue.bid_in_silence`` needs silence: the speaker's previous turn awaits a reply
      that has not come, or the partner has been silent past the silence threshold; a
      second or third message before any reply that asks or presses is itself a bid;
    - ``horseman.defensiveness`` is stronger right after a criticism, weaker without one;
    - ``break.agree`` needs the partner's request, ``break.return`` an earlier request;
    - ``validation`` is a response: it needs a partner turn before it;
    - ``horseman.criticism`` mirrors ``pursue.blame``; ``antidote.responsibility`` is also a
      repair attempt (type responsibility); gentle start-up and interest do not survive
      blame or contempt in the same turn;
    - escalation across turns: a speaker's distinct negative codes rising by two over their
      previous, already negative turn, in conflict.
    """

    name: ClassVar[str] = "context"
    assigns: ClassVar[tuple[str, ...]] = (
        "withdraw.minimal",
        "pursue.bid_in_silence",
        "horseman.criticism",
        "repair.attempt",
        "pursue.escalation",
        "validation",
    )
    requires: ClassVar[tuple[str, ...]] = ("lexicon", "structure")

    def apply(self, state: CodingState) -> None:
        break_requested_at: int | None = None
        negativity: dict[str, int] = {}
        prev: int | None = None  # the closest earlier turn by someone else
        run = 0  # how many turns in a row by this speaker, this one included
        turns = state.turns
        try:
            for i, turn in enumerate(turns):
                if i > 0 and turns[i - 1].speaker != turn.speaker:
                    prev, run = i - 1, 1
                else:
                    run += 1
                self._echo(state, i, prev)
                self._evasion(state, i, prev)
                self._gates(state, i)
                self._intensity(state, i)
                self._minimal(state, i, prev)
                self._bids(state, i, prev, run)
                self._defensiveness(state, i, prev)
                break_requested_at = self._breaks(state, i, break_requested_at)
                if prev is None:  # validation answers someone
                    self._drop(state, i, "validation")
                self._mirrors(state, i)
                if state.has(i, "pursue.blame", "horseman.contempt"):
                    # not gentle, nor an open invitation, with blame or contempt in it
                    self._drop(state, i, "antidote.gentle_startup", "interest")
                self._escalation(state, i, negativity)
                state.settle(i)  # every step above changes turn i only
        finally:
            state.unsettle()

    @staticmethod
    def _drop(state: CodingState, i: int, *codes: str) -> None:
        spans = state.spans[i]
        for x in spans:
            if x.code in codes:  # copy the list only when something goes
                spans[:] = [x for x in spans if x.code not in codes]
                return

    @staticmethod
    def _partner_moved(state: CodingState, prev: int | None) -> bool:
        if prev is None:
            return False
        return (
            state.in_conflict(prev)
            or bool(state.questions(prev))
            or len(state.tokens[prev]) >= state.settings.minimal_partner_min_tokens
        )

    @staticmethod
    def _asks_for_more(state: CodingState, prev: int) -> bool:
        """The partner's turn calls for more than a token reply: it is in conflict, raises an
        issue ("are you ok?"), is long, or asks an open question ("what's wrong?"). A yes/no
        request ("can you grab milk?") is answered by "ok"."""
        text = state.texts[prev]
        if state.in_conflict(prev) or tx.raises_issue(text):
            return True
        if len(state.tokens[prev]) >= state.settings.minimal_partner_min_tokens:
            return True
        return any(tx.open_question(text[a:b]) for a, b in state.questions(prev))

    @staticmethod
    def _echo(state: CodingState, i: int, prev: int | None) -> None:
        """Words that are not the speaker's own move right now:

        - a withdrawal phrase that repeats the partner's words ("not now?? then when") is
          thrown back at them, quoted without quotation marks;
        - a negative code or a break request right after a verb of saying ("you always say
          later", "I'm sorry for saying you never listen", "I could say I need twenty
          minutes") reports speech, past or planned.
        """
        spans = state.spans[i]
        for x in spans:
            if x.kind is _LEXICON and x.code.startswith(REPORTABLE):
                break
        else:
            return
        text = state.texts[i]
        kept = []
        for x in spans:
            if (
                x.kind is EvidenceKind.LEXICON
                and x.code.startswith(REPORTABLE)
                and (
                    tx.reported(text, x.start)
                    or (
                        x.code.startswith("withdraw.")
                        and tx.echoes(
                            text[x.start : x.end],
                            state.normalised(prev) if prev is not None else "",
                        )
                    )
                )
            ):
                continue
            kept.append(x)
        if len(kept) != len(spans):
            spans[:] = kept

    @staticmethod
    def _issue_raised(state: CodingState, prev: int) -> bool:
        """The partner's turn puts an issue on the table: conflict, a concern or complaint
        ("what's wrong?", "can we talk about…", a gentle start-up), or a long turn."""
        return (
            state.in_conflict(prev)
            or state.has(prev, "antidote.gentle_startup")
            or tx.raises_issue(state.texts[prev])
            or len(state.tokens[prev]) >= state.settings.minimal_partner_min_tokens
        )

    def _evasion(self, state: CodingState, i: int, prev: int | None) -> None:
        """Evasive replies need a partner's move to evade; a denial ("I'm fine", "idk") and
        leaving ("I'm going to bed") need an issue to deny or leave (``_issue_raised``), not
        "how are you?" or "coming to bed?"."""
        for x in state.spans[i]:
            if x.code in EVASION_CODES or x.ref in REPLY_ONLY:
                break
        else:
            return  # nothing here to keep or drop
        if not (prev == i - 1 and self._partner_moved(state, prev)):
            self._drop(state, i, *WITHDRAW_REPLY_CODES)
            state.spans[i][:] = [x for x in state.spans[i] if x.ref not in REPLY_ONLY]
            return
        assert prev is not None
        if not self._issue_raised(state, prev):
            self._drop(state, i, "withdraw.deny")
            state.spans[i][:] = [x for x in state.spans[i] if x.ref not in REPLY_ONLY]
        if state.has(prev, *ACCEPTED_AFTER_REPAIR):
            self._drop(state, i, "withdraw.deny")  # "it's fine" accepts the repair
        if state.has(i, "repair.", "validation", "antidote.responsibility", "interest"):
            self._drop(state, i, "withdraw.deny", "withdraw.noncommittal")  # engages

    @staticmethod
    def _intensity(state: CodingState, i: int) -> None:
        """Capitals, "!!" and neutral question pairs count only where there is negativity to
        intensify: another negative code in the turn, or conflict in the turns before."""
        spans = state.spans[i]
        for x in spans:
            if x.ref in INTENSITY_RULES:
                break
        else:
            return
        if any(negative_code(x.code) and x.ref not in INTENSITY_RULES for x in spans):
            return
        if _conflict_before(state, i):
            return
        spans[:] = [x for x in spans if x.ref not in INTENSITY_RULES]

    @staticmethod
    def _gates(state: CodingState, i: int) -> None:
        """Lexicon entries that need a target (``ADDRESSED_ONLY``) or a conflict
        (``CONFLICT_ONLY``) to mean what they say."""
        spans = state.spans[i]
        for x in spans:
            if x.ref in CONFLICT_ONLY or x.ref in ADDRESSED_ONLY:
                break
        else:
            return
        text = state.texts[i]
        alone = len(state.tokens[i]) <= state.settings.minimal_max_tokens
        spans[:] = [
            x for x in spans if x.ref not in ADDRESSED_ONLY or alone or tx.addressed(text, x.start)
        ]
        if not any(x.ref in CONFLICT_ONLY for x in spans):
            return
        if any(
            (negative_code(x.code) or x.code == "flooding")
            and x.ref not in CONFLICT_ONLY
            and x.ref not in INTENSITY_RULES
            for x in spans
        ):
            return
        if _conflict_before(state, i, "flooding"):
            return
        spans[:] = [x for x in spans if x.ref not in CONFLICT_ONLY]

    def _minimal(self, state: CodingState, i: int, prev: int | None) -> None:
        if prev is None or prev != i - 1:
            return
        s = state.settings
        spans = state.spans[i]
        turn = state.turns[i]
        for x in spans:
            if x.code.startswith(NOT_MINIMAL):
                return
        toks = state.tokens[i]
        short = len(toks) <= s.minimal_max_tokens and (
            not toks or all(t in tx.SHORTHAND for t in toks) or tx.is_only_emoji(turn.text)
        )
        if short and self._backchannel(state, i, prev, toks):
            spans.append(
                _span(
                    "validation",
                    i,
                    0,
                    len(turn.text),
                    0.5,
                    "a spoken backchannel that acknowledges the partner while they speak",
                    EvidenceKind.CONTEXT,
                    "context.backchannel",
                )
            )
            return
        if not self._asks_for_more(state, prev):
            return
        p_toks = state.tokens[prev]
        if not state.content_words(i).isdisjoint(state.content_words(prev)):
            return
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

    @staticmethod
    def _backchannel(state: CodingState, i: int, prev: int, toks: tuple[str, ...]) -> bool:
        """In speech, "mm-hm", "yeah", "right" said over the partner, or promptly outside
        conflict, is a sign of listening (validation), not a minimal reply. A flat "okay."
        after a pause in a fight stays minimal."""
        if state.kind is not ConversationKind.SESSION or not all(t in tx.BACKCHANNEL for t in toks):
            return False
        latency = state.turns[i].latency
        if latency is None:
            return False
        if latency < 0:
            return True
        return latency <= state.settings.backchannel_max_seconds and not state.in_conflict(prev)

    @staticmethod
    def _awaits_reply(state: CodingState, j: int) -> bool:
        """Turn ``j`` leaves the partner something to answer: anything but a closing word
        ("k", "ok", "lol", an emoji), thanks or a goodbye."""
        toks = state.tokens[j]
        if not toks or all(t in tx.SHORTHAND for t in toks) or tx.is_only_emoji(state.texts[j]):
            return False
        return not state.has(j, "antidote.appreciation", "withdraw.exit")

    def _bids(self, state: CodingState, i: int, prev: int | None, run: int) -> None:
        """A bid needs a silent partner: the speaker's previous turn awaits a reply that has
        not come, or the partner has said nothing for the silence threshold. A new message
        after one's own "k" or "thanks" starts something new; it is not a bid."""
        spans = state.spans[i]
        if run == 1:
            # not awaiting a reply: at most a bid found by the lexicon goes, without silence
            for x in spans:
                if x.code == "pursue.bid_in_silence":
                    break
            else:
                return
        turns = state.turns
        turn = turns[i]
        awaiting = run > 1 and self._awaits_reply(state, i - 1)
        silent_long = False
        if prev is not None:
            start, partner_end = turn.start, turns[prev].end
            if start is not None and partner_end is not None:
                silent_long = start - partner_end >= state.silence_seconds()
        if not (awaiting or silent_long or prev is None):
            self._drop(state, i, "pursue.bid_in_silence")
            return
        if not awaiting or prev is None or any(x.code == "pursue.bid_in_silence" for x in spans):
            return
        if state.questions(i) or any(x.code.startswith("pursue") for x in spans):
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
        for x in state.spans[i]:
            if x.code == "horseman.defensiveness":
                break
        else:
            return
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
        for x in state.spans[i]:
            if x.code.startswith("break."):
                break
        else:
            return requested_at  # no break code to keep or drop
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
        for x in state.spans[i]:
            if x.code in _MIRRORED:
                break
        else:
            return  # nothing to mirror
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
        """Negativity intensifying across turns: the speaker's distinct negative codes (the
        criticism mirror of blame not counted twice) up by two over their previous turn,
        which was already negative — a first negative turn starts a conflict, it does not
        escalate one."""
        turn = state.turns[i]
        spans = state.spans[i]
        neg = (
            len(
                {
                    c
                    for x in spans
                    if (
                        (c := x.code).startswith(ESCALATION_FAMILIES) or c in ("pursue", "horseman")
                    )
                    and c != "horseman.criticism"
                }
            )
            if spans
            else 0
        )
        before = negativity.get(turn.speaker)
        if before and neg >= before + 2 and state.in_conflict(i):
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
