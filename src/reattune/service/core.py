"""The service's one orchestration context: configuration, database, keys, audit trail and
password hasher, shared by the use cases (``accounts``, ``couples``, ``items``) that the API
and the CLI call. The use cases raise catalogued errors; only the edges translate them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from reattune.errors import NotFoundError
from reattune.service.config import ServerConfig
from reattune.storage.audit import AuditTrail, Pending
from reattune.storage.crypto import KeyRing, RecordKey, load_secret_file
from reattune.storage.db import CommitGroups, Group, make_engine, make_sessions, migrate

__all__ = ["Caller", "Context", "Passwords", "Role"]


_PENDING = "reattune.audit"
_GROUP = "reattune.group"
PG_LANES = 1
"""Commit groups open at once on PostgreSQL (SQLite: one, its single writer). With several,
units of work with the same ``key`` (a session token) keep to one lane while any of them is
in flight, and a key with nothing in flight goes to the lane with the fewest units in
flight; the lanes overlap their units' round trips to the server. Three lanes were chosen
while every item list read the whole items table (a query PostgreSQL could not answer
from its indexes, see ``items._visible_to``); with that fixed, one lane serves the bench
best — more lanes mean smaller groups, more commits and more threads contending for the
interpreter lock (server CPU per request 2.4-2.5 ms with one lane, ~3.0 with two, ~3.6
with three or four; mix p99 204-213 / 216-219 / 276 / 290-314 ms)."""


class Role:
    PARTNER = "partner"
    THERAPIST = "therapist"
    ADMIN = "admin"
    ALL = (PARTNER, THERAPIST, ADMIN)
    CLINICAL = (THERAPIST, ADMIN)
    """Roles that must use a second factor and have the shorter idle timeout."""


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    role: str
    session_id: str
    via: str


class Passwords:
    """argon2id with the configured parameters; at most ``concurrent_hashes`` at once (each
    takes 46 MiB and a core), so a burst of sign-ins queues instead of exhausting memory."""

    def __init__(self, config: ServerConfig) -> None:
        p = config.password
        self._hasher = PasswordHasher(
            time_cost=p.time_cost,
            memory_cost=p.memory_kib,
            parallelism=p.parallelism,
            type=Type.ID,
        )
        self._gate = threading.BoundedSemaphore(p.concurrent_hashes)
        self.min_length = p.min_length
        self._dummy = self.hash("an unknown user's password, to spend the same time")

    def hash(self, password: str) -> str:
        with self._gate:
            return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Constant work whether or not the account exists (``stored`` is None)."""
        with self._gate:
            try:
                return self._hasher.verify(stored or self._dummy, password) and stored is not None
            except (VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)


class Context:
    """Everything a use case needs. One per process; thread-safe."""

    def __init__(self, config: ServerConfig, *, run_migrations: bool = True) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.engine: Engine = make_engine(config.sqlalchemy_url)
        if run_migrations:
            migrate(self.engine)
        self.sessions: sessionmaker[Session] = make_sessions(self.engine)
        self.audit_on_commit(self.sessions)
        self.keys = KeyRing.load(config.kek_file)
        audit_key = load_secret_file(config.audit_key_file, env="REATTUNE_AUDIT_KEY")
        self.audit = AuditTrail(audit_key)
        lanes = 1 if self.engine.dialect.name == "sqlite" else PG_LANES
        self.lanes = [CommitGroups(self.engine, self.audit.append) for _ in range(lanes)]
        self._lane = threading.local()
        self._routes: dict[str, tuple[int, int]] = {}
        """key → (its lane, its units in flight)"""
        self._in_flight = [0] * lanes
        self._routing = threading.Lock()
        self._pepper = hmac.new(audit_key, b"reattune-throttle", hashlib.sha256).digest()
        self.passwords = Passwords(config)

    def now(self) -> datetime:
        return self.config.clock()

    def pseudonym(self, kind: str, value: str) -> str:
        """A keyed hash of a name or address, for throttling without storing either."""
        return kind + ":" + hmac.new(self._pepper, value.encode(), hashlib.sha256).hexdigest()

    @contextmanager
    def transaction(self, key: str | None = None) -> Iterator[Session]:
        """One unit of work: kept when the block ends, rolled back on an error (a refusal's
        audit row is committed before the refusal is raised; see :meth:`deny`).

        It runs in a savepoint of a transaction shared with the other requests of the
        moment, and returns only once that transaction has committed (see
        ``CommitGroups``): what a caller was told is done is on disk. ``key`` chooses the
        lane on PostgreSQL (see ``PG_LANES``); a unit opened inside another stays in its
        lane."""
        lane: CommitGroups | None = getattr(self._lane, "current", None)
        if lane is not None:  # inside another unit of this thread: its lane
            with lane.member() as group, self._unit(group) as db:
                yield db
            return
        index = self._route(key)
        try:
            lane = self.lanes[index]
            with lane.member() as group:
                self._lane.current = lane
                try:
                    with self._unit(group) as db:
                        yield db
                finally:
                    self._lane.current = None
        finally:
            self._unroute(key, index)

    @contextmanager
    def _unit(self, group: Group) -> Iterator[Session]:
        db = self.sessions(bind=group.conn, join_transaction_mode="create_savepoint")
        db.info[_GROUP] = group
        try:
            yield db
            db.commit()
        except BaseException:
            try:
                db.rollback()
            except BaseException:
                group.poisoned = True
                raise
            raise
        finally:
            db.close()

    def _route(self, key: str | None) -> int:
        """The lane for a unit of work with ``key`` (see ``PG_LANES``)."""
        if len(self.lanes) == 1:
            return 0
        with self._routing:
            found = self._routes.get(key) if key else None
            if found is not None:
                index, count = found
            else:
                index, count = min(range(len(self.lanes)), key=self._in_flight.__getitem__), 0
            if key:
                self._routes[key] = (index, count + 1)
            self._in_flight[index] += 1
            return index

    def _unroute(self, key: str | None, index: int) -> None:
        if len(self.lanes) == 1:
            return
        with self._routing:
            self._in_flight[index] -= 1
            if key:
                lane, count = self._routes[key]
                if count > 1:
                    self._routes[key] = (lane, count - 1)
                else:
                    del self._routes[key]

    def audit_on_commit(self, sessions: sessionmaker[Session]) -> None:
        """Audit rows recorded in a unit of work are handed to its group when the unit
        commits (its savepoint is released) and dropped when it rolls back; the group
        chains and writes them in the same transaction, just before committing it, so the
        chain head is locked once per group, at its very end."""

        def hand_over(db: Session) -> None:
            pending: list[Pending] = db.info.pop(_PENDING, [])
            group: Group | None = db.info.get(_GROUP)
            if pending and group is not None:
                group.payload.extend(pending)

        def drop(db: Session, _previous: Any = None) -> None:
            db.info.pop(_PENDING, None)

        event.listen(sessions, "after_commit", hand_over)
        event.listen(sessions, "after_soft_rollback", drop)

    def record(
        self,
        db: Session,
        actor: str | None,
        action: str,
        object_type: str | None = None,
        object_id: str | None = None,
        outcome: str = "ok",
    ) -> None:
        """Audit an action: the row is written with the transaction ``db`` belongs to (see
        :meth:`audit_on_commit`)."""
        at = self.now().isoformat(timespec="microseconds")
        pending = Pending(at, actor, action, object_type, object_id, outcome)
        db.info.setdefault(_PENDING, []).append(pending)

    def deny(
        self, db: Session, caller: Caller | None, action: str, object_type: str, object_id: str
    ) -> NotFoundError:
        """Record a refused access (kept even though the request fails) and return the
        404 to raise — the same answer as for something that does not exist."""
        self.record(
            db, caller.user_id if caller else None, action, object_type, object_id, "denied"
        )
        db.commit()
        return NotFoundError(f"no such {object_type}")

    # --- sealing columns -------------------------------------------------------------------

    def new_key(self, table: str, row_id: str) -> tuple[RecordKey, bytes]:
        return self.keys.new_record_key(table, row_id)

    def data_key(self, table: str, row_id: str, kek_id: str, wrapped: bytes) -> bytes:
        return self.keys.unwrap(RecordKey(kek_id, wrapped), table, row_id)

    def seal_json(
        self, dek: bytes, value: Any, *, table: str, column: str, row: str, owner: str
    ) -> bytes:
        raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        return self.keys.seal(dek, raw, table=table, column=column, row=row, owner=owner)

    def open_json(
        self, dek: bytes, sealed: bytes, *, table: str, column: str, row: str, owner: str
    ) -> Any:
        raw = self.keys.open(dek, sealed, table=table, column=column, row=row, owner=owner)
        return json.loads(raw)

    def close(self) -> None:
        self.engine.dispose()
