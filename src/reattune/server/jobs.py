"""Background analysis on Huey: ``RedisHuey`` when ``REDIS_URL`` is set, ``SqliteHuey`` in
the data folder otherwise (no server needed). Why Huey: one small pure-Python dependency with
both a Redis and an embedded SQLite backend behind the same API, retries, periodic tasks and
a consumer that runs as threads inside ``reattune serve`` or alone (``reattune worker``);
Celery needs a broker and brings far more than we use, RQ has no server-less backend.

A job carries only an item id (no content reaches the queue). The database is the source of
truth: the analysis row is claimed before work starts and the job is idempotent, and a
periodic task re-enqueues uploads whose job was lost (queued before a crash, or held by a
worker that was killed) — so jobs survive a killed worker even though Huey does not
acknowledge messages.
"""

from __future__ import annotations

import logging
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from reattune.server import items
from reattune.server.core import Context

__all__ = ["Jobs"]

log = logging.getLogger("reattune.server.jobs")


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer running as threads of the server process (signals stay the server's)."""

    def _set_signal_handlers(self) -> None:
        return None


class Jobs:
    def __init__(self, ctx: Context, *, immediate: bool = False) -> None:
        self.ctx = ctx
        cfg = ctx.config
        self.huey: Huey
        if cfg.redis_url:
            self.huey = RedisHuey("reattune", url=cfg.redis_url, immediate=immediate)
        else:
            self.huey = SqliteHuey(
                "reattune", filename=str(cfg.data_dir / "jobs.db"), immediate=immediate
            )
        self._consumer: _EmbeddedConsumer | None = None

        @self.huey.task(retries=2, retry_delay=5, name="reattune.analyse")  # type: ignore[untyped-decorator]
        def analyse(item_id: str) -> str:
            status = items.run_analysis(ctx, item_id)
            log.info("analysis job %s: %s", item_id, status)
            return status

        @self.huey.periodic_task(crontab(minute="*"), name="reattune.recover")  # type: ignore[untyped-decorator]
        def recover() -> int:
            return self.recover()

        self._analyse: Any = analyse

    def enqueue(self, item_id: str) -> None:
        self._analyse(item_id)

    def recover(self) -> int:
        """Enqueue again every upload whose job may have been lost; returns how many."""
        stale = items.stale_analyses(self.ctx)
        for item_id in stale:
            self.enqueue(item_id)
        return len(stale)

    def start(self, workers: int = 1) -> None:
        """Run a consumer inside this process (threads)."""
        self.recover()
        self._consumer = _EmbeddedConsumer(
            self.huey,
            workers=workers,
            worker_type="thread",
            periodic=True,
            check_worker_health=False,
        )
        self._consumer.start()

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None

    def run_forever(self, workers: int = 1) -> None:
        """``reattune worker``: a standalone consumer with its own signal handling."""
        self.recover()
        Consumer(self.huey, workers=workers, worker_type="thread", periodic=True).run()
