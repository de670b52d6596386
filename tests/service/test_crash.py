"""Crash safety: the real server (``reattune serve`` in a child process) is killed with SIGKILL
at seeded random moments while several clients write at once, and restarted, a few times.
Afterwards every write the server acknowledged (a 2xx received) is there, every acknowledged
deletion stayed deleted, the database is intact (SQLite ``PRAGMA integrity_check``; on
PostgreSQL every table readable) and ``reattune audit verify`` passes.

A request cut off by a kill has no answer: it may or may not have happened, and either is
correct. Only what was acknowledged is promised."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import API
from tests.service.live import LiveServer, fresh_pg_database, reattune

SEED = int(os.environ.get("REATTUNE_CRASH_SEED", "20261102"))
CYCLES = 3
CLIENTS = 4
PASSWORD = "correct horse battery"


@dataclass
class Writer:
    """One client thread's account and its ledger of what the server acknowledged."""

    name: str
    token: str = ""
    created: dict[str, str] = field(default_factory=dict)
    """item id → its text, for every create answered 201."""
    deleted: set[str] = field(default_factory=set)
    """ids whose delete was answered 204."""
    unsure: set[str] = field(default_factory=set)
    """ids whose delete was cut off (either outcome is right)."""
    cut_off: int = 0
    refused: list[str] = field(default_factory=list)
    """unexpected answers (any non-2xx): must stay empty."""

    @property
    def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _sign_up(base: str, w: Writer) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        r = c.post(f"{API}/auth/register", json={"username": w.name, "password": PASSWORD})
        assert r.status_code == 201, r.text
        r = c.post(f"{API}/auth/login", json={"username": w.name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        w.token = r.json()["token"]


def _write_until(base: str, w: Writer, rng: random.Random, stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=httpx.Timeout(10, connect=1)) as c:
        while not stop.is_set():
            live = [i for i in w.created if i not in w.deleted and i not in w.unsure]
            delete = live and rng.random() < 0.2
            try:
                if delete:
                    iid = rng.choice(live)
                    w.unsure.add(iid)
                    r = c.delete(f"{API}/items/{iid}", headers=w.h)
                    if r.status_code == 204:
                        w.unsure.discard(iid)
                        w.deleted.add(iid)
                    else:
                        w.refused.append(f"DELETE {r.status_code} {r.text[:200]}")
                else:
                    text = f"{w.name} note {uuid.uuid4().hex}"
                    r = c.post(
                        f"{API}/items/prep", json={"title": "crash", "text": text}, headers=w.h
                    )
                    if r.status_code == 201:
                        w.created[r.json()["id"]] = text
                    else:
                        w.refused.append(f"POST {r.status_code} {r.text[:200]}")
            except httpx.TransportError:
                # the server died under this request (or is still restarting)
                w.cut_off += 1
                time.sleep(0.05)


def _check_sqlite(db_file: Path) -> None:
    con = sqlite3.connect(db_file)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def _check_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        assert "items" in tables and "audit_events" in tables, tables
        for t in tables:
            con.execute(f'SELECT * FROM "{t}"').fetchall()  # every row readable


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_writes_survive_sigkill(tmp_path: Path, backend: str) -> None:
    rng = random.Random(f"{SEED}-{backend}")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_pg_database()) if backend == "postgresql" else None
        server = LiveServer(tmp_path / "data", url)
        stack.callback(server.kill)
        server.start()
        writers = [Writer(f"w{i}-{uuid.uuid4().hex[:6]}") for i in range(CLIENTS)]
        for w in writers:
            _sign_up(server.url, w)

        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_write_until,
                args=(server.url, w, random.Random(rng.random()), stop),
                daemon=True,
            )
            for w in writers
        ]
        for t in threads:
            t.start()
        try:
            for _ in range(CYCLES):
                time.sleep(rng.uniform(0.3, 1.5))  # writes in flight, then a kill
                server.kill()
                time.sleep(rng.uniform(0.0, 0.3))
                server.start()
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(15)
        server.kill()  # end on a crash too

        if url is None:
            _check_sqlite(tmp_path / "data" / "reattune.db")
        else:
            _check_postgres(url)

        server.start()
        acknowledged = 0
        with httpx.Client(base_url=server.url, timeout=30) as c:
            for w in writers:
                assert w.refused == [], w.refused
                listed = {
                    i["id"] for i in c.get(f"{API}/items", headers=w.h).raise_for_status().json()
                }
                for iid, text in w.created.items():
                    r = c.get(f"{API}/items/{iid}", headers=w.h)
                    if iid in w.deleted:
                        assert r.status_code == 404 and iid not in listed, iid
                    elif iid in w.unsure:
                        assert r.status_code in (200, 404)
                    else:
                        assert r.status_code == 200, (iid, r.text)
                        assert r.json()["content"] == {"text": text}
                        assert iid in listed
                    acknowledged += 1
        server.stop()

        assert acknowledged >= 20, f"too few acknowledged writes to mean much: {acknowledged}"
        verified = reattune("audit", "verify", "--data-dir", str(server.data_dir), env=server.env)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "audit trail intact" in verified.stdout
