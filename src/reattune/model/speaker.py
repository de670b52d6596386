"""Who speaks in a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PARTNER = "partner"
    THERAPIST = "therapist"
    OTHER = "other"


class PartnerLabel(StrEnum):
    A = "A"
    B = "B"


@dataclass(frozen=True, slots=True)
class Speaker:
    """One participant. ``id`` is stable within a conversation (the sender name unless the
    format carries its own ids); ``partner`` is set only for ``Role.PARTNER``."""

    id: str
    display_name: str
    role: Role = Role.OTHER
    partner: PartnerLabel | None = None

    def __post_init__(self) -> None:
        if (self.role is Role.PARTNER) != (self.partner is not None):
            raise ValueError("a partner label goes with the partner role, and only with it")

    @property
    def label(self) -> str:
        """How reports name this speaker when names are hidden."""
        if self.partner is not None:
            return f"Partner {self.partner.value}"
        return "Therapist" if self.role is Role.THERAPIST else self.display_name
