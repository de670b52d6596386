"""Engines and sessions: SQLite in the data folder (WAL, ``synchronous=FULL``, foreign keys,
one writer at a time through ``BEGIN IMMEDIATE``) or PostgreSQL through psycopg 3; the schema
comes only from the Alembic migrations, run to ``head`` at start."""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["TurnQueue", "make_engine", "make_sessions", "migrate"]

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


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
