"""Key rotation: rewrap every data key under the current key-encryption key.

Only the wrapped data keys change (a few dozen bytes per record); the sealed columns stay as
they are. Each batch is its own short transaction, so the service keeps running; a record
written by the running service during the rotation is wrapped with whichever key was current
for it, and both stay in the key file, so nothing becomes unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from reattune.service.core import Context
from reattune.storage.crypto import RecordKey
from reattune.storage.tables import Item, User

__all__ = ["Rotation", "rewrap_all", "rotate"]

BATCH = 200


@dataclass(frozen=True, slots=True)
class Rotation:
    key_id: str
    rewrapped: int


def rewrap_all(ctx: Context) -> int:
    """Rewrap every record whose data key is under an older KEK; returns how many."""
    current = ctx.keys.current_id
    done = 0
    tables: tuple[type[User] | type[Item], ...] = (User, Item)
    for table in tables:
        name = table.__tablename__
        while True:
            with ctx.transaction() as db:
                rows: list[Any] = list(
                    db.execute(select(table).where(table.kek_id != current).limit(BATCH)).scalars()
                )
                for row in rows:
                    dek = ctx.keys.unwrap(RecordKey(row.kek_id, row.wrapped_key), name, row.id)
                    rk = ctx.keys.wrap(dek, name, row.id)
                    row.kek_id, row.wrapped_key = rk.kek_id, rk.wrapped
                if rows:
                    ctx.record(db, None, "keys.rotate", name, None)
            done += len(rows)
            if len(rows) < BATCH:
                break
    return done


def rotate(ctx: Context, *, new_key: bool = True) -> Rotation:
    """Add a new KEK to the key file (unless the keys come from ``REATTUNE_KEK``, where the
    operator puts the new key first) and rewrap every data key under it."""
    if new_key:
        ctx.keys.add_new_key()
    count = rewrap_all(ctx)
    return Rotation(ctx.keys.current_id, count)
