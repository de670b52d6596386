"""Small, fast readings of a turn's text that several coders share: tokens without fillers,
quoted ranges, clause-level negation, questions (with or without a question mark), shouting
and repeated punctuation. All offsets are character offsets into the original text."""

from __future__ import annotations

import re
from functools import lru_cache

FILLERS = frozenset({"um", "umm", "uh", "uhh", "erm", "er", "hmm", "mm", "ah", "eh"})
"""Transcript fillers that carry no content (ignored when counting tokens)."""

SHORTHAND = frozenset(
    {
        "k",
        "kk",
        "ok",
        "okay",
        "okk",
        "oki",
        "fine",
        "sure",
        "whatever",
        "wtv",
        "whatevs",
        "idk",
        "dunno",
        "nvm",
        "np",
        "yep",
        "yup",
        "yeah",
        "ya",
        "mhm",
        "mm",
        "hm",
        "meh",
        "cool",
        "right",
        "noted",
        "nope",
        "no",
        "yes",
        "y",
        "n",
        "alright",
        "ok.",
        "lol",
    }
)
"""Chat shorthand and one-word replies that, alone, take up none of the partner's content."""

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[\U0001F300-\U0001FAFF\u2600-\u27BF]", re.UNICODE)
_ASCII_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
"""``_TOKEN`` on lower-cased ASCII text."""
_ASCII_TOKEN_BYTES = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256)
)
"""``bytes.translate`` table: a letter in lower case, a digit kept, anything else a space — in
ASCII text without an apostrophe, the ``_ASCII_TOKEN`` tokens of the lower-cased text are the
``split`` of the result."""
_QUOTED = re.compile(r'"[^"\n]{1,200}"|“[^”\n]{1,200}”|«[^»\n]{1,200}»')
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_SENTENCE_END = re.compile(r"[.!?\n]")
_QUESTION_START = re.compile(
    r"\s*(?:(?:and|but|so|ok|okay|seriously|honestly|like|um|uh)[,\s]+)?"
    r"(?:why|what|how|when|where|who|whose|which|how come|"
    r"(?:do|does|did|are|is|was|were|can|could|will|would|should|have|has|had|aren't|isn't|"
    r"don't|doesn't|didn't|won't|wouldn't|can't|couldn't|haven't)\s+(?:you|u|we|i|it|he|she|"
    r"they|this|that|there|ya))\b",
    re.IGNORECASE,
)
_NEGATORS = re.compile(
    r"\b(?:not|no|n't|nt|dont|don't|doesn't|didn't|isn't|wasn't|aren't|won't|can't|cannot|"
    r"without|hardly|neither|nor)\b|n['’]t\b",
    re.IGNORECASE,
)
_HARDLY = re.compile("hardly", re.IGNORECASE)
"""The one alternative of ``_NEGATORS`` without an "n"."""
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]|\bbut\b|\band\b", re.IGNORECASE)
_HOSTILE_QUESTION = re.compile(
    r"\W*(?:(?:and|but|so|ok|okay|seriously|honestly|like|um|uh)[,\s]+)?"
    r"(?:why (?:[\w'’]+ ){0,2}(?:you|u)\b|what(?:['’]s| is) (?:wrong|the matter) with|"
    r"do (?:you|u) even|are (?:you|u) (?:serious|kidding|joking|even)|who do (?:you|u) think|"
    r"what the (?:hell|fuck|heck|f)|how (?:could|can|dare) (?:you|u)|"
    r"what(?:['’]s| is) (?:your|ur) problem|(?:is )?that(?:['’]s)? (?:all|it)\b)",
    re.IGNORECASE,
)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’]+\b")
_REPEATED_PUNCT = re.compile(r"[!?]{2,}|!{2,}")
EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2764\ufe0f\u200d]+")


def token_tuple(text: str) -> tuple[str, ...]:
    """Lower-cased word and emoji tokens, fillers dropped (``tokens`` without its cache)."""
    if text.isascii():
        # In ASCII text a token is [a-z0-9] runs (no emoji, no typographic apostrophe), and
        # lower-casing first changes no character's class: the same tokens from one C call.
        if "'" in text:
            found = _ASCII_TOKEN.findall(text.lower())
        else:  # without apostrophes, the runs between the other characters: C calls only
            found = text.encode("ascii").translate(_ASCII_TOKEN_BYTES).decode("ascii").split()
    else:  # "İ" lower-cases to two characters: lower each token as found
        found = [m.group().lower() for m in _TOKEN.finditer(text)]
    if FILLERS.isdisjoint(found):
        return tuple(found)
    return tuple(t for t in found if t not in FILLERS)


tokens = lru_cache(maxsize=4096)(token_tuple)
"""Lower-cased word and emoji tokens, fillers dropped (cached: drafts are re-read often)."""


def content_words(text: str) -> frozenset[str]:
    """Tokens of four letters or more, a cheap stand-in for content words."""
    return words_of_content(tokens(text))


def words_of_content(toks: tuple[str, ...]) -> frozenset[str]:
    """``content_words`` from the tokens already read."""
    return frozenset([t for t in toks if len(t) >= 4])


def quoted_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges inside double or typographic quotation marks (quoted speech)."""
    if '"' not in text and "“" not in text and "«" not in text:
        return []
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def inside(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(lo <= start and end <= hi for lo, hi in ranges)


def negated(text: str, start: int, window: int = 30) -> bool:
    """Whether the clause before ``start`` negates what follows ("I'm not saying you always…",
    "it's not that you never…"). Looks back to the last clause break, at most ``window``
    characters."""
    lo = max(0, start - window)
    before = text[lo:start]
    if "n" not in before and "N" not in before and _HARDLY.search(before) is None:
        return False  # every negator but "hardly" has an n (only "n", "N" match it ignoring case)
    if _NEGATORS.search(before) is None:
        return False  # no negator in the window, so none after its last clause break
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    return _NEGATORS.search(before) is not None


_SECOND_PERSON = re.compile(
    r"\b(?:you|u|ur|your|yours|you['’]re|youre|yourself|ya)\b", re.IGNORECASE
)
_SENTENCE_BREAK = re.compile(r"[.!?\n]")


def addressed(text: str, start: int, window: int = 40) -> bool:
    """Whether the words at ``start`` are aimed at the partner: the sentence before them names
    the partner ("you're so stupid", "you idiot"), as opposed to "my boss is an idiot" or
    "traffic is insane". Looks back to the last sentence break, at most ``window``
    characters."""
    before = text[max(0, start - window) : start]
    breaks = list(_SENTENCE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    return _SECOND_PERSON.search(before) is not None


_REPORTING = re.compile(
    r"\b(?:say|says|said|saying|tell me|tells me|told me|telling me|go|goes|went)[\s:,]*[\"“'‘]?$",
    re.IGNORECASE,
)


_REPORTING_HINT = re.compile("sa|tel|told|go|went")
"""Something every verb of ``_REPORTING`` contains (in lower case)."""


def reported(text: str, start: int, window: int = 25) -> bool:
    """Whether the words at ``start`` are reported speech: right after a verb of saying
    ("you always say idk", "you keep saying not now", "and you go 'fine'")."""
    before = text[max(0, start - window) : start]
    if before.isascii() and not _REPORTING_HINT.search(before.lower()):
        return False  # no verb of saying begins there (ASCII: case folds as lower-casing)
    return _REPORTING.search(before) is not None


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence-like ranges (split at . ! ? and line breaks), stripped of outer spaces."""
    if not _SENTENCE_END.search(text):  # one sentence, or none: no need to split
        stripped = text.strip()
        if not stripped:
            return []
        lo = len(text) - len(text.lstrip())
        return [(lo, lo + len(stripped))]
    out = []
    for m in _SENTENCE.finditer(text):
        seg = m.group()
        stripped = seg.strip()
        if stripped:
            lo = m.start() + len(seg) - len(seg.lstrip())
            out.append((lo, lo + len(stripped)))
    return out


def questions(text: str) -> list[tuple[int, int]]:
    """Ranges of the sentences that are questions: ending in "?" or opening like one
    ("why would you do that", "do you even care") even without a question mark."""
    # A sentence's range is stripped and never empty: its last character is its end, and
    # matching at its start, as far as its end, is matching the sentence alone.
    match = _QUESTION_START.match
    return [(lo, hi) for lo, hi in sentences(text) if text[hi - 1] == "?" or match(text, lo, hi)]


_OPEN_QUESTION = re.compile(
    r"\W*(?:(?:and|but|so|ok|okay|seriously|honestly|like|um|uh)[,\s]+)?"
    r"(?:what|why|how|where|who|whose|which)\b",
    re.IGNORECASE,
)

BACKCHANNEL = frozenset(
    {"mhm", "mmhm", "mmhmm", "mhmm", "hm", "mm", "huh", "yeah", "yes", "yep", "right", "okay"}
    | {"ok", "sure"}
    | {"true", "exactly", "totally", "i", "see", "got", "it", "oh", "wow", "really"}
)
"""Tokens of a spoken backchannel ("mm-hm", "yeah", "right", "I see"); fillers such as "mm"
and "uh" are dropped from tokens already."""


_RAISES_ISSUE = re.compile(
    r"what(?:['’]s| is) (?:wrong|up with (?:you|u)|going on|the matter)|"
    r"are (?:you|u) (?:ok|okay|alright|mad|upset|angry|annoyed|sure)\b|"
    r"is (?:something|anything|everything) (?:wrong|ok|okay|alright)|"
    r"(?:you|u) (?:seem|look|sound)(?:ed)? (?:[\w'’]+ )?(?:off|upset|quiet|down|sad|mad|angry|"
    r"distant|weird|annoyed|stressed|cold|tense)\b|what happened|can we talk|we need to talk|"
    r"talk to me|can i ask (?:you )?something|did i do something|"
    r"why are (?:you|u) (?:so )?(?:quiet|upset|mad|angry|cold|distant)",
    re.IGNORECASE,
)


def raises_issue(text: str) -> bool:
    """The turn raises a problem or asks about one ("what's wrong?", "are you mad?", "you seem
    off", "can we talk about…"): a reply of "I'm fine" or "idk" to it denies or evades."""
    return _RAISES_ISSUE.search(text) is not None


def open_question(question: str) -> bool:
    """A question that asks for more than yes or no ("what's wrong?", "how was it?")."""
    return _OPEN_QUESTION.match(question) is not None


def hostile_question(question: str) -> bool:
    """A rhetorical, hostile or motive-attributing question ("why would you…", "do you even…",
    "what is wrong with you", "that's it?")."""
    return _HOSTILE_QUESTION.match(question) is not None


_NON_WORD = re.compile(r"[^\w'’]+")


def normalised(text: str) -> str:
    """Lower-cased words joined by single spaces, padded with one space on each side, so a
    phrase can be looked up by word edges with a plain ``in``."""
    return " " + _NON_WORD.sub(" ", text.lower().replace("’", "'")).strip() + " "


def echoes(phrase: str, other: str) -> bool:
    """Whether ``phrase`` repeats words the partner said (``other`` from ``normalised``):
    "not now??" after "not now" is the partner's words thrown back, not the speaker's move."""
    words = normalised(phrase)
    return words.strip() != "" and words in other


_MAYBE_SHOUTING = re.compile(r"[A-Z][A-Z'’]{3}|[A-Z][A-Z'’]{1,2}[\s\S]?[A-Z][A-Z'’]")
"""What any run that ``shouting`` keeps contains: a word of ``_CAPS_WORD`` four characters
long, or one of two or three characters, at most one character, and the start of another."""
_NOT_SHOUTING = frozenset({"I", "OK", "I'M", "TV", "PM", "AM"})


def shouting(text: str) -> list[tuple[int, int]]:
    """Runs of capitalised words: two or more words in capitals, or one of four letters or
    more in otherwise lower-case text ("You NEVER listen")."""
    if not _MAYBE_SHOUTING.search(text):
        return []  # no word in capitals of four letters or more, nor two of them together
    words = [
        m
        for m in _CAPS_WORD.finditer(text)
        if len(m.group()) >= 2 and m.group() not in _NOT_SHOUTING
    ]
    if not words:
        return []
    out: list[tuple[int, int]] = []
    for m in words:
        if out and m.start() - out[-1][1] <= 1:
            out[-1] = (out[-1][0], m.end())
        else:
            out.append((m.start(), m.end()))
    out = [(a, b) for a, b in out if b - a >= 4 or " " in text[a:b]]
    if not out:
        return out  # ("I'm" alone): no need to count the letters
    letters = sum(map(str.isalpha, text))
    upper = sum(map(str.isupper, text))
    if letters and upper / letters > 0.85 and letters < 6:
        return []  # "OK", "NO" alone: too short to call shouting
    return out


def repeated_punctuation(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _REPEATED_PUNCT.finditer(text)]


def is_only_emoji(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and EMOJI.fullmatch(stripped) is not None


def second_person_ratio(text: str) -> float:
    toks = tokens(text)
    if not toks:
        return 0.0
    return sum(1 for t in toks if t in {"you", "your", "you're", "yours", "u", "ur"}) / len(toks)
