"""The safety gate: every coaching flow passes through :func:`check`, and coaching output
cannot be made without it.

``check`` takes a text, a :class:`~reattune.model.Conversation` or a
:class:`~reattune.safety.screening.ScreeningResult` and returns a :class:`SafetyResult`: the
level, the reasons (findings with spans and explanations), the help lines for the locale, a
plain message for the person, and — when positive — a notification meant for **that person's
own therapist only**. It is never addressed to the partner.

:func:`gated` wraps a function that produces coaching: the wrapper runs a screen first and,
when it is positive, returns the :class:`SafetyResult` instead of calling the function. While
the wrapped function runs, a clearance is active; :class:`Cleared` output types (the coach's
suggestions, rewrites, scripts) demand that clearance when they are constructed, so code that
skips the gate fails loudly with :class:`GateBypassError` instead of producing coaching text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from reattune.model import Conversation
from reattune.model.speaker import Role
from reattune.safety.crisis import detect_crisis
from reattune.safety.findings import Domain, Finding, SafetyLevel, Subject
from reattune.safety.history import screen_history
from reattune.safety.resources import Resource, ResourceBook, resources_for
from reattune.safety.screening import ScreeningResult, score_screening
from reattune.safety.violence import detect_violence

__all__ = [
    "Clearance",
    "Cleared",
    "GateBypassError",
    "Notification",
    "Recipient",
    "SafetyResult",
    "check",
    "check_conversation",
    "check_history",
    "check_screening",
    "check_text",
    "combine",
    "current_clearance",
    "gated",
    "writer_level",
]

ALL_DOMAINS = (Domain.CRISIS, Domain.IPV)


def writer_level(findings: Iterable[Finding]) -> SafetyLevel:
    """The highest level among the findings about the writer themselves."""
    return max((f.level for f in findings if f.subject is Subject.SELF), default=SafetyLevel.NONE)


def _detect(text: str, domains: Sequence[Domain], *, model: bool = True) -> list[Finding]:
    out: list[Finding] = []
    if Domain.CRISIS in domains:
        out += detect_crisis(text)
    if Domain.IPV in domains:
        out += detect_violence(text, use_model=model)
    out.sort(key=lambda f: (f.turn or 0, f.start, -f.score))
    return out


class Recipient(StrEnum):
    OWN_THERAPIST = "own_therapist"
    """The therapist of the person the result is about — nobody else, never the partner."""


@dataclass(frozen=True, slots=True)
class Notification:
    """A notice meant for the person's own therapist. It names the codes and their
    explanations and where they were found (turn numbers), never the conversation's text."""

    about: str | None
    level: SafetyLevel
    domains: tuple[Domain, ...]
    reasons: tuple[str, ...]
    source: str
    recipient: Recipient = Recipient.OWN_THERAPIST

    def to_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient.value,
            "about": self.about,
            "level": self.level.label,
            "domains": [d.value for d in self.domains],
            "reasons": list(self.reasons),
            "source": self.source,
        }


_CRISIS_MESSAGE = {
    SafetyLevel.EMERGENCY: (
        "What you wrote sounds like you may be in danger right now. Please reach out now: "
        "call or text a crisis line, or call your local emergency number. You do not have to "
        "get through this moment alone."
    ),
    SafetyLevel.URGENT: (
        "It sounds like you are carrying a lot of pain, maybe thoughts of ending your life "
        "or hurting yourself. You deserve support today, from someone trained to help: the "
        "lines below are free and confidential, day or night."
    ),
    SafetyLevel.CONCERN: (
        "Some of what you wrote sounds very heavy. If part of you is thinking about not "
        "being alive, please talk to someone today — the lines below are there for exactly "
        "this."
    ),
}
_CRISIS_OTHER = (
    "It sounds like someone you care about may be thinking about suicide or self-harm. You "
    "can call a crisis line for advice on how to help them, and call the emergency number if "
    "they are in danger now."
)
_IPV_MESSAGE = {
    SafetyLevel.EMERGENCY: (
        "What is described here sounds dangerous. If you are in danger now, call your local "
        "emergency number. A domestic-violence line can help you make a safety plan, in "
        "confidence, whatever you decide."
    ),
    SafetyLevel.URGENT: (
        "Some of what is described here sounds like you may not be safe with your partner. "
        "Couples exercises can make things more dangerous when someone is being hurt or "
        "controlled, so they are paused. A domestic-violence line can talk it through with "
        "you in confidence."
    ),
    SafetyLevel.CONCERN: (
        "Some of what is described here can be a sign of control in a relationship. You "
        "deserve to feel safe and free. If you want to talk it through, a domestic-violence "
        "line is confidential and free."
    ),
}
_WITNESS = (
    "Suggestions are paused for this conversation because it contains words about harm. If "
    "anyone is in danger now, call your local emergency number."
)
_PAUSED = (
    "Suggestions to give space, re-engage or hold a joint session are paused while this is "
    "looked after."
)


def _message(level: SafetyLevel, findings: Sequence[Finding], witness: bool) -> str:
    if level is SafetyLevel.NONE:
        return ""
    if witness:
        return _WITNESS
    counted = [f for f in findings if f.counts]
    ipv = [f for f in counted if f.domain is Domain.IPV]
    crisis_self = [f for f in counted if f.domain is Domain.CRISIS and f.subject is Subject.SELF]
    crisis_other = [
        f for f in counted if f.domain is Domain.CRISIS and f.subject is not Subject.SELF
    ]
    parts: list[str] = []
    if crisis_self:
        parts.append(_CRISIS_MESSAGE[max(f.level for f in crisis_self)])
    elif crisis_other:
        parts.append(_CRISIS_OTHER)
    if ipv:
        parts.append(_IPV_MESSAGE[max(f.level for f in ipv)])
    parts.append(_PAUSED)
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class SafetyResult:
    """What the gate found, and what to show instead of coaching when it is positive.

    ``findings`` holds every finding (those that do not count too, for the record);
    ``reasons`` only those that raise the level. ``person`` is whom this result is for
    (``None`` for a bare text or a whole conversation); ``people`` maps each person of a
    conversation to their own level; ``role`` is ``"at_risk"`` when the findings are about
    this person, ``"witness"`` when they only saw them (a partner in the same conversation).
    """

    level: SafetyLevel
    findings: tuple[Finding, ...]
    resources: tuple[Resource, ...]
    message: str
    notification: Notification | None
    source: str
    locale: str | None = None
    person: str | None = None
    role: str | None = None
    people: tuple[tuple[str, SafetyLevel], ...] = ()
    _assign: tuple[tuple[int, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def positive(self) -> bool:
        return self.level is not SafetyLevel.NONE

    @property
    def reasons(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.counts)

    @property
    def domains(self) -> tuple[Domain, ...]:
        found = {f.domain for f in self.reasons}
        return tuple(d for d in ALL_DOMAINS if d in found)

    def for_person(self, person: str, book: ResourceBook | None = None) -> SafetyResult:
        """This conversation's result as ``person`` should see it: their own findings with a
        message and a notification for their own therapist; or, when the findings are only
        about someone else in the conversation, the neutral witness response (no
        notification, no detail about the other person)."""
        assigned = dict(self._assign)
        own = tuple(f for i, f in enumerate(self.findings) if assigned.get(i) == person)
        if any(f.counts for f in own):
            return _result(own, self.source, self.locale, person, "at_risk", book=book)
        if self.positive:
            return SafetyResult(
                level=SafetyLevel.CONCERN,
                findings=(),
                resources=resources_for(self.locale, self.domains, SafetyLevel.CONCERN, book),
                message=_WITNESS,
                notification=None,
                source=self.source,
                locale=self.locale,
                person=person,
                role="witness",
            )
        return _result((), self.source, self.locale, person, None, book=book)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.label,
            "positive": self.positive,
            "domains": [d.value for d in self.domains],
            "person": self.person,
            "role": self.role,
            "people": {p: lv.label for p, lv in self.people},
            "message": self.message,
            "resources": [r.to_dict() for r in self.resources],
            "notification": None if self.notification is None else self.notification.to_dict(),
            "reasons": [
                {
                    "code": f.code,
                    "level": f.level.label,
                    "turn": f.turn,
                    "speaker": f.speaker,
                    "start": f.start,
                    "end": f.end,
                    "score": f.score,
                    "subject": f.subject.value,
                    "explanation": f.explanation,
                    "rule": f.rule,
                    "tags": list(f.tags),
                }
                for f in self.reasons
            ],
        }


def _result(
    findings: Sequence[Finding],
    source: str,
    locale: str | None,
    person: str | None,
    role: str | None,
    people: tuple[tuple[str, SafetyLevel], ...] = (),
    assign: tuple[tuple[int, str], ...] = (),
    book: ResourceBook | None = None,
) -> SafetyResult:
    counted = [f for f in findings if f.counts]
    level = max((f.level for f in counted), default=SafetyLevel.NONE)
    domains = tuple(d for d in ALL_DOMAINS if any(f.domain is d for f in counted))
    notification = None
    if level.positive:
        reasons = tuple(
            f"{f.code} ({f.level.label})"
            + ("" if f.turn is None else f" at turn {f.turn}")
            + f": {f.explanation}"
            for f in counted
        )
        notification = Notification(person, level, domains, reasons, source)
    return SafetyResult(
        level=level,
        findings=tuple(findings),
        resources=resources_for(locale, domains, level, book) if level.positive else (),
        message=_message(level, counted, witness=False),
        notification=notification,
        source=source,
        locale=locale,
        person=person,
        role=role if level.positive else None,
        people=people,
        _assign=assign,
    )


def check_text(
    text: str,
    *,
    person: str | None = None,
    locale: str | None = None,
    domains: Sequence[Domain] = ALL_DOMAINS,
    book: ResourceBook | None = None,
) -> SafetyResult:
    """Screen one text written by ``person`` (a draft, a message, a journal entry)."""
    findings = _detect(text, domains)
    return _result(findings, "text", locale, person, "at_risk", book=book)


def check_history(
    texts: Sequence[str],
    *,
    person: str | None = None,
    locale: str | None = None,
    domains: Sequence[Domain] = ALL_DOMAINS,
    book: ResourceBook | None = None,
) -> SafetyResult:
    """Screen several texts written by one person (their posts, journal entries, or the
    turns they wrote): each text as :func:`check_text` would, each finding placed on the
    index of its text as ``turn``, and — for the crisis domain — their history weighed as a
    whole (:func:`reattune.safety.history.screen_history`), which adds a *concern* when
    several weak risk factors come together though no single text says enough."""
    findings: list[Finding] = []
    crisis: list[list[Finding]] = []
    for i, text in enumerate(texts):
        found = _detect(text, domains)
        crisis.append([f for f in found if f.domain is Domain.CRISIS])
        findings += [f.at(i, person) for f in found]
    if Domain.CRISIS in domains:
        combined = screen_history(texts, crisis).combined
        if combined is not None:
            findings.append(combined.at(combined.turn or 0, person))
    findings.sort(key=lambda f: (f.turn or 0, f.start, -f.score))
    return _result(findings, "history", locale, person, "at_risk", book=book)


def _person_for(f: Finding, speaker: str, others: Sequence[str]) -> str | None:
    """Whom a finding in ``speaker``'s turn puts at risk: the writer for their own crisis
    words, for violence done to them and for a worry about someone else; the other partner
    for a threat addressed to them."""
    if f.subject is Subject.NOBODY:
        return None
    if f.domain is Domain.IPV and f.subject is Subject.ADDRESSEE:
        return others[0] if len(others) == 1 else None
    return speaker


def check_conversation(
    conversation: Conversation,
    *,
    locale: str | None = None,
    domains: Sequence[Domain] = ALL_DOMAINS,
    book: ResourceBook | None = None,
) -> SafetyResult:
    """Screen every turn of a conversation. Findings are placed on their turn and speaker;
    ``people`` gives each partner's own level; use :meth:`SafetyResult.for_person` for what
    one person should see."""
    partners = [s.id for s in conversation.participants if s.role is Role.PARTNER]
    findings: list[Finding] = []
    assign: list[tuple[int, str]] = []
    for turn in conversation.turns:
        others = [p for p in partners if p != turn.speaker]
        # Turns are dialogue, not accounts: the lexicon reads them, the text model does not
        # (see safety/violence.py, MODEL_MIN_WORDS).
        for f in _detect(turn.text, domains, model=False):
            placed = f.at(turn.index, turn.speaker)
            who = _person_for(placed, turn.speaker, others)
            if who is not None:
                assign.append((len(findings), who))
            findings.append(placed)
    levels: dict[str, SafetyLevel] = {p: SafetyLevel.NONE for p in partners}
    for i, who in assign:
        f = findings[i]
        if f.counts:
            levels[who] = max(levels.get(who, SafetyLevel.NONE), f.level)
    return _result(
        findings,
        "conversation",
        locale,
        None,
        None,
        people=tuple(levels.items()),
        assign=tuple(assign),
        book=book,
    )


def check_screening(
    screening: ScreeningResult, *, locale: str | None = None, book: ResourceBook | None = None
) -> SafetyResult:
    """Score one person's private screening answers."""
    return _result(
        score_screening(screening),
        f"screening.{screening.instrument}",
        locale or screening.locale,
        screening.person,
        "at_risk",
        book=book,
    )


def combine(
    results: Sequence[SafetyResult],
    *,
    person: str | None = None,
    locale: str | None = None,
    book: ResourceBook | None = None,
) -> SafetyResult:
    """One result for one person from several screens (a conversation and their own
    screening answers): their own findings together when any is positive; else the witness
    response when they only saw someone else's; else nothing found."""
    own = [r for r in results if r.positive and r.role != "witness"]
    if own:
        findings = tuple(f for r in own for f in r.findings)
        source = "+".join(dict.fromkeys(r.source for r in own))
        return _result(findings, source, locale, person, "at_risk", book=book)
    for r in results:
        if r.positive:
            return r
    source = "+".join(dict.fromkeys(r.source for r in results)) or "none"
    return _result((), source, locale, person, None, book=book)


def check(
    subject: str | Conversation | ScreeningResult,
    *,
    person: str | None = None,
    locale: str | None = None,
    book: ResourceBook | None = None,
) -> SafetyResult:
    """The gate: screen a text, a conversation or a screening result (see the module
    docstring). For a conversation and a ``person``, the result is what that person sees."""
    if isinstance(subject, str):
        return check_text(subject, person=person, locale=locale, book=book)
    if isinstance(subject, Conversation):
        result = check_conversation(subject, locale=locale, book=book)
        return result if person is None else result.for_person(person, book)
    if isinstance(subject, ScreeningResult):
        return check_screening(subject, locale=locale, book=book)
    raise TypeError(
        f"safety.check takes a text, a Conversation or a ScreeningResult, not {subject!r}"
    )


# --- the clearance that coaching output demands -----------------------------------------------


class GateBypassError(RuntimeError):
    """Coaching output was constructed outside a :func:`gated` call: a programming error."""


@dataclass(frozen=True, slots=True)
class Clearance:
    """Proof that the gate ran and found nothing for this call."""

    result: SafetyResult


_CLEARANCE: ContextVar[Clearance | None] = ContextVar("reattune_safety_clearance", default=None)


def current_clearance() -> Clearance:
    """The active clearance, or :class:`GateBypassError` when none is active."""
    clearance = _CLEARANCE.get()
    if clearance is None or clearance.result.positive:
        raise GateBypassError(
            "coaching output may only be produced inside a safety-gated call "
            "(reattune.safety.gated)"
        )
    return clearance


@dataclass(frozen=True, kw_only=True)
class Cleared:
    """Base of every coaching output: constructing one outside a gated call raises
    :class:`GateBypassError`."""

    clearance: Clearance = field(default_factory=current_clearance, repr=False, compare=False)


P = ParamSpec("P")
T = TypeVar("T")


def gated(
    screen: Callable[P, SafetyResult],
) -> Callable[[Callable[P, T]], Callable[P, T | SafetyResult]]:
    """Decorate a coaching function with the screen that must pass before it runs.

    ``screen`` receives the same arguments as the function and returns a
    :class:`SafetyResult` (usually ``safety.check`` on its text or conversation, for the
    person being coached). A positive result is returned in place of the coaching; the
    function is not called at all."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T | SafetyResult]:
        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T | SafetyResult:
            result = screen(*args, **kwargs)
            if not isinstance(result, SafetyResult):
                raise TypeError("a gate's screen must return a SafetyResult")
            if result.positive:
                return result
            token = _CLEARANCE.set(Clearance(result))
            try:
                return fn(*args, **kwargs)
            finally:
                _CLEARANCE.reset(token)

        return wrapper

    return decorate
