"""What clients send and receive. Requests are strict: unknown fields are rejected and every
string is bounded. Responses never carry table rows; owner and couple ids are never taken
from a request body."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reattune.server.couples import CoupleView, InvitationView, LinkedCouple
from reattune.server.items import ItemView
from reattune.server.storage.tables import SessionRow, User

Username = Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
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
    agreed_return_minutes: Annotated[int, Field(ge=20, le=24 * 60)]
    note: Annotated[str, Field(max_length=2_000)] = ""


class CSI4In(Request):
    answers: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=4, max_length=4)]


class ScreeningIn(Request):
    instrument: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_.-]+$")]
    answers: Annotated[
        dict[
            Annotated[str, Field(min_length=1, max_length=32)],
            Literal["yes", "no", "declined"],
        ],
        Field(max_length=40),
    ]


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
        return cls(
            id=v.id,
            kind=v.kind,
            relation=v.relation,  # type: ignore[arg-type]
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
