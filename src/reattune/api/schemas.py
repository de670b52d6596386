"""What clients send and receive. Requests are strict: unknown fields are rejected and every
string is bounded. Responses never carry table rows; owner and couple ids are never taken
from a request body."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from reattune.service.couples import CoupleView, InvitationView, LinkedCouple
from reattune.service.items import ItemView
from reattune.storage.tables import SessionRow, User

Username = Annotated[
    str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
]
"""The same rule as ``accounts.USERNAME`` (before lower-casing): a name the schema allows is
one the service accepts."""


def _integral(value: Any) -> Any:
    """JSON Schema's ``integer`` includes ``5.0``: take an integral float as the integer (the
    strict models refuse every other conversion, strings included)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integral = BeforeValidator(_integral)
"""Put last in an integer field's ``Annotated`` (after its bounds, which then stay
``minimum``/``maximum`` in the OpenAPI document)."""
Password = Annotated[str, Field(min_length=1, max_length=256)]
NewPassword = Annotated[str, Field(min_length=10, max_length=256)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RegisterIn(Request):
    username: Username
    password: NewPassword
    role: Literal["partner", "therapist"] = "partner"


class LoginIn(Request):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Password
    totp: Annotated[str, Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")] | None = None
    mode: Literal["bearer", "cookie"] = "bearer"
    """``bearer`` returns the token in the body (API clients); ``cookie`` sets it as a
    ``__Host-`` cookie the page's scripts cannot read (browsers)."""


class PasswordIn(Request):
    current_password: Password
    new_password: NewPassword


class ConfirmIn(Request):
    password: Password


class InviteIn(Request):
    username: Username


class SharingIn(Request):
    partner: bool
    therapist: bool


class PrepIn(Request):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    text: Annotated[str, Field(min_length=1, max_length=20_000)]


class TimeoutIn(Request):
    agreed_return_minutes: Annotated[int, Field(ge=20, le=24 * 60), Integral]
    note: Annotated[str, Field(max_length=2_000)] = ""


Happiness = Annotated[int, Field(ge=0, le=6), Integral]
CSI4Item = Annotated[int, Field(ge=0, le=5), Integral]


def _array(value: Any) -> Any:
    """A JSON array for a fixed-length tuple (strict models take only tuples)."""
    return tuple(value) if isinstance(value, list) else value


class CSI4In(Request):
    answers: Annotated[tuple[Happiness, CSI4Item, CSI4Item, CSI4Item], BeforeValidator(_array)]
    """Item 1 from 0 to 6, items 2-4 from 0 to 5 (``items.CSI4_RANGES``), position by position
    in the OpenAPI document too."""


ScreeningAnswer = Literal["yes", "no", "declined"]
AsqQuestion = Literal["asq1", "asq2", "asq3", "asq4", "asq5"]
RelationshipQuestion = Literal[
    "safe_now",
    "afraid",
    "hurt",
    "strangled",
    "threat_kill",
    "weapon",
    "gun",
    "sexual",
    "children_pets",
    "monitoring",
    "isolation",
    "money",
    "humiliated",
]
"""The question ids of each screening instrument (``reattune/data/safety``), spelled out so
the OpenAPI document names exactly the answers the service accepts; a test keeps them equal
to the instruments."""


class AsqScreeningIn(Request):
    instrument: Literal["asq"]
    answers: dict[AsqQuestion, ScreeningAnswer]


class RelationshipScreeningIn(Request):
    instrument: Literal["relationship"]
    answers: dict[RelationshipQuestion, ScreeningAnswer]


ScreeningIn = AsqScreeningIn | RelationshipScreeningIn
"""One model per instrument, told apart by ``instrument``."""


# --- responses ----------------------------------------------------------------------------


class ErrorBody(BaseModel):
    code: str
    title: str
    message: str
    expected: str | None = None
    request_id: str | None = None
    fields: list[str] | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


class UserOut(BaseModel):
    id: str
    username: str
    role: str
    disabled: bool

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(id=u.id, username=u.username, role=u.role, disabled=u.disabled)


class RegisteredOut(UserOut):
    totp_uri: str | None = Field(
        None, description="therapists and admins: add this to an authenticator app (shown once)"
    )


class LoginOut(BaseModel):
    session_id: str
    token: str | None
    csrf_token: str
    expires_at: datetime
    idle_timeout_seconds: int


class SessionOut(BaseModel):
    id: str
    via: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool

    @classmethod
    def of(cls, s: SessionRow, current_id: str) -> SessionOut:
        return cls(
            id=s.id,
            via=s.via,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at,
            current=s.id == current_id,
        )


class InvitationOut(BaseModel):
    id: str
    direction: Literal["incoming", "outgoing"]
    other: str
    created_at: str

    @classmethod
    def of(cls, v: InvitationView) -> InvitationOut:
        return cls(id=v.id, direction=v.direction, other=v.other, created_at=v.created_at)  # type: ignore[arg-type]


class CoupleOut(BaseModel):
    id: str
    partner: str
    therapist: str | None
    proposed_therapist: str | None
    waiting_for_partner: bool

    @classmethod
    def of(cls, v: CoupleView) -> CoupleOut:
        return cls(
            id=v.id,
            partner=v.partner,
            therapist=v.therapist,
            proposed_therapist=v.proposed_therapist,
            waiting_for_partner=v.waiting_for_partner,
        )


class LinkedCoupleOut(BaseModel):
    id: str
    partners: list[str]

    @classmethod
    def of(cls, v: LinkedCouple) -> LinkedCoupleOut:
        return cls(id=v.id, partners=list(v.partners))


class ItemSummaryOut(BaseModel):
    id: str
    kind: str
    relation: Literal["owner", "partner", "therapist"]
    title: str
    created_at: datetime
    updated_at: datetime
    shared_with_partner: bool
    shared_with_therapist: bool

    @classmethod
    def of(cls, v: ItemView) -> ItemSummaryOut:
        # Built from the service's own typed values (no client input), so not validated
        # again: a list holds hundreds, and validation was most of its cost.
        return cls.model_construct(
            id=v.id,
            kind=v.kind,
            relation=v.relation,
            title=v.title,
            created_at=v.created_at,
            updated_at=v.updated_at,
            shared_with_partner=v.shared_with_partner,
            shared_with_therapist=v.shared_with_therapist,
        )


class ItemOut(ItemSummaryOut):
    content: dict[str, Any] | None
    analysis: dict[str, Any] | None

    @classmethod
    def of(cls, v: ItemView) -> ItemOut:
        base = ItemSummaryOut.of(v).model_dump()
        return cls(**base, content=v.content, analysis=v.analysis)


class ExportOut(BaseModel):
    user: UserOut
    items: list[ItemOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
