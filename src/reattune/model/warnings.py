"""Things a parser noticed but did not stop for."""

from __future__ import annotations

from dataclasses import dataclass

from reattune.model.message import SourceLocation


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """A catalogued warning (``W1xx``) with where it applies. Never holds conversation text."""

    code: str
    message: str
    location: SourceLocation | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location is not None else ""
        return f"[{self.code}] {where}{self.message}"
