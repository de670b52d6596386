"""Background analysis on Huey: SqliteHuey by default, RedisHuey against the machine's Redis;
idempotent, a job lost with a killed worker is found again and finished, and a worker
process SIGKILLed mid-job is replaced by one that completes the job exactly once."""

from __future__ import annotations

import dataclasses
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reattune.api.app import create_app
from reattune.service import items
from reattune.service.accounts import register
from reattune.service.analysis import UploadOptions, analyse_upload
from reattune.service.config import ServerConfig
from reattune.service.core import Caller, Context, Role
from reattune.service.items import run_analysis
from reattune.service.jobs import Jobs
from reattune.storage.tables import AnalysisRow, AuditEvent
from tests.service.conftest import API, CHAT, FAST_HASH, PASSWORD, Clock, World
from tests.service.live import service_env

REDIS = "redis://127.0.0.1:6379/15"


def _queue_name() -> str:
    """A queue of the test's own: tests (and other checkouts' test runs) share the Redis."""
    return f"reattune-test-{uuid.uuid4().hex[:10]}"


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.skip(f"Redis at {REDIS} is unreachable: {type(exc).__name__}")


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_large_upload_is_analysed_by_a_job_and_a_lost_job_is_recovered(
    world: World, ctx: Context, queue: str
) -> None:
    if queue == "redis":
        _redis_or_skip()
        ctx.config = dataclasses.replace(ctx.config, redis_url=REDIS)
    ctx.config = dataclasses.replace(ctx.config, inline_analysis_limit=0, queue_name=_queue_name())
    jobs = Jobs(ctx)
    jobs.huey.flush()
    queued: list[str] = []
    client = TestClient(create_app(ctx, enqueue=queued.append), base_url="https://testserver")
    h = world["A"].h
    ids = []
    for _ in range(2):
        r = client.post(
            f"{API}/items/conversations",
            files={"file": ("chat.txt", CHAT)},
            data={"me": "Sam"},
            headers=h,
        )
        assert r.status_code == 202 and r.json()["analysis"]["status"] == "pending"
        ids.append(r.json()["id"])
    # the first job reaches the queue; the second was "lost" with a worker that claimed it
    # and died (its lease has run out)
    jobs.enqueue(ids[0])
    with ctx.transaction() as db:
        row = db.get(AnalysisRow, ids[1])
        assert row is not None
        row.status, row.claimed_at = "running", ctx.now() - timedelta(minutes=6)
    jobs.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = [client.get(f"{API}/items/{i}", headers=h).json()["analysis"] for i in ids]
            if all(s["status"] == "done" for s in states):
                break
            time.sleep(0.3)
    finally:
        jobs.stop()
        jobs.huey.flush()
    assert [s["status"] for s in states] == ["done", "done"]
    assert states[0]["analysis"]["metrics"]["turns"] == 4
    # idempotent: running a finished job again changes nothing
    assert run_analysis(ctx, ids[0]) == "skipped"
    with ctx.transaction() as db:
        assert ctx.audit.verify(db)[1] == []
        assert all(db.get(AnalysisRow, i).upload_enc is None for i in ids)  # type: ignore[union-attr]


def _analysis_rows(ctx: Context, item_id: str) -> list[str]:
    """The outcomes of the audit rows written when a result was stored for ``item_id``."""
    with ctx.transaction() as db:
        return list(
            db.execute(
                select(AuditEvent.outcome).where(
                    AuditEvent.action == "analysis", AuditEvent.object_id == item_id
                )
            ).scalars()
        )


def test_a_job_whose_lease_ran_out_is_taken_over_and_only_the_new_claim_stores_a_result(
    world: World, ctx: Context, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies of a job: the first claims the upload, stalls past its lease (a paused
    or partitioned worker), a second takes the claim over and finishes; when the first
    wakes up its result is not written. One result, one audit row."""
    caller = Caller(world["A"].id, Role.PARTNER, "s", "bearer")
    with ctx.transaction() as db:
        view = items.create_conversation(
            ctx, db, caller, data=CHAT, options=UploadOptions("chat.txt", "Sam"), outcome=None
        )
    real = items.analyse_upload
    calls: list[str] = []
    inner: list[str] = []

    def stalled(data: bytes, options: UploadOptions, *, max_bytes: int) -> Any:
        calls.append("engine")
        if len(calls) == 1:  # the first copy stalls; meanwhile the second takes over
            clock.advance(seconds=ctx.config.job_lease.total_seconds() + 1)
            inner.append(run_analysis(ctx, view.id))
        return real(data, options, max_bytes=max_bytes)

    monkeypatch.setattr(items, "analyse_upload", stalled)
    assert run_analysis(ctx, view.id) == "skipped"  # the first copy: its claim was lost
    assert inner == ["done"]
    assert run_analysis(ctx, view.id) == "skipped"  # and a third finds the work done
    with ctx.transaction() as db:
        row = db.get(AnalysisRow, view.id)
        assert row is not None and row.status == "done" and row.attempts == 2
    assert _analysis_rows(ctx, view.id) == ["done"]


def test_a_live_claim_sends_the_job_back_to_the_queue(world: World, ctx: Context) -> None:
    caller = Caller(world["A"].id, Role.PARTNER, "s", "bearer")
    with ctx.transaction() as db:
        view = items.create_conversation(
            ctx, db, caller, data=CHAT, options=UploadOptions("chat.txt", "Sam"), outcome=None
        )
        row = db.get(AnalysisRow, view.id)
        assert row is not None
        row.status, row.claimed_at, row.attempts = "running", ctx.now(), 1
    assert run_analysis(ctx, view.id) == "claimed"
    assert items.stale_analyses(ctx) == []  # the lease is live: not lost
    assert items.stale_analyses(ctx, all_unfinished=True) == [view.id]


# --- a worker process killed mid-job ----------------------------------------------------------


def _big_chat(lines: int = 2000) -> bytes:
    """A chat long enough that its analysis takes the engine a few seconds."""
    rng = random.Random(7)
    phrases = [
        "Can we talk about last night?",
        "ok",
        "I feel like you never listen to me",
        "I'm sorry, you're right",
        "Why do you always do this?",
        "I need a break, let's talk in 30 minutes",
        "thank you for telling me",
        "whatever",
    ]
    out = []
    for i in range(lines):
        day, hour, minute = 1 + i // 1440, (i // 60) % 24, i % 60
        who = "Sam" if i % 2 == 0 else "Alex"
        text = f"{rng.choice(phrases)} {rng.choice(phrases)}"
        out.append(f"[3/{day}/24, {hour:02d}:{minute:02d}:00] {who}: {text}")
    return ("\n".join(out) + "\n").encode()


class Worker:
    """``reattune worker`` in a child process of this checkout."""

    def __init__(self, env: dict[str, str], data_dir: Path, log: Path) -> None:
        self.env, self.data_dir, self.log = env, data_dir, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "reattune", "worker", "--data-dir", str(self.data_dir)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def lease_ctx(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Context, Worker]]:
    """A data folder shared by this process (the API's side: uploads, reads) and worker
    processes, with a 3-second job lease and a queue of the test's own."""
    queue = request.param
    extra = {"REATTUNE_JOB_LEASE_SECONDS": "3", "REATTUNE_QUEUE": _queue_name()}
    if queue == "redis":
        _redis_or_skip()
        extra["REDIS_URL"] = REDIS
    data_dir = tmp_path / "data"
    config = ServerConfig(
        data_dir=data_dir,
        redis_url=extra.get("REDIS_URL"),
        password=FAST_HASH,
        job_lease=timedelta(seconds=3),
        queue_name=extra["REATTUNE_QUEUE"],
    )
    ctx = Context(config)
    worker = Worker(service_env(data_dir, None, **extra), data_dir, tmp_path / "worker.log")
    jobs = Jobs(ctx)
    try:
        yield ctx, worker
    finally:
        worker.kill()  # the test is over: nothing of this worker's is needed
        jobs.huey.flush()
        ctx.close()


def _row(ctx: Context, item_id: str) -> tuple[str, int]:
    with ctx.transaction() as db:
        row = db.get(AnalysisRow, item_id)
        assert row is not None
        return row.status, row.attempts


def _wait_for(ctx: Context, item_id: str, status: str, worker: Worker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _row(ctx, item_id)[0] != status:
        if time.monotonic() > deadline:
            log = worker.log.read_text(errors="replace")[-2000:]
            raise AssertionError(f"no {status!r} within {timeout} s: {_row(ctx, item_id)}\n{log}")
        time.sleep(0.05)


@pytest.mark.parametrize("lease_ctx", ["embedded", "redis"], indirect=True)
def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes_exactly_once(
    lease_ctx: tuple[Context, Worker],
) -> None:
    """A real ``reattune worker`` claims a large upload's job and is SIGKILLed while the
    engine works: the message it took is gone with it (Huey does not deliver it again) and
    the upload stays claimed. A new worker finds it at start, waits out the dead worker's
    lease, takes the job over and stores the result: the same analysis a clean run gives,
    stored once (one audit row), the upload's sealed copy removed, the chain intact."""
    ctx, worker = lease_ctx
    with ctx.transaction() as db:
        user = register(ctx, db, username="sam-jobs", password=PASSWORD, role=Role.PARTNER).user
    caller = Caller(user.id, Role.PARTNER, "s", "bearer")
    chat, options = _big_chat(), UploadOptions("chat.txt", "Sam")
    with ctx.transaction() as db:
        view = items.create_conversation(ctx, db, caller, data=chat, options=options, outcome=None)
    jobs = Jobs(ctx)
    jobs.enqueue(view.id)

    worker.start()
    _wait_for(ctx, view.id, "running", worker, timeout=90)  # claimed: the engine is at work
    worker.kill()
    assert _row(ctx, view.id) == ("running", 1), "the job finished before the kill"
    assert _analysis_rows(ctx, view.id) == []

    worker.start()  # a new worker: finds the unfinished upload, takes over after the lease
    _wait_for(ctx, view.id, "done", worker, timeout=180)
    time.sleep(ctx.config.job_lease.total_seconds() + 2)  # nothing else runs it again
    assert _row(ctx, view.id) == ("done", 2)
    assert _analysis_rows(ctx, view.id) == ["done"]
    expected = analyse_upload(chat, options, max_bytes=ctx.config.upload_limit)
    with ctx.transaction() as db:
        row = db.get(AnalysisRow, view.id)
        assert row is not None and row.upload_enc is None
        item = items.get_item(ctx, db, caller, view.id)
    assert item.analysis is not None
    assert item.analysis["analysis"] == expected.analysis
    assert item.analysis["safety"] == expected.safety["owner"]
    with ctx.transaction() as db:
        assert ctx.audit.verify(db)[1] == []
