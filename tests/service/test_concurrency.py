"""How concurrent requests share the database: the turn queue, group commit (one commit
for the units of work of the moment, each in its own savepoint, none returning before the
commit), and audit rows written at commit (dropped with a rolled-back unit, chained in one
order under threads)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from reattune.service.core import Context
from reattune.storage.db import CommitGroups, Group, GroupCommitError, TurnQueue
from reattune.storage.tables import AuditEvent, Throttle


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
            # each thread its own key: on PostgreSQL the threads spread over the lanes,
            # whose groups commit side by side onto the one chain
            with ctx.transaction(key=f"caller-{n}") as db:
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


# --- group commit ---------------------------------------------------------------------------


def _wait_for_waiters(groups: CommitGroups, n: int) -> None:
    deadline = time.monotonic() + 10
    while groups._turns.waiting() < n:
        assert time.monotonic() < deadline, "the other threads never queued"
        time.sleep(0.001)


def _throttle(db: Session, key: str, ctx: Context) -> None:
    now = ctx.now()
    db.add(Throttle(key=key, failures=1, next_allowed_at=now, updated_at=now))
    db.flush()


def test_units_of_work_share_one_commit_and_a_failed_one_leaves_only_itself_out(
    ctx: Context,
) -> None:
    """Three requests at once: one transaction, one commit; the one that fails loses its
    row and its audit row, the others keep theirs, and the chain stays intact."""
    before = _count(ctx)
    for lane in ctx.lanes:
        lane.max_seconds = 30  # the threads below take their time to queue
    groups: dict[str, Group] = {}
    errors: dict[str, BaseException] = {}

    def unit(name: str, fail: bool = False, hold_for: int = 0) -> None:
        try:
            with ctx.transaction(key="one caller") as db:  # one caller: one lane
                groups[name] = db.info["reattune.group"]
                _throttle(db, f"test:{name}", ctx)
                ctx.record(db, None, "write", "item", name)
                if hold_for:
                    lane = next(g for g in ctx.lanes if g._group is groups[name])
                    _wait_for_waiters(lane, hold_for)
                if fail:
                    raise RuntimeError(f"{name} failed")
        except BaseException as exc:
            errors[name] = exc

    first = threading.Thread(target=unit, args=("a", False, 2))
    first.start()
    while "a" not in groups:
        time.sleep(0.001)
    others = [
        threading.Thread(target=unit, args=("b", True)),
        threading.Thread(target=unit, args=("c",)),
    ]
    for t in others:
        t.start()
        time.sleep(0.05)  # b queues before c
    for t in [first, *others]:
        t.join(20)
    assert groups["a"] is groups["b"] is groups["c"] and groups["a"].members == 3
    assert list(errors) == ["b"] and str(errors["b"]) == "b failed"
    with ctx.transaction() as db:
        kept = db.execute(select(Throttle.key).where(Throttle.key.like("test:%"))).scalars()
        assert sorted(kept) == ["test:a", "test:c"]
        rows = db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        assert [r.object_id for r in rows[-2:]] == ["a", "c"]
        count, problems = ctx.audit.verify(db)
    assert count == before + 2 and problems == []


def test_no_unit_of_work_returns_before_the_commit_and_a_failed_commit_fails_them_all(
    ctx: Context,
) -> None:
    """What a request is told is done must be on disk: every member waits for the group's
    commit, and when that commit fails every member fails and nothing is kept."""
    at_commit = threading.Event()
    release = threading.Event()

    def before_commit(conn: Connection, payload: list[object]) -> None:
        at_commit.set()
        assert release.wait(10)
        raise OSError("disk full")

    groups = CommitGroups(ctx.engine, before_commit, max_seconds=30)
    returned: list[str] = []
    errors: dict[str, BaseException] = {}

    def unit(name: str, hold_for: int = 0) -> None:
        try:
            with groups.member() as group:
                db = ctx.sessions(bind=group.conn, join_transaction_mode="create_savepoint")
                _throttle(db, f"test:{name}", ctx)
                db.commit()
                db.close()
                group.payload.append(name)
                if hold_for:
                    _wait_for_waiters(groups, hold_for)
            returned.append(name)
        except BaseException as exc:
            errors[name] = exc

    threads = [threading.Thread(target=unit, args=("a", 2))]
    threads[0].start()
    while groups._group is None:
        time.sleep(0.001)
    for name in ("b", "c"):
        threads.append(threading.Thread(target=unit, args=(name,)))
        threads[-1].start()
    assert at_commit.wait(10)
    time.sleep(0.1)
    assert returned == [] and errors == {}  # all three still wait for the commit
    release.set()
    for t in threads:
        t.join(10)
    assert returned == [] and sorted(errors) == ["a", "b", "c"]
    assert all(isinstance(e, GroupCommitError) for e in errors.values())
    with ctx.transaction() as db:
        assert db.execute(select(Throttle.key).where(Throttle.key.like("test:%"))).all() == []


def test_a_callers_units_keep_to_one_lane_and_others_go_to_the_least_busy(ctx: Context) -> None:
    """With several lanes (``PG_LANES``, one by default since the item list uses its
    indexes): a key with units in flight keeps its lane; a key with none goes to the lane
    with the fewest units in flight."""
    ctx.lanes = [CommitGroups(ctx.engine, ctx.audit.append) for _ in range(3)]
    ctx._in_flight = [0, 0, 0]
    first = ctx._route("a")
    again = ctx._route("a")  # "a" is in flight: same lane
    other = ctx._route("b")
    third = ctx._route("c")
    assert again == first
    assert len({first, other, third}) == 3  # each to an idle lane
    for key, index in (("a", first), ("a", again), ("b", other), ("c", third)):
        ctx._unroute(key, index)
    assert ctx._routes == {} and set(ctx._in_flight) == {0}


# --- PostgreSQL: a unit's savepoint only before its first write --------------------------------


def _savepoints(db: Session) -> list[list[object]]:
    stack: list[list[object]] = db.connection().info.get("reattune.savepoints", [])
    return stack


def test_a_units_savepoint_reaches_postgresql_only_before_its_first_write(ctx: Context) -> None:
    """A unit that only reads sends no SAVEPOINT (and no RELEASE); one that writes sends it
    just before its first write, and its failure still rolls back only its own part."""
    if ctx.engine.dialect.name == "sqlite":
        pytest.skip("SQLite's savepoints cost no round trip: they are sent as they come")
    with ctx.transaction() as db:
        db.execute(select(func.count()).select_from(Throttle)).scalar_one()
        (entry,) = _savepoints(db)
        assert entry[1] is False  # opened, not sent
        _throttle(db, "test:kept", ctx)
        assert _savepoints(db)[0][1] is True  # sent before the INSERT
    with pytest.raises(RuntimeError), ctx.transaction() as db:
        _throttle(db, "test:undone", ctx)
        raise RuntimeError("the request failed")
    with ctx.transaction() as db:
        kept = db.execute(select(Throttle.key).where(Throttle.key.like("test:%"))).scalars()
        assert sorted(kept) == ["test:kept"]
        assert _savepoints(db)[0][1] is False


def test_a_read_that_fails_on_postgresql_outside_a_savepoint_fails_its_group(
    ctx: Context,
) -> None:
    """The one case a deferred savepoint cannot undo: a statement the server refuses before
    anything was written. PostgreSQL then refuses the rest of the transaction, so the group
    must not commit: every member fails and nothing of it is kept (on SQLite, where the
    savepoint was sent, only the failing unit fails)."""
    from sqlalchemy import text

    for lane in ctx.lanes:
        lane.max_seconds = 30
    errors: dict[str, BaseException] = {}
    groups: dict[str, Group] = {}

    def unit(name: str, fail: bool = False, hold_for: int = 0) -> None:
        try:
            with ctx.transaction(key="one caller") as db:
                groups[name] = db.info["reattune.group"]
                if fail:
                    db.execute(text("SELECT no_such_column FROM throttles")).all()
                _throttle(db, f"test:{name}", ctx)
                if hold_for:
                    lane = next(g for g in ctx.lanes if g._group is groups[name])
                    _wait_for_waiters(lane, hold_for)
        except BaseException as exc:
            errors[name] = exc

    first = threading.Thread(target=unit, args=("a", False, 1))
    first.start()
    while "a" not in groups:
        time.sleep(0.001)
    second = threading.Thread(target=unit, args=("b", True))
    second.start()
    for t in (first, second):
        t.join(20)
    assert groups["a"] is groups["b"]
    with ctx.transaction() as db:
        kept = list(db.execute(select(Throttle.key).where(Throttle.key.like("test:%"))).scalars())
    if ctx.engine.dialect.name == "sqlite":
        assert list(errors) == ["b"] and kept == ["test:a"]
    else:
        assert sorted(errors) == ["a", "b"] and kept == []
        assert isinstance(errors["a"], GroupCommitError)
