"""Encryption at rest, key rotation, the audit chain, deletion, and the SQLite settings."""

from __future__ import annotations

import logging
import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text, update

from reattune.errors import DecryptionError
from reattune.service import keys
from reattune.service.core import Context
from reattune.storage.audit import AuditWriteError
from reattune.storage.tables import AnalysisRow, AuditEvent, Base, Item
from tests.service.conftest import API, CHAT, World

CANARY = "purple-walrus-canary sentence nobody else would write"


def test_migrations_made_every_table_and_sqlite_is_wal_full_fk(ctx: Context) -> None:
    names = set(inspect(ctx.engine).get_table_names())
    assert set(Base.metadata.tables) <= names and "alembic_version" in names
    if ctx.engine.dialect.name == "sqlite":
        with ctx.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_key_files_are_private(ctx: Context) -> None:
    for path in (ctx.config.kek_file, ctx.config.audit_key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_canary_never_reaches_the_database_wal_or_logs(
    world: World, client: TestClient, ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    a = world["A"]
    iid = world.prep("A", CANARY, partner=True)
    client.post(
        f"{API}/items/conversations",
        files={"file": ("chat.txt", CHAT.replace(b"ok", CANARY.encode()))},
        data={"me": "Sam", "partner": "Alex"},
        headers=a.h,
    )
    assert CANARY in client.get(f"{API}/items/{iid}", headers=world["B"].h).text
    needle = CANARY.encode()
    if ctx.engine.dialect.name == "sqlite":
        files = list(ctx.config.data_dir.glob("reattune.db*"))
        assert any(f.name.endswith("-wal") for f in files)
        for f in files:
            assert needle not in f.read_bytes(), f.name
    else:
        with ctx.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    assert needle not in repr(tuple(row)).encode(), table.name
    assert CANARY not in caplog.text


def _two_items(world: World) -> tuple[str, str]:
    return world.prep("A", "first"), world.prep("A", "second")


def test_moved_or_altered_ciphertext_fails(world: World, client: TestClient, ctx: Context) -> None:
    one, two = _two_items(world)
    with ctx.transaction() as db:
        first = db.get(Item, one)
        assert first is not None
        db.execute(update(Item).where(Item.id == two).values(body_enc=first.body_enc))
    r = client.get(f"{API}/items/{two}", headers=world["A"].h)
    assert r.status_code == 500 and r.json()["error"]["code"] == "E500"
    assert "Traceback" not in r.text and "first" not in r.text
    with ctx.transaction() as db:
        first = db.get(Item, one)
        assert first is not None
        flipped = bytearray(first.body_enc)
        flipped[-1] ^= 1
        first.body_enc = bytes(flipped)
    with ctx.transaction() as db, pytest.raises(DecryptionError):
        from reattune.service.items import _view

        item = db.get(Item, one)
        assert item is not None
        _view(ctx, db, item, "owner")


def test_rotation_rewraps_every_key_and_everything_stays_readable(
    world: World, client: TestClient, ctx: Context
) -> None:
    iid = world.prep("A", "before rotation")
    with ctx.transaction() as db:
        old = {i.kek_id for i in db.execute(select(Item)).scalars()}
    result = keys.rotate(ctx)
    assert result.rewrapped >= 8  # seven users and the item
    with ctx.transaction() as db:
        new = {i.kek_id for i in db.execute(select(Item)).scalars()}
    assert new == {result.key_id} and not (old & new)
    assert (
        client.get(f"{API}/items/{iid}", headers=world["A"].h).json()["content"]["text"]
        == "before rotation"
    )
    world.login(world["T"])  # the TOTP secret (sealed in users) is readable too
    # a second rotation from a fresh process view of the key file
    fresh = Context(ctx.config)
    try:
        assert keys.rotate(fresh).rewrapped >= 8
    finally:
        fresh.close()
    assert client.get(f"{API}/items/{iid}", headers=world["A"].h).status_code == 200


def test_every_action_is_audited_without_content(
    world: World, client: TestClient, ctx: Context
) -> None:
    iid = world.prep("A", CANARY, partner=True)
    client.get(f"{API}/items/{iid}", headers=world["B"].h)
    client.get(f"{API}/items/{iid}", headers=world["C"].h)
    client.put(
        f"{API}/items/{iid}/sharing",
        json={"partner": False, "therapist": False},
        headers=world["A"].h,
    )
    client.get(f"{API}/me/export", headers=world["A"].h)
    with ctx.transaction() as db:
        rows = list(db.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars())
        count, problems = ctx.audit.verify(db)
    actions = {(r.action, r.outcome) for r in rows}
    for expected in [
        ("login", "ok"),
        ("write", "ok"),
        ("share.partner", "ok"),
        ("read", "ok"),
        ("read", "denied"),
        ("revoke.partner", "ok"),
        ("export", "ok"),
        ("therapist.link", "ok"),
        ("couple.form", "ok"),
    ]:
        assert expected in actions, expected
    assert all(CANARY not in repr(r.__dict__) for r in rows)
    assert count == len(rows) and problems == []


def test_reading_ones_own_account_is_audited(
    world: World, client: TestClient, ctx: Context
) -> None:
    with ctx.transaction() as db:
        before = db.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert client.get(f"{API}/me", headers=world["A"].h).status_code == 200
    with ctx.transaction() as db:
        rows = list(
            db.execute(
                select(AuditEvent).where(AuditEvent.seq > (before.seq if before else 0))
            ).scalars()
        )
    assert [(r.action, r.object_type, r.outcome) for r in rows] == [("read", "user", "ok")]


def test_the_application_cannot_change_or_delete_audit_rows(world: World, ctx: Context) -> None:
    with ctx.sessions() as db:
        row = db.execute(select(AuditEvent).limit(1)).scalar_one()
        row.action = "nothing happened"
        with pytest.raises(AuditWriteError):
            db.flush()
        db.rollback()
        row = db.execute(select(AuditEvent).limit(1)).scalar_one()
        db.delete(row)
        with pytest.raises(AuditWriteError):
            db.flush()
        db.rollback()
        with pytest.raises(AuditWriteError):
            db.execute(update(AuditEvent).values(action="x"))
    # and the database itself refuses, even to raw SQL
    for sql in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), ctx.engine.begin() as conn:
            conn.execute(text(sql))


def _tamper(ctx: Context, *statements: str) -> list[str]:
    """An attacker with raw database access: drops the guards, then edits."""
    with ctx.engine.begin() as conn:
        if ctx.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        for sql in statements:
            conn.execute(text(sql))
    with ctx.transaction() as db:
        return [str(p) for p in ctx.audit.verify(db)[1]]


@pytest.mark.parametrize(
    ("statements", "words"),
    [
        (["UPDATE audit_events SET action = 'read' WHERE seq = 5"], "edited"),
        (["DELETE FROM audit_events WHERE seq = 5"], "deleted"),
        (
            [
                "INSERT INTO audit_events (seq, at, actor_id, action, object_type, object_id,"
                " outcome, prev_mac, mac) SELECT seq + 1000, at, actor_id, action, object_type,"
                " object_id, outcome, prev_mac, mac FROM audit_events WHERE seq = 5",
            ],
            "follow",
        ),
        (
            [
                "UPDATE audit_events SET seq = -1 WHERE seq = 5",
                "UPDATE audit_events SET seq = 5 WHERE seq = 6",
                "UPDATE audit_events SET seq = 6 WHERE seq = -1",
            ],
            "edited",
        ),
        (["DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)"], "end"),
    ],
    ids=["edited", "deleted", "inserted", "reordered", "cut"],
)
def test_audit_verify_detects_tampering(
    world: World, ctx: Context, statements: list[str], words: str
) -> None:
    with ctx.transaction() as db:
        assert ctx.audit.verify(db)[1] == []
    problems = _tamper(ctx, *statements)
    assert problems and any(words in p for p in problems), problems


def test_deleting_an_item_removes_its_analysis(
    world: World, client: TestClient, ctx: Context
) -> None:
    r = client.post(
        f"{API}/items/conversations",
        files={"file": ("chat.txt", CHAT)},
        data={"me": "Sam"},
        headers=world["A"].h,
    )
    iid = r.json()["id"]
    assert client.delete(f"{API}/items/{iid}", headers=world["A"].h).status_code == 204
    with ctx.transaction() as db:
        assert db.get(Item, iid) is None and db.get(AnalysisRow, iid) is None


# every table, and how it refers to a person (the test fails when a table is added unlisted)
PERSONAL_COLUMNS = {
    "users": ["id"],
    "sessions": ["user_id"],
    "throttle": [],  # keyed by HMACs; the account's own row is removed by name
    "couples": ["partner_a_id", "partner_b_id", "therapist_id"],
    "invitations": ["inviter_id", "invitee_id"],
    "therapist_proposals": ["therapist_id"],
    "items": ["owner_id"],
    "analyses": [],  # through items.id, checked below
    "audit_events": [],  # ids only, never content; append-only by design
    "audit_head": [],
}


def test_deleting_an_account_removes_everything_derived(
    world: World, client: TestClient, ctx: Context
) -> None:
    assert set(PERSONAL_COLUMNS) == set(Base.metadata.tables)
    a = world["A"]
    items = [world.prep("A", CANARY, partner=True, therapist=True)]
    r = client.post(
        f"{API}/items/conversations",
        files={"file": ("chat.txt", CHAT)},
        data={"me": "Sam"},
        headers=a.h,
    )
    items.append(r.json()["id"])
    client.post(f"{API}/auth/login", json={"username": a.name, "password": "wrong pass!!"})
    r = client.request(
        "DELETE", f"{API}/me", json={"password": "correct horse battery"}, headers=a.h
    )
    assert r.status_code == 204
    with ctx.engine.connect() as conn:
        for name, columns in PERSONAL_COLUMNS.items():
            table = Base.metadata.tables[name]
            for column in columns:
                found = conn.execute(select(table).where(table.c[column] == a.id)).all()
                assert found == [], (name, column)
        for iid in items:
            assert conn.execute(select(AnalysisRow).where(AnalysisRow.item_id == iid)).all() == []
            assert conn.execute(select(Item).where(Item.id == iid)).all() == []
        assert (
            conn.execute(text("SELECT COUNT(*) FROM throttle WHERE key LIKE 'acct:%'")).scalar()
            == 0
        )
    # the partner lost nothing of their own and sees nothing of A's
    assert client.get(f"{API}/items", headers=world["B"].h).json() == []
    assert client.get(f"{API}/couples/current", headers=world["B"].h).status_code == 404
    with ctx.transaction() as db:
        assert ctx.audit.verify(db)[1] == []
