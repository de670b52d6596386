"""Service tests run against a real SQLite file and the machine's real PostgreSQL: every test
gets a fresh database (a new SQLite file; on PostgreSQL a new database copied from a template
migrated once per test process), so tests never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the service extra is not installed")

import pyotp
from fastapi.testclient import TestClient

from reattune.api.app import create_app
from reattune.service.accounts import register
from reattune.service.config import PasswordPolicy, ServerConfig
from reattune.service.core import Context, Role

PG_URL = os.environ.get("REATTUNE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
API = "/api/v1"
PASSWORD = "correct horse battery"
FAST_HASH = PasswordPolicy(memory_kib=1024, time_cost=1, parallelism=1)
"""Tests hash with 1 MiB so the suite stays quick; the production parameters are checked
by their own tests."""


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, list[str]]]:
    """A migrated template database for this test process (skips when PostgreSQL is
    unreachable, saying why)."""
    try:
        conn = _pg_admin()
    except Exception as exc:
        pytest.skip(f"PostgreSQL at {PG_URL} is unreachable: {type(exc).__name__}")
    name = f"reattune_tpl_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    from reattune.storage.db import make_engine, migrate

    engine = make_engine(_url(name))
    migrate(engine)
    engine.dispose()
    made: list[str] = []
    try:
        yield name, made
    finally:
        for db in [*made, name]:  # dropped at the end: a drop costs more than a create
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.close()


def _url(db: str) -> str:
    base = PG_URL.rsplit("/", 1)[0]
    return f"{base}/{db}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    template, made = request.getfixturevalue("pg_template")
    name = f"reattune_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    made.append(name)
    yield _url(name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(tmp_path: Path, database_url: str | None, clock: Clock) -> ServerConfig:
    return ServerConfig(
        data_dir=tmp_path / "data", database_url=database_url, password=FAST_HASH, clock=clock
    )


@pytest.fixture
def ctx(config: ServerConfig) -> Iterator[Context]:
    context = Context(config)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def client(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx), base_url="https://testserver")


@dataclass
class Person:
    name: str
    role: str
    id: str = ""
    token: str = ""
    totp: str | None = None

    @property
    def h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """Partners A and B (a couple) with their linked therapist T; C and D, another couple;
    U, a therapist linked to nobody; and an admin."""

    client: TestClient
    ctx: Context
    clock: Clock
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]

    def add(self, key: str, role: str = Role.PARTNER) -> Person:
        name = f"{key.lower()}-{uuid.uuid4().hex[:6]}"
        with self.ctx.transaction() as db:
            done = register(self.ctx, db, username=name, password=PASSWORD, role=role)
        p = Person(name, role, done.user.id, totp=done.totp_uri)
        self.people[key] = p
        self.login(p)
        return p

    def code(self, p: Person) -> str:
        assert p.totp is not None
        return pyotp.parse_uri(p.totp).at(self.clock.now)  # type: ignore[no-any-return]

    def login(self, p: Person) -> None:
        body: dict[str, Any] = {"username": p.name, "password": PASSWORD}
        if p.totp:
            self.clock.advance(seconds=31)  # a TOTP step is used once
            body["totp"] = self.code(p)
        r = self.client.post(f"{API}/auth/login", json=body)
        assert r.status_code == 200, r.text
        p.token = r.json()["token"]

    def couple(self, a: str, b: str) -> None:
        r = self.client.post(
            f"{API}/couples/invitations", json={"username": self[b].name}, headers=self[a].h
        )
        assert r.status_code == 201, r.text
        r = self.client.post(
            f"{API}/couples/invitations/{r.json()['id']}/accept", headers=self[b].h
        )
        assert r.status_code == 200, r.text

    def link(self, a: str, b: str, therapist: str) -> None:
        r = self.client.post(
            f"{API}/couples/current/therapist",
            json={"username": self[therapist].name},
            headers=self[a].h,
        )
        assert r.status_code == 200, r.text
        r = self.client.post(f"{API}/couples/current/therapist/accept", headers=self[b].h)
        assert r.status_code == 200 and r.json()["therapist"] == self[therapist].name, r.text

    def prep(self, owner: str, text: str = "a private thought", **share: bool) -> str:
        r = self.client.post(
            f"{API}/items/prep", json={"title": "prep", "text": text}, headers=self[owner].h
        )
        assert r.status_code == 201, r.text
        iid: str = r.json()["id"]
        if share:
            self.share(owner, iid, **share)
        return iid

    def share(self, owner: str, iid: str, partner: bool = False, therapist: bool = False) -> None:
        r = self.client.put(
            f"{API}/items/{iid}/sharing",
            json={"partner": partner, "therapist": therapist},
            headers=self[owner].h,
        )
        assert r.status_code == 200, r.text


def build_world(client: TestClient, ctx: Context, clock: Clock) -> World:
    w = World(client, ctx, clock)
    for key in ("A", "B", "C", "D"):
        w.add(key)
    w.add("T", Role.THERAPIST)
    w.add("U", Role.THERAPIST)
    w.add("ADMIN", Role.ADMIN)
    w.couple("A", "B")
    w.couple("C", "D")
    w.link("A", "B", "T")
    return w


@pytest.fixture
def world(client: TestClient, ctx: Context, clock: Clock) -> World:
    return build_world(client, ctx, clock)


CHAT = (
    b"[3/1/24, 21:04:11] Sam: Can we talk about last night? Why did you leave? Are you angry?\n"
    b"[3/1/24, 21:30:02] Alex: ok\n"
    b"[3/1/24, 21:31:00] Sam: I want to die, I cannot do this anymore\n"
    b"[3/1/24, 21:40:00] Alex: fine\n"
)
