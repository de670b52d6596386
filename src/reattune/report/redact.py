"""Redaction for sharing: speaker names become their labels, identifiers become placeholders.

``redact_text(text, names)`` is a pure function of the text and the speakers' names. It masks
e-mail addresses, URLs (with or without a scheme), phone numbers, card and account numbers
(IBAN, labelled account / sort-code / ID numbers, US social security and UK national insurance
numbers), IP addresses, dates of birth (a date next to "born", "DOB", "date of birth",
"birthday"), street addresses, postcodes and @handles.

``find_identifiers`` returns the same findings as character ranges, so a caller that
highlights spans of the original text (the HTML report) can keep its offsets.

What it cannot do: it recognises only the names it is given; other people mentioned in the text
(a child, a friend, the therapist's colleague) are not detected. Review before sharing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reattune.model.speaker import Role, Speaker

NAME = "[name]"
EMAIL = "[email]"
URL = "[url]"
PHONE = "[phone]"
CARD = "[card number]"
ACCOUNT = "[account number]"
ID_NUMBER = "[id number]"
IP_ADDRESS = "[ip address]"
BIRTH_DATE = "[date of birth]"
ADDRESS = "[address]"
POSTCODE = "[postcode]"
HANDLE = "[handle]"

_KEEP = ""
"""Marks a match that protects the text from a weaker pattern (an ordinary date) and is kept."""


@dataclass(frozen=True, slots=True)
class Redaction:
    """``text[start:end]`` is replaced by ``replacement``; ``kind`` names what was found."""

    start: int
    end: int
    kind: str
    replacement: str


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
_TLDS = (
    "com|org|net|edu|gov|info|biz|io|app|dev|ly|gl|tv|fm|link|site|online|shop|"
    "uk|ca|au|nz|de|fr|nl|ch|pt|dk|fi|cz|eu|ru|jp|br|mx|za"
)
_STREET = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|"
    r"Terrace|Close|Crescent|Square|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Grove|Gardens|"
    r"Mews|Row|Walk|Hill|Park|Green)\b\.?"
)
_ID_LABELS = (
    r"(?:ssn|social\s+security|national\s+insurance|ni|nhs|medicare|passport|"
    r"driver'?s?\s+licen[cs]e|licen[cs]e|tax|patient|mrn|member(?:ship)?|policy|customer|"
    r"client|id)"
)
_ACCOUNT_LABELS = r"(?:account|acct|a/c|iban|sort\s+code|routing|bank|card|credit\s+card)"
_LABEL_TAIL = r"(?:\s+(?:number|no\.?|num|#|id))?\s*(?:is\s+)?[:#-]?\s*"
_ID_VALUE = r"([A-Z]{0,4}\d[A-Z0-9]*(?:[ -]\d[A-Z0-9]*){0,6})"
_ID_MIN_DIGITS = 5

# Patterns in priority order: where two findings overlap, the earlier pattern wins.
# Each entry: kind, compiled pattern, the group holding the identifier, replacement.
_PATTERNS: tuple[tuple[str, re.Pattern[str], int, str], ...] = (
    ("url", re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"']+"), 0, URL),
    ("email", re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), 0, EMAIL),
    (
        "url",
        re.compile(
            rf"(?i)(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b"
            r"(?:/[^\s<>\"']*)?"
        ),
        0,
        URL,
    ),
    (
        "birth_date",
        re.compile(
            rf"(?i)\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?|birth\s?day(?:\s+is)?)"
            rf"\s*[:-]?\s*({_DATE})"
        ),
        1,
        BIRTH_DATE,
    ),
    ("account", re.compile(rf"(?i)\b{_ACCOUNT_LABELS}{_LABEL_TAIL}{_ID_VALUE}"), 1, ACCOUNT),
    ("id_number", re.compile(rf"(?i)\b{_ID_LABELS}{_LABEL_TAIL}{_ID_VALUE}"), 1, ID_NUMBER),
    (
        "account",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"),
        0,
        ACCOUNT,
    ),
    ("id_number", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), 0, ID_NUMBER),
    (
        "id_number",
        re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"),
        0,
        ID_NUMBER,
    ),
    ("ip_address", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), 0, IP_ADDRESS),
    ("date", re.compile(rf"(?i)\b{_DATE}\b"), 0, _KEEP),
    ("digits", re.compile(r"(?<![\w+.])(?:\+ ?)?\(?\d[\d(). -]{5,}\d(?!\w)"), 0, PHONE),
    (
        "address",
        re.compile(
            r"\b\d{1,5}[A-Za-z]?(?:[-/]\d{1,5})?,?\s+(?:[A-Z][\w'.-]*\s+){1,4}"
            + _STREET
            + r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
        ),
        0,
        ADDRESS,
    ),
    (
        "address",
        re.compile(
            r"(?i)\b[\w-]*(?:straße|strasse|gasse|weg|platz|allee|laan|straat|gatan|vej)"
            r"\s+\d{1,4}[a-z]?\b"
        ),
        0,
        ADDRESS,
    ),
    (
        "address",
        re.compile(r"(?i)\b(?:apt|apartment|flat|unit|suite|p\.?\s?o\.?\s+box)\.?\s*#?\d+[a-z]?\b"),
        0,
        ADDRESS,
    ),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b"), 0, POSTCODE),
    ("postcode", re.compile(r"\b[A-Z]{2} \d{5}(?:-\d{4})?\b"), 0, POSTCODE),
    ("handle", re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?"), 0, HANDLE),
)

_TRAILING = ".,;:!?)]}'\""

_TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "rev", "sir", "dame"})

_COMMON_WORDS = frozenset(
    """will may june april august summer autumn dawn eve hope faith grace joy mark rose
    ruby amber holly ivy iris daisy lily pearl sky sunny ray rich frank guy drew miles
    chase hunter page rob bill pat art max jack king young brown white black green long
    hall bob sue ken gene carol penny cliff dale glen heath lee sandy storm wade""".split()
)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_card(text: str) -> bool:
    digits = _digits(text)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _classify_digits(match: str) -> tuple[str, str] | None:
    """A run of digits with separators: a phone, a card, an account number, or nothing."""
    digits = _digits(match)
    if match.startswith("+") and 7 <= len(digits) <= 15:
        return "phone", PHONE
    if 13 <= len(digits) <= 19:
        return ("card", CARD) if _is_card(digits) else ("account", ACCOUNT)
    if 7 <= len(digits) <= 12:
        return "phone", PHONE
    if len(digits) > 19:
        return "account", ACCOUNT
    return None


def _name_patterns(names: Mapping[str, str]) -> list[tuple[re.Pattern[str], str]]:
    """Whole names first (longest first), then their parts; common words only when capitalised."""
    wholes: dict[str, str] = {}
    parts: dict[str, str] = {}
    for raw, label in names.items():
        name = raw.strip()
        if not name:
            continue
        wholes.setdefault(name, label)
        for piece in re.split(r"[\s,]+", name):
            part = piece.strip(".'\"()")
            if len(part) < 2 or part.lower() in _TITLES or part.isdigit():
                continue
            parts.setdefault(part, label)
    out: list[tuple[re.Pattern[str], str]] = []
    ordered = sorted(wholes.items(), key=lambda kv: -len(kv[0]))
    ordered += sorted(
        ((t, label) for t, label in parts.items() if t not in wholes), key=lambda kv: -len(kv[0])
    )
    for text, label in ordered:
        flags = 0 if text.lower() in _COMMON_WORDS else re.IGNORECASE
        out.append((re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", flags), label))
    return out


def _as_mapping(names: Mapping[str, str] | Iterable[str]) -> Mapping[str, str]:
    if isinstance(names, Mapping):
        return names
    return dict.fromkeys(names, NAME)


def find_identifiers(text: str, names: Mapping[str, str] | Iterable[str] = ()) -> list[Redaction]:
    """Non-overlapping findings in ``text``, sorted by position.

    ``names`` maps each speaker name to its replacement ("Partner A"); a plain iterable of
    names replaces each with ``[name]``.
    """
    candidates: list[tuple[int, int, int, str, str]] = []
    for priority, (kind, pattern, group, replacement) in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            start, end = m.span(group)
            value = text[start:end]
            if kind in ("url", "email"):
                stripped = value.rstrip(_TRAILING)
                end -= len(value) - len(stripped)
                value = stripped
            found_kind, found_replacement = kind, replacement
            if kind in ("account", "id_number") and group and len(_digits(value)) < _ID_MIN_DIGITS:
                continue
            if kind == "account" and group and _is_card(value):
                found_kind, found_replacement = "card", CARD
            if kind == "digits":
                value = value.rstrip(" -.")
                end = start + len(value)
                classified = _classify_digits(value)
                if classified is None:
                    continue
                found_kind, found_replacement = classified
            if end > start:
                candidates.append((priority, start, end, found_kind, found_replacement))
    base = len(_PATTERNS)
    for offset, (pattern, label) in enumerate(_name_patterns(_as_mapping(names))):
        for m in pattern.finditer(text):
            candidates.append((base + offset, m.start(), m.end(), "name", label))
    candidates.sort(key=lambda c: (c[0], c[1], -(c[2] - c[1])))
    taken: list[tuple[int, int, str, str]] = []
    for _, start, end, kind, replacement in candidates:
        if any(start < t_end and t_start < end for t_start, t_end, _, _ in taken):
            continue
        taken.append((start, end, kind, replacement))
    return [
        Redaction(start, end, kind, replacement)
        for start, end, kind, replacement in sorted(taken)
        if replacement != _KEEP
    ]


def apply_redactions(text: str, redactions: Iterable[Redaction]) -> str:
    out: list[str] = []
    last = 0
    for r in sorted(redactions, key=lambda r: r.start):
        out.append(text[last : r.start])
        out.append(r.replacement)
        last = r.end
    out.append(text[last:])
    return "".join(out)


def redact_text(text: str, names: Mapping[str, str] | Iterable[str] = ()) -> str:
    """``text`` with speaker names replaced by their labels and identifiers masked."""
    return apply_redactions(text, find_identifiers(text, names))


def speaker_labels(participants: Iterable[Speaker]) -> dict[str, str]:
    """How a shared report names each speaker: "Partner A", "Partner B", "Therapist" (numbered
    when there are several), "Participant 1"… Keys are speaker ids and display names."""
    speakers = list(participants)
    therapists = [s for s in speakers if s.role is Role.THERAPIST]
    others = [s for s in speakers if s.role is not Role.THERAPIST and s.partner is None]
    labels: dict[str, str] = {}
    for s in speakers:
        if s.partner is not None:
            label = f"Partner {s.partner.value}"
        elif s.role is Role.THERAPIST:
            label = "Therapist" if len(therapists) == 1 else f"Therapist {therapists.index(s) + 1}"
        else:
            label = f"Participant {others.index(s) + 1}"
        labels[s.id] = label
        labels.setdefault(s.display_name, label)
    return labels
