"""Background analysis on Huey: SqliteHuey by default, RedisHuey against the machine's Redis;
idempotent, and a job lost with a killed worker is found again and finished."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reattune.server.api.app import create_app
from reattune.server.core import Context
from reattune.server.items import run_analysis
from reattune.server.jobs import Jobs
from reattune.server.storage.tables import AnalysisRow
from tests.service.conftest import API, CHAT, World

REDIS = "redis://127.0.0.1:6379/15"


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
    ctx.config = dataclasses.replace(ctx.config, inline_analysis_limit=0)
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
    assert [s["status"] for s in states] == ["done", "done"]
    assert states[0]["analysis"]["metrics"]["turns"] == 4
    # idempotent: running a finished job again changes nothing
    assert run_analysis(ctx, ids[0]) == "skipped"
    with ctx.transaction() as db:
        assert ctx.audit.verify(db)[1] == []
        assert all(db.get(AnalysisRow, i).upload_enc is None for i in ids)  # type: ignore[union-attr]
