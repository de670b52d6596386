"""The catalogue of errors reattune raises.

Every error a user can meet has a stable code (``E1xx`` input, ``E2xx`` roles and settings,
``E3xx`` coaching), a plain message, and where possible the file and line it concerns and what
was expected there. Library code raises these; only the edges (CLI, API) turn them into exit
codes or HTTP statuses. Messages never contain conversation text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "AccessDeniedError",
    "AuditChainError",
    "BinaryFileError",
    "BreakDurationError",
    "CoachError",
    "CoachInputError",
    "ConflictError",
    "DecryptionError",
    "EmptyFileError",
    "EncodingError",
    "FileTooLargeError",
    "InputError",
    "InvalidRequestError",
    "MalformedFileError",
    "NotAuthenticatedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ReattuneError",
    "RewriterError",
    "RoleMappingError",
    "ServiceError",
    "SettingsError",
    "SourceNotFoundError",
    "TimeoutTransitionError",
    "TooManyAttemptsError",
    "TruncatedFileError",
    "UnknownFormatError",
    "catalogue",
]


@dataclass(eq=False)
class ReattuneError(Exception):
    """Base of every catalogued error."""

    message: str
    file: str | None = None
    line: int | None = None
    expected: str | None = None

    code: ClassVar[str] = "E000"
    title: ClassVar[str] = "reattune error"

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        parts = [f"[{self.code}]"]
        if self.where:
            parts.append(f"{self.where}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.expected:
            text += f" (expected: {self.expected})"
        return text

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "code": self.code,
            "title": self.title,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "expected": self.expected,
        }


class InputError(ReattuneError):
    """A file could not be read as a conversation."""

    code = "E100"
    title = "unreadable input"


class SourceNotFoundError(InputError):
    code = "E101"
    title = "file not found"


class EmptyFileError(InputError):
    code = "E102"
    title = "empty file"


class BinaryFileError(InputError):
    code = "E103"
    title = "binary file"


class EncodingError(InputError):
    code = "E104"
    title = "unknown text encoding"


class UnknownFormatError(InputError):
    code = "E105"
    title = "unknown format"


class FileTooLargeError(InputError):
    code = "E106"
    title = "file too large"


class TruncatedFileError(InputError):
    code = "E107"
    title = "truncated file"


class MalformedFileError(InputError):
    code = "E108"
    title = "malformed file"


class RoleMappingError(ReattuneError):
    """Who is partner A, partner B or the therapist could not be decided."""

    code = "E201"
    title = "speaker roles needed"


class SettingsError(ReattuneError):
    code = "E202"
    title = "invalid setting"


class CoachError(ReattuneError):
    """The private coach was asked for something it cannot do (``E3xx``)."""

    code = "E300"
    title = "coaching request not possible"


class CoachInputError(CoachError):
    code = "E301"
    title = "invalid coaching input"


class TimeoutTransitionError(CoachError):
    code = "E302"
    title = "time-out step out of order"


class BreakDurationError(CoachError):
    code = "E303"
    title = "break duration out of range"


class RewriterError(CoachError):
    code = "E304"
    title = "language-model rewriter misconfigured"


class ServiceError(ReattuneError):
    """The service refused a request (``E4xx``); the API turns each into one HTTP status."""

    code = "E400"
    title = "request refused"


class NotFoundError(ServiceError):
    """Missing, or not the caller's to see: the two are indistinguishable on purpose."""

    code = "E401"
    title = "not found"


class NotAuthenticatedError(ServiceError):
    code = "E402"
    title = "sign-in needed"


class AccessDeniedError(ServiceError):
    """The caller's role may not use this operation at all (object-level refusals are
    :class:`NotFoundError`)."""

    code = "E403"
    title = "not allowed"


class ConflictError(ServiceError):
    code = "E404"
    title = "conflict"


class InvalidRequestError(ServiceError):
    code = "E405"
    title = "invalid request"


@dataclass(eq=False)
class TooManyAttemptsError(ServiceError):
    """Sign-in attempts come too fast; a growing wait, never a lockout."""

    retry_after: int = 1

    code: ClassVar[str] = "E406"
    title: ClassVar[str] = "too many attempts"


class PayloadTooLargeError(ServiceError):
    code = "E407"
    title = "request too large"


class DecryptionError(ServiceError):
    """A stored ciphertext failed authentication (moved, altered, or its key is missing)."""

    code = "E408"
    title = "stored data failed authentication"


class AuditChainError(ServiceError):
    code = "E409"
    title = "audit trail broken"


def catalogue() -> list[type[ReattuneError]]:
    """Every error class, in code order (for docs and tests)."""

    seen: list[type[ReattuneError]] = []
    stack: list[type[ReattuneError]] = [ReattuneError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(seen, key=lambda c: c.code)
