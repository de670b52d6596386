"""Service latency: 50 concurrent clients mixing reads and writes against the running app.

    python bench/service.py [--clients 50] [--seconds 15] [--requests 6000]
                            [--database-url postgresql://... [--keep-database]]
                            [--url http://127.0.0.1:PORT]

Starts ``reattune serve`` (this checkout's ``src``) as a separate process on a free loopback
port with a throwaway data folder — SQLite, or PostgreSQL with ``--database-url``, in a new
database created on that server and dropped afterwards (``--keep-database`` uses the named one
itself) — unless ``--url`` names one already running (it then needs open registration).
This process is the second one: it signs up 10 partner accounts (5 couples, so shared items
are read too), seeds a few items each, then runs two phases with the same clients, each
bounded by ``--seconds`` and ``--requests`` (whichever comes first; the first second is
warm-up, not measured):

* **baseline**: every client calls ``GET /api/v1/health`` (same server, same middleware, no
  session, no database) — the floor this machine and client give;
* **mix**: 70 % reads (one item 40 %, the item list 15 %, ``/me`` 15 %) and 30 % writes (a
  prep entry 15 %, sharing 10 %, a time-out 5 %), each a real authenticated request that
  writes its audit row.

Prints one JSON object: for each phase p50/p95/p99/max latency in ms, throughput, errors
(any non-2xx answer or transport failure) and, when the server is this script's child on
Linux, ``server_cpu_ms_per_request`` (the server's CPU time over the measured requests: a
figure that depends far less on other load than latency does), and ``ratio_to_baseline``.
Target: mix p99 under 250 ms with 0 errors. The clients, the server and whatever else runs
share the machine's cores: the figures vary from run to run, and the load average is printed
with them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

API = "/api/v1"
PASSWORD = "bench horse battery staple"
ACCOUNTS = 10
SEED_ITEMS = 3
TARGET_P99_MS = 250.0
SRC = Path(__file__).resolve().parents[1] / "src"


@dataclass
class Account:
    name: str
    token: str = ""
    items: list[str] = field(default_factory=list)
    shared_with_me: list[str] = field(default_factory=list)

    @property
    def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Conn:
    """A thin HTTP/1.1 keep-alive client on asyncio streams, one connection per simulated
    client. On this machine ``httpx.AsyncClient`` with 50 connections spent so much CPU that
    it capped even ``/health`` at about a quarter of what the server answers, and measured
    itself; this costs little of the cores the server needs."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(data)}")
        try:
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            await self.writer.drain()
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
            fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
            if b"content-length" in fields:
                payload = await self.reader.readexactly(int(fields[b"content-length"]))
            elif fields.get(b"transfer-encoding") == b"chunked":
                payload = b""
                while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                    payload += await self.reader.readexactly(size + 2)
                await self.reader.readuntil(b"\r\n")
            else:
                payload = b""
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            raise
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    kinds: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    measured_seconds: float = 0.0
    server_cpu_seconds: float | None = None


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def scratch_database(url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server of ``url`` and a function that drops it: runs
    that wrote into one shared database got slower run after run (its tables grew)."""
    import psycopg

    name = f"reattune_bench_{uuid.uuid4().hex[:12]}"
    admin_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise SystemExit(
            f"bench/service.py: cannot create a database for the run on {urlsplit(url).netloc} "
            f"({type(exc).__name__}: {exc}); give a server where this user may CREATE DATABASE, "
            "or --keep-database to use the named database itself"
        ) from None

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{url.rsplit('/', 1)[0]}/{name}", drop


def start_server(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if database_url:
        env["DATABASE_URL"] = database_url
    command = ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reattune", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}{API}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


# --- setup --------------------------------------------------------------------------------------


async def _ok(r: httpx.Response, status: int) -> httpx.Response:
    if r.status_code != status:
        raise SystemExit(f"setup: {r.request.method} {r.request.url.path} -> {r.status_code}")
    return r


async def sign_up(c: httpx.AsyncClient, rng: random.Random) -> list[Account]:
    run = uuid.uuid4().hex[:6]
    accounts = [Account(f"bench-{run}-{i}") for i in range(ACCOUNTS)]
    for a in accounts:
        body = {"username": a.name, "password": PASSWORD}
        await _ok(await c.post(f"{API}/auth/register", json=body), 201)
        a.token = (await _ok(await c.post(f"{API}/auth/login", json=body), 200)).json()["token"]
    for a, b in zip(accounts[::2], accounts[1::2], strict=True):
        inv = await _ok(
            await c.post(f"{API}/couples/invitations", json={"username": b.name}, headers=a.h),
            201,
        )
        await _ok(
            await c.post(f"{API}/couples/invitations/{inv.json()['id']}/accept", headers=b.h), 200
        )
        for owner, other in ((a, b), (b, a)):
            for k in range(SEED_ITEMS):
                r = await _ok(
                    await c.post(
                        f"{API}/items/prep",
                        json={
                            "title": "seed",
                            "text": f"seed {k} " + "words " * rng.randint(5, 60),
                        },
                        headers=owner.h,
                    ),
                    201,
                )
                iid = r.json()["id"]
                owner.items.append(iid)
                if k == 0:
                    share = {"partner": True, "therapist": False}
                    await _ok(
                        await c.put(f"{API}/items/{iid}/sharing", json=share, headers=owner.h), 200
                    )
                    other.shared_with_me.append(iid)
    return accounts


# --- the load -------------------------------------------------------------------------------


async def _mixed_request(c: Conn, a: Account, rng: random.Random) -> tuple[str, int]:
    roll = rng.random()
    if roll < 0.40:
        iid = rng.choice(a.items + a.shared_with_me)
        return "read item", (await c.request("GET", f"{API}/items/{iid}", a.h))[0]
    if roll < 0.55:
        return "list items", (await c.request("GET", f"{API}/items", a.h))[0]
    if roll < 0.70:
        return "me", (await c.request("GET", f"{API}/me", a.h))[0]
    if roll < 0.85:
        text = "a thought before we talk " + "words " * rng.randint(5, 120)
        body = {"title": "prep", "text": text}
        status, payload = await c.request("POST", f"{API}/items/prep", a.h, body)
        if status == 201:
            a.items.append(json.loads(payload)["id"])
        return "write prep", status
    if roll < 0.95:
        iid = rng.choice(a.items)
        # the partner keeps reading the first one
        share = {"partner": iid == a.items[0] or rng.random() < 0.5, "therapist": False}
        return "write sharing", (await c.request("PUT", f"{API}/items/{iid}/sharing", a.h, share))[
            0
        ]
    pause = {"agreed_return_minutes": rng.choice((20, 30, 45, 60))}
    return "write timeout", (await c.request("POST", f"{API}/items/timeouts", a.h, pause))[0]


async def _health(c: Conn, _a: Account, _rng: random.Random) -> tuple[str, int]:
    return "health", (await c.request("GET", f"{API}/health"))[0]


async def run_phase(
    url: str,
    accounts: list[Account],
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    think_ms: float,
    request: Any,
    seed: int,
    pid: int | None = None,
    warmup: float = 1.0,
) -> Phase:
    phase = Phase()
    issued = 0
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds

    async def client(i: int) -> None:
        nonlocal issued
        rng = random.Random(seed * 1000 + i)
        a = accounts[i % len(accounts)]
        c = Conn(host, port)
        try:
            while time.perf_counter() < stop_at and issued < max_requests:
                if think_ms:
                    await asyncio.sleep(rng.expovariate(1000 / think_ms))
                t0 = time.perf_counter()
                try:
                    kind, status = await request(c, a, rng)
                    error = None if 200 <= status < 300 else f"{kind}: HTTP {status}"
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    kind, error = "transport", f"transport: {type(exc).__name__}"
                t1 = time.perf_counter()
                if t0 < measure_from:
                    continue
                issued += 1
                ms = (t1 - t0) * 1000
                phase.latencies.append(ms)
                phase.kinds.setdefault(kind, []).append(ms)
                if error:
                    phase.errors[error] += 1
        finally:
            c.close()

    async def cpu_at_measure_start() -> float | None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        return _cpu_seconds(pid)

    cpu0, *_ = await asyncio.gather(cpu_at_measure_start(), *(client(i) for i in range(clients)))
    phase.measured_seconds = time.perf_counter() - measure_from
    cpu1 = _cpu_seconds(pid)
    if cpu0 is not None and cpu1 is not None:
        phase.server_cpu_seconds = cpu1 - cpu0
    return phase


def _pct(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, round(q / 100 * len(sorted_ms) + 0.5) - 1))
    return round(sorted_ms[k], 1)


def summary(phase: Phase) -> dict[str, Any]:
    ms = sorted(phase.latencies)
    return {
        "requests": len(ms),
        "errors": sum(phase.errors.values()),
        "error_kinds": dict(phase.errors),
        "seconds": round(phase.measured_seconds, 1),
        "throughput_rps": round(len(ms) / phase.measured_seconds, 1),
        "p50_ms": _pct(ms, 50),
        "p95_ms": _pct(ms, 95),
        "p99_ms": _pct(ms, 99),
        "max_ms": round(ms[-1], 1) if ms else None,
        "server_cpu_ms_per_request": (
            round(phase.server_cpu_seconds * 1000 / len(ms), 2)
            if phase.server_cpu_seconds is not None and ms
            else None
        ),
        "by_kind": {
            kind: {"n": len(v), "p50_ms": _pct(sorted(v), 50), "p99_ms": _pct(sorted(v), 99)}
            for kind, v in sorted(phase.kinds.items())
        },
    }


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system, all threads) the server process has used so far; None when
    the server is not our child or this is not Linux."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench(url: str, args: argparse.Namespace, pid: int | None) -> dict[str, Any]:
    rng = random.Random(args.seed)
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        accounts = await sign_up(c, rng)
    common = {
        "clients": args.clients,
        "seconds": args.seconds,
        "max_requests": args.requests,
        "seed": args.seed,
        "think_ms": args.think_ms,
    }
    b = summary(await run_phase(url, accounts, request=_health, pid=pid, **common))
    m = summary(await run_phase(url, accounts, request=_mixed_request, pid=pid, **common))
    return {
        "baseline": {"name": "GET /api/v1/health, same clients and server", **b},
        "mix": {"name": "70% reads / 30% writes, signed in, audited", **m},
        "ratio_to_baseline": {
            "p50": round(m["p50_ms"] / b["p50_ms"], 2),
            "p99": round(m["p99_ms"] / b["p99_ms"], 2),
        },
        "target": {
            "p99_ms": TARGET_P99_MS,
            "errors": 0,
            "met": m["p99_ms"] < TARGET_P99_MS and m["errors"] == 0,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase, measured")
    parser.add_argument("--requests", type=int, default=6000, help="per phase, at most")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause between a client's requests (exponential; default 0: closed loop)",
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default: SQLite)")
    parser.add_argument("--url", default=None, help="an already running service")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="use the --database-url database itself (default: a new database on that server, "
        "dropped afterwards, so that every run starts from the same empty state)",
    )
    args = parser.parse_args()

    load_before = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="reattune-bench-"))
    proc = None
    database_url, scratch = args.database_url, None
    if database_url and not args.keep_database:
        database_url, scratch = scratch_database(database_url)
    try:
        if args.url:
            url = args.url.rstrip("/")
        else:
            proc, url = start_server(data_dir / "data", database_url)
        result = asyncio.run(bench(url, args, proc.pid if proc else None))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        if scratch is not None:
            scratch()
    report = {
        "server": args.url or "reattune serve (child process, loopback)",
        "database": "postgresql" if args.database_url else "sqlite",
        "clients": args.clients,
        "think_ms": args.think_ms,
        **result,
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "note": "client and server share these cores with each other and with other work",
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
