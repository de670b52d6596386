"""Registration, sign-in and sessions, one's own account, and administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from reattune.api.deps import CSRF_COOKIE, SESSION_COOKIE, Auth, Ctx, address_of
from reattune.api.schemas import (
    ConfirmIn,
    ExportOut,
    ItemOut,
    LoginIn,
    LoginOut,
    PasswordIn,
    RegisteredOut,
    RegisterIn,
    SessionOut,
    UserOut,
)
from reattune.service import accounts, items
from reattune.storage.tables import User

router = APIRouter(tags=["accounts"])
Id = Annotated[str, Path(min_length=1, max_length=64)]


def _clear_cookies(response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
def register(body: RegisterIn, ctx: Ctx) -> RegisteredOut:
    """Create a partner or therapist account. A therapist receives a TOTP provisioning URI
    once, and needs its codes at every sign-in."""
    with ctx.transaction() as db:
        done = accounts.register(
            ctx, db, username=body.username, password=body.password, role=body.role
        )
        return RegisteredOut(**UserOut.of(done.user).model_dump(), totp_uri=done.totp_uri)


@router.post("/auth/login")
def login(body: LoginIn, request: Request, response: Response, ctx: Ctx) -> LoginOut:
    """Sign in. ``mode: cookie`` sets ``__Host-`` cookies (Secure, HttpOnly, SameSite=Strict)
    and returns only the CSRF token; ``mode: bearer`` returns the token. Too many failures
    answer 429 with ``Retry-After`` — a growing wait, never a lockout."""
    new = accounts.login(  # its own units of work, argon2 between them
        ctx,
        username=body.username,
        password=body.password,
        totp=body.totp,
        address=address_of(request),
        via=body.mode,
    )
    if body.mode == "cookie":
        response.set_cookie(
            SESSION_COOKIE, new.token, path="/", secure=True, httponly=True, samesite="strict"
        )
        response.set_cookie(
            CSRF_COOKIE, new.csrf_token, path="/", secure=True, httponly=False, samesite="strict"
        )
    return LoginOut(
        session_id=new.row.id,
        token=new.token if body.mode == "bearer" else None,
        csrf_token=new.csrf_token,
        expires_at=new.row.expires_at,
        idle_timeout_seconds=new.row.idle_seconds,
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(auth: Auth, response: Response) -> None:
    """End every session of the account, on every device."""
    with auth.transaction() as (db, caller):
        accounts.logout(auth.ctx, db, caller)
    _clear_cookies(response)


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordIn, auth: Auth, response: Response) -> None:
    """Change the password; every session ends (sign in again)."""
    with auth.transaction() as (db, caller):
        accounts.change_password(
            auth.ctx, db, caller, current=body.current_password, new=body.new_password
        )
    _clear_cookies(response)


@router.get("/auth/sessions")
def sessions(auth: Auth) -> list[SessionOut]:
    with auth.transaction() as (db, caller):
        rows = accounts.list_sessions(auth.ctx, db, caller)
        return [SessionOut.of(s, caller.session_id) for s in rows]


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: Id, auth: Auth) -> None:
    with auth.transaction() as (db, caller):
        accounts.revoke_session(auth.ctx, db, caller, session_id)


@router.get("/me")
def me(auth: Auth) -> UserOut:
    with auth.transaction() as (db, caller):
        return UserOut.of(accounts.own_account(auth.ctx, db, caller))


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def delete_me(body: ConfirmIn, auth: Auth, response: Response) -> None:
    """Delete the account and everything it owns or that was derived from it."""
    with auth.transaction() as (db, caller):
        accounts.delete_account(auth.ctx, db, caller, password=body.password)
    _clear_cookies(response)


@router.get("/me/export")
def export(auth: Auth) -> ExportOut:
    """Everything one owns, decrypted (audited as an export)."""
    with auth.transaction() as (db, caller):
        user = db.get(User, caller.user_id)
        assert user is not None
        owned = items.export_own(auth.ctx, db, caller)
        return ExportOut(user=UserOut.of(user), items=[ItemOut.of(v) for v in owned])


@router.get("/admin/users", tags=["admin"])
def list_users(auth: Auth) -> list[UserOut]:
    with auth.transaction() as (db, caller):
        return [UserOut.of(u) for u in accounts.list_users(auth.ctx, db, caller)]


@router.post("/admin/users/{user_id}/disable", tags=["admin"])
def disable_user(user_id: Id, auth: Auth) -> UserOut:
    """Disable an account: all its sessions end at once."""
    with auth.transaction() as (db, caller):
        return UserOut.of(accounts.set_disabled(auth.ctx, db, caller, user_id, True))


@router.post("/admin/users/{user_id}/enable", tags=["admin"])
def enable_user(user_id: Id, auth: Auth) -> UserOut:
    with auth.transaction() as (db, caller):
        return UserOut.of(accounts.set_disabled(auth.ctx, db, caller, user_id, False))
