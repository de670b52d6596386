"""An uploaded conversation through the engine and the safety gate.

The upload is parsed from memory (``ingest.source_from_bytes``): the plaintext is never
written to disk, not even to a temporary file. The safety result is kept in the views each
person may see: ``for_person`` of the uploader's and of the other partner's speaker (so the
partner never sees findings about the uploader, only the neutral witness message) and the
whole result for the couple's own therapist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reattune import analyze
from reattune.ingest import ParseOptions, load_source, source_from_bytes
from reattune.model import PartnerLabel
from reattune.safety import check

__all__ = ["Outcome", "UploadOptions", "analyse_upload"]


@dataclass(frozen=True, slots=True)
class UploadOptions:
    filename: str
    me: str
    partner: str | None = None
    format: str | None = None
    timezone: str = "UTC"

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "me": self.me,
            "partner": self.partner,
            "format": self.format,
            "timezone": self.timezone,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UploadOptions:
        return cls(d["filename"], d["me"], d.get("partner"), d.get("format"), d["timezone"])


@dataclass(frozen=True, slots=True)
class Outcome:
    analysis: dict[str, Any]
    safety: dict[str, Any]


def analyse_upload(data: bytes, options: UploadOptions, *, max_bytes: int) -> Outcome:
    """Raises the engine's catalogued ``InputError`` / ``RoleMappingError`` /
    ``SettingsError`` for a file it cannot read."""
    source = source_from_bytes(data, options.filename, max_bytes=max_bytes)
    parse = ParseOptions(
        format=options.format,
        timezone=options.timezone,
        partner_a=options.me,
        partner_b=options.partner,
        max_bytes=max_bytes,
    )
    conversation = load_source(source, parse)
    analysis = analyze(conversation).to_dict()
    analysis["source"].pop("path", None)
    whole = check(conversation)
    me = conversation.partner(PartnerLabel.A)
    other = conversation.partner(PartnerLabel.B)
    views = {
        "owner": whole.for_person(me.id).to_dict() if me else None,
        "partner": whole.for_person(other.id).to_dict() if other else None,
        "therapist": whole.to_dict(),
    }
    return Outcome(analysis, views)
