"""Who is partner A, partner B, and the therapist."""

from __future__ import annotations

from collections.abc import Sequence

from reattune.errors import RoleMappingError
from reattune.model import ParseWarning, PartnerLabel, Role, Speaker


def _find(name: str, speakers: Sequence[tuple[str, str]], option: str) -> str:
    """The id of the speaker called ``name`` (id or display name, case-insensitive)."""
    wanted = name.casefold().strip()
    for sid, display in speakers:
        if sid.casefold() == wanted or display.casefold().strip() == wanted:
            return sid
    found = ", ".join(display for _, display in speakers) or "none"
    raise RoleMappingError(
        f"{option} {name!r} is not a speaker of this conversation; speakers found: {found}",
        expected="one of the speakers found",
    )


def assign_roles(
    speakers: Sequence[tuple[str, str]],
    *,
    partner_a: str | None = None,
    partner_b: str | None = None,
    therapists: Sequence[str] = (),
    strict: bool = True,
) -> tuple[tuple[Speaker, ...], list[ParseWarning]]:
    """Map speakers ``(id, display name)`` — in order of first speech — to roles.

    With exactly two speakers who are not named therapists, the first to speak becomes
    partner A and the other partner B, and a warning (W104) says so. Otherwise the partners
    must be named; when they are not, ``strict`` raises a ``RoleMappingError`` listing the
    speakers found, and non-strict leaves everyone ``Role.OTHER`` with a warning.
    """

    warnings: list[ParseWarning] = []
    therapist_ids = {_find(t, speakers, "--therapist") for t in therapists}
    a = _find(partner_a, speakers, "--partner-a") if partner_a else None
    b = _find(partner_b, speakers, "--partner-b") if partner_b else None
    if a is not None and a == b:
        raise RoleMappingError("partner A and partner B name the same speaker")
    if {a, b} & therapist_ids:
        raise RoleMappingError("a partner cannot also be named as therapist")
    rest = [sid for sid, _ in speakers if sid not in therapist_ids and sid not in (a, b)]
    if a is None or b is None:
        missing = (a is None) + (b is None)
        if len(rest) == missing:
            auto = [x for x in ("A" if a is None else "", "B" if b is None else "") if x]
            if a is None:
                a = rest.pop(0)
            if b is None:
                b = rest.pop(0)
            warnings.append(
                ParseWarning(
                    "W104",
                    "partner " + " and ".join(auto) + " assigned automatically in order of "
                    "first message; name them with --partner-a/--partner-b to change it",
                )
            )
        elif len(rest) < missing and len(speakers) - len(therapist_ids) == 1 and a is None:
            a = rest.pop(0)
            warnings.append(
                ParseWarning("W104", "only one partner speaks; the speaker is partner A")
            )
        else:
            found = ", ".join(display for _, display in speakers) or "none"
            message = (
                f"{len(speakers)} speakers found ({found}); name the partners with "
                "--partner-a and --partner-b (and any therapist with --therapist)"
            )
            if strict:
                raise RoleMappingError(message, expected="two partners named")
            warnings.append(ParseWarning("W104", "roles not assigned: " + message))
            a = b = None

    result: list[Speaker] = []
    for sid, display in speakers:
        if sid == a:
            result.append(Speaker(sid, display, Role.PARTNER, PartnerLabel.A))
        elif sid == b:
            result.append(Speaker(sid, display, Role.PARTNER, PartnerLabel.B))
        elif sid in therapist_ids:
            result.append(Speaker(sid, display, Role.THERAPIST))
        else:
            result.append(Speaker(sid, display, Role.OTHER))
    return tuple(result), warnings
