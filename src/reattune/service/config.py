"""Where the service keeps its data and secrets, and the knobs its tests turn.

Everything comes from arguments or the environment (``DATABASE_URL``, ``REDIS_URL``,
``REATTUNE_DATA_DIR``, ``REATTUNE_KEK``, ``REATTUNE_AUDIT_KEY``,
``REATTUNE_JOB_LEASE_SECONDS``, ``REATTUNE_QUEUE``); nothing is read from the database. The
key-encryption keys and the audit key live in files in the data folder (created 0600 on
first start) unless the environment provides them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reattune.errors import SettingsError

__all__ = ["PasswordPolicy", "ServerConfig", "default_data_dir", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_data_dir() -> Path:
    """The user's data folder: ``$XDG_DATA_HOME/reattune`` (``~/.local/share/reattune``),
    ``~/Library/Application Support/reattune`` on macOS, ``%APPDATA%/reattune`` on Windows."""
    env = os.environ.get("REATTUNE_DATA_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":  # pragma: no cover - not tested here
        return Path(os.environ.get("APPDATA", Path.home())) / "reattune"
    if sys.platform == "darwin":  # pragma: no cover - not tested here
        return Path.home() / "Library" / "Application Support" / "reattune"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reattune"


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """argon2id parameters (OWASP's 46 MiB / t=1 / p=1 row) and how many hashes may run at
    once (each takes 46 MiB and most of a core)."""

    memory_kib: int = 46 * 1024
    time_cost: int = 1
    parallelism: int = 1
    concurrent_hashes: int = 2
    min_length: int = 10


@dataclass(frozen=True, slots=True)
class ServerConfig:
    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    password: PasswordPolicy = field(default_factory=PasswordPolicy)
    partner_idle: timedelta = timedelta(minutes=30)
    clinician_idle: timedelta = timedelta(minutes=15)
    absolute_session: timedelta = timedelta(hours=12)
    json_limit: int = 1024 * 1024
    upload_limit: int = 50 * 1024 * 1024
    inline_analysis_limit: int = 512 * 1024
    """Uploads up to this size are analysed during the request; larger ones by a job."""
    job_lease: timedelta = timedelta(seconds=60)
    """How long a job's claim on its upload lasts unless renewed. A running job renews it
    every third of this; a worker that dies stops renewing, and once the lease has run out
    another worker takes the job over. Shorter: a killed worker's job resumes sooner."""
    queue_name: str = "reattune"
    """The job queue's name (its Redis keys); one per deployment."""
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> ServerConfig:
        """``REATTUNE_JOB_LEASE_SECONDS`` and ``REATTUNE_QUEUE`` set the job lease and the
        queue name."""
        lease = os.environ.get("REATTUNE_JOB_LEASE_SECONDS")
        try:
            seconds = float(lease) if lease else 60.0
        except ValueError:
            seconds = 0.0
        if not 1 <= seconds <= 86400:
            raise SettingsError(
                f"REATTUNE_JOB_LEASE_SECONDS={lease!r} cannot be used",
                expected="a number of seconds from 1 to 86400",
            )
        return cls(
            data_dir=(data_dir or default_data_dir()).expanduser(),
            database_url=os.environ.get("DATABASE_URL") or None,
            redis_url=os.environ.get("REDIS_URL") or None,
            job_lease=timedelta(seconds=seconds),
            queue_name=os.environ.get("REATTUNE_QUEUE") or "reattune",
        )

    @property
    def sqlalchemy_url(self) -> str:
        url = self.database_url
        if not url:
            return f"sqlite+pysqlite:///{self.data_dir / 'reattune.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def kek_file(self) -> Path:
        return self.data_dir / "keys" / "kek"

    @property
    def audit_key_file(self) -> Path:
        return self.data_dir / "keys" / "audit"
