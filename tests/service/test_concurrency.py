"""How concurrent requests share the database: SQLite's turn queue, and audit rows written
at commit (dropped with a rolled-back transaction, chained in one order under threads)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from reattune.server.core import Context
from reattune.server.storage.db import TurnQueue
from reattune.server.storage.tables import AuditEvent


def _count(ctx: Context) -> int:
    with ctx.transaction() as db:
        return int(db.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def test_audit_rows_commit_with_their_transaction_and_vanish_with_a_rollback(
    ctx: Context,
) -> None:
    before = _count(ctx)
    with pytest.raises(RuntimeError), ctx.transaction() as db:
        ctx.record(db, None, "read", "item", "x")
        raise RuntimeError("the request failed")
    assert _count(ctx) == before
    with ctx.transaction() as db:
        ctx.record(db, None, "read", "item", "a")
        ctx.record(db, None, "read", "item", "b")
    with ctx.transaction() as db:
        rows = db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [r.object_id for r in rows[-2:]] == ["a", "b"]
        count, problems = ctx.audit.verify(db)
    assert count == before + 2 and problems == []


def test_concurrent_transactions_chain_in_one_order(ctx: Context) -> None:
    before = _count(ctx)

    def work(n: int) -> None:
        for i in range(5):
            with ctx.transaction() as db:
                ctx.record(db, None, "write", "item", f"{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with ctx.transaction() as db:
        count, problems = ctx.audit.verify(db)
    assert count == before + 30 and problems == []


def test_the_writer_queue_serves_threads_in_arrival_order_and_allows_reentry() -> None:
    queue = TurnQueue(1)
    served: list[int] = []
    queue.acquire()
    queue.acquire()  # the same thread again: no deadlock
    queue.release()

    def wait(n: int) -> None:
        queue.acquire()
        served.append(n)
        queue.release()

    threads = []
    for n in range(5):
        t = threading.Thread(target=wait, args=(n,))
        t.start()
        threads.append(t)
        while len(queue._waiters) < n + 1:  # each has queued before the next starts
            time.sleep(0.001)
    queue.release()
    for t in threads:
        t.join(5)
    assert served == [0, 1, 2, 3, 4]


def test_the_turn_queue_lets_as_many_in_as_it_has_slots() -> None:
    queue = TurnQueue(2)
    inside = threading.Barrier(2, timeout=5)

    def hold() -> None:
        queue.acquire()
        inside.wait()  # both are in at once, or this times out
        queue.release()

    threads = [threading.Thread(target=hold) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not inside.broken and queue._free == 2
