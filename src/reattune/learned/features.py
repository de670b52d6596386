"""Hand-made dense features that the learned coders add to their n-gram features.

Each feature set is a named, versioned function ``(text, context) -> list[float]`` with a
fixed list of feature names. A model file records the set's name and its feature names; the
loader refuses a model whose names differ from the code's, so a changed feature can never be
scored silently with old weights. The values are standardised with the training mean and
scale stored in the model file.

The lexicons are short, general-purpose marker lists (insults, sarcasm and
over-generalisation markers, motivational-interviewing reflection stems, empathy phrases)
written for this project; they are not taken from any published word list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FEATURE_SETS", "FeatureSet", "content_words"]

_TOK = re.compile(r"[a-z0-9']+")
_WORD2 = re.compile(r"[A-Za-z]{2,}")
_MULTI_PUNCT = re.compile(r"[!?]{2,}")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_TWO_CAPITALS = re.compile(r"[A-Z][A-Z]")
_YOU_ARE = re.compile(r"\byou(?:'re| are)\b")
_STARTS_INTERJECTION = re.compile(r"\s*(?:oh|wow|gee|yeah|sure|right|well)\b")
_QUESTION_OPENING = re.compile(
    r"^\s*(?:\w+[,.]\s*)*(?:what|how|why|when|where|who|which|do|does|did|is|are|was|were|can|"
    r"could|would|will|have|has|should|may|tell me)\b"
)

FeatureFunction = Callable[[str, str], list[float]]


@dataclass(frozen=True)
class FeatureSet:
    """A named list of dense features and the function computing them for one document."""

    name: str
    names: tuple[str, ...]
    compute: FeatureFunction


def _words(text: str) -> set[str]:
    return set(text.split())


_INSULTS = _words(
    "idiot idiots idiotic stupid stupidity moron morons moronic dumb fool fools foolish loser "
    "losers pathetic clown clowns ignorant ignorance imbecile retard retarded jerk hypocrite "
    "hypocrites liar liars troll trolls nonsense garbage trash crap bs scum sheep sheeple lunatic "
    "lunatics crazy nuts delusional clueless brainless incompetent disgusting shameful "
    "ridiculous absurd silly childish whine whining whiner whiners dope dolt dimwit nitwit twit "
    "coward cowards freak pig pigs rat rats ass asshole bastard shut hate hateful"
)
_SARCASM = (
    "oh great",
    "oh wow",
    "oh yes",
    "oh yeah",
    "oh really",
    "yeah right",
    "yeah, right",
    "sure,",
    "of course",
    "how nice",
    "thanks a lot",
    "genius",
    "brilliant",
    "bravo",
    "congratulations",
    "wow",
    "gee",
    "lol",
    "haha",
    "lmao",
    "rofl",
    "/s",
    ":p",
    ";)",
    "good luck",
    "what a surprise",
    "shocking",
    "who knew",
    "oh wait",
    "really?",
    "right?",
    "puh-leeze",
    "riiight",
    "nice try",
    "big surprise",
    "give me a break",
)
_GENERALISATION = (
    "you always",
    "you never",
    "always",
    "never",
    "everyone",
    "everybody",
    "nobody",
    "all of you",
    "you people",
    "every time",
    "typical",
    "as usual",
    "all these",
    "those people",
    "these people",
)
_SECOND = _words("you your you're youre yours yourself yourselves u ur")
_FIRST = _words("i me my mine myself i'm im i've i'd")
_WE = _words("we us our ours ourselves we're")
_NEGATION = _words("not no never don't doesn't didn't isn't aren't wasn't can't won't nothing")


_ANY_MARKER: dict[tuple[str, ...], re.Pattern[str]] = {}


def _count_markers(low: str, markers: tuple[str, ...]) -> int:
    """Occurrences of every marker, summed (``str.count`` each); one search first tells
    whether any marker occurs at all."""
    anyone = _ANY_MARKER.get(markers)
    if anyone is None:
        anyone = _ANY_MARKER.setdefault(markers, re.compile("|".join(map(re.escape, markers))))
    if anyone.search(low) is None:
        return 0
    return sum(map(low.count, markers))


_ASCII_LETTERS = bytes(range(ord("A"), ord("Z") + 1)) + bytes(range(ord("a"), ord("z") + 1))
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))


def _letters_and_upper(text: str) -> tuple[int, int]:
    """How many characters of ``text`` are letters, and how many of those are upper case
    (``str.isalpha``, ``str.isupper``; in ASCII text counted by deleting them)."""
    if text.isascii():
        raw = text.encode("ascii")
        n = len(raw)
        return (
            n - len(raw.translate(None, _ASCII_LETTERS)),
            n - len(raw.translate(None, _ASCII_UPPER)),
        )
    letters = [c for c in text if c.isalpha()]
    return len(letters), sum(c.isupper() for c in letters)


def _marker_trie(markers: tuple[str, ...]) -> re.Pattern[str]:
    """A regular expression that finds whether any of ``markers`` occurs (as a trie: each
    position tries the markers' first characters once, not every marker in turn)."""

    root: dict[str, Any] = {}
    for m in markers:
        node = root
        for ch in m:
            node = node.setdefault(ch, {})
        node[""] = {}

    def alternation(node: dict[str, Any]) -> str:
        parts = []
        for ch in sorted(c for c in node if c):
            child = node[ch]  # a marker ending here is enough: nothing after it is needed
            parts.append(
                re.escape(ch) if "" in child else f"{re.escape(ch)}(?:{alternation(child)})"
            )
        return "|".join(parts)

    return re.compile(alternation(root))


_ANY_HOSTILITY_MARKER = _marker_trie(_SARCASM + _GENERALISATION)
_HOSTILITY_WORDS = (_SECOND, _FIRST, _WE, _NEGATION, _INSULTS)
_WORD_CLASSES: dict[str, tuple[int, ...]] = {}
"""Each word of the hostility word lists, with the lists it is in (by index)."""
for _k, _words_of_list in enumerate(_HOSTILITY_WORDS):
    for _w in _words_of_list:
        _WORD_CLASSES[_w] = (*_WORD_CLASSES.get(_w, ()), _k)
_WORD_CLASSES_ASCII = {w.encode("ascii"): k for w, k in _WORD_CLASSES.items() if w.isascii()}
_ASCII_TOKEN_TABLE = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789'" else c + 32 if 65 <= c <= 90 else 32
    for c in range(256)
)
"""``bytes.translate`` table: a letter in lower case, a digit or ``'`` kept, anything else a
space — the ``_TOK`` tokens of the lower-cased text are then the ``split`` of the result."""


def _hostility_v1(text: str, context: str) -> list[float]:
    del context
    low = text.lower()
    counts = [0, 0, 0, 0, 0]  # second person, first person, we, negation, insults
    if text.isascii():
        toks_ascii = text.encode("ascii").translate(_ASCII_TOKEN_TABLE).split()
        n_toks = len(toks_ascii)
        for found in map(_WORD_CLASSES_ASCII.get, toks_ascii):
            if found is not None:
                for k in found:
                    counts[k] += 1
    else:
        toks = _TOK.findall(low)
        n_toks = len(toks)
        for found in map(_WORD_CLASSES.get, toks):
            if found is not None:
                for k in found:
                    counts[k] += 1
    n = max(n_toks, 1)
    letters, upper = _letters_and_upper(text)
    # a word in capitals has two capitals in a row: without them, there is none to count
    caps_words = (
        sum(map(str.isupper, _WORD2.findall(text)))
        if upper >= 2 and _TWO_CAPITALS.search(text)
        else 0
    )
    questions = text.count("?")
    exclamations = text.count("!")
    if _ANY_HOSTILITY_MARKER.search(low) is None:
        sarcasm = generalisation = 0
    else:
        sarcasm = sum(map(low.count, _SARCASM))
        generalisation = sum(map(low.count, _GENERALISATION))
    second, first, we, negation, insults = counts
    return [
        math.log1p(n_toks),
        min(questions, 5) / 5,
        min(exclamations, 5) / 5,
        1.0 if questions + exclamations >= 2 and _MULTI_PUNCT.search(text) else 0.0,
        1.0 if "..." in text or "…" in text else 0.0,
        upper / max(letters, 1),
        min(caps_words, 5) / 5,
        min(text.count('"') + text.count("“") + text.count("”"), 4) / 4,
        second / n,
        first / n,
        we / n,
        negation / n,
        min(insults, 3) / 3,
        min(sarcasm, 3) / 3,
        min(generalisation, 3) / 3,
        1.0 if ("you're" in low or "you are" in low) and _YOU_ARE.search(low) else 0.0,
        1.0 if _STARTS_INTERJECTION.match(low) else 0.0,
    ]


_HOSTILITY_V1 = FeatureSet(
    name="hostility_v1",
    names=(
        "log_tokens",
        "question_marks",
        "exclamation_marks",
        "repeated_punctuation",
        "ellipsis",
        "caps_ratio",
        "caps_words",
        "quote_marks",
        "second_person_ratio",
        "first_person_ratio",
        "we_ratio",
        "negation_ratio",
        "insult_words",
        "sarcasm_markers",
        "generalisation_markers",
        "you_are",
        "starts_with_interjection",
    ),
    compute=_hostility_v1,
)

_STOP = _words(
    "the a an and or but so to of in on at for with is are was were be been it this that i you "
    "he she they we me my your um uh like just yeah okay ok mm hmm do did does have has had not "
    "no yes well really know think"
)
_REFLECTION_STEMS = (
    "it sounds like",
    "sounds like",
    "you feel",
    "you're feeling",
    "so you",
    "you're saying",
    "so you're",
    "it seems",
    "seems like",
    "you want",
    "you don't want",
    "you've been",
    "on one hand",
    "on the other hand",
    "what i'm hearing",
    "you're not",
    "you think",
    "for you",
    "you're worried",
    "you'd like",
    "you know that",
    "part of you",
)


def content_words(text: str) -> set[str]:
    """Lower-cased words of three or more characters that are not fillers or stop words."""

    return {w for w in _TOK.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def _words_and_overlap(
    text: str, context: str
) -> tuple[str, list[str], int, set[str], set[str], int]:
    """What ``mi_v1`` and ``empathy_v1`` read first: the lower-cased text, its tokens, their
    number (at least 1), the text's and the context's content words, and how many they share."""

    low = text.lower()
    toks = _TOK.findall(low)
    mine = content_words(text)
    theirs = content_words(context)
    return low, toks, max(len(toks), 1), mine, theirs, len(mine & theirs)


def _mi_v1(text: str, context: str) -> list[float]:
    low, toks, n, mine, theirs, shared = _words_and_overlap(text, context)
    return [
        math.log1p(len(toks)),
        1.0 if text.rstrip().endswith("?") else 0.0,
        min(text.count("?"), 3) / 3,
        1.0 if _QUESTION_OPENING.search(low) else 0.0,
        min(_count_markers(low, _REFLECTION_STEMS), 3) / 3,
        sum(w in ("you", "your", "you're", "you've", "you'd") for w in toks) / n,
        sum(w in ("i", "me", "my", "i'm", "i've") for w in toks) / n,
        shared / max(len(mine), 1),
        shared / max(len(theirs), 1),
        shared / max(len(mine | theirs), 1),
        math.log1p(len(_TOK.findall(context.lower()))),
        1.0 if "?" in context else 0.0,
        1.0 if context == "" else 0.0,
    ]


_MI_V1 = FeatureSet(
    name="mi_v1",
    names=(
        "log_tokens",
        "ends_with_question_mark",
        "question_marks",
        "question_opening",
        "reflection_stems",
        "second_person_ratio",
        "first_person_ratio",
        "overlap_of_own_words",
        "overlap_of_context_words",
        "jaccard_with_context",
        "context_log_tokens",
        "context_has_question",
        "no_context",
    ),
    compute=_mi_v1,
)

_EMOTION_PHRASES = (
    "sorry",
    "hug",
    "hugs",
    "feel for you",
    "that sucks",
    "heart goes",
    "i'm so sorry",
    "sad to hear",
    "breaks my heart",
    "proud of you",
    "glad",
    "happy for you",
    "awful",
    "terrible",
    "must be hard",
    "must be",
    "i hope",
    "<3",
    "love",
    "care",
)
_INTERPRETATION_PHRASES = (
    "i understand",
    "i know how",
    "i know what",
    "i've been",
    "i have been",
    "same here",
    "me too",
    "i feel you",
    "i get it",
    "i can relate",
    "i went through",
    "i used to",
    "i had",
    "i was",
    "sounds like",
    "it seems",
    "you must",
    "makes sense",
)
_EXPLORATION_PHRASES = (
    "how do you",
    "how are you",
    "what happened",
    "what do you",
    "what makes you",
    "do you want to talk",
    "want to talk",
    "can you tell",
    "tell me",
    "why do you",
    "have you",
    "do you feel",
    "are you",
    "what's going on",
    "how long",
    "what kind",
)


def _empathy_v1(text: str, context: str) -> list[float]:
    low, toks, n, mine, theirs, shared = _words_and_overlap(text, context)
    return [
        math.log1p(len(toks)),
        min(text.count("?"), 3) / 3,
        1.0 if text.rstrip().endswith("?") else 0.0,
        sum(map(_SECOND.__contains__, toks)) / n,
        sum(map(_FIRST.__contains__, toks)) / n,
        shared / max(len(mine), 1),
        shared / max(len(theirs), 1),
        min(text.count("!"), 3) / 3,
        min(_count_markers(low, _EMOTION_PHRASES), 3) / 3,
        min(_count_markers(low, _INTERPRETATION_PHRASES), 3) / 3,
        min(_count_markers(low, _EXPLORATION_PHRASES), 3) / 3,
        math.log1p(len(_TOK.findall(context.lower()))),
    ]


_EMPATHY_V1 = FeatureSet(
    name="empathy_v1",
    names=(
        "log_tokens",
        "question_marks",
        "ends_with_question_mark",
        "second_person_ratio",
        "first_person_ratio",
        "overlap_of_own_words",
        "overlap_of_context_words",
        "exclamation_marks",
        "emotion_phrases",
        "interpretation_phrases",
        "exploration_phrases",
        "context_log_tokens",
    ),
    compute=_empathy_v1,
)


# Interpretations (EPITOME): the responder shows understanding of the seeker's feelings or
# experience. Strong: a specific shared experience ("I went through the same when my dad
# died") or a specific inferred feeling ("that must be exhausting"); weak: a generic "I
# understand" / "I know how you feel" / "me too" without specifics.
_SHARED_EXPERIENCE = (
    "i've been through",
    "i have been through",
    "been through",
    "went through",
    "i've been there",
    "i have been there",
    "been there",
    "when i was",
    "same thing happened",
    "happened to me",
    "same here",
    "me too",
    "i too",
    "i also",
    "i feel the same",
    "i felt the same",
    "i have the same",
    "i had the same",
    "same with me",
    "same for me",
    "that was me",
    "that's me",
    "i used to",
    "i struggle with",
    "i struggled with",
    "in the same",
    "similar situation",
    "i know this feeling",
    "i know the feeling",
    "i know that feeling",
    "i know how you feel",
    "i know what you mean",
    "i know exactly",
    "i can relate",
    "relate to",
    "i get it",
    "i feel you",
    "i feel that",
    "i understand",
    "i totally understand",
    "my experience",
    "for me",
    "i'm the same",
    "im the same",
    "i am the same",
    "i did the same",
    "i do the same",
    "you're not alone",
    "you are not alone",
    "not the only one",
)
_INFERRED_FEELING = (
    "that must be",
    "must be",
    "must feel",
    "must have been",
    "sounds like you",
    "it sounds like",
    "sounds like",
    "you seem",
    "it seems like you",
    "seems like you",
    "you sound",
    "i can tell",
    "i can imagine",
    "i can only imagine",
    "can't imagine",
    "it's understandable",
    "understandable",
    "makes sense",
    "it's normal",
    "normal to feel",
    "you feel like",
    "you're feeling",
    "you are feeling",
    "you probably",
    "i bet you",
)
_FIRST_PERSON = {"i", "me", "my", "mine", "myself", "i'm", "im", "i've", "i'd", "i'll"}
_FIRST_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_WE_WORDS = frozenset(("we", "us", "our", "we're"))
_PAST_I = re.compile(
    r"\bi (?:was|had|did|felt|went|used|tried|got|lost|found|have been|had been)\b"
)


_GENERIC_UNDERSTANDING = (
    "i understand",
    "i totally understand",
    "i completely understand",
    "i know how you feel",
    "i know what you mean",
    "i know what you're going through",
    "i know the feeling",
    "i know this feeling",
    "i know that feeling",
    "i feel the same",
    "i feel you",
    "i feel that",
    "i get it",
    "i get that",
    "i can relate",
    "relatable",
    "same here",
    "me too",
    "same.",
    "same,",
    "i hear you",
    "i feel this",
)
_GENERALISING = (
    "we all",
    "all of us",
    "everyone",
    "everybody",
    "a lot of people",
    "lots of people",
    "many people",
    "most people",
    "so many people",
    "it's normal",
    "its normal",
    "it is normal",
    "it's common",
    "pretty common",
    "happens to",
    "we're all",
    "people like us",
)


def _interpretations_v1(text: str, context: str) -> list[float]:
    del context
    low = text.lower()
    toks = _TOK.findall(low)
    n_toks = len(toks)
    n = max(n_toks, 1)
    first = _FIRST_SENTENCE.split(low.strip(), maxsplit=1)[0]
    ftoks = _TOK.findall(first)
    n_first_person = sum(map(_FIRST_PERSON.__contains__, toks))
    shared = min(_count_markers(low, _SHARED_EXPERIENCE), 3) / 3
    narrative = min(len(_PAST_I.findall(low)), 3) / 3
    generic = min(_count_markers(low, _GENERIC_UNDERSTANDING), 2) / 2
    short = 1.0 if n_toks < 25 else 0.0
    return [
        shared,
        min(_count_markers(first, _SHARED_EXPERIENCE), 2) / 2,
        min(_count_markers(low, _INFERRED_FEELING), 3) / 3,
        min(_count_markers(first, _INFERRED_FEELING), 2) / 2,
        n_first_person / n,
        sum(map(_FIRST_PERSON.__contains__, ftoks)) / max(len(ftoks), 1),
        1.0 if ftoks[:1] and ftoks[0] in _FIRST_PERSON else 0.0,
        narrative,
        1.0 if "?" in text and n_first_person == 0 else 0.0,
        generic,
        generic * short,
        generic * (1.0 - narrative),
        min(_count_markers(low, _GENERALISING), 2) / 2,
        sum(t in _WE_WORDS for t in toks) / n,
        1.0 if n_toks < 12 else 0.0,
        shared * short,
        narrative * (1.0 if n_toks >= 40 else 0.0),
    ]


_INTERPRETATIONS_V1 = FeatureSet(
    name="interpretations_v1",
    names=(
        "shared_experience",
        "shared_experience_first",
        "inferred_feeling",
        "inferred_feeling_first",
        "first_person_ratio",
        "first_person_ratio_first",
        "opens_first_person",
        "past_first_person",
        "asks_without_self",
        "generic_understanding",
        "generic_understanding_short",
        "generic_understanding_no_story",
        "generalising",
        "we_ratio",
        "very_short",
        "shared_experience_short",
        "long_story",
    ),
    compute=_interpretations_v1,
)


# Emotional reactions (EPITOME): the responder expresses emotions (warmth, compassion,
# concern, sadness) about the seeker. Strong: an explicit, intensified emotion ("I'm so
# sorry, that breaks my heart"); weak: a generic one ("sorry", "that sucks", "hugs").
_STRONG_EMOTION = (
    "heartbreak",
    "heart break",
    "heartbroken",
    "breaks my heart",
    "broke my heart",
    "my heart goes",
    "my heart hurts",
    "devastat",
    "so sorry",
    "really sorry",
    "truly sorry",
    "very sorry",
    "deeply",
    "i feel so bad",
    "i feel for you",
    "i'm so sad",
    "so sad",
    "makes me sad",
    "makes me so",
    "awful",
    "horrible",
    "terrible",
    "tragic",
    "furious",
    "angry for you",
    "so angry",
    "scared for you",
    "worried about you",
    "i'm worried",
    "hurts to read",
    "hurt to read",
    "tears",
    "crying",
    "sending love",
    "sending hugs",
    "big hug",
    "so proud",
    "so happy for you",
    "i love you",
)
_WEAK_EMOTION = (
    "sorry",
    "that sucks",
    "sucks",
    "i hope",
    "hope you",
    "glad",
    "good luck",
    "hang in there",
    "stay strong",
    "hug",
    "<3",
    "take care",
    "best wishes",
    "feel better",
    "proud of you",
    "love",
    "care about",
)
_EMOTION_INTENSIFIED = re.compile(
    r"\b(?:so|really|truly|very|deeply|incredibly|extremely) "
    r"(?:sorry|sad|awful|terrible|hard|painful|proud|happy|glad|angry)"
)


def _emotional_reactions_v1(text: str, context: str) -> list[float]:
    del context
    low = text.lower()
    n_toks = len(_TOK.findall(low))
    first = _FIRST_SENTENCE.split(low.strip(), maxsplit=1)[0]
    strong = min(_count_markers(low, _STRONG_EMOTION), 3) / 3
    weak = min(_count_markers(low, _WEAK_EMOTION), 3) / 3
    return [
        strong,
        min(_count_markers(first, _STRONG_EMOTION), 2) / 2,
        weak,
        min(_count_markers(first, _WEAK_EMOTION), 2) / 2,
        min(len(_EMOTION_INTENSIFIED.findall(low)), 2) / 2,
        1.0 if low.lstrip().startswith(("i'm sorry", "im sorry", "i am sorry", "sorry")) else 0.0,
        weak * (1.0 if n_toks < 20 else 0.0),
        strong * (1.0 if "!" in text else 0.0),
        min(low.count("sorry"), 3) / 3,
    ]


_EMOTIONAL_REACTIONS_V1 = FeatureSet(
    name="emotional_reactions_v1",
    names=(
        "strong_emotion",
        "strong_emotion_first",
        "weak_emotion",
        "weak_emotion_first",
        "intensified_emotion",
        "opens_sorry",
        "weak_emotion_short",
        "strong_emotion_exclaimed",
        "sorry_count",
    ),
    compute=_emotional_reactions_v1,
)


# Explorations (EPITOME): the responder asks about the seeker's feelings or experience.
# Strong: a specific question ("What did your sister say when you told her?"); weak: a
# generic one ("What happened?", "Want to talk?").
_GENERIC_QUESTION = (
    "what's wrong",
    "whats wrong",
    "what is wrong",
    "what happened",
    "are you ok",
    "are you okay",
    "you ok?",
    "you okay?",
    "want to talk",
    "wanna talk",
    "want to chat",
    "like to talk",
    "how are you",
    "how're you",
    "what's up",
    "whats up",
    "what's going on",
    "whats going on",
    "pm me",
    "message me",
    "dm me",
    "talk about it",
)
_FEELING_WORDS = re.compile(r"\b(?:feel|feels|feeling|felt|emotions?|mood|cope|coping)\b")
_YOU_WORDS = re.compile(r"\b(?:you|your|you're|youre|yourself)\b")
_ADVICE_QUESTION = re.compile(
    r"\b(?:have you (?:tried|considered|thought)|did you try|why don't you|"
    r"why not|could you|can you)\b"
)


def _explorations_v1(text: str, context: str) -> list[float]:
    low = text.lower()
    sentences = [x for x in _FIRST_SENTENCE.split(low.strip()) if x]
    questions = [x for x in sentences if "?" in x]
    theirs = {w for w in _TOK.findall(context.lower()) if len(w) > 3}
    q_toks = [_TOK.findall(q) for q in questions]
    overlap = max((len(set(t) & theirs) for t in q_toks), default=0)
    longest = max((len(t) for t in q_toks), default=0)
    generic = min(_count_markers(low, _GENERIC_QUESTION), 2) / 2
    return [
        min(len(questions), 3) / 3,
        min(sum(1 for q in questions if _YOU_WORDS.search(q)), 3) / 3,
        min(sum(1 for q in questions if _FEELING_WORDS.search(q)), 2) / 2,
        generic,
        generic * (1.0 if longest < 8 else 0.0),
        min(overlap, 4) / 4,
        min(longest, 30) / 30,
        min(sum(1 for q in questions if _ADVICE_QUESTION.search(q)), 2) / 2,
        1.0 if questions and "?" in sentences[0] else 0.0,
        1.0 if questions and longest >= 8 and _YOU_WORDS.search(" ".join(questions)) else 0.0,
    ]


_EXPLORATIONS_V1 = FeatureSet(
    name="explorations_v1",
    names=(
        "questions",
        "questions_about_you",
        "questions_about_feelings",
        "generic_question",
        "generic_short_question",
        "question_overlap_with_post",
        "longest_question",
        "advice_questions",
        "opens_with_question",
        "long_question_about_you",
    ),
    compute=_explorations_v1,
)

FEATURE_SETS: dict[str, FeatureSet] = {
    fs.name: fs
    for fs in (
        _HOSTILITY_V1,
        _MI_V1,
        _EMPATHY_V1,
        _INTERPRETATIONS_V1,
        _EMOTIONAL_REACTIONS_V1,
        _EXPLORATIONS_V1,
    )
}
"""Every dense feature set by the name a model file uses."""
