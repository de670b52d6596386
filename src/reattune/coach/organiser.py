"""The withdrawer's organiser: guided prompts (body, fear, need, when I can come back) that
turn short answers into a short message with a return time."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reattune import safety
from reattune.coach.data import load
from reattune.coach.timeout import check_minutes
from reattune.episodes.breaks import duration_named
from reattune.errors import CoachInputError

MAX_ANSWER_CHARS = 300
_LEADS = {
    "body": re.compile(r"^(?:i (?:notice|feel|have)(?: that)?|there(?:'s| is))\s+", re.I),
    "fear": re.compile(r"^(?:i(?:'m| am) (?:afraid|scared|worried)(?: that)?|that)\s+", re.I),
    "need": re.compile(r"^(?:i need|i want|i'd like)(?: to have)?\s+", re.I),
    "when": re.compile(r"^(?:i can come back|back|i'll be back|come back)\s+", re.I),
}


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str
    text: str
    example: str


def prompts() -> tuple[Prompt, ...]:
    """The questions, in the order to ask them."""
    return tuple(
        Prompt(p["id"], p["text"], p["example"]) for p in load("protocol")["organiser"]["prompt"]
    )


@dataclass(frozen=True, kw_only=True)
class OrganisedMessage(safety.Cleared):
    """The message to send (nothing is sent by reattune), and the return time in it."""

    text: str
    when: str
    minutes: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "when": self.when, "minutes": self.minutes}


def _clean(key: str, value: str) -> str:
    value = " ".join(value.split()).strip().rstrip(".!;,")
    value = _LEADS[key].sub("", value)
    if value[:2].isupper():  # all capitals, not an initial
        return value
    return value[:1].lower() + value[1:] if not value.startswith("I ") else value


def _screen(answers: Mapping[str, str], *, locale: str | None = None) -> safety.SafetyResult:
    return safety.check(" \n".join(answers.values()), locale=locale)


@safety.gated(_screen)
def organise(answers: Mapping[str, str], *, locale: str | None = None) -> OrganisedMessage:
    """A short message from the answers (``body``, ``fear``, ``need``, ``when``; any may be
    empty except that the message always carries a return time — "in 20 minutes" when none
    is given). A return sooner than 20 minutes or later than 24 hours is an error."""
    cfg = load("protocol")["organiser"]
    known = {p.id for p in prompts()}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise CoachInputError(
            f"unknown organiser answer(s): {', '.join(unknown)}", expected=", ".join(known)
        )
    cleaned: dict[str, str] = {}
    for key, raw in answers.items():
        if len(raw) > MAX_ANSWER_CHARS:
            raise CoachInputError(
                f"the '{key}' answer has {len(raw)} characters",
                expected=f"a short answer (at most {MAX_ANSWER_CHARS})",
            )
        if raw.strip():
            cleaned[key] = _clean(key, raw)
    when = cleaned.get("when") or str(cfg["default_return"])
    seconds = duration_named(when)
    minutes = None if seconds is None else check_minutes(seconds / 60)
    if not re.match(r"(?:in|at|by|after|tomorrow|tonight|this|later|on)\b", when, re.I):
        when = ("in " if seconds is not None else "at ") + when
    template = cfg["template"]
    parts = [template["opener"]]
    parts += [
        template[k].format(**{k: cleaned[k]}) for k in ("body", "fear", "need") if k in cleaned
    ]
    parts.append(template["when"].format(when=when))
    return OrganisedMessage(text=" ".join(parts), when=when, minutes=minutes)
