"""Engines and sessions: SQLite in the data folder (WAL, ``synchronous=FULL``, foreign keys,
one writer at a time through ``BEGIN IMMEDIATE``) or PostgreSQL through psycopg 3; the schema
comes only from the Alembic migrations, run to ``head`` at start."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "CommitGroups",
    "Group",
    "GroupCommitError",
    "LazySavepoints",
    "TurnQueue",
    "make_engine",
    "make_sessions",
    "migrate",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that BEGIN IMMEDIATE below
    # decides when a transaction starts (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Every request writes (at least its audit row): take the write lock up front, so two
    # transactions never both read and then fail to upgrade to writing.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class TurnQueue:
    """First come, first served for ``slots`` transactions at a time, inside this process.

    SQLite (one slot): every request writes (its audit row), so every transaction takes
    SQLite's write lock (``BEGIN IMMEDIATE``). Left to SQLite, threads that find it taken
    sleep in its busy handler (1, 2, 5 … 100 ms at a time) and retry, so under load a waiter
    keeps losing to newcomers: that, not the work, made the benchmark's seconds-long tail.
    Threads of this process queue here in arrival order instead, each woken as soon as a
    slot frees. SQLite's lock still guards against other processes (``reattune keys
    rotate``, ``reattune worker``, a second server), which wait in the busy handler.

    PostgreSQL (a few slots): transactions run concurrently, but every one ends by locking
    the audit chain's head, and their Python work shares one interpreter lock; dozens of
    threads at once only take turns unfairly (the same tail), so a few run and the rest
    wait in order. A thread already holding a slot may open another transaction."""

    def __init__(self, slots: int = 1) -> None:
        self._mutex = threading.Lock()
        self._free = slots
        self._holders: dict[int, int] = {}
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if me in self._holders:
                self._holders[me] += 1
                return
            if self._free and not self._waiters:
                self._free -= 1
                self._holders[me] = 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by a holder leaving, which hands its slot over
        with self._mutex:
            self._holders[me] = 1

    def holds(self) -> bool:
        """Whether the calling thread holds a slot."""
        with self._mutex:
            return threading.get_ident() in self._holders

    def waiting(self) -> int:
        """How many threads wait for a slot."""
        with self._mutex:
            return len(self._waiters)

    def release(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            self._holders[me] -= 1
            if self._holders[me]:
                return
            del self._holders[me]
            if self._waiters:
                self._waiters.popleft().release()  # the slot passes on, never freed between
            else:
                self._free += 1


class GroupCommitError(RuntimeError):
    """The transaction a unit of work belonged to did not commit: nothing it did was kept
    (a server error; the request is not acknowledged)."""


@dataclass(eq=False)
class Group:
    """One database transaction shared by the units of work of several requests, each in
    its own savepoint, and committed once for all of them."""

    conn: Connection
    trans: RootTransaction
    started: float
    members: int = 0
    payload: list[Any] = field(default_factory=list)
    """What the members leave for the commit (the audit rows, see ``Context``)."""
    poisoned: bool = False
    """A member could not roll its own part back: the whole group must not commit."""
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class CommitGroups:
    """Group commit: many requests' units of work, one transaction and one commit.

    Every request writes (its audit row at least), so every request used to end with a
    commit of its own, and a durable commit waits for the disk (``synchronous=FULL`` on
    SQLite: an fsync of the WAL, 2-5 ms here; PostgreSQL: its WAL flush, under the lock
    of the audit chain's head). One at a time, that capped the service near 250 requests
    a second however little work each did.

    Here units of work still run one at a time, in arrival order (:class:`TurnQueue`), but
    inside one open transaction, each in a savepoint of its own (its failure rolls back its
    part only). When a unit ends and others are waiting, it hands its turn on and waits;
    the transaction is committed — once, for all of them — by the unit that ends with
    nobody waiting, or when the group reaches ``max_members`` or ``max_seconds``. Every
    member returns only after that commit: nothing is acknowledged before it is on disk,
    and if the commit fails every member fails. Durability is unchanged; an fsync now
    serves a group instead of one request.

    ``before_commit(conn, payload)`` runs just before the commit, inside the transaction
    (the audit rows of the whole group are chained and written there)."""

    def __init__(
        self,
        engine: Engine,
        before_commit: Callable[[Connection, list[Any]], None],
        *,
        max_members: int = 64,
        max_seconds: float = 0.02,
    ) -> None:
        self._engine = engine
        self._before_commit = before_commit
        self.max_members = max_members
        self.max_seconds = max_seconds
        self._turns = TurnQueue(1)
        self._group: Group | None = None

    def member(self) -> _Membership:
        """``with groups.member() as group:`` — run one unit of work in the open group
        (``group.conn``); on leaving, wait until the group has committed, and raise
        :class:`GroupCommitError` if it did not. Re-entrant: a unit of work opened inside
        another (same thread) is part of it."""
        return _Membership(self)

    def _open(self) -> Group:
        conn = self._engine.connect()
        try:
            trans = conn.begin()  # BEGIN IMMEDIATE on SQLite (see make_engine)
        except BaseException:
            conn.close()
            raise
        return Group(conn, trans, time.monotonic())

    def _full(self, group: Group) -> bool:
        return (
            group.poisoned
            or group.members >= self.max_members
            or time.monotonic() - group.started >= self.max_seconds
            or not self._turns.waiting()
        )

    def _commit(self, group: Group) -> None:
        """Commit (or roll back) the group; called holding the turn."""
        try:
            if group.poisoned:
                raise GroupCommitError("a unit of work could not be rolled back")
            if group.payload:
                self._before_commit(group.conn, group.payload)
            group.trans.commit()
        except BaseException as exc:
            group.error = exc
            with contextlib.suppress(Exception):  # the connection is discarded just below
                group.trans.rollback()
            group.conn.invalidate()
        finally:
            self._group = None
            try:
                group.conn.close()
            finally:
                group.done.set()


class _Membership:
    def __init__(self, groups: CommitGroups) -> None:
        self._groups = groups
        self._nested = False
        self._group: Group | None = None

    def __enter__(self) -> Group:
        g = self._groups
        self._nested = g._turns.holds()
        g._turns.acquire()
        try:
            if g._group is None:
                g._group = g._open()
            self._group = g._group
            return self._group
        except BaseException:
            g._turns.release()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        g, group = self._groups, self._group
        assert group is not None
        if self._nested:
            g._turns.release()
            return
        group.members += 1
        if g._full(group):
            try:
                g._commit(group)
            finally:
                g._turns.release()
        else:
            g._turns.release()  # the next unit of work joins this group
            group.done.wait()
        if group.error is not None:
            raise GroupCommitError("the transaction did not commit") from group.error
        # otherwise the unit's own exception, if any, propagates


_SAVEPOINTS = "reattune.savepoints"
_UNDO_STATEMENTS = ("SAVEPOINT", "RELEASE", "ROLLBACK")


class LazySavepoints:
    """On PostgreSQL, a savepoint is sent to the server only when something is about to
    change: just before the first statement after it that is not a ``SELECT``.

    Every unit of work runs in a savepoint of its group's transaction (see
    :class:`CommitGroups`), so that a unit that fails rolls back its own part only. Most
    units only read (an item, a list, the caller's account): for them ``SAVEPOINT`` and
    ``RELEASE SAVEPOINT`` were two of four round trips, and as much of the server's work.
    A savepoint nothing was written after has nothing to undo: releasing it, or rolling
    back to it, is then a no-op here, and a unit that writes still gets its savepoint before
    its first write. The one case a deferred savepoint cannot cover, a read that fails on
    the server (PostgreSQL then refuses every later statement of the transaction), is
    detected at the rollback, which then fails: the group is not committed and every member
    fails (``Group.poisoned``), as when a rollback fails, so nothing is acknowledged that
    is not on disk. SQLite keeps its savepoints as they are (they cost no round trip)."""

    def __init__(self, engine: Engine) -> None:
        dialect: Any = engine.dialect
        self._send_savepoint = dialect.do_savepoint
        self._send_rollback = dialect.do_rollback_to_savepoint
        self._send_release = dialect.do_release_savepoint
        dialect.do_savepoint = self.savepoint
        dialect.do_rollback_to_savepoint = self.rollback_to
        dialect.do_release_savepoint = self.release
        event.listen(engine, "begin", self._reset)
        event.listen(engine, "before_cursor_execute", self._before_execute)

    @staticmethod
    def _stack(conn: Connection) -> list[list[Any]]:
        """The connection's open savepoints, oldest first, each ``[name, sent]``."""
        stack: list[list[Any]] = conn.info.setdefault(_SAVEPOINTS, [])
        return stack

    def _reset(self, conn: Connection) -> None:
        conn.info[_SAVEPOINTS] = []

    def savepoint(self, conn: Connection, name: str) -> None:
        self._stack(conn).append([name, False])

    def _before_execute(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        stack = conn.info.get(_SAVEPOINTS)
        if not stack or stack[-1][1]:
            return
        head = statement.lstrip()[:9].upper()
        if head.startswith("SELECT") or head.startswith(_UNDO_STATEMENTS):
            return
        for entry in stack:
            if not entry[1]:
                cursor.execute(f"SAVEPOINT {entry[0]}")  # a name SQLAlchemy made
                entry[1] = True

    def _pop(self, conn: Connection, name: str) -> bool:
        """Forget savepoint ``name`` and any opened after it; whether it was sent."""
        stack = self._stack(conn)
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == name:
                sent = bool(stack[i][1])
                del stack[i:]
                return sent
        raise GroupCommitError(f"unknown savepoint {name}")

    def release(self, conn: Connection, name: str) -> None:
        if self._pop(conn, name):
            self._send_release(conn, name)

    def rollback_to(self, conn: Connection, name: str) -> None:
        if self._pop(conn, name):
            self._send_rollback(conn, name)
            return
        # Nothing was written since: nothing to undo, unless a read failed on the server.
        if _transaction_failed(conn):
            raise GroupCommitError("a statement failed outside any savepoint")


def _transaction_failed(conn: Connection) -> bool:
    from psycopg.pq import TransactionStatus

    dbapi: Any = conn.connection.dbapi_connection
    status = dbapi.info.transaction_status if dbapi is not None else None
    return status != TransactionStatus.INTRANS


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    LazySavepoints(engine)
    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent; safe at every start)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
