"""The audit trail: one row per read, write, share, revoke, export, sign-in and permission
change — actor, action, object, time and outcome, never content — chained with HMAC-SHA256
under a key kept outside the database.

Row ``n`` carries ``mac_n = HMAC(key, mac_{n-1} ‖ fields_n)``; ``audit_head`` holds the last
sequence number and MAC. :func:`verify` recomputes the chain and names every row that was
edited, deleted, inserted or moved, and rows cut from the end. The application cannot change
or delete audit rows: the ORM refuses (below) and so does the database (triggers created by
the first migration).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Delete, Update, bindparam, event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from reattune.storage.tables import AuditEvent, AuditHead, Base

__all__ = ["GENESIS", "AuditProblem", "AuditTrail", "Pending"]

GENESIS = "0" * 64
_EVENTS = Base.metadata.tables["audit_events"]
_HEAD = Base.metadata.tables["audit_head"]
# Built once: every request runs these, and building a statement costs more than running it.
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.mac).where(_HEAD.c.id == 1).with_for_update()
_ADD_EVENTS = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq", type_=_HEAD.c.seq.type), mac=bindparam("new_mac"))
)


class AuditWriteError(RuntimeError):
    """Code tried to change or delete an audit row: a programming error."""


@dataclass(frozen=True, slots=True)
class AuditProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"row {self.seq}: {self.problem}"


class Pending(NamedTuple):
    """An audit row waiting for its transaction's commit (see ``Context.record``)."""

    at: str
    actor: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str


def _join(*parts: str | None) -> bytes:
    return "\x1f".join(p or "" for p in parts).encode()


def _fields(e: AuditEvent) -> bytes:
    return _join(str(e.seq), e.at, e.actor_id, e.action, e.object_type, e.object_id, e.outcome)


class AuditTrail:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def mac(self, prev: str, e: AuditEvent) -> str:
        return self._mac(prev, _fields(e))

    def _mac(self, prev: str, fields: bytes) -> str:
        return hmac.new(self._key, prev.encode() + b"\x1e" + fields, hashlib.sha256).hexdigest()

    def append(self, db: Connection | Session, events: list[Pending]) -> None:
        """Chain ``events`` onto the trail inside the caller's transaction (they commit with
        the changes they record). The head row is locked, so concurrent writers chain in one
        order; plain statements, not the ORM's unit of work, since every request does this."""
        seq, mac = db.execute(_LOCK_HEAD).one()
        rows = []
        for e in events:
            seq, prev = seq + 1, mac
            mac = self._mac(prev, _join(str(seq), *e))
            rows.append(
                {
                    "seq": seq,
                    "at": e.at,
                    "actor_id": e.actor,
                    "action": e.action,
                    "object_type": e.object_type,
                    "object_id": e.object_id,
                    "outcome": e.outcome,
                    "prev_mac": prev,
                    "mac": mac,
                }
            )
        db.execute(_ADD_EVENTS, rows)
        db.execute(_MOVE_HEAD, {"new_seq": seq, "new_mac": mac})

    def verify(self, db: Session) -> tuple[int, list[AuditProblem]]:
        """(rows checked, problems). No problems means the chain is intact."""
        problems: list[AuditProblem] = []
        prev_mac, expected, count = GENESIS, 1, 0
        rows = db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        for e in rows:
            count += 1
            if e.seq != expected:
                problems.append(
                    AuditProblem(e.seq, f"sequence jumps from {expected - 1}: rows deleted")
                )
            if e.prev_mac != prev_mac:
                problems.append(AuditProblem(e.seq, "does not follow the row before it"))
            if not hmac.compare_digest(e.mac, self.mac(e.prev_mac, e)):
                problems.append(AuditProblem(e.seq, "its fields do not match its MAC: edited"))
            prev_mac, expected = e.mac, e.seq + 1
        head = db.get(AuditHead, 1)
        if head is None:
            problems.append(AuditProblem(0, "the chain head is missing"))
        elif head.seq != expected - 1 or head.mac != prev_mac:
            problems.append(
                AuditProblem(head.seq, f"the chain ends at {expected - 1}: rows cut from the end")
            )
        return count, problems


@event.listens_for(AuditEvent, "before_update")
def _no_update(*_args: Any) -> None:
    raise AuditWriteError("audit rows cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(*_args: Any) -> None:
    raise AuditWriteError("audit rows cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_change(state: ORMExecuteState) -> None:
    stmt = state.statement
    table = getattr(stmt, "table", None)
    if isinstance(stmt, Update | Delete) and getattr(table, "name", None) == "audit_events":
        raise AuditWriteError("audit rows cannot be changed or deleted")
