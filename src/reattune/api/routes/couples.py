"""Forming a couple, linking a therapist, and the therapist's list of couples."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from reattune.api.deps import Auth
from reattune.api.schemas import CoupleOut, InvitationOut, InviteIn, LinkedCoupleOut
from reattune.service import couples

router = APIRouter(tags=["couples"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/couples/invitations", status_code=status.HTTP_201_CREATED)
def invite(body: InviteIn, auth: Auth) -> InvitationOut:
    """Invite another partner account; the couple forms when they accept."""
    with auth.transaction() as (db, caller):
        inv = couples.invite(auth.ctx, db, caller, username=body.username)
        other = body.username.strip().lower()
        return InvitationOut(
            id=inv.id, direction="outgoing", other=other, created_at=inv.created_at.isoformat()
        )


@router.get("/couples/invitations")
def invitations(auth: Auth) -> list[InvitationOut]:
    with auth.transaction() as (db, caller):
        return [InvitationOut.of(v) for v in couples.list_invitations(auth.ctx, db, caller)]


@router.post("/couples/invitations/{invitation_id}/accept")
def accept(invitation_id: Id, auth: Auth) -> CoupleOut:
    with auth.transaction() as (db, caller):
        couples.accept_invitation(auth.ctx, db, caller, invitation_id)
        return CoupleOut.of(couples.current(auth.ctx, db, caller))


@router.delete("/couples/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT)
def decline(invitation_id: Id, auth: Auth) -> None:
    """Decline an invitation (the invited partner) or withdraw it (the inviter)."""
    with auth.transaction() as (db, caller):
        couples.decline_invitation(auth.ctx, db, caller, invitation_id)


@router.get("/couples/current")
def current(auth: Auth) -> CoupleOut:
    with auth.transaction() as (db, caller):
        return CoupleOut.of(couples.current(auth.ctx, db, caller))


@router.delete("/couples/current", status_code=status.HTTP_204_NO_CONTENT)
def leave(auth: Auth) -> None:
    """Leave the couple: every item stops being shared."""
    with auth.transaction() as (db, caller):
        couples.leave(auth.ctx, db, caller)


@router.post("/couples/current/therapist")
def propose_therapist(body: InviteIn, auth: Auth) -> CoupleOut:
    """Propose a therapist; linked once the other partner accepts too."""
    with auth.transaction() as (db, caller):
        return CoupleOut.of(couples.propose_therapist(auth.ctx, db, caller, username=body.username))


@router.post("/couples/current/therapist/accept")
def accept_therapist(auth: Auth) -> CoupleOut:
    with auth.transaction() as (db, caller):
        return CoupleOut.of(couples.accept_therapist(auth.ctx, db, caller))


@router.delete("/couples/current/therapist")
def unlink_therapist(auth: Auth) -> CoupleOut:
    """Either partner unlinks the therapist (or withdraws a proposal), alone."""
    with auth.transaction() as (db, caller):
        return CoupleOut.of(couples.unlink_therapist(auth.ctx, db, caller))


@router.get("/therapist/couples")
def linked_couples(auth: Auth) -> list[LinkedCoupleOut]:
    with auth.transaction() as (db, caller):
        return [LinkedCoupleOut.of(c) for c in couples.therapist_couples(auth.ctx, db, caller)]
