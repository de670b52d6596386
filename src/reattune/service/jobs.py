"""Background analysis on Huey: ``RedisHuey`` when ``REDIS_URL`` is set, ``SqliteHuey`` in
the data folder otherwise (no server needed). Why Huey: one small pure-Python dependency with
both a Redis and an embedded SQLite backend behind the same API, retries, delayed and
periodic tasks and a consumer that runs as threads inside ``reattune serve`` or alone
(``reattune worker``); Celery needs a broker and brings far more than we use, RQ has no
server-less backend.

A job carries only an item id (no content reaches the queue). Huey takes a message off the
queue when a worker starts it and never hands it out again, so a worker killed mid-job
takes its message with it. The database is therefore the source of truth, with a lease
(``ServerConfig.job_lease``; see ``items.run_analysis``):

* a job claims its upload's row before working, renews the claim while it works, and
  writes its result only if the claim is still its own — one result, however many copies
  of the job run;
* a job that finds a live claim of another worker is put back on the queue for when that
  lease would end (it then takes over, or finds the work done);
* a worker starting up enqueues every unfinished upload (the one its killed predecessor
  held among them), and every minute the uploads whose job looks lost (waiting or claimed
  for longer than a lease) are enqueued again.
"""

from __future__ import annotations

import logging
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from reattune.service import items
from reattune.service.core import Context

__all__ = ["Jobs"]

log = logging.getLogger("reattune.service.jobs")


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
            self.huey = RedisHuey(cfg.queue_name, url=cfg.redis_url, immediate=immediate)
        else:
            self.huey = SqliteHuey(
                cfg.queue_name, filename=str(cfg.data_dir / "jobs.db"), immediate=immediate
            )
        self._consumer: _EmbeddedConsumer | None = None
        lease = cfg.job_lease.total_seconds()

        @self.huey.task(retries=2, retry_delay=5, name="reattune.analyse")  # type: ignore[untyped-decorator]
        def analyse(item_id: str) -> str:
            status = items.run_analysis(ctx, item_id)
            if status == "claimed":  # another worker holds it: look again when its lease ends
                self._analyse.schedule(args=(item_id,), delay=lease)
            log.info("analysis job %s: %s", item_id, status)
            return status

        @self.huey.periodic_task(crontab(minute="*"), name="reattune.recover")  # type: ignore[untyped-decorator]
        def recover() -> int:
            return self.recover()

        self._analyse: Any = analyse

    def enqueue(self, item_id: str) -> None:
        self._analyse(item_id)

    def recover(self, *, all_unfinished: bool = False) -> int:
        """Enqueue again every upload whose job may have been lost (with
        ``all_unfinished``: every upload not finished yet); returns how many."""
        stale = items.stale_analyses(self.ctx, all_unfinished=all_unfinished)
        for item_id in stale:
            self.enqueue(item_id)
        return len(stale)

    def start(self, workers: int = 1) -> None:
        """Run a consumer inside this process (threads)."""
        self.recover(all_unfinished=True)
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
        self.recover(all_unfinished=True)
        Consumer(self.huey, workers=workers, worker_type="thread", periodic=True).run()
