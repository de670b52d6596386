"""Couples and their therapist: a couple forms when the invited partner accepts; a therapist
is linked only once both partners have accepted, and either partner can unlink at any time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from reattune.errors import AccessDeniedError, ConflictError, NotFoundError
from reattune.service.core import Caller, Context, Role
from reattune.storage.tables import Couple, Invitation, Item, TherapistProposal, User

__all__ = [
    "CoupleView",
    "accept_invitation",
    "accept_therapist",
    "couple_of",
    "current",
    "decline_invitation",
    "dissolve_for",
    "invite",
    "leave",
    "list_invitations",
    "propose_therapist",
    "therapist_couples",
    "unlink_therapist",
]


def couple_of(db: Session, user_id: str) -> Couple | None:
    return db.execute(
        select(Couple).where(or_(Couple.partner_a_id == user_id, Couple.partner_b_id == user_id))
    ).scalar_one_or_none()


def _require_partner(caller: Caller) -> None:
    if caller.role != Role.PARTNER:
        raise AccessDeniedError("only partners can do this")


def _name(db: Session, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    user = db.get(User, user_id)
    return user.username if user else None


def _my_couple(ctx: Context, db: Session, caller: Caller, action: str) -> Couple:
    _require_partner(caller)
    couple = couple_of(db, caller.user_id)
    if couple is None:
        raise ctx.deny(db, caller, action, "couple", "current")
    return couple


def invite(ctx: Context, db: Session, caller: Caller, *, username: str) -> Invitation:
    _require_partner(caller)
    if couple_of(db, caller.user_id) is not None:
        raise ConflictError("you are already in a couple")
    other = db.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()
    if other is None or other.role != Role.PARTNER or other.id == caller.user_id:
        raise NotFoundError("no partner account with that name")
    if couple_of(db, other.id) is not None:
        raise ConflictError("that person cannot be invited now")
    pending = db.execute(
        select(Invitation).where(
            or_(
                (Invitation.inviter_id == caller.user_id) & (Invitation.invitee_id == other.id),
                (Invitation.inviter_id == other.id) & (Invitation.invitee_id == caller.user_id),
            )
        )
    ).scalar_one_or_none()
    if pending is not None:
        raise ConflictError("an invitation between you is already waiting")
    inv = Invitation(inviter_id=caller.user_id, invitee_id=other.id, created_at=ctx.now())
    db.add(inv)
    db.flush()
    ctx.record(db, caller.user_id, "invitation.create", "invitation", inv.id)
    return inv


@dataclass(frozen=True, slots=True)
class InvitationView:
    id: str
    direction: str
    other: str
    created_at: str


def list_invitations(ctx: Context, db: Session, caller: Caller) -> list[InvitationView]:
    _require_partner(caller)
    rows = db.execute(
        select(Invitation)
        .where(
            or_(Invitation.inviter_id == caller.user_id, Invitation.invitee_id == caller.user_id)
        )
        .order_by(Invitation.created_at, Invitation.id)
    ).scalars()
    out = []
    for inv in rows:
        outgoing = inv.inviter_id == caller.user_id
        other = _name(db, inv.invitee_id if outgoing else inv.inviter_id) or ""
        out.append(
            InvitationView(
                inv.id, "outgoing" if outgoing else "incoming", other, inv.created_at.isoformat()
            )
        )
    ctx.record(db, caller.user_id, "read", "invitations")
    return out


def accept_invitation(ctx: Context, db: Session, caller: Caller, invitation_id: str) -> Couple:
    _require_partner(caller)
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.invitee_id != caller.user_id:
        raise ctx.deny(db, caller, "invitation.accept", "invitation", invitation_id)
    if couple_of(db, inv.inviter_id) or couple_of(db, inv.invitee_id):
        raise ConflictError("one of you is already in a couple")
    couple = Couple(partner_a_id=inv.inviter_id, partner_b_id=inv.invitee_id, created_at=ctx.now())
    db.add(couple)
    people = (inv.inviter_id, inv.invitee_id)
    db.execute(
        delete(Invitation).where(
            or_(Invitation.inviter_id.in_(people), Invitation.invitee_id.in_(people))
        )
    )
    db.flush()
    ctx.record(db, caller.user_id, "couple.form", "couple", couple.id)
    return couple


def decline_invitation(ctx: Context, db: Session, caller: Caller, invitation_id: str) -> None:
    """The invited partner declines, or the inviter withdraws."""
    _require_partner(caller)
    inv = db.get(Invitation, invitation_id)
    if inv is None or caller.user_id not in (inv.inviter_id, inv.invitee_id):
        raise ctx.deny(db, caller, "invitation.decline", "invitation", invitation_id)
    db.delete(inv)
    ctx.record(db, caller.user_id, "invitation.decline", "invitation", invitation_id)


@dataclass(frozen=True, slots=True)
class CoupleView:
    id: str
    partner: str
    therapist: str | None
    proposed_therapist: str | None
    waiting_for_partner: bool


def _view(db: Session, couple: Couple, me: str) -> CoupleView:
    other = couple.partner_b_id if couple.partner_a_id == me else couple.partner_a_id
    proposal = db.get(TherapistProposal, couple.id)
    waiting = False
    if proposal is not None:
        mine = proposal.accepted_by_a if couple.partner_a_id == me else proposal.accepted_by_b
        waiting = mine
    return CoupleView(
        couple.id,
        _name(db, other) or "",
        _name(db, couple.therapist_id),
        _name(db, proposal.therapist_id) if proposal else None,
        waiting,
    )


def current(ctx: Context, db: Session, caller: Caller) -> CoupleView:
    couple = _my_couple(ctx, db, caller, "read")
    ctx.record(db, caller.user_id, "read", "couple", couple.id)
    return _view(db, couple, caller.user_id)


def dissolve_for(db: Session, user_id: str) -> str | None:
    """End the user's couple: every item stops being shared (nobody keeps access through a
    couple that no longer exists)."""
    couple = couple_of(db, user_id)
    if couple is None:
        return None
    db.execute(
        update(Item)
        .where(Item.couple_id == couple.id)
        .values(share_partner=False, share_therapist=False, couple_id=None)
    )
    db.delete(couple)
    db.flush()
    return couple.id


def leave(ctx: Context, db: Session, caller: Caller) -> None:
    couple = _my_couple(ctx, db, caller, "couple.leave")
    dissolve_for(db, caller.user_id)
    ctx.record(db, caller.user_id, "couple.leave", "couple", couple.id)


def propose_therapist(ctx: Context, db: Session, caller: Caller, *, username: str) -> CoupleView:
    couple = _my_couple(ctx, db, caller, "therapist.propose")
    therapist = db.execute(
        select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()
    if therapist is None or therapist.role != Role.THERAPIST or therapist.disabled:
        raise NotFoundError("no therapist account with that name")
    if couple.therapist_id is not None:
        raise ConflictError("unlink the current therapist first")
    proposal = db.get(TherapistProposal, couple.id)
    if proposal is None:
        proposal = TherapistProposal(couple_id=couple.id, created_at=ctx.now())
        db.add(proposal)
    proposal.therapist_id = therapist.id
    is_a = couple.partner_a_id == caller.user_id
    proposal.accepted_by_a, proposal.accepted_by_b = is_a, not is_a
    db.flush()
    ctx.record(db, caller.user_id, "therapist.propose", "couple", couple.id)
    return _view(db, couple, caller.user_id)


def accept_therapist(ctx: Context, db: Session, caller: Caller) -> CoupleView:
    couple = _my_couple(ctx, db, caller, "therapist.accept")
    proposal = db.get(TherapistProposal, couple.id)
    if proposal is None:
        raise ctx.deny(db, caller, "therapist.accept", "proposal", couple.id)
    if couple.partner_a_id == caller.user_id:
        proposal.accepted_by_a = True
    else:
        proposal.accepted_by_b = True
    if proposal.accepted_by_a and proposal.accepted_by_b:
        couple.therapist_id = proposal.therapist_id
        db.delete(proposal)
        db.flush()
        ctx.record(db, caller.user_id, "therapist.link", "couple", couple.id)
    else:
        ctx.record(db, caller.user_id, "therapist.accept", "couple", couple.id)
    return _view(db, couple, caller.user_id)


def unlink_therapist(ctx: Context, db: Session, caller: Caller) -> CoupleView:
    """Either partner ends the link (or withdraws a proposal) on their own."""
    couple = _my_couple(ctx, db, caller, "therapist.unlink")
    db.execute(delete(TherapistProposal).where(TherapistProposal.couple_id == couple.id))
    couple.therapist_id = None
    db.flush()
    ctx.record(db, caller.user_id, "therapist.unlink", "couple", couple.id)
    return _view(db, couple, caller.user_id)


@dataclass(frozen=True, slots=True)
class LinkedCouple:
    id: str
    partners: tuple[str, str]


def therapist_couples(ctx: Context, db: Session, caller: Caller) -> list[LinkedCouple]:
    if caller.role != Role.THERAPIST:
        raise AccessDeniedError("only therapists have linked couples")
    rows = db.execute(
        select(Couple).where(Couple.therapist_id == caller.user_id).order_by(Couple.created_at)
    ).scalars()
    ctx.record(db, caller.user_id, "read", "couples")
    return [
        LinkedCouple(c.id, (_name(db, c.partner_a_id) or "", _name(db, c.partner_b_id) or ""))
        for c in rows
    ]
