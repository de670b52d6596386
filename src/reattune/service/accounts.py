"""Accounts and sessions: registration, sign-in with throttling and a second factor for
clinicians, server-side sessions with idle and absolute timeouts, password change, disable,
deletion of an account with everything it owns."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from reattune.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidRequestError,
    NotAuthenticatedError,
    TooManyAttemptsError,
)
from reattune.service.core import Caller, Context, Role
from reattune.storage.tables import SessionRow, Throttle, User, new_id

__all__ = [
    "NewSession",
    "authenticate",
    "change_password",
    "delete_account",
    "list_sessions",
    "login",
    "logout",
    "register",
    "revoke_session",
    "set_disabled",
]

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
FREE_FAILURES = 3
ACCOUNT_CAP = timedelta(seconds=60)
ADDRESS_CAP = timedelta(minutes=15)
LOGIN_FAILED = "the username, password or code is not right"
TOTP_ISSUER = "reattune"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_username(name: str) -> str:
    name = name.strip().lower()
    if not USERNAME.match(name):
        raise InvalidRequestError(
            "that username cannot be used",
            expected="3-64 characters: letters, digits, '.', '_' or '-'",
        )
    return name


def _check_password(ctx: Context, password: str) -> None:
    if len(password) < ctx.passwords.min_length:
        raise InvalidRequestError(
            "the password is too short", expected=f"at least {ctx.passwords.min_length} characters"
        )


@dataclass(frozen=True, slots=True)
class Registered:
    user: User
    totp_uri: str | None


def register(
    ctx: Context, db: Session, *, username: str, password: str, role: str, actor: str | None = None
) -> Registered:
    """A new account. Therapists and admins get a TOTP secret, shown once (as a
    provisioning URI for an authenticator app) and required at every sign-in."""
    if role not in Role.ALL:
        raise InvalidRequestError(f"unknown role {role!r}", expected=", ".join(Role.ALL))
    name = normalize_username(username)
    _check_password(ctx, password)
    if db.execute(select(User.id).where(User.username == name)).first() is not None:
        raise ConflictError("that username is taken")
    uid = new_id()
    rk, dek = ctx.new_key("users", uid)
    user = User(
        id=uid,
        username=name,
        role=role,
        password_hash=ctx.passwords.hash(password),
        disabled=False,
        created_at=ctx.now(),
        kek_id=rk.kek_id,
        wrapped_key=rk.wrapped,
    )
    uri = None
    if role in Role.CLINICAL:
        secret = pyotp.random_base32()
        user.totp_secret_enc = ctx.keys.seal(
            dek, secret.encode(), table="users", column="totp_secret", row=uid, owner=uid
        )
        uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)
    db.add(user)
    db.flush()
    ctx.record(db, actor or uid, "account.create", "user", uid)
    return Registered(user, uri)


def totp_secret(ctx: Context, user: User) -> str | None:
    if user.totp_secret_enc is None:
        return None
    dek = ctx.data_key("users", user.id, user.kek_id, user.wrapped_key)
    raw = ctx.keys.open(
        dek, user.totp_secret_enc, table="users", column="totp_secret", row=user.id, owner=user.id
    )
    return raw.decode()


def _totp_step(ctx: Context, user: User, code: str | None) -> int | None:
    """The time step the code belongs to (±1 step of drift), or None. A step already used
    is refused, so an observed code cannot be replayed."""
    secret = totp_secret(ctx, user)
    if secret is None or not code:
        return None
    totp = pyotp.TOTP(secret)
    now = ctx.now().timestamp()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        step = int(at // totp.interval)
        if secrets.compare_digest(totp.at(at), code) and step > (user.totp_last_step or -1):
            return step
    return None


# --- throttling ---------------------------------------------------------------------------


def _throttle_rows(db: Session, keys: list[str], now: datetime) -> list[Throttle]:
    """The counters for ``keys`` (new ones if missing), locked until the unit of work's
    transaction ends, so two sign-ins never both count from the same value."""
    rows = []
    for key in keys:
        row = db.get(Throttle, key, with_for_update=True)
        if row is None:
            row = Throttle(key=key, failures=0, next_allowed_at=now, updated_at=now)
            db.add(row)
        rows.append(row)
    return rows


def _refuse_if_waiting(db: Session, keys: list[str], now: datetime) -> None:
    """429 with ``Retry-After`` while any of the counters says wait."""
    rows = db.execute(select(Throttle.next_allowed_at).where(Throttle.key.in_(keys))).scalars()
    waiting = max((at for at in rows), default=now)
    if waiting > now:
        raise TooManyAttemptsError(
            "too many sign-in attempts; wait a little and try again",
            retry_after=max(1, math.ceil((waiting - now).total_seconds())),
        )


def _wait(failures: int, cap: timedelta) -> timedelta:
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(cap, timedelta(seconds=2 ** (failures - FREE_FAILURES)))


@dataclass(frozen=True, slots=True)
class NewSession:
    row: SessionRow
    token: str
    csrf_token: str
    user: User


def login(
    ctx: Context,
    *,
    username: str,
    password: str,
    totp: str | None,
    address: str,
    via: str,
) -> NewSession:
    """Sign in. Failures count per account name and per address; past three, each one
    doubles the wait before the next try (capped at a minute per account and fifteen per
    address): a partner hammering the other's account slows guessing but cannot lock them
    out. Unknown names spend the same argon2 time and get the same answer.

    Three steps, so that argon2 (~50 ms of a core) runs outside any unit of work: units of
    work take turns (``Context.transaction``), and a hash inside one held up every request
    behind it. (1) a unit of work checks the throttle and reads the stored hash; (2) the
    password is verified (against a dummy hash for an unknown name) and, when the
    parameters changed, hashed again; (3) a second unit of work locks the counters, checks
    the throttle again — a guess verified while other guesses failed waits like them, so
    parallel guesses gain nothing — and records the outcome, refusing if the stored hash
    changed meanwhile (a password change)."""
    name = username.strip().lower()
    keys = [ctx.pseudonym("acct", name), ctx.pseudonym("addr", address)]
    with ctx.transaction() as db:
        _refuse_if_waiting(db, keys, ctx.now())
        stored = db.execute(
            select(User.password_hash).where(User.username == name)
        ).scalar_one_or_none()
    ok = ctx.passwords.verify(stored, password)
    rehashed = None
    if ok and stored is not None and ctx.passwords.needs_rehash(stored):
        rehashed = ctx.passwords.hash(password)
    with ctx.transaction() as db:
        return _finish_login(ctx, db, name, keys, stored, ok, rehashed, totp, via, ctx.now())


def _finish_login(
    ctx: Context,
    db: Session,
    name: str,
    keys: list[str],
    stored: str | None,
    ok: bool,
    rehashed: str | None,
    totp: str | None,
    via: str,
    now: datetime,
) -> NewSession:
    """Step 3 of :func:`login`, inside its second unit of work."""
    acct, addr = _throttle_rows(db, keys, now)
    waiting = max(acct.next_allowed_at, addr.next_allowed_at)
    if waiting > now:  # counted up by another sign-in since the check above
        raise TooManyAttemptsError(
            "too many sign-in attempts; wait a little and try again",
            retry_after=max(1, math.ceil((waiting - now).total_seconds())),
        )
    user = db.execute(select(User).where(User.username == name)).scalar_one_or_none()
    ok = ok and user is not None and user.password_hash == stored
    step = None
    if ok and user is not None and user.role in Role.CLINICAL:
        step = _totp_step(ctx, user, totp)
        ok = step is not None
    if not ok or user is None or user.disabled:
        for counter, cap in ((acct, ACCOUNT_CAP), (addr, ADDRESS_CAP)):
            counter.failures += 1
            counter.next_allowed_at = now + _wait(counter.failures, cap)
            counter.updated_at = now
        ctx.record(db, user.id if user else None, "login", "user", None, "failed")
        db.commit()
        raise NotAuthenticatedError(LOGIN_FAILED)
    if acct in db.new:
        db.expunge(acct)
    else:
        db.delete(acct)
    addr.failures = max(0, addr.failures - FREE_FAILURES)
    addr.next_allowed_at, addr.updated_at = now, now
    if step is not None:
        user.totp_last_step = step
    if rehashed is not None:
        user.password_hash = rehashed
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    idle = ctx.config.clinician_idle if user.role in Role.CLINICAL else ctx.config.partner_idle
    row = SessionRow(
        id=new_id(),
        user_id=user.id,
        token_hash=token_hash(token),
        csrf_hash=token_hash(csrf),
        via=via,
        created_at=now,
        last_seen_at=now,
        idle_seconds=int(idle.total_seconds()),
        expires_at=now + ctx.config.absolute_session,
    )
    db.add(row)
    ctx.record(db, user.id, "login", "session", row.id)
    return NewSession(row, token, csrf, user)


_SESSIONS = SessionRow.__table__.c
# Built once (every request runs them; building a statement costs more than running it).
_SESSION_BY_TOKEN = (
    select(
        SessionRow.id,
        SessionRow.via,
        SessionRow.last_seen_at,
        SessionRow.idle_seconds,
        SessionRow.expires_at,
        User.id,
        User.role,
        User.disabled,
    )
    .outerjoin(User, User.id == SessionRow.user_id)
    .where(SessionRow.token_hash == bindparam("token_hash"))
)
_END_SESSION = delete(SessionRow).where(SessionRow.id == bindparam("session_id"))
_TOUCH_SESSION = (
    update(SessionRow)
    .where(SessionRow.id == bindparam("session_id"))
    .values(last_seen_at=bindparam("seen", type_=_SESSIONS.last_seen_at.type))
    .execution_options(synchronize_session=False)
)


def authenticate(ctx: Context, db: Session, token: str, *, via: str) -> Caller:
    """The caller behind a session token; expired sessions are removed. One query (the
    session with its user's role and state) on every request, and a write only when the
    session was last touched more than 30 s ago."""
    now = ctx.now()
    found = db.execute(_SESSION_BY_TOKEN, {"token_hash": token_hash(token)}).one_or_none()
    if found is None or found[1] != via:
        raise NotAuthenticatedError("sign in first")
    session_id, _, last_seen, idle_seconds, expires_at, user_id, role, disabled = found
    idle_over = now - last_seen > timedelta(seconds=idle_seconds)
    if user_id is None or disabled or idle_over or now >= expires_at:
        db.execute(_END_SESSION, {"session_id": session_id})
        db.commit()
        raise NotAuthenticatedError("the session has ended; sign in again")
    if now - last_seen > timedelta(seconds=30):
        db.execute(_TOUCH_SESSION, {"session_id": session_id, "seen": now})
    return Caller(user_id, role, session_id, via)


def check_csrf(ctx: Context, db: Session, caller: Caller, token: str | None) -> bool:
    row = db.get(SessionRow, caller.session_id)
    return (
        row is not None
        and token is not None
        and secrets.compare_digest(row.csrf_hash, token_hash(token))
    )


def _end_all(db: Session, user_id: str) -> int:
    result = db.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def logout(ctx: Context, db: Session, caller: Caller) -> None:
    """Ends every session of the account (all devices)."""
    _end_all(db, caller.user_id)
    ctx.record(db, caller.user_id, "logout", "user", caller.user_id)


def change_password(ctx: Context, db: Session, caller: Caller, *, current: str, new: str) -> None:
    user = db.get(User, caller.user_id)
    assert user is not None
    if not ctx.passwords.verify(user.password_hash, current):
        ctx.record(db, caller.user_id, "password.change", "user", caller.user_id, "failed")
        db.commit()
        raise NotAuthenticatedError("the current password is not right")
    _check_password(ctx, new)
    user.password_hash = ctx.passwords.hash(new)
    _end_all(db, user.id)
    ctx.record(db, caller.user_id, "password.change", "user", caller.user_id)


def own_account(ctx: Context, db: Session, caller: Caller) -> User:
    """The caller's own account (a read like any other: audited)."""
    user = db.get(User, caller.user_id)
    if user is None:  # the session outlived its account: treated as signed out
        raise ctx.deny(db, caller, "read", "user", caller.user_id)
    ctx.record(db, caller.user_id, "read", "user", caller.user_id)
    return user


def list_sessions(ctx: Context, db: Session, caller: Caller) -> list[SessionRow]:
    rows = db.execute(
        select(SessionRow)
        .where(SessionRow.user_id == caller.user_id)
        .order_by(SessionRow.created_at, SessionRow.id)
    ).scalars()
    ctx.record(db, caller.user_id, "read", "sessions", caller.user_id)
    return list(rows)


def revoke_session(ctx: Context, db: Session, caller: Caller, session_id: str) -> None:
    row = db.get(SessionRow, session_id)
    if row is None or row.user_id != caller.user_id:
        raise ctx.deny(db, caller, "session.revoke", "session", session_id)
    db.delete(row)
    ctx.record(db, caller.user_id, "session.revoke", "session", session_id)


def require_admin(caller: Caller) -> None:
    if caller.role != Role.ADMIN:
        raise AccessDeniedError("only an administrator may do this")


def list_users(ctx: Context, db: Session, caller: Caller) -> list[User]:
    require_admin(caller)
    ctx.record(db, caller.user_id, "read", "users")
    return list(db.execute(select(User).order_by(User.username)).scalars())


def set_disabled(ctx: Context, db: Session, caller: Caller, user_id: str, disabled: bool) -> User:
    """Disable (ending every session at once) or enable an account."""
    require_admin(caller)
    user = db.get(User, user_id)
    if user is None:
        raise ctx.deny(db, caller, "account.disable", "user", user_id)
    if user.id == caller.user_id:
        raise ConflictError("an administrator cannot disable their own account")
    user.disabled = disabled
    if disabled:
        _end_all(db, user.id)
    ctx.record(
        db, caller.user_id, "account.disable" if disabled else "account.enable", "user", user_id
    )
    return user


def delete_account(ctx: Context, db: Session, caller: Caller, *, password: str) -> None:
    """Remove the account and everything it owns or that was derived from it: sessions,
    items with their analyses, invitations, the couple (the partner's items stay theirs,
    unshared), throttle counters. The audit trail keeps the account's id, never content."""
    user = db.get(User, caller.user_id)
    assert user is not None
    if not ctx.passwords.verify(user.password_hash, password):
        ctx.record(db, caller.user_id, "account.delete", "user", caller.user_id, "failed")
        db.commit()
        raise NotAuthenticatedError("the password is not right")
    from reattune.service.couples import dissolve_for

    dissolve_for(db, user.id)
    db.execute(delete(Throttle).where(Throttle.key == ctx.pseudonym("acct", user.username)))
    db.delete(user)
    db.flush()
    ctx.record(db, caller.user_id, "account.delete", "user", caller.user_id)


def now_iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
