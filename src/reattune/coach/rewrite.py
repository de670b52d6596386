"""The calmer rewrite: deterministic rules (``data/coach/rewrite.toml``), and the guarantees
every rewrite — from the rules or from a language model — must meet before it is shown.

The guarantees (checked by :func:`check` with the engine's own coders):

1. the rewrite scores no higher than the draft on any pursuit, blame or contempt code
   (``SCORED_CODES``), and strictly lower on at least one when the draft had any;
2. the draft's named topics, times and people survive (:mod:`reattune.coach.terms`);
3. it is never longer than the draft plus one sentence: at most one sentence more, and at most
   ``max_added_sentence`` characters more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from reattune.coach.data import load
from reattune.coach.draft import SCORED_CODES, Frame, code_draft, scores
from reattune.coach.terms import CLOCK, DURATION, contains, terms
from reattune.coding import text as tx
from reattune.model.codes import CodeSpan
from reattune.settings import AnalysisSettings

WITHDRAW_CODES = (
    "withdraw.minimal",
    "withdraw.shutdown",
    "withdraw.avoid",
    "withdraw.deny",
    "withdraw.noncommittal",
    "withdraw.exit",
)
POSITIVE_PREFIXES = ("antidote.", "repair.", "cycle.", "validation", "interest", "break.")
_CAPS = re.compile(r"\b[A-Z][A-Z'’]*[A-Z]\b")
_BANGS = re.compile(r"!+")
_QMARKS = re.compile(r"\?{2,}")
_SPACES = re.compile(r"[ \t]{2,}")
_LEADING_JUNK = re.compile(r"^[\s,;:.!-]+")
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?])")
_KEEP_CAPS = frozenset({"I", "OK", "TV", "ID", "UK", "US", "USA", "NYC", "PM", "AM"})


@dataclass(frozen=True, slots=True)
class Phrase:
    codes: frozenset[str]
    first: str
    pattern: re.Pattern[str]
    replacement: str
    need: str


@dataclass(frozen=True, slots=True)
class Rules:
    version: str
    phrases: tuple[Phrase, ...]
    cycle_naming: str
    concrete_ask: str
    concrete_ask_plain: str
    fallback: str
    fallback_plain: str
    max_added_sentence: int
    return_times: dict[str, str] = field(hash=False)


@cache
def default_rules() -> Rules:
    data = load("rewrite")
    phrases = tuple(
        Phrase(
            frozenset(p["codes"]),
            p["codes"][0],
            re.compile(p["pattern"], re.IGNORECASE),
            p["replacement"],
            p.get("need", ""),
        )
        for p in data["phrase"]
    )
    return Rules(
        version=data["version"],
        phrases=phrases,
        cycle_naming=data["cycle_naming"],
        concrete_ask=data["concrete_ask"],
        concrete_ask_plain=data["concrete_ask_plain"],
        fallback=data["fallback"],
        fallback_plain=data["fallback_plain"],
        max_added_sentence=int(data["max_added_sentence"]),
        return_times=dict(data["return_times"]),
    )


@dataclass(frozen=True, slots=True)
class CodedDraft:
    """A draft, its frame, and the engine's spans on it."""

    text: str
    frame: Frame
    settings: AnalysisSettings
    spans: tuple[CodeSpan, ...]

    @property
    def scores(self) -> dict[str, float]:
        return scores(self.spans)

    @property
    def has_scored(self) -> bool:
        return any(v > 0 for v in self.scores.values())


def coded(text: str, frame: Frame, settings: AnalysisSettings) -> CodedDraft:
    return CodedDraft(text, frame, settings, code_draft(text, frame, settings))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A proposed rewrite: its text, the strategy that made it, and what changed."""

    text: str
    strategy: str
    changes: tuple[str, ...] = ()


class Rewriter(Protocol):
    """Proposes candidate rewrites; :func:`check` decides which may be shown."""

    @property
    def name(self) -> str: ...

    def propose(self, draft: CodedDraft) -> list[Candidate]: ...


# --- the guarantees ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a candidate keeps the guarantees, why not, and its scores."""

    ok: bool
    problems: tuple[str, ...]
    scores: dict[str, float] = field(hash=False)
    spans: tuple[CodeSpan, ...]


_RETURN_WORDS = re.compile(
    r"\b(?:tonight|tomorrow|later today|this (?:evening|afternoon|morning)|in the morning|"
    r"after (?:dinner|lunch|work|breakfast))\b",
    re.IGNORECASE,
)


def has_return_time(text: str) -> bool:
    """A clock time, a duration, or a near time ("tonight", "after dinner")."""
    return bool(return_time_terms(text))


def return_time_terms(text: str) -> list[str]:
    found = [m.group() for m in CLOCK.finditer(text)] + [m.group() for m in DURATION.finditer(text)]
    return found + [m.group() for m in _RETURN_WORDS.finditer(text)]


def sentence_count(text: str) -> int:
    return len(tx.sentences(text))


def check(
    draft: CodedDraft, text: str, rules: Rules | None = None, *, full: bool = False
) -> Verdict:
    """The three guarantees of the module docstring, for ``text`` as a rewrite of
    ``draft``. The cheap ones (words kept, length) come first; unless ``full``, a text that
    fails them is not coded by the engine."""
    rules = rules or default_rules()
    problems: list[str] = []
    if not text.strip():
        return Verdict(False, ("the rewrite is empty",), {}, ())
    if text.strip() == draft.text.strip():
        problems.append("the rewrite is the draft")
    lost = [t for t in terms(draft.text).all if not contains(text, t)]
    if lost:
        problems.append(f"{len(lost)} named topic(s), time(s) or people lost")
    if sentence_count(text) > sentence_count(draft.text) + 1:
        problems.append("more than one sentence longer than the draft")
    if len(text) > len(draft.text) + rules.max_added_sentence:
        problems.append("longer than the draft plus one sentence")
    if problems and not full:
        return Verdict(False, tuple(problems), {}, ())  # the engine's pass would not save it
    spans = code_draft(text, draft.frame, draft.settings)
    new, old = scores(spans), draft.scores
    for code in SCORED_CODES:
        if new[code] > old[code] + 1e-9:
            problems.append(f"{code} rises from {old[code]:.2f} to {new[code]:.2f}")
    if draft.has_scored and not any(new[c] < old[c] - 1e-9 for c in SCORED_CODES):
        problems.append("no pursuit, blame or contempt code is lower")
    return Verdict(not problems, tuple(problems), new, spans)


def rank_key(draft: CodedDraft, candidate: Candidate, verdict: Verdict) -> tuple[float, ...]:
    """Best first: least pursuit, blame and contempt left; then a positive move (naming the
    cycle, an I-statement, a repair); then more of the draft's own words; then shorter."""
    negative = sum(verdict.scores.values())
    positive = sum(1 for s in verdict.spans if s.code.startswith(POSITIVE_PREFIXES))
    own = tx.content_words(draft.text)
    kept = len(own & tx.content_words(candidate.text)) / len(own) if own else 1.0
    return (round(negative, 3), -round(kept, 1), -min(positive, 2), len(candidate.text))


# --- the rules ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Sentence:
    text: str
    codes: set[str]
    question: bool
    hostile: bool


_BARE_QUESTION = re.compile(
    r"^\W*(?:why|what|seriously|really|again|how|huh|well)\W*$", re.IGNORECASE
)
_STATEMENT = re.compile(r"I (?:need|want|miss|feel|'m|'d like|wish)\b")
_BARE = re.compile(
    r"^\W*(?:never|always|seriously|whatever|again|unbelievable|typical|wow|great)\W*$",
    re.IGNORECASE,
)
_SCORED = frozenset(SCORED_CODES)
_ATTACKS = frozenset({"pursue.blame", "horseman.contempt", "horseman.criticism"})
_REPLACED = frozenset({"withdraw.shutdown", "withdraw.deny", "withdraw.noncommittal"})
_DETERMINED = r"(?:\b(?:my|your|our|the|his|her|their|this|that)\s+)?"


def _lower_shouting(text: str) -> str:
    return _CAPS.sub(lambda m: m.group() if m.group() in _KEEP_CAPS else m.group().lower(), text)


def _tidy(text: str) -> str:
    text = _SPACE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    text = _LEADING_JUNK.sub("", text).strip()
    text = re.sub(r"^(?:and|but|so)\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"\s*,\s*([.?!])$", r"\1", text)
    if not re.search(r"[A-Za-z0-9]", text):
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] not in ".?!":
        text += "."
    if text.endswith(".") and re.search(r"\bcould you\b", text, re.IGNORECASE):
        text = text[:-1] + "?"
    if text.endswith("?") and _STATEMENT.match(text):
        text = text[:-1] + "."
    return text


def _sentences(draft: CodedDraft) -> list[_Sentence]:
    out = []
    questions = set(tx.questions(draft.text))
    scored = draft.has_scored
    for lo, hi in tx.sentences(draft.text):
        seg = draft.text[lo:hi]
        codes = {s.code for s in draft.spans if s.start < hi and lo < s.end}
        question = seg.rstrip().endswith("?") or (lo, hi) in questions
        hostile = question and (
            tx.hostile_question(seg)
            or bool(codes & {"pursue.blame", "horseman.contempt", "pursue.escalation"})
            or (scored and _BARE_QUESTION.match(seg) is not None)
        )
        out.append(_Sentence(seg, codes, question, hostile))
    return out


def _soften(text: str, codes: set[str], rules: Rules, changes: list[str], needs: list[str]) -> str:
    original = text
    if not _SCORED.isdisjoint(codes):
        lowered = _lower_shouting(text)
        if lowered != text:
            changes.append("capitals lowered")
            text = lowered
        text = _QMARKS.sub("?", text)
        if "!" in text:
            text = _BANGS.sub(".", text)
            changes.append("'!' calmed")
    for phrase in rules.phrases:
        if phrase.codes.isdisjoint(codes):
            continue
        new = phrase.pattern.sub(phrase.replacement, text)
        if new != text:
            text = new
            changes.append(f"{phrase.first} softened")
            if phrase.need:
                needs.append(phrase.need)
    text = _tidy(text)
    before, after = tx.tokens(original), tx.tokens(text)
    if len(after) <= 2 and len(after) < len(before):
        return ""  # nothing left but a stub ("You're.", "This is.")
    return text


def _join(parts: Sequence[str]) -> str:
    return " ".join(p for p in parts if p)


def _topics_of(texts: Sequence[str]) -> str:
    """The topics, times and people of ``texts`` as a phrase ("my birthday, Sam and
    tonight"), each with its determiner and its capitals as written."""
    found: list[str] = []
    for t in texts:
        for term in terms(t).all:
            m = re.search(
                _DETERMINED + r"(?<![\w])" + re.escape(term) + r"(?:['’]s)?(?![\w])",
                t.replace("’", "'"),
                re.IGNORECASE,
            )
            phrase = m.group() if m else term
            if m is not None and m.start() == 0 and term not in _names(t):
                phrase = phrase[0].lower() + phrase[1:]
            if all(term not in terms(f).all for f in found):
                found.append(phrase)
    if not found:
        return ""
    if len(found) == 1:
        return found[0]
    return ", ".join(found[:-1]) + " and " + found[-1]


def _names(text: str) -> tuple[str, ...]:
    return terms(text).people


class RuleRewriter:
    """The default rewriter: deterministic, offline, driven by ``rewrite.toml``."""

    def __init__(self, rules: Rules | None = None) -> None:
        self.rules = rules or default_rules()

    @property
    def name(self) -> str:
        return f"rules/{self.rules.version}"

    def propose(self, draft: CodedDraft) -> list[Candidate]:
        """Up to three candidates: calmer (each coded phrase softened, one question kept,
        a return time added to a postponement), the cycle named, and the need said. None
        when the engine found nothing to soften."""
        rules = self.rules
        sentences = _sentences(draft)
        withdraw = [c for c in WITHDRAW_CODES if any(c in s.codes for s in sentences)]
        if not draft.has_scored and not withdraw:
            return []
        changes: list[str] = []
        needs: list[str] = []
        kept: list[str] = []
        dropped: list[str] = []
        questions: list[int] = []
        timed = has_return_time(draft.text)
        stacked = any("pursue.question_stack" in s.codes for s in sentences)
        bids = any("pursue.bid_in_silence" in s.codes for s in sentences)
        for s in sentences:
            if "withdraw.minimal" in s.codes:
                dropped.append(s.text)
                continue
            if s.hostile:
                new = _soften(s.text, s.codes | {"pursue.pressure"}, rules, [], [])
                if (
                    new
                    and not tx.hostile_question(new)
                    and not _BARE_QUESTION.match(new)
                    and not s.codes & _ATTACKS
                ):
                    changes.append("a demand turned into a request")
                    questions.append(len(kept))
                    kept.append(new)
                    continue
                dropped.append(s.text)
                changes.append("a hostile question dropped")
                _soften(s.text, set(SCORED_CODES), rules, [], needs)
                continue
            if _BARE.match(s.text):
                dropped.append(s.text)
                continue
            if s.codes & _REPLACED and not terms(s.text).all and not timed:
                dropped.append(s.text)
                changes.append("a refusal replaced by a return time")
                continue
            new = _soften(s.text, s.codes, rules, changes, needs) if s.codes else s.text
            if not new:
                dropped.append(s.text)
                continue
            if any(new.casefold() == k.casefold() for k in kept):
                continue
            if s.question:
                questions.append(len(kept))
            kept.append(new)
        if stacked and len(questions) > 1:
            best = max(questions, key=lambda i: (len(terms(kept[i]).all), -len(kept[i])))
            drop = {i for i in questions if i != best}
            dropped += [kept[i] for i in drop]
            kept = [k for i, k in enumerate(kept) if i not in drop]
            changes.append("one question instead of many")
        lost = [t for t in terms(_join(dropped)).all if not contains(_join(kept), t)]
        if stacked and lost and questions:
            dropped += [k for k in kept if k.endswith("?")]
            kept = [k for k in kept if not k.endswith("?")]
        stated = [n for n in dict.fromkeys(needs) if not any(n in k for k in kept)]
        need = ("I need " + " and ".join(stated) + ".") if stated else ""
        added: str | None = None
        if stacked and not any(k.endswith("?") for k in kept):
            topics = _topics_of(dropped)
            added = rules.concrete_ask.format(topics=topics) if topics else rules.concrete_ask_plain
            changes.append("one concrete question instead of many")
        elif withdraw and not timed:
            added = rules.return_times[withdraw[0]]
            changes.append("a return time added")
        elif bids and not kept:
            added = rules.return_times["pursue.bid_in_silence"]
            changes.append("a bid into silence turned into an open door")
        elif not kept and dropped:
            topics = _topics_of(dropped)
            added = rules.concrete_ask.format(topics=topics) if topics else None
        ask = [added] if added else []
        done = tuple(dict.fromkeys(changes))
        if kept:
            kept[0] = kept[0][0].upper() + kept[0][1:]
        out: list[Candidate] = []
        if kept or ask:
            out.append(Candidate(_join([*kept, *ask]), "calmer", done))
        if need:
            out.append(Candidate(_join([*kept, need, *ask]), "the need", (*done, "the need said")))
        if draft.has_scored:
            out.append(
                Candidate(
                    _join([rules.cycle_naming, *kept, need, *ask]),
                    "name the cycle",
                    (*done, "the cycle named"),
                )
            )
        return out

    def fallback(self, draft: CodedDraft) -> Candidate | None:
        """The last resort: the draft's calm sentences only, and one sentence that keeps
        its topics, times and people (or adds the return time a postponement lacked)."""
        rules = self.rules
        flagged = [s for s in draft.spans if s.code in SCORED_CODES or s.code in WITHDRAW_CODES]
        if not flagged:
            return None
        calm: list[str] = []
        rest: list[str] = []
        for lo, hi in tx.sentences(draft.text):
            seg = draft.text[lo:hi]
            (rest if any(s.start < hi and lo < s.end for s in flagged) else calm).append(seg)
        topics = _topics_of(rest)
        closing = rules.fallback.format(topics=topics) if topics else rules.fallback_plain
        if not draft.has_scored:
            code = next(s.code for s in flagged if s.code in WITHDRAW_CODES)
            if not has_return_time(draft.text):
                closing = _join([closing if topics else "", rules.return_times[code]])
        return Candidate(_join([*calm, closing]), "shortest", ("only the calm sentences kept",))


def best_rewrites(
    draft: CodedDraft, rewriter: Rewriter, limit: int = 3
) -> list[tuple[Candidate, Verdict]]:
    """The rewriter's candidates that keep the guarantees, best first, without repeats."""
    good = _passing(draft, rewriter.propose(draft), limit)
    if not good and isinstance(rewriter, RuleRewriter):
        last = rewriter.fallback(draft)
        good = _passing(draft, [last] if last else [], limit)
    good.sort(key=lambda cv: rank_key(draft, cv[0], cv[1]))
    return good[:limit]


def _passing(
    draft: CodedDraft, candidates: Sequence[Candidate], limit: int
) -> list[tuple[Candidate, Verdict]]:
    """The first ``limit`` candidates (in the rewriter's order) that keep the guarantees."""
    seen: set[str] = set()
    good: list[tuple[Candidate, Verdict]] = []
    for candidate in candidates:
        if len(good) >= limit:
            break
        key = candidate.text.strip().casefold()
        if key in seen:
            continue
        seen.add(key)
        verdict = check(draft, candidate.text)
        if verdict.ok:
            good.append((candidate, verdict))
    return good
