"""Items: conversations, prep entries, time-outs, CSI-4 answers, private screenings; sharing
and revoking; deletion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Path, Request, Response, UploadFile, status

from reattune.api.deps import Auth
from reattune.api.schemas import (
    CSI4In,
    ItemOut,
    ItemSummaryOut,
    PrepIn,
    ScreeningIn,
    SharingIn,
    TimeoutIn,
)
from reattune.errors import PayloadTooLargeError
from reattune.service import items
from reattune.service.analysis import UploadOptions

router = APIRouter(tags=["items"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/items")
def list_items(auth: Auth) -> list[ItemSummaryOut]:
    """Every item the caller may see: their own, and what was shared with them."""
    with auth.transaction() as (db, caller):
        found = items.find_items(auth.ctx, db, caller)
    return [ItemSummaryOut.of(v) for v in items.open_summaries(auth.ctx, found)]


@router.post("/items/prep", status_code=status.HTTP_201_CREATED)
def create_prep(body: PrepIn, auth: Auth) -> ItemOut:
    with auth.transaction() as (db, caller):
        return ItemOut.of(items.create_prep(auth.ctx, db, caller, title=body.title, text=body.text))


@router.post("/items/timeouts", status_code=status.HTTP_201_CREATED)
def start_timeout(body: TimeoutIn, auth: Auth) -> ItemOut:
    """Start a time-out with an agreed return (at least 20 minutes)."""
    with auth.transaction() as (db, caller):
        return ItemOut.of(
            items.create_timeout(
                auth.ctx,
                db,
                caller,
                agreed_return_minutes=body.agreed_return_minutes,
                note=body.note,
            )
        )


@router.post("/items/timeouts/{item_id}/end")
def end_timeout(item_id: Id, auth: Auth) -> ItemOut:
    with auth.transaction() as (db, caller):
        return ItemOut.of(items.end_timeout(auth.ctx, db, caller, item_id))


@router.post("/items/csi4", status_code=status.HTTP_201_CREATED)
def answer_csi4(body: CSI4In, auth: Auth) -> ItemOut:
    with auth.transaction() as (db, caller):
        return ItemOut.of(items.create_csi4(auth.ctx, db, caller, answers=list(body.answers)))


@router.post("/items/screenings", status_code=status.HTTP_201_CREATED)
def answer_screening(
    body: Annotated[ScreeningIn, Body(discriminator="instrument")], auth: Auth
) -> ItemOut:
    """Private safety screening answers; never shareable with the partner."""
    with auth.transaction() as (db, caller):
        return ItemOut.of(
            items.create_screening(
                auth.ctx,
                db,
                caller,
                instrument=body.instrument,
                answers={str(k): str(v) for k, v in body.answers.items()},
            )
        )


@router.post(
    "/items/conversations",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": ItemOut, "description": "stored; analysis queued"}},
)
def upload_conversation(
    request: Request,
    response: Response,
    auth: Auth,
    file: Annotated[UploadFile, File(description="a chat export or a transcript")],
    me: Annotated[str, Form(min_length=1, max_length=200)],
    partner: Annotated[str | None, Form(max_length=200)] = None,
    format: Annotated[str | None, Form(max_length=32)] = None,
    timezone: Annotated[str, Form(min_length=1, max_length=64)] = "UTC",
) -> ItemOut:
    """Upload a conversation (``me``: your name in it). Small files are analysed at once
    (201); larger ones are stored and analysed by a job (202)."""
    limit = auth.ctx.config.upload_limit
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLargeError(f"an upload may be at most {limit} bytes")
    name = (file.filename or "upload")[-200:]
    options = UploadOptions(name, me, partner or None, format or None, timezone)
    with auth.transaction() as (db, caller):
        items.require_partner(caller)  # before any work is done for the request
    outcome = items.analyse_now(auth.ctx, data, options)
    with auth.transaction() as (db, caller):
        view = items.create_conversation(
            auth.ctx, db, caller, data=data, options=options, outcome=outcome
        )
    if outcome is None:
        request.app.state.enqueue(view.id)
        response.status_code = status.HTTP_202_ACCEPTED
    return ItemOut.of(view)


@router.get("/items/{item_id}")
def read_item(item_id: Id, auth: Auth) -> ItemOut:
    """One item, as the caller may see it (a partner sees only their own side of a safety
    result)."""
    with auth.transaction() as (db, caller):
        return ItemOut.of(items.get_item(auth.ctx, db, caller, item_id))


@router.put("/items/{item_id}/sharing")
def set_sharing(item_id: Id, body: SharingIn, auth: Auth) -> ItemSummaryOut:
    """Share with the partner and/or the therapist, or revoke (owner only)."""
    with auth.transaction() as (db, caller):
        return ItemSummaryOut.of(
            items.set_sharing(
                auth.ctx, db, caller, item_id, partner=body.partner, therapist=body.therapist
            )
        )


@router.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: Id, auth: Auth) -> None:
    """Delete an item and everything derived from it."""
    with auth.transaction() as (db, caller):
        items.delete_item(auth.ctx, db, caller, item_id)
