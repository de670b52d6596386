"""Dependencies: the service context and the caller's credentials. A route opens one
transaction with :meth:`Auth.transaction`, which authenticates the session, checks CSRF for
cookie-authenticated changes, and yields the database session and the caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from reattune.errors import AccessDeniedError, NotAuthenticatedError
from reattune.service import accounts
from reattune.service.core import Caller, Context

__all__ = ["CSRF_HEADER", "SESSION_COOKIE", "Auth", "Ctx", "address_of"]

SESSION_COOKIE = "__Host-reattune_session"
CSRF_COOKIE = "__Host-reattune_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _context_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def get_context(request: Request) -> Context:
    """``async`` because it does no I/O: FastAPI runs a plain ``def`` dependency in its
    thread pool, a hop (thread wake-ups, the interpreter lock changing hands) that cost
    more than the dependency itself on every request."""
    return _context_of(request)


Ctx = Annotated[Context, Depends(get_context)]


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True, slots=True)
class Credentials:
    ctx: Context
    token: str | None
    via: str
    csrf: str | None
    origin: str | None
    host: str | None
    unsafe: bool

    @contextmanager
    def transaction(self) -> Iterator[tuple[Session, Caller]]:
        with self.ctx.transaction(key=self.token) as db:
            if not self.token:
                raise NotAuthenticatedError("sign in first")
            caller = accounts.authenticate(self.ctx, db, self.token, via=self.via)
            if self.via == "cookie" and self.unsafe:
                self._check_csrf(db, caller)
            yield db, caller

    def _check_csrf(self, db: Session, caller: Caller) -> None:
        """Cookie-authenticated changes need the session's CSRF token in ``X-CSRF-Token``
        (a synchronizer token, checked against its hash) and, when the browser sends an
        ``Origin``, one equal to this host."""
        if self.origin is not None and (
            self.host is None or urlsplit(self.origin).netloc != self.host
        ):
            raise AccessDeniedError("cross-site request refused")
        if not accounts.check_csrf(self.ctx, db, caller, self.csrf):
            raise AccessDeniedError("missing or wrong CSRF token")


async def credentials(request: Request) -> Credentials:
    """The credentials a request carries (``async``: no I/O, so no thread-pool hop; see
    :func:`get_context`)."""
    ctx = _context_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        token: str | None = value.strip()
        via = "bearer"
    else:
        token = request.cookies.get(SESSION_COOKIE)
        via = "cookie"
    return Credentials(
        ctx=ctx,
        token=token,
        via=via,
        csrf=request.headers.get(CSRF_HEADER),
        origin=request.headers.get("origin"),
        host=request.headers.get("host"),
        unsafe=request.method not in SAFE_METHODS,
    )


Auth = Annotated[Credentials, Depends(credentials)]
