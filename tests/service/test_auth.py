"""Sign-in, sessions, second factor, throttling without lockout, CSRF."""

from __future__ import annotations

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from reattune.api.app import create_app
from reattune.service.config import PasswordPolicy
from reattune.service.core import Context, Passwords, Role
from reattune.storage.tables import User
from tests.service.conftest import API, PASSWORD, Clock, World


def login(client: TestClient, name: str, password: str = PASSWORD, **extra: object) -> object:
    return client.post(f"{API}/auth/login", json={"username": name, "password": password, **extra})


def test_password_policy_is_argon2id_46mib_t1_p1_two_at_once() -> None:
    p = PasswordPolicy()
    assert (p.memory_kib, p.time_cost, p.parallelism, p.concurrent_hashes) == (46 * 1024, 1, 1, 2)


def test_sessions_are_256_bit_and_stored_hashed(world: World, ctx: Context) -> None:
    token = world["A"].token
    assert len(token) >= 43  # 32 bytes, URL-safe base64
    from reattune.storage.tables import SessionRow

    with ctx.transaction() as db:
        stored = [s.token_hash for s in db.query(SessionRow).all()]
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_logout_ends_every_session(world: World, client: TestClient) -> None:
    a = world["A"]
    first = a.token
    world.login(a)
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {first}"}).status_code == 200
    assert client.post(f"{API}/auth/logout", headers=a.h).status_code == 204
    for token in (first, a.token):
        r = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401


def test_password_change_ends_every_session_and_new_password_works(
    world: World, client: TestClient
) -> None:
    a = world["A"]
    r = client.post(
        f"{API}/auth/password",
        json={"current_password": "wrong one!!", "new_password": "another long one"},
        headers=a.h,
    )
    assert r.status_code == 401
    r = client.post(
        f"{API}/auth/password",
        json={"current_password": PASSWORD, "new_password": "another long one"},
        headers=a.h,
    )
    assert r.status_code == 204
    assert client.get(f"{API}/me", headers=a.h).status_code == 401
    assert login(client, a.name).status_code == 401  # type: ignore[attr-defined]
    assert login(client, a.name, "another long one").status_code == 200  # type: ignore[attr-defined]


def test_disable_ends_sessions_and_blocks_sign_in(world: World, client: TestClient) -> None:
    a, admin = world["A"], world["ADMIN"]
    r = client.post(f"{API}/admin/users/{a.id}/disable", headers=admin.h)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert client.get(f"{API}/me", headers=a.h).status_code == 401
    assert login(client, a.name).status_code == 401  # type: ignore[attr-defined]
    assert client.post(f"{API}/admin/users/{a.id}/enable", headers=admin.h).status_code == 200
    assert login(client, a.name).status_code == 200  # type: ignore[attr-defined]
    # only an admin may do it
    r = client.post(f"{API}/admin/users/{world['B'].id}/disable", headers=world["T"].h)
    assert r.status_code == 403


def test_idle_timeouts_partner_30_therapist_15_and_absolute_12h(
    world: World, client: TestClient, clock: Clock
) -> None:
    a, t = world["A"], world["T"]
    world.login(a)
    world.login(t)
    clock.advance(minutes=14)
    assert client.get(f"{API}/me", headers=t.h).status_code == 200
    assert client.get(f"{API}/me", headers=a.h).status_code == 200
    clock.advance(minutes=15, seconds=30)
    assert client.get(f"{API}/me", headers=t.h).status_code == 401  # therapist: 15 min idle
    assert client.get(f"{API}/me", headers=a.h).status_code == 200  # partner: still in
    clock.advance(minutes=31)
    assert client.get(f"{API}/me", headers=a.h).status_code == 401  # partner: 30 min idle
    world.login(a)
    for _ in range(12 * 3):  # active every 20 minutes for 12 hours
        clock.advance(minutes=20)
        if client.get(f"{API}/me", headers=a.h).status_code != 200:
            break
    assert client.get(f"{API}/me", headers=a.h).status_code == 401
    assert clock.now  # the absolute limit ended an active session


def test_list_and_revoke_own_sessions_only(world: World, client: TestClient) -> None:
    a, b = world["A"], world["B"]
    old = a.token
    world.login(a)
    rows = client.get(f"{API}/auth/sessions", headers=a.h).json()
    assert len(rows) == 2 and sum(r["current"] for r in rows) == 1
    other = next(r["id"] for r in rows if not r["current"])
    b_sessions = client.get(f"{API}/auth/sessions", headers=b.h).json()
    # B cannot revoke A's session: the same 404 as a missing one
    r1 = client.delete(f"{API}/auth/sessions/{other}", headers=b.h)
    r2 = client.delete(f"{API}/auth/sessions/00000000-0000-0000-0000-000000000000", headers=b.h)
    assert r1.status_code == r2.status_code == 404
    assert {k: v for k, v in r1.json()["error"].items() if k != "request_id"} == {
        k: v for k, v in r2.json()["error"].items() if k != "request_id"
    }
    assert client.delete(f"{API}/auth/sessions/{other}", headers=a.h).status_code == 204
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get(f"{API}/me", headers=a.h).status_code == 200
    assert len(b_sessions) == 1


def test_therapist_needs_totp_and_a_code_works_once(world: World, client: TestClient) -> None:
    t = world["T"]
    assert t.totp and t.totp.startswith("otpauth://totp/")
    assert login(client, t.name).status_code == 401  # type: ignore[attr-defined]
    world.clock.advance(seconds=31)
    code = world.code(t)
    assert login(client, t.name, totp=code).status_code == 200  # type: ignore[attr-defined]
    assert login(client, t.name, totp=code).status_code == 401  # type: ignore[attr-defined]
    bad = "000000" if code != "000000" else "111111"
    world.clock.advance(seconds=31)
    assert login(client, t.name, totp=bad).status_code == 401  # type: ignore[attr-defined]


def test_partners_have_no_totp(world: World) -> None:
    assert world["A"].totp is None


def test_throttling_grows_per_account_and_never_locks_out(
    world: World, client: TestClient, clock: Clock
) -> None:
    b = world["B"]
    waits = []
    for _ in range(8):
        r = login(client, b.name, "guessing wrong")
        if r.status_code == 429:  # type: ignore[attr-defined]
            waits.append(int(r.headers["Retry-After"]))  # type: ignore[attr-defined]
            clock.advance(seconds=waits[-1])
            r = login(client, b.name, "guessing wrong")
        assert r.status_code == 401  # type: ignore[attr-defined]
    assert waits == sorted(waits) and waits[-1] > waits[0] >= 1
    assert max(waits) <= 60
    # right password while throttled: wait, then it works (no lockout)
    r = login(client, b.name)
    assert r.status_code == 429  # type: ignore[attr-defined]
    clock.advance(seconds=int(r.headers["Retry-After"]))  # type: ignore[attr-defined]
    assert login(client, b.name).status_code == 200  # type: ignore[attr-defined]


def test_unknown_user_gets_same_answer_and_the_same_work(
    world: World, client: TestClient, ctx: Context
) -> None:
    known = login(client, world["A"].name, "wrong password!")
    unknown = login(client, "nobody-here", "wrong password!")
    assert known.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    strip = lambda r: {k: v for k, v in r.json()["error"].items() if k != "request_id"}  # noqa: E731
    assert strip(known) == strip(unknown)

    # The same time comes from the same work: one argon2id verification with the same
    # parameters, whether or not the account exists (no timing assertion: this machine is
    # shared and noisy).
    real = ctx.passwords._hasher
    seen: list[str] = []

    class Spy:
        def verify(self, stored: str, password: str) -> bool:
            seen.append(stored.split("$")[3])  # the "m=…,t=…,p=…" parameters
            return real.verify(stored, password)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    ctx.passwords._hasher = Spy()  # type: ignore[assignment]
    try:
        world.clock.advance(minutes=20)  # stay clear of the throttle
        login(client, world["A"].name, "wrong password!")
        world.clock.advance(minutes=20)
        login(client, "nobody-there", "wrong password!")
    finally:
        ctx.passwords._hasher = real
    assert len(seen) == 2 and seen[0] == seen[1]


def test_rehash_on_login_when_parameters_change(
    config: object, ctx: Context, client: TestClient
) -> None:
    world = World(client, ctx, ctx.config.clock)  # type: ignore[arg-type]
    a = world.add("A")
    with ctx.transaction() as db:
        before = db.get(User, a.id).password_hash  # type: ignore[union-attr]
    ctx.passwords = Passwords(
        type(ctx.config)(data_dir=ctx.config.data_dir, password=PasswordPolicy(memory_kib=2048))
    )
    world.login(a)
    with ctx.transaction() as db:
        after = db.get(User, a.id).password_hash  # type: ignore[union-attr]
    assert before != after and "m=1024" in before and "m=2048" in after
    assert PasswordHasher().verify(after, PASSWORD)


def test_cookie_sessions_are_host_secure_httponly_strict_and_need_csrf(
    world: World, ctx: Context
) -> None:
    browser = TestClient(create_app(ctx), base_url="https://testserver")
    a = world["A"]
    r = browser.post(
        f"{API}/auth/login", json={"username": a.name, "password": PASSWORD, "mode": "cookie"}
    )
    assert r.status_code == 200 and r.json()["token"] is None
    cookie = next(
        v
        for k, v in r.headers.multi_items()
        if k == "set-cookie" and "__Host-reattune_session" in v
    )
    low = cookie.lower()
    assert "secure" in low and "httponly" in low and "samesite=strict" in low and "path=/" in low
    assert "domain=" not in low
    csrf = r.json()["csrf_token"]
    assert browser.get(f"{API}/me").status_code == 200
    body = {"title": "x", "text": "y"}
    assert browser.post(f"{API}/items/prep", json=body).status_code == 403
    assert (
        browser.post(f"{API}/items/prep", json=body, headers={"X-CSRF-Token": "nope"}).status_code
        == 403
    )
    evil = {"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    assert browser.post(f"{API}/items/prep", json=body, headers=evil).status_code == 403
    good = {"X-CSRF-Token": csrf, "Origin": "https://testserver"}
    assert browser.post(f"{API}/items/prep", json=body, headers=good).status_code == 201
    # a bearer client needs no CSRF token (no ambient credentials to abuse)
    assert world.client.post(f"{API}/items/prep", json=body, headers=a.h).status_code == 201


def test_admin_role_cannot_be_self_registered(client: TestClient) -> None:
    r = client.post(
        f"{API}/auth/register", json={"username": "boss", "password": PASSWORD, "role": Role.ADMIN}
    )
    assert r.status_code == 422


def test_sign_in_hashes_outside_any_unit_of_work(world: World, ctx: Context) -> None:
    """argon2 takes ~50 ms of a core: run inside a unit of work it held up every request
    queued behind it. The verification (and a rehash) runs with no turn held."""
    client = world.client
    held: list[bool] = []
    real_verify, real_hash = ctx.passwords.verify, ctx.passwords.hash

    def holds_a_turn() -> bool:
        return any(lane._turns.holds() for lane in ctx.lanes)

    def verify(stored: str | None, password: str) -> bool:
        held.append(holds_a_turn())
        return real_verify(stored, password)

    def hash_(password: str) -> str:
        held.append(holds_a_turn())
        return real_hash(password)

    ctx.passwords.verify = verify  # type: ignore[method-assign]
    ctx.passwords.hash = hash_  # type: ignore[method-assign]
    ctx.passwords.needs_rehash = lambda stored: True  # type: ignore[method-assign]
    try:
        assert login(client, world["A"].name).status_code == 200  # type: ignore[attr-defined]
        assert login(client, "nobody-here", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    finally:
        del ctx.passwords.verify, ctx.passwords.hash, ctx.passwords.needs_rehash
    assert held == [False, False, False]  # verify + rehash, then the unknown name's verify


def test_a_guess_verified_while_other_guesses_failed_waits_like_them(
    world: World, ctx: Context
) -> None:
    """The throttle is checked again, with its counters locked, after the hash: guesses
    sent side by side all pass the first check, but once the failures of the others have
    counted up the wait, even a right password is answered 429 (nothing is revealed)."""
    from datetime import timedelta

    from reattune.storage.tables import Throttle

    client = world.client
    name = world["A"].name
    real_verify = ctx.passwords.verify

    def verify(stored: str | None, password: str) -> bool:
        # meanwhile, other guesses failed and the account must wait
        with ctx.transaction() as db:
            key = ctx.pseudonym("acct", name)
            now = ctx.now()
            db.add(
                Throttle(
                    key=key, failures=5, next_allowed_at=now + timedelta(seconds=4), updated_at=now
                )
            )
        return real_verify(stored, password)

    ctx.passwords.verify = verify  # type: ignore[method-assign]
    try:
        r = login(client, name)
    finally:
        del ctx.passwords.verify
    assert r.status_code == 429 and r.headers["retry-after"] == "4"  # type: ignore[attr-defined]
    with ctx.transaction() as db:
        row = db.get(Throttle, ctx.pseudonym("acct", name))
        assert row is not None and row.failures == 5  # not counted again, not reset
    ctx.config.clock.advance(seconds=5)  # type: ignore[attr-defined]
    assert login(client, name).status_code == 200  # type: ignore[attr-defined]
