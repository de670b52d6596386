"""Safety lexicons as data, and the matcher that reads each match in its context.

The lexicons live in ``reattune/data/safety/*.toml``: each ``[[rule]]`` has an ``id``, a
``category``, a regular-expression ``pattern`` (with ``{MACRO}`` references to the file's
``[macros]`` table), a ``score`` in [0, 1], a plain ``explanation`` and the ``subject`` it
is about (``self``, ``addressee``, ``other``, ``nobody``, or ``infer`` from the nearest
pronoun). Pattern conventions (as in ``data/lexicons``): matching ignores case, a straight
apostrophe also matches a typographic one or none at all ("dont", "Im"), a space matches any
run of spaces and commas (" ?" an optional one), and patterns are anchored at word edges
unless ``edges = false``.

Unlike the coding lexicons, a safety match is never silently dropped by its context (recall
comes first): negation, quotation, past tense or a joking tag lower its score and are named
in its ``tags``; support and grief move it to the ``nobody`` subject, where it is recorded
but does not count.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from reattune.coding.lexicon import expand_pattern, lowered
from reattune.coding.scan import GroupScanner
from reattune.coding.text import inside, quoted_ranges
from reattune.errors import SettingsError
from reattune.safety.findings import Domain, Finding, Subject

__all__ = ["Rule", "RuleSet", "load_rules"]

_GAP = r"(?:[\s,]+|(?<=[\s,]))"
"""A space in a pattern: a run of spaces and commas, or nothing right after one (so that an
optional word with its trailing space, "(?:single )?", may sit before another space)."""
_MACRO = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_PERSONS = frozenset({"self", "addressee", "other", "nobody", "infer", "victim"})

# --- context ---------------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[.!?;:\n,]|\b(?:but|though|although|however|except)\b")
_SENTENCE_BREAK = re.compile(r"[.!?\n]")
_NEGATOR = re.compile(
    r"\b(?:not|never|no longer|nor|neither|nothing like)\b|"
    r"\b(?:do|does|did|would|wo|will|is|are|was|were|should|shall|have|has|had|ai|am)"
    r"n['’]?t\b|"
    r"\bno (?:intention|intent|plans?|desire|urge|wish|thoughts?|interest|reason to want)\b"
)
_NOT_NEGATING = re.compile(
    r"\bnot (?:gonna|going to) lie\b|\bngl\b|\bnot (?:sure|certain|even sure)\b|"
    r"\b(?:do|did)n['’]?t (?:even )?know\b|\bnot just\b|\bwhy not\b|\bif not\b|"
    r"\bnot (?:really )?(?:afraid|scared) (?:of|to)\b|\bnever (?:thought|felt|been)\b|"
    r"\b(?:do|did|have|has)n['’]?t (?:even )?(?:have|had|got) (?:the )?"
    r"(?:guts|balls|courage|nerve|strength|energy)\b|"
    r"\b(?:do|does|did)n['’]?t (?:think )?(?:i|anyone|anybody|people) (?:would |will )?care\b|"
    r"\b(?:was|were|am|is|are)n['’]?t able to\b|\bnot able to\b|\bhope i (?:don['’]?t|do not)\b"
)
_PAST = re.compile(
    r"\b(?:used to|years? ago|months ago|when i was (?:young|younger|little|a kid|a teen|"
    r"in (?:high )?school|\d+)|back (?:then|in)|in the past|at one point|as a (?:kid|teen|child)|"
    r"(?:have|had|has)n['’]?t (?:felt|been|thought)|recovered|"
    r"i survived|got better|glad i(?:['’]?m| am) (?:still )?(?:here|alive))\b"
)
_RECENT = re.compile(
    r"\b(?:yesterday|last night|tonight|today|this morning|this week|last week|"
    r"(?:few|couple of|two|three) days ago|just now|right now|earlier today|again)\b"
)
_CURRENT = re.compile(
    r"\b(?:now|again|these days|lately|currently|recently|worse than ever|still do)\b"
)
"""Past-tense context that says it is back or still going ("in the past, but now it's worse
than ever") does not make a finding past."""
_DEFERRED = re.compile(r"[^.!?\n]{0,30}?\b(?:until|till|til|unless|before)\b")
"""Negation that only postpones ("I'm not going to kill myself until …") does not negate."""
_REPORTED_QUOTE = re.compile(
    r"(?P<third>\b(?:he|she|they|him|her|them|my \w+|partner|husband|wife|boyfriend|girlfriend)"
    r"\b[^.!?\n]{0,25}\b(?:said|says|say|saying|told|tells|texted|texts|wrote|writes|posted|"
    r"goes|went|screamed|yelled|shouted|whispered|messaged|keeps saying|kept saying)\b"
    r"[^.!?\n]{0,20}$)|"
    r"(?P<second>\b(?:you|u)\b[^.!?\n]{0,25}\b(?:said|say|told|texted|wrote|posted|go|went|"
    r"screamed|yelled|messaged|keep saying|kept saying)\b[^.!?\n]{0,20}$)"
)
_REPLY_QUOTE = re.compile(
    r"(?:&gt;|(?:^|(?<=\n)|(?<=[.!?])|(?<=[.!?] ))>)\s?(?P<body>[^\n]*?)"
    r"(?=\n|(?<=[a-z.!?\"”'’)])(?=[A-Z])|(?<=[.!?])\s|$)"
)
"""A reply quote (">" or "&gt;" at a line or sentence start, as in e-mail, Reddit and chat
replies) runs to the end of its line, its first sentence, or to where a sentence is glued on
without a space ("…pointlessDont do it")."""
_HYPERBOLE_BEFORE = re.compile(r"\b(?:rather|sooner|prefer to)\b")
_THAN = re.compile(r"[^.!?\n]{0,20}?\bthan\b[^.!?\n]{0,40}")
_LIFE = re.compile(
    r"\bthan (?:to )?(?:(?:live|living|go on|going on|keep living|keep going|be alive|exist|"
    r"wake up|be here|feel)(?:\s*(?:[.!?,;\n]|$)| (?:like (?:this|that)|this way|another|"
    r"with (?:this|the pain|it)|anymore|any more|in (?:this|pain)|through))|feel (?:like )?this)"
)
"""'… rather die than live like this' is meant: the alternative is life itself as it is."""
_JOKING = re.compile(r"\W{0,3}(?:lol|lmao|lmfao|haha\w*|jk|jkjk|xd|rofl|😂|🤣|💀|😅)")
_PRONOUN = re.compile(
    r"(?P<third>\bmy (?:partner|husband|wife|hubby|spouse|bf|gf|boyfriend|girlfriend|fianc[eé]e?|"
    r"friend|best friend|bestie|brother|sister|mom|mum|mother|dad|father|son|daughter|cousin|"
    r"roommate|ex|aunt|uncle|grandma|grandpa|kid|child|colleague|coworker|teammate)s?\b|"
    r"\b(?:he|she|hes|shes|he['’]s|she['’]s|him|himself|herself|he['’]d|she['’]d|"
    r"he['’]ll|she['’]ll)\b)|"
    r"(?P<second>\b(?:you|u|your|youre|you['’]re|yourself|ya|ur|you['’]d|youd|you['’]ll|"
    r"youll|you['’]ve|youve)\b)|"
    r"(?P<first>\b(?:i|im|i['’]m|ive|i['’]ve|i['’]d|i['’]ll|me|my|myself|mine)\b)|"
    r"(?P<generic>\b(?:people|someone|somebody|anyone|anybody|everyone|everybody|they|them|"
    r"themselves|folks|persons|women|men|kids|teens|teenagers|patients|survivors|others|users|"
    r"redditors|humans|individuals|victims)\b)"
)


_RELATIONS = (
    r"partner|husband|wife|hubby|spouse|bf|gf|boyfriend|girlfriend|fianc[eé]e?|friend|bestie|"
    r"brother|sister|sis|bro|mom|mum|mother|dad|father|son|daughter|cousin|roommate|ex|aunt|"
    r"uncle|grandma|grandpa|grandmother|grandfather|kid|child|colleague|coworker|teammate|"
    r"niece|nephew|stepdad|stepmom|stepson|stepdaughter|neighbou?r|classmate|student|client|"
    r"patient|baby"
)
_MODIFIERS = (
    r"very|own|last|first|second|third|latest|recent|previous|prior|past|earlier|failed|"
    r"botched|serious|near[- ]fatal|many|several|multiple|constant|frequent|recurring|"
    r"repeated|ongoing|old|new|fresh|intrusive|dark|awful|little|most|fourth|fifth|sixth|"
    r"\d+(?:st|nd|rd|th)|only|actual|real|bad|terrible|scary|horrible|big"
)
_OTHERS_POSSESSIVE = re.compile(
    r"(?:\b(?:her|his|their)|\b(?:" + _RELATIONS + r")s?['’]s?) (?:(?:" + _MODIFIERS + r") ){0,2}$"
)
"""Someone else's, right before the words ("her suicide attempt", "his last overdose", "my
sister's cutting", "their first attempt"): the risk is theirs, told by the writer."""
_NAME_POSSESSIVE = re.compile(
    r"(?<![\w'’])(?!(?:It|That|What|There|Here|He|She|Who|Let|Where|When|How|Everyone|"
    r"Everybody|Someone|Somebody|Nobody|Anyone|Anybody|One|This|Today|Tonight|Tomorrow|"
    r"Yesterday|Life|Nothing|Everything|Something|God)['’])[A-Z][a-z]+['’]s "
    r"(?:(?:" + _MODIFIERS + r") ){0,2}$"
)
"""A named person's, in the text as written ("Sarah's suicide attempt"); contractions and
words that are no one ("It's", "That's", "Life's") are not names."""
_FIRST_WORD = re.compile(r"\b(?:i|im|i['’]m|ive|i['’]ve|i['’]d|i['’]ll|me|my|myself|mine)\b")


def others_possessive(text: str, low: str, start: int, end: int) -> bool:
    """Whether the words at ``start`` are someone else's, told by the writer: a possessive of
    another person right before them ("her suicide attempt", "Sarah's overdose", "my
    brother's cutting"), and no first-person word inside them ("… her suicide is on my
    mind" is the writer's)."""
    lo = max(0, start - 60)
    if _OTHERS_POSSESSIVE.search(low, lo, start) is None and (
        _NAME_POSSESSIVE.search(text, lo, start) is None
    ):
        return False
    return _FIRST_WORD.search(low, start, end) is None


_REPORTED_SWAP = {Subject.SELF: Subject.OTHER, Subject.ADDRESSEE: Subject.SELF}
"""Quoting someone else: their "I" is them, their "you" is the writer."""
_ADDRESSEE_SWAP = {Subject.SELF: Subject.ADDRESSEE, Subject.ADDRESSEE: Subject.SELF}
"""Quoting the person addressed: their "I" is them, their "you" is the writer."""


_LINK_TITLE = re.compile(r"\[[^\]\n]{1,200}\]\((?:https?://|www\.)")


def link_titles(text: str) -> list[tuple[int, int]]:
    """Ranges of markdown link texts ("[I Wish I Was Dead - Kno](http…)"): titles, not
    statements."""
    if "](" not in text:
        return []
    return [(m.start(), m.end()) for m in _LINK_TITLE.finditer(text)]


def reply_quotes(text: str) -> list[tuple[int, int]]:
    """Ranges quoted with ">" (the words of the person replied to)."""
    if ">" not in text and "&gt;" not in text:
        return []
    return [(m.start(), m.end()) for m in _REPLY_QUOTE.finditer(text) if m.group("body").strip()]


_GENERIC_FRAME = re.compile(
    r"\b(?:what it(?:['’]?s| is| was| feels) like|how it feels|how (?:hard|awful|painful|scary) "
    r"it (?:is|can be)|it(?:['’]?s| is) (?:hard|ok|okay|normal|common|natural|easy) ) ?to "
    r"(?:\w+ )?$"
)


_EXPERIENCE = re.compile(
    r"\bi (?:know|understand|remember|get|knew)(?: (?:exactly|too well|all too well))?\s*$"
)
""""I know what it's like to be suicidal" claims the experience: it is the writer's."""


def _clause_before(low: str, start: int, window: int) -> str:
    lo = max(0, start - window)
    before = low[lo:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _sentence_around(low: str, start: int, end: int, window: int = 160) -> str:
    lo = max(0, start - window)
    before = low[lo:start]
    breaks = list(_SENTENCE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    after = low[end : end + window]
    stop = _SENTENCE_BREAK.search(after)
    if stop:
        after = after[: stop.start()]
    return before + low[start:end] + after


def negated(low: str, start: int, window: int = 40) -> bool:
    """Whether the clause before ``start`` negates the words at ``start`` ("I'm not
    suicidal", "I would never kill myself"); "can't", "not sure", "don't know why",
    "don't have the guts to" do not negate."""
    clause = _NOT_NEGATING.sub(" ", _clause_before(low, start, window))
    return _NEGATOR.search(clause) is not None


_NOT_DENYING = re.compile(
    r"\b(?:did|could)n['’]?t\b|\b(?:did|could) not\b|"
    r"\b(?:not|never) to\b|\bnot (?:\w+ )?(?:brave|strong|courageous|bold|ready) enough\b|"
    r"\bnever (?:had|have|got|found) the\b|\bnever (?:went|go|gone|going) through\b|"
    r"\bnot (?:\w+ )?(?:yet|today|tonight|now)\b|\bnot (?:a|one) day\b|"
    r"\bnot (?:so much|just|only|even)\b|\b(?:do|does)n['’]?t (?:just|even|only)\b|"
    r"\b(?:never|not|won['’]?t|wo not) (?:\w+ )?be able to\b|\bnever told\b|"
    r"\b(?:do|does)n['’]?t have to\b|\b(?:do|does) not have to\b|"
    r"(?:n['’]?t|\bnot|\bnever) (?:seem to |even |really )?(?:care|know|understand|notice|"
    r"reali[sz]e|believe|get|see|tell|mind|matter)\b"
)
"""Negations that do not deny a thought: a negated act ("the only reason I didn't kill myself
tonight"), "not to" ("held back not to commit suicide"), lack of courage or ability ("not brave
enough to end it", "I'll never be able to"), postponement ("not yet"), "not so much that", and
someone else's negated care or knowledge ("she doesn't care that I'm suicidal")."""
_DOUBLE_NEGATION = re.compile(
    r"\b(?:without|rarely|hardly|seldom|barely|only reason|only thing|reason (?:why )?i|"
    r"(?:a|one|single) (?:day|night|week|hour|moment) (?:where|when|that|i)|"
    r"what (?:stops|stopped|keeps|kept) me|why (?:i|not|should|shouldn['’]?t|would)|"
    r"wonder (?:if|whether|why)|unless|if i)\b"
)
"""Context that turns a negation back into an assertion: "I haven't gone a day without
considering suicide", "rarely is a day where I don't think of self-harm", "why should I not"."""
_UNDENIED_AFTER = re.compile(
    r"[^.!?\n]{0,12}?\b(?:yet|for now|anytime soon|any time soon|this (?:year|time))\b|"
    r"[^.!?\n]{0,50}?\b(?:(?:do|did)n['’]?t|do not|never) (?:have|had) the "
    r"(?:guts|balls|courage|nerve|strength)\b|[^.!?\n]{0,50}?\b(?:too|so) (?:scared|afraid|"
    r"much of a coward|cowardly)\b"
)
_NOT_NOW_AFTER = re.compile(
    r"[^.!?\n]{0,12}?\b(?:today|tonight|tomorrow|right now|this (?:week|weekend))\b"
)
_LATER = re.compile(
    r"\b(?:next (?:week|weekend|month|year|time|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)|later|soon|eventually|one day|some ?day|in (?:a|a few|a couple of|\d+|"
    r"two|three|four|five) (?:days?|weeks?|months?)|on (?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|my birthday)|after (?:the|my|christmas|new year)|but (?:maybe|"
    r"probably) (?:tomorrow|soon)|(?:but|just) not (?:yet|today|tonight))\b"
)
"""A later time named after a time-limited denial makes it a postponement ("I won't kill myself
today or tomorrow. Probably sometime next week"): intent, not a
denial."""
_FIRST_PERSON = re.compile(r"\bi(?:['’]?(?:m|ll|d|ve))?\b")
"""After the words: "I'm not going to kill myself yet", "I don't think I'd kill myself, I
don't have the guts": postponement or lack of courage, not a denial. A denial limited to a
time ("I'm not going to kill myself today", "I won't do it tonight") is neither a plain
denial nor imminent intent: :func:`denial` calls it ``not_now``."""

DENIED = "denied"
""":func:`denial`: the thought or intent is explicitly denied ("I would never kill myself")."""
NOT_NOW = "not_now"
""":func:`denial`: denied for a time only ("I'm not going to kill myself today"): a clinician
would still ask about it (a concern), but it is not intent with timing."""


NOT_NOW_SCORE = 0.5
"""The score a :data:`NOT_NOW` denial keeps at most: the concern level, never more."""


def not_now_time(low: str, end: int) -> tuple[int, int] | None:
    """The span from ``end`` to the end of the time word that limits a denial just before it
    ("… kill myself *today*"), or ``None``."""
    m = _NOT_NOW_AFTER.match(low, end, end + 80)
    return None if m is None else (end, m.end())


def denial(low: str, start: int, window: int = 40, end: int | None = None) -> str | None:
    """How the clause before ``start`` denies the words at ``start``: :data:`DENIED` for an
    explicit denial of the thought or intent ("I'm not suicidal", "I would never kill
    myself", "I don't want to die"); :data:`NOT_NOW` when the denial is limited to a time
    named right after the words ("I'm not going to kill myself today"); ``None`` when it
    does not deny. Stricter than :func:`negated`: a negated act, a double negation, "not
    brave enough to" or "not to" still signal risk, because they tell of the thought (used
    by the crisis lexicon)."""
    clause = _NOT_NEGATING.sub(" ", _clause_before(low, start, window))
    if _DOUBLE_NEGATION.search(low, max(0, start - 90), start):
        return None
    first_person = end is not None and _FIRST_PERSON.search(clause) is not None
    if first_person and end is not None and _UNDENIED_AFTER.match(low, end, end + 80):
        return None
    clause = _NOT_DENYING.sub(" ", clause)
    if _NEGATOR.search(clause) is None:
        return None
    span = not_now_time(low, end) if first_person and end is not None else None
    if span is not None:
        if _LATER.search(low, span[1], span[1] + 120):
            return None  # postponed, not denied
        return NOT_NOW
    return DENIED


def denied(low: str, start: int, window: int = 40, end: int | None = None) -> bool:
    """Whether the clause before ``start`` explicitly denies the thought or intent (see
    :func:`denial`; a denial limited to a time is not a plain denial)."""
    return denial(low, start, window, end) == DENIED


_VICTIM = re.compile(
    r"(?P<other>\bmy (?:sister|brother|mom|mum|mother|dad|father|friend|best friend|daughter|son|"
    r"kids?|children|baby|cousin|aunt|niece|nephew|roommate|neighbou?r)s?\b|\b(?:her|him|them|"
    r"his|themselves|herself|himself)\b)|"
    r"(?P<addressee>\b(?:you|your|u|ur|yourself)\b)|"
    r"(?P<self>\b(?:me|my|myself|us|i|our)\b)"
)


def victim_of(span: str) -> Subject:
    """Who is hurt or threatened in a matched span, from its last person word: "he hit me"
    → the writer, "he choked her" → someone else, "I'll hurt you" → the person addressed."""
    last = None
    for m in _VICTIM.finditer(span):
        last = m
    if last is None or last.lastgroup is None:
        return Subject.SELF
    return {"other": Subject.OTHER, "addressee": Subject.ADDRESSEE}.get(
        last.lastgroup, Subject.SELF
    )


def _sentence_start(low: str, start: int, limit: int = 400) -> int:
    lo = max(0, start - limit)
    breaks = list(_SENTENCE_BREAK.finditer(low, lo, start))
    return breaks[-1].end() if breaks else lo


def speaker_person(low: str, start: int, window: int = 150) -> str:
    """Who the words at ``start`` are about, from the nearest pronoun before them in the
    sentence (at most ``window`` characters back): ``first``, ``second``, ``third`` (a
    specific other person) or ``generic``. When the sentence names nobody, the subject carries
    over from the sentence before; when that names nobody either, it is the writer (chat
    drops the "I": "want to die tbh"). An infinitive after "what it's like to …" is general."""
    sentence = _sentence_start(low, start)
    before = low[max(sentence, start - window) : start]
    lo = max(sentence, start - window)
    frame = _GENERIC_FRAME.search(before)
    if frame is not None:
        at = lo + frame.start()
        claim = _EXPERIENCE.search(low, max(sentence, at - 30), at)
        return "first" if claim is not None else "generic"
    last = None
    for m in _PRONOUN.finditer(before):
        last = m
    if last is None and sentence > 0:
        previous = _sentence_start(low, sentence - 1)
        for m in _PRONOUN.finditer(low, previous, sentence):
            last = m
    if last is None or last.lastgroup is None:
        return "first"
    return last.lastgroup


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    pattern: str
    score: float
    explanation: str
    subject: str = "self"
    negatable: bool = True
    tense: bool = True
    """Whether past-tense context ("years ago", "I used to") lowers the score."""
    recency: bool = False
    """Whether recent-time context ("last night", "tonight") raises the score to 0.9."""
    edges: bool = True
    examples: tuple[str, ...] = ()
    source: str | None = None


_AFTER_LETTER_GAP = r"[\s,]+"
"""The gap after a letter or digit of the pattern: there, the character before the gap is that
letter, never a space or a comma, so :data:`_GAP`'s empty alternative can never match and is
left out. The same texts match, with a pattern a third shorter that parses, indexes
(``coding/scan.py`` follows both alternatives of every gap) and compiles in about half the
time (tests/safety/test_startup.py compares both on every example and fixture)."""
_MARK = "\ue000"
_OPAQUE_ESCAPES = re.compile(r"\\[xuUN0-7]")


def _mark_gaps_after_letters(pattern: str) -> str:
    """``pattern`` with each space that follows an unescaped letter or digit outside a
    character class (and is not an optional gap, " ?") replaced by :data:`_MARK`."""
    if _MARK in pattern or _OPAQUE_ESCAPES.search(pattern):
        return pattern  # an escape that may stand for a space: keep the general gap
    out: list[str] = []
    in_class = escaped = False
    literal_before = False
    for i, ch in enumerate(pattern):
        if escaped:
            out.append(ch)
            escaped = False
            literal_before = False
            continue
        if ch == "\\":
            escaped = True
            out.append(ch)
            literal_before = False
            continue
        if in_class:
            # "]" right after "[" or "[^" is a member, not the end
            opening = pattern[i - 1] == "[" or pattern[i - 2 : i] == "[^"
            in_class = ch != "]" or opening
            out.append(ch)
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            literal_before = False
            continue
        if ch == " " and literal_before and pattern[i + 1 : i + 2] != "?":
            out.append(_MARK)
        else:
            out.append(ch)
        literal_before = ch.isascii() and ch.isalnum()
    return "".join(out)


def _expand(pattern: str) -> str:
    """The lexicon conventions (``expand_pattern``) with :data:`_GAP` between words, and the
    shorter :data:`_AFTER_LETTER_GAP` where it matches the same texts."""
    return expand_pattern(_mark_gaps_after_letters(pattern), _GAP).replace(_MARK, _AFTER_LETTER_GAP)


def _substitute(pattern: str, macros: Mapping[str, str], origin: str, rule: str) -> str:
    for _ in range(8):
        if not _MACRO.search(pattern):
            return pattern

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in macros:
                raise SettingsError(
                    f"rule {rule} uses an undefined macro {{{name}}}",
                    file=origin,
                    expected="a macro defined in the [macros] table",
                )
            return f"(?:{macros[name]})"

        pattern = _MACRO.sub(repl, pattern)
    raise SettingsError(f"macros of rule {rule} nest too deeply", file=origin)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A versioned lexicon of one domain: one group of rules per category (and edge kind),
    matched as one alternation per group would be, through an index of how each rule can
    begin (``coding/scan.py``): the same matches, fewer branches tried."""

    domain: Domain
    version: str
    rules: tuple[Rule, ...]
    groups: tuple[tuple[Rule, ...], ...]
    trigger: re.Pattern[str] | None
    scanner: GroupScanner
    negation: str = "any"
    """``any``: every negation lowers a score (:func:`negated`); ``denial``: only an explicit
    denial of the thought or intent does (:func:`denied`), set by ``negation = "denial"``."""

    @classmethod
    def from_data(cls, data: Mapping[str, Any], origin: str) -> RuleSet:
        try:
            domain = Domain(str(data["domain"]))
            version = str(data["version"])
            macros = {str(k): str(v) for k, v in dict(data.get("macros", {})).items()}
            raw_rules = list(data["rule"])
            negation = str(data.get("negation", "any"))
        except (KeyError, TypeError, ValueError) as exc:
            raise SettingsError(
                f"safety lexicon header is incomplete ({exc})",
                file=origin,
                expected="domain, version, [macros] and [[rule]] entries",
            ) from exc
        rules: list[Rule] = []
        seen: set[str] = set()
        for i, e in enumerate(raw_rules):
            try:
                rule = Rule(
                    id=str(e["id"]),
                    category=str(e["category"]),
                    pattern=str(e["pattern"]),
                    score=float(e["score"]),
                    explanation=str(e["explanation"]),
                    subject=str(e.get("subject", "self")),
                    negatable=bool(e.get("negatable", True)),
                    tense=bool(e.get("tense", True)),
                    recency=bool(e.get("recency", False)),
                    edges=bool(e.get("edges", True)),
                    examples=tuple(str(x) for x in e.get("examples", ())),
                    source=None if e.get("source") is None else str(e["source"]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise SettingsError(
                    f"rule #{i + 1} is incomplete ({exc})",
                    file=origin,
                    expected="id, category, pattern, score, explanation",
                ) from exc
            if rule.id in seen:
                raise SettingsError(f"rule id {rule.id} appears twice", file=origin)
            if rule.subject not in _PERSONS:
                raise SettingsError(
                    f"rule {rule.id} has an unknown subject {rule.subject!r}",
                    file=origin,
                    expected="one of " + ", ".join(sorted(_PERSONS)),
                )
            if not 0.0 <= rule.score <= 1.0:
                raise SettingsError(f"rule {rule.id} has a score outside [0, 1]", file=origin)
            seen.add(rule.id)
            rules.append(rule)
        by_category: dict[str, list[Rule]] = {}
        for rule in rules:
            by_category.setdefault(rule.category, []).append(rule)
        groups: list[tuple[Rule, ...]] = []
        branches: list[list[tuple[str, bool]]] = []
        for group in by_category.values():
            for edged in (True, False):
                members = tuple(r for r in group if r.edges is edged)
                if not members:
                    continue
                alone: list[tuple[str, bool]] = []
                for rule in members:
                    body = _expand(_substitute(rule.pattern, macros, origin, rule.id))
                    tail = r"(?:(?<=[\s,])|(?![\w'’]))" if edged else ""
                    lead = r"(?<![\w'’])" if edged else ""
                    alone.append((f"{lead}(?:{body}){tail}", edged))
                groups.append(members)
                branches.append(alone)
        trigger = None
        if "trigger" in data:
            try:
                trigger = re.compile(_expand(_substitute(str(data["trigger"]), macros, origin, "")))
            except re.error as exc:
                raise SettingsError(f"the trigger does not compile: {exc}", file=origin) from exc
        if negation not in ("any", "denial"):
            raise SettingsError(
                f"unknown negation mode {negation!r}", file=origin, expected="any or denial"
            )
        try:
            # Each rule compiled once, on its own (no group alternation is needed).
            scanner = GroupScanner(branches)
        except re.error as exc:
            raise SettingsError(
                f"a rule's pattern does not compile: {exc}",
                file=origin,
                expected="valid regular expressions after macro expansion",
            ) from exc
        return cls(domain, version, tuple(rules), tuple(groups), trigger, scanner, negation)

    def raw_matches(self, low: str) -> Iterator[tuple[Rule, int, int]]:
        if self.trigger is not None and self.trigger.search(low) is None:
            return
        for g, start, stop, j in sorted(
            (g, m.start(), m.end(), j) for g, j, m in self.scanner.scan(low)
        ):
            end = stop
            while end > start and low[end - 1] in " \t\n,":
                end -= 1
            if start < end:
                yield self.groups[g][j], start, end

    def findings(self, text: str) -> list[Finding]:
        """Every rule match in ``text``, read in its context (see the module docstring)."""
        low = lowered(text)
        quotes: list[tuple[int, int]] | None = None
        replies: list[tuple[int, int]] = []
        titles: list[tuple[int, int]] = []
        out: list[Finding] = []
        for rule, start, end in self.raw_matches(low):
            if quotes is None:
                quotes = quoted_ranges(text)
                replies = reply_quotes(text)
                titles = link_titles(text)
            finding = self._contextual(rule, text, low, start, end, quotes, replies)
            if titles and inside(titles, start, end):
                finding = replace(
                    finding,
                    subject=Subject.NOBODY,
                    tags=(*finding.tags, "title"),
                    explanation=finding.explanation
                    + " — in the title of a link (a song or article)",
                )
            out.append(finding)
        out.sort(key=lambda f: (f.start, -f.score))
        return out

    def _contextual(
        self,
        rule: Rule,
        text: str,
        low: str,
        start: int,
        end: int,
        quotes: list[tuple[int, int]],
        replies: list[tuple[int, int]],
    ) -> Finding:
        score = rule.score
        tags: list[str] = []
        if rule.subject == "victim":
            subject = victim_of(low[start:end])
        elif rule.subject == "infer":
            subject = Subject.SELF
        else:
            subject = Subject(rule.subject)
        explanation = rule.explanation
        if rule.subject == "infer":
            own = _PRONOUN.match(low, start)
            if own and own.lastgroup == "first":
                person = "first"
            elif others_possessive(text, low, start, end):
                person = "third"
            else:
                person = speaker_person(low, start)
            if person == "second":
                subject = Subject.NOBODY
                tags.append("second_person")
                explanation += (
                    " — said to or about the person addressed (support, not the writer's risk)"
                )
            elif person == "third":
                subject = Subject.OTHER
                tags.append("reported")
                score *= 0.85
                explanation += " — about someone else the writer names"
            elif person == "generic":
                subject = Subject.NOBODY
                tags.append("generic")
                explanation += " — about people in general"
        if self.negation == "denial":
            how = denial(low, start, end=end)
        else:
            how = DENIED if negated(low, start) else None
        if rule.negatable and how is not None and not _DEFERRED.match(low, end, end + 40):
            if how == NOT_NOW:
                tags.append(NOT_NOW)
                score = min(score, NOT_NOW_SCORE)
                explanation += (
                    " — denied only for a time ('not … today'): a concern to ask about, "
                    "not intent with timing"
                )
            else:
                tags.append("negated")
                score *= 0.3
                explanation += " — negated here, so it weighs little"
        sentence: str | None = None
        if rule.tense or rule.recency:
            sentence = _sentence_around(low, start, end)
        denied_here = "negated" in tags or NOT_NOW in tags
        if rule.recency and not denied_here and sentence is not None and _RECENT.search(sentence):
            # A time word never raises what the writer denies ("I would never try that
            # again", "I'm not going to try tonight"): it would read a denial as intent.
            tags.append("recent")
            score = max(score, 0.9)
            explanation += " — and recent"
        elif (
            rule.tense
            and sentence is not None
            and _PAST.search(sentence)
            and not _CURRENT.search(sentence)
        ):
            tags.append("past")
            score *= 0.6
            explanation += " — told as past"
        than = (
            _THAN.match(low, end, min(len(low), end + 60))
            if _HYPERBOLE_BEFORE.search(low, max(0, start - 25), end)
            else None
        )
        if than is not None and not _LIFE.search(than.group()):
            tags.append("hyperbole")
            score *= 0.5
            explanation += " — a comparison ('rather … than …'), likely a figure of speech"
        if _JOKING.match(low, end, min(len(low), end + 12)):
            tags.append("joking")
            score *= 0.75
            explanation += " — with a joking tag (still checked: jokes can hide risk)"
        if replies and inside(replies, start, end):
            tags.append("quoted")
            subject = _ADDRESSEE_SWAP.get(subject, subject)
            explanation += " — in a reply quote ('>'), the words of the person replied to"
        elif quotes and inside(quotes, start, end):
            tags.append("quoted")
            opening = min(lo for lo, hi in quotes if lo <= start and end <= hi)
            frame = _REPORTED_QUOTE.search(low, max(0, opening - 60), opening)
            if frame is not None and frame.lastgroup == "third":
                subject = _REPORTED_SWAP.get(subject, subject)
                explanation += " — quoting what someone else said"
            elif frame is not None and frame.lastgroup == "second":
                subject = _ADDRESSEE_SWAP.get(subject, subject)
                explanation += " — quoting what the person addressed said"
            else:
                score *= 0.85
                explanation += " — inside quotation marks (a thought or words quoted)"
        return Finding(
            domain=self.domain,
            category=rule.category,
            start=start,
            end=end,
            score=round(min(1.0, max(0.0, score)), 4),
            explanation=explanation,
            rule=rule.id,
            subject=subject,
            tags=tuple(tags),
        )


@cache
def load_rules(name: str) -> RuleSet:
    """The shipped lexicon ``reattune/data/safety/{name}.toml`` (``crisis``, ``violence``)."""
    origin = f"reattune/data/safety/{name}.toml"
    try:
        text = resources.files("reattune.data.safety").joinpath(f"{name}.toml").read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read the safety lexicon ({exc})", file=origin) from exc
    return RuleSet.from_data(data, origin)
