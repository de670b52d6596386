"""A partner's items and who may see them.

Deny by default: an item is visible to its owner; to the other partner only while it is
shared with the partner and both are still the couple it was shared in; to a therapist only
while it is shared with the therapist and that therapist is linked to the couple. Admins see
no content. Anything else answers exactly like a missing item (404), and the refusal is
audited. Owner and couple come from the session, never from the request.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import Session

from reattune.errors import AccessDeniedError, ConflictError, InvalidRequestError, ReattuneError
from reattune.safety import check
from reattune.safety.screening import ScreeningResult
from reattune.service.analysis import Outcome, UploadOptions, analyse_upload
from reattune.service.core import Caller, Context, Role
from reattune.service.couples import couple_of
from reattune.storage.tables import AnalysisRow, Couple, Item, new_id

__all__ = [
    "CSI4_RANGES",
    "ItemView",
    "analyse_now",
    "create_conversation",
    "create_csi4",
    "create_prep",
    "create_screening",
    "create_timeout",
    "delete_item",
    "end_timeout",
    "export_own",
    "get_item",
    "list_items",
    "set_sharing",
]

log = logging.getLogger("reattune.service.jobs")

KINDS = ("conversation", "prep", "timeout", "csi4", "screening")
CSI4_RANGES = ((0, 6), (0, 5), (0, 5), (0, 5))
"""CSI-4 (Funk & Rogge 2007): happiness 0-6, then three items 0-5; total 0-21, below 13.5
suggests notable relationship dissatisfaction."""
CSI4_CUTOFF = 13.5
MIN_BREAK_MINUTES = 20


@dataclass(frozen=True, slots=True)
class ItemView:
    id: str
    kind: str
    relation: str
    title: str
    created_at: datetime
    updated_at: datetime
    shared_with_partner: bool
    shared_with_therapist: bool
    content: dict[str, Any] | None = None
    analysis: dict[str, Any] | None = field(default=None)


# --- visibility ---------------------------------------------------------------------------


_I = Item.__table__.c
_C = Couple.__table__.c


def relation(
    caller: Caller,
    owner_id: str,
    share_partner: bool,
    share_therapist: bool,
    couple: tuple[str | None, str | None, str | None] | None,
) -> str | None:
    """How ``caller`` relates to an item ("owner", "partner", "therapist") or None (may not
    see it), on plain values: ``couple`` is the item's couple as (partner A, partner B,
    therapist), None when the item belongs to none. The owner; the other partner while the
    item is shared with the partner and its owner is still in that couple; the couple's
    linked therapist while it is shared with the therapist."""
    if owner_id == caller.user_id:
        return "owner"
    if couple is None:
        return None
    partner_a, partner_b, therapist = couple
    if owner_id not in (partner_a, partner_b):
        return None
    if caller.role == Role.PARTNER and share_partner and caller.user_id in (partner_a, partner_b):
        return "partner"
    if caller.role == Role.THERAPIST and share_therapist and therapist == caller.user_id:
        return "therapist"
    return None


def _visible_to(caller: Caller) -> Any:
    """The rule of :func:`relation` as a query condition (for lists): the ids of the items
    that are mine, together with those shared in one of my couples, each set found through
    an index (items by owner, items by couple, couples by partner or therapist).

    Written as ``id IN (… UNION ALL …)`` because the plainer ``owner = me OR (couple IN
    (my couples) AND shared)`` cannot use an index on PostgreSQL: an ``IN`` under an ``OR``
    becomes a filter tested on every row, so every list read every item of every couple
    (15 ms at 32,000 items, and growing with the table)."""
    me = caller.user_id
    mine = select(Item.id).where(Item.owner_id == me)
    if caller.role == Role.PARTNER:
        couples: Any = union_all(
            select(Couple.id).where(Couple.partner_a_id == me),
            select(Couple.id).where(Couple.partner_b_id == me),
        )
        shared = select(Item.id).where(Item.couple_id.in_(couples), Item.share_partner)
    elif caller.role == Role.THERAPIST:
        couples = select(Couple.id).where(Couple.therapist_id == me)
        shared = select(Item.id).where(Item.couple_id.in_(couples), Item.share_therapist)
    else:
        return Item.id.in_(mine)
    return Item.id.in_(union_all(mine, shared))


_ITEM_WITH_COUPLE = (
    select(Item, _C.id, _C.partner_a_id, _C.partner_b_id, _C.therapist_id)
    .outerjoin(Couple, Couple.id == Item.couple_id)
    .where(Item.id == bindparam("item_id"))
)
"""An item and its couple in one statement (built once: every item request runs it)."""


def _load(ctx: Context, db: Session, caller: Caller, item_id: str, action: str) -> tuple[Item, str]:
    found = db.execute(_ITEM_WITH_COUPLE, {"item_id": item_id}).one_or_none()
    rel = None
    if found is not None:
        item, couple_id, *couple = found
        pair = None if couple_id is None else (couple[0], couple[1], couple[2])
        rel = relation(caller, item.owner_id, item.share_partner, item.share_therapist, pair)
    if found is None or rel is None:
        raise ctx.deny(db, caller, action, "item", item_id)
    return item, rel


def _owned(ctx: Context, db: Session, caller: Caller, item_id: str, action: str) -> Item:
    item, rel = _load(ctx, db, caller, item_id, action)
    if rel != "owner":
        raise ctx.deny(db, caller, action, "item", item_id)
    return item


# --- sealing ------------------------------------------------------------------------------


def _dek(ctx: Context, item: Item) -> bytes:
    return ctx.data_key("items", item.id, item.kek_id, item.wrapped_key)


def _seal(
    ctx: Context, dek: bytes, item: Item, column: str, value: Any, table: str = "items"
) -> bytes:
    return ctx.seal_json(dek, value, table=table, column=column, row=item.id, owner=item.owner_id)


def _open(
    ctx: Context, dek: bytes, item: Item, column: str, sealed: bytes, table: str = "items"
) -> Any:
    return ctx.open_json(dek, sealed, table=table, column=column, row=item.id, owner=item.owner_id)


def require_partner(caller: Caller) -> None:
    if caller.role != Role.PARTNER:
        raise AccessDeniedError("only partners keep items")


def _new_item(
    ctx: Context, db: Session, caller: Caller, kind: str, title: str, body: dict[str, Any]
) -> tuple[Item, bytes]:
    require_partner(caller)
    now = ctx.now()
    iid = new_id()
    rk, dek = ctx.new_key("items", iid)
    couple = couple_of(db, caller.user_id)
    item = Item(
        id=iid,
        owner_id=caller.user_id,
        couple_id=couple.id if couple else None,
        kind=kind,
        created_at=now,
        updated_at=now,
        share_partner=False,
        share_therapist=False,
        kek_id=rk.kek_id,
        wrapped_key=rk.wrapped,
        title_enc=b"",
        body_enc=b"",
    )
    item.title_enc = _seal(ctx, dek, item, "title", title)
    item.body_enc = _seal(ctx, dek, item, "body", body)
    db.add(item)
    db.flush()
    ctx.record(db, caller.user_id, "write", "item", iid)
    return item, dek


def create_prep(ctx: Context, db: Session, caller: Caller, *, title: str, text: str) -> ItemView:
    item, dek = _new_item(ctx, db, caller, "prep", title, {"text": text})
    return _view(ctx, db, item, "owner", dek)


def create_timeout(
    ctx: Context, db: Session, caller: Caller, *, agreed_return_minutes: int, note: str
) -> ItemView:
    """Start a time-out: a break of at least 20 minutes with an agreed time to come back."""
    if agreed_return_minutes < MIN_BREAK_MINUTES:
        raise InvalidRequestError(
            "a break shorter than 20 minutes does not let the body settle",
            expected=f"at least {MIN_BREAK_MINUTES} minutes",
        )
    body = {
        "started_at": ctx.now().isoformat(),
        "agreed_return_minutes": agreed_return_minutes,
        "ended_at": None,
        "note": note,
    }
    item, dek = _new_item(ctx, db, caller, "timeout", "Time-out", body)
    return _view(ctx, db, item, "owner", dek)


def end_timeout(ctx: Context, db: Session, caller: Caller, item_id: str) -> ItemView:
    item = _owned(ctx, db, caller, item_id, "write")
    if item.kind != "timeout":
        raise InvalidRequestError("only a time-out can be ended")
    dek = _dek(ctx, item)
    body = _open(ctx, dek, item, "body", item.body_enc)
    if body["ended_at"] is not None:
        raise ConflictError("this time-out has already ended")
    now = ctx.now()
    body["ended_at"] = now.isoformat()
    item.body_enc = _seal(ctx, dek, item, "body", body)
    item.updated_at = now
    ctx.record(db, caller.user_id, "write", "item", item.id)
    return _view(ctx, db, item, "owner", dek)


def _timeout_summary(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    started = datetime.fromisoformat(body["started_at"])
    due = started + timedelta(minutes=body["agreed_return_minutes"])
    ended = datetime.fromisoformat(body["ended_at"]) if body["ended_at"] else None
    out = dict(body)
    out["return_due_at"] = due.isoformat()
    out["status"] = "running" if ended is None else "ended"
    if ended is not None:
        out["returned_on_time"] = ended <= due + timedelta(minutes=5)
    else:
        out["overdue"] = now > due
    return out


def create_csi4(ctx: Context, db: Session, caller: Caller, *, answers: list[int]) -> ItemView:
    if len(answers) != len(CSI4_RANGES) or any(
        not lo <= a <= hi for a, (lo, hi) in zip(answers, CSI4_RANGES, strict=False)
    ):
        raise InvalidRequestError(
            "the CSI-4 has four answers", expected="item 1 from 0 to 6, items 2-4 from 0 to 5"
        )
    total = sum(answers)
    body = {"answers": answers, "total": total, "below_cutoff": total < CSI4_CUTOFF}
    item, dek = _new_item(ctx, db, caller, "csi4", "CSI-4", body)
    return _view(ctx, db, item, "owner", dek)


def create_screening(
    ctx: Context, db: Session, caller: Caller, *, instrument: str, answers: dict[str, str]
) -> ItemView:
    """Private safety screening answers, scored by the safety gate. Never shareable with the
    partner; the person's own therapist may see it when they share it."""
    screening = ScreeningResult.of(instrument, caller.user_id, answers)
    result = check(screening).to_dict()
    body = {"instrument": instrument, "answers": screening.to_dict()["answers"], "safety": result}
    item, dek = _new_item(ctx, db, caller, "screening", f"Screening {instrument}", body)
    return _view(ctx, db, item, "owner", dek)


def analyse_now(ctx: Context, data: bytes, options: UploadOptions) -> Outcome | None:
    """Analyse a small upload at once (outside any transaction: the engine takes a moment
    and SQLite has one writer); None when it is large enough for a job. A bad file raises
    its catalogued error and nothing is stored."""
    if len(data) > ctx.config.inline_analysis_limit:
        return None
    return analyse_upload(data, options, max_bytes=ctx.config.upload_limit)


def create_conversation(
    ctx: Context,
    db: Session,
    caller: Caller,
    *,
    data: bytes,
    options: UploadOptions,
    outcome: Outcome | None,
) -> ItemView:
    """Store an upload with its analysis (``outcome``), or the sealed upload for a job."""
    item, dek = _new_item(ctx, db, caller, "conversation", options.filename, options.to_dict())
    now = ctx.now()
    row = AnalysisRow(item_id=item.id, status="pending", attempts=0, updated_at=now)
    if outcome is not None:
        row.status = "done"
        row.analysis_enc = _seal(ctx, dek, item, "analysis", outcome.analysis, "analyses")
        row.safety_enc = _seal(ctx, dek, item, "safety", outcome.safety, "analyses")
    else:
        raw = base64.b64encode(data).decode()
        row.upload_enc = _seal(ctx, dek, item, "upload", raw, "analyses")
    db.add(row)
    db.flush()
    return _view(ctx, db, item, "owner", dek)


class _Lease:
    """Keeps a job's claim alive while it works: renews ``claimed_at`` every third of the
    lease, in a thread of its own, as long as the claim is still this attempt's. A worker
    that is killed stops renewing, so its claim runs out and another worker takes over."""

    def __init__(self, ctx: Context, item_id: str, attempt: int) -> None:
        self.ctx, self.item_id, self.attempt = ctx, item_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name="job-lease", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _renew(self) -> None:
        every = self.ctx.config.job_lease.total_seconds() / 3
        while not self._stop.wait(every):
            try:
                with self.ctx.transaction() as db:
                    row = db.get(AnalysisRow, self.item_id)
                    if row is None or row.status != "running" or row.attempts != self.attempt:
                        return  # taken over or gone: the result will not be written
                    row.claimed_at = self.ctx.now()
            except Exception as exc:  # a missed renewal is retried at the next tick
                log.warning("job lease of %s not renewed: %s", self.item_id, type(exc).__name__)


def run_analysis(ctx: Context, item_id: str) -> str:
    """The job: analyse a stored upload. Answers ``done`` or ``failed`` (the result is
    stored), ``skipped`` (nothing to do: already finished, deleted, or taken over by
    another worker) or ``claimed`` (another worker holds a live claim: try again later).

    Exactly once: the row is claimed first (``running``, ``claimed_at``, and ``attempts``
    counted up: the attempt number is the claim's token); the claim is a lease renewed
    while the engine works (:class:`_Lease`), and a claim whose lease has run out is taken
    over (its worker died). The result is written only by the attempt that still holds the
    claim, so two workers never both store one."""
    lease = ctx.config.job_lease
    with ctx.transaction() as db:
        row = db.get(AnalysisRow, item_id)
        if row is None or row.status in ("done", "failed"):
            return "skipped"
        now = ctx.now()
        if row.status == "running" and row.claimed_at and now - row.claimed_at < lease:
            return "claimed"
        row.status, row.claimed_at, row.attempts = "running", now, row.attempts + 1
        row.updated_at = now
        attempt = row.attempts
        item = db.get(Item, item_id)
        assert item is not None and row.upload_enc is not None
        dek = _dek(ctx, item)
        raw = base64.b64decode(_open(ctx, dek, item, "upload", row.upload_enc, "analyses"))
        options = UploadOptions.from_dict(_open(ctx, dek, item, "body", item.body_enc))
    with _Lease(ctx, item_id, attempt):
        try:
            outcome = analyse_upload(raw, options, max_bytes=ctx.config.upload_limit)
            error = None
        except ReattuneError as exc:
            outcome, error = None, exc.code
    with ctx.transaction() as db:
        row = db.get(AnalysisRow, item_id)
        item = db.get(Item, item_id)
        if row is None or item is None or row.status != "running" or row.attempts != attempt:
            return "skipped"
        dek = _dek(ctx, item)
        if outcome is not None:
            row.analysis_enc = _seal(ctx, dek, item, "analysis", outcome.analysis, "analyses")
            row.safety_enc = _seal(ctx, dek, item, "safety", outcome.safety, "analyses")
            row.status = "done"
        else:
            row.status, row.error_code = "failed", error
        row.upload_enc = None
        row.updated_at = ctx.now()
        ctx.record(db, None, "analysis", "item", item_id, row.status)
    return row.status


def stale_analyses(ctx: Context, *, all_unfinished: bool = False) -> list[str]:
    """Uploads whose job may have been lost: waiting (``pending``) for longer than a lease
    (queued before a crash), or claimed by a worker whose lease ran out (it died). With
    ``all_unfinished`` (a worker starting), every upload not yet finished: a job whose
    claim is still live answers ``claimed`` and is tried again when the lease would end."""
    lease = ctx.config.job_lease
    with ctx.transaction() as db:
        rows = db.execute(
            select(AnalysisRow.item_id, AnalysisRow.claimed_at, AnalysisRow.updated_at).where(
                AnalysisRow.status.in_(("pending", "running"))
            )
        ).all()
        now = ctx.now()
        return [
            item_id
            for item_id, claimed_at, updated_at in rows
            if all_unfinished or now - (claimed_at or updated_at) >= lease
        ]


# --- reading ------------------------------------------------------------------------------


def _view(
    ctx: Context, db: Session, item: Item, rel: str, dek: bytes | None = None, *, full: bool = True
) -> ItemView:
    dek = dek or _dek(ctx, item)
    title = _open(ctx, dek, item, "title", item.title_enc)
    content = analysis = None
    if full:
        content = _open(ctx, dek, item, "body", item.body_enc)
        if item.kind == "timeout":
            content = _timeout_summary(content, ctx.now())
        if item.kind == "conversation":
            analysis = _analysis_view(ctx, db, item, rel, dek)
    return ItemView(
        id=item.id,
        kind=item.kind,
        relation=rel,
        title=title,
        created_at=item.created_at,
        updated_at=item.updated_at,
        shared_with_partner=item.share_partner,
        shared_with_therapist=item.share_therapist,
        content=content,
        analysis=analysis,
    )


def _analysis_view(ctx: Context, db: Session, item: Item, rel: str, dek: bytes) -> dict[str, Any]:
    row = db.get(AnalysisRow, item.id)
    if row is None:
        return {"status": "missing"}
    out: dict[str, Any] = {"status": row.status, "error_code": row.error_code}
    if row.status == "done" and row.analysis_enc and row.safety_enc:
        views = _open(ctx, dek, item, "safety", row.safety_enc, "analyses")
        safety = views[rel]
        out["analysis"] = _open(ctx, dek, item, "analysis", row.analysis_enc, "analyses")
        out["safety"] = safety
        out["coaching_paused"] = bool(safety and safety["positive"])
    return out


def get_item(ctx: Context, db: Session, caller: Caller, item_id: str) -> ItemView:
    item, rel = _load(ctx, db, caller, item_id, "read")
    ctx.record(db, caller.user_id, "read", "item", item.id)
    return _view(ctx, db, item, rel)


_LIST_COLUMNS = (
    _I.id,
    _I.owner_id,
    _I.kind,
    _I.created_at,
    _I.updated_at,
    _I.share_partner,
    _I.share_therapist,
    _I.kek_id,
    _I.wrapped_key,
    _I.title_enc,
    _C.id,
    _C.partner_a_id,
    _C.partner_b_id,
    _C.therapist_id,
)


@dataclass(frozen=True, slots=True)
class SealedSummary:
    """An item the caller may see, as read from the database: its title still sealed."""

    id: str
    owner_id: str
    kind: str
    relation: str
    created_at: datetime
    updated_at: datetime
    shared_with_partner: bool
    shared_with_therapist: bool
    kek_id: str
    wrapped_key: bytes
    title_enc: bytes


def find_items(ctx: Context, db: Session, caller: Caller) -> list[SealedSummary]:
    """Every item the caller may see (audited as one read). One query with each item's
    couple, then the rule of :func:`relation` again on every row: the query's condition
    narrows, the rule decides. Plain rows, not ORM objects: a list can hold hundreds of
    items, and loading each as an object (and its couple once per item) cost ~100 µs an
    item. The titles are opened by :func:`open_summaries`, after the transaction: their
    decryption is the bulk of a long list's work and needs no database, so it does not hold
    up the other requests' units of work (see ``Context.transaction``)."""
    if caller.role == Role.ADMIN:
        raise AccessDeniedError("administrators do not see people's items")
    rows = db.execute(
        select(*_LIST_COLUMNS)
        .select_from(Item)
        .outerjoin(Couple, Couple.id == Item.couple_id)
        .where(_visible_to(caller))
        .order_by(Item.created_at, Item.id)
    ).all()
    out = []
    for iid, owner, kind, created, updated, sp, st, kek_id, wrapped, title_enc, *couple in rows:
        pair = None if couple[0] is None else (couple[1], couple[2], couple[3])
        rel = relation(caller, owner, sp, st, pair)  # the same rule again, row by row
        if rel is not None:
            out.append(
                SealedSummary(
                    iid, owner, kind, rel, created, updated, sp, st, kek_id, wrapped, title_enc
                )
            )
    ctx.record(db, caller.user_id, "read", "items")
    return out


def open_summaries(ctx: Context, found: list[SealedSummary]) -> list[ItemView]:
    """The summaries of :func:`find_items` with their titles opened."""
    out = []
    for f in found:
        dek = ctx.data_key("items", f.id, f.kek_id, f.wrapped_key)
        title = ctx.open_json(
            dek, f.title_enc, table="items", column="title", row=f.id, owner=f.owner_id
        )
        out.append(
            ItemView(
                f.id,
                f.kind,
                f.relation,
                title,
                f.created_at,
                f.updated_at,
                f.shared_with_partner,
                f.shared_with_therapist,
            )
        )
    return out


def list_items(ctx: Context, db: Session, caller: Caller) -> list[ItemView]:
    """Every item the caller may see, as summaries (title, no content)."""
    return open_summaries(ctx, find_items(ctx, db, caller))


def set_sharing(
    ctx: Context, db: Session, caller: Caller, item_id: str, *, partner: bool, therapist: bool
) -> ItemView:
    """The owner shares with the partner and/or the therapist, or revokes. Sharing binds
    the item to the owner's current couple."""
    item = _owned(ctx, db, caller, item_id, "share")
    if partner and item.kind == "screening":
        raise InvalidRequestError(
            "safety screening answers are never shown to the partner",
            expected="share it with your therapist only",
        )
    couple = couple_of(db, caller.user_id)
    if (partner or therapist) and couple is None:
        raise ConflictError("you are not in a couple yet: there is nobody to share with")
    changes = []
    if partner != item.share_partner:
        changes.append("share.partner" if partner else "revoke.partner")
    if therapist != item.share_therapist:
        changes.append("share.therapist" if therapist else "revoke.therapist")
    item.share_partner, item.share_therapist = partner, therapist
    item.couple_id = couple.id if couple else None
    item.updated_at = ctx.now()
    for action in changes:
        ctx.record(db, caller.user_id, action, "item", item.id)
    return _view(ctx, db, item, "owner", full=False)


def delete_item(ctx: Context, db: Session, caller: Caller, item_id: str) -> None:
    """Delete an item and everything derived from it (its analysis, pending upload)."""
    item = _owned(ctx, db, caller, item_id, "delete")
    row = db.get(AnalysisRow, item.id)
    if row is not None:
        db.delete(row)
    db.delete(item)
    ctx.record(db, caller.user_id, "delete", "item", item_id)


def export_own(ctx: Context, db: Session, caller: Caller) -> list[ItemView]:
    """Everything the caller owns, decrypted, for them to take away."""
    rows = db.execute(
        select(Item).where(Item.owner_id == caller.user_id).order_by(Item.created_at, Item.id)
    ).scalars()
    out = [_view(ctx, db, item, "owner") for item in rows]
    ctx.record(db, caller.user_id, "export", "user", caller.user_id)
    return out
