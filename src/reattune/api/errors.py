"""The API's edge: catalogued errors become HTTP statuses with a JSON body; validation errors
name the fields, never the values sent (they may be personal)."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reattune.errors import (
    AccessDeniedError,
    AuditChainError,
    ConflictError,
    DecryptionError,
    InputError,
    InvalidRequestError,
    NotAuthenticatedError,
    NotFoundError,
    PayloadTooLargeError,
    ReattuneError,
    RoleMappingError,
    SettingsError,
    TooManyAttemptsError,
)

__all__ = ["install_error_handlers", "status_for"]

STATUS: tuple[tuple[type[ReattuneError], int], ...] = (
    (NotFoundError, 404),
    (NotAuthenticatedError, 401),
    (AccessDeniedError, 403),
    (ConflictError, 409),
    (InvalidRequestError, 422),
    (TooManyAttemptsError, 429),
    (PayloadTooLargeError, 413),
    (DecryptionError, 500),
    (AuditChainError, 500),
    (InputError, 422),
    (RoleMappingError, 422),
    (SettingsError, 422),
)

_HTTP_CODES = {
    400: ("E405", "invalid request"),
    401: ("E402", "sign-in needed"),
    403: ("E403", "not allowed"),
    404: ("E401", "not found"),
    405: ("E310", "method not allowed"),
    413: ("E407", "request too large"),
}


def status_for(exc: ReattuneError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


MethodTable = tuple[dict[str, frozenset[str]], list[tuple[re.Pattern[str], frozenset[str]]]]


def _method_table(app: FastAPI) -> MethodTable:
    """The methods of each documented path, from the OpenAPI document (HEAD wherever GET is:
    Starlette answers it): concrete paths by name, templated ones as patterns."""
    concrete: dict[str, frozenset[str]] = {}
    templated: list[tuple[re.Pattern[str], frozenset[str]]] = []
    for path, operations in app.openapi().get("paths", {}).items():
        methods = {m.upper() for m in operations}
        if "GET" in methods:
            methods.add("HEAD")
        parts = re.split(r"\{[^/{}]+\}", path)
        if len(parts) == 1:
            concrete[path] = frozenset(methods)
        else:
            pattern = "[^/]+".join(re.escape(part) for part in parts)
            templated.append((re.compile(f"^{pattern}$"), frozenset(methods)))
    return concrete, templated


def allowed_methods(request: Request) -> str:
    """The methods of the requested resource (``Allow`` on a 405). Starlette names only the
    methods of the first route whose path matched, but one path may be served by several
    routes (``GET /me`` and ``DELETE /me``). As in OpenAPI, a concrete path is the resource
    when it exists (``/items/prep``), before any template that also matches it
    (``/items/{item_id}``)."""
    app: FastAPI = request.app
    table: MethodTable | None = getattr(app.state, "method_table", None)
    if table is None:
        table = app.state.method_table = _method_table(app)
    concrete, templated = table
    path = request.url.path
    if path in concrete:
        return ", ".join(sorted(concrete[path]))
    methods: set[str] = set()
    for pattern, answered in templated:
        if pattern.match(path):
            methods |= answered
    return ", ".join(sorted(methods))


def _request_id(request: Request) -> str | None:
    rid = request.scope.get("state", {}).get("request_id")
    return rid if isinstance(rid, str) else None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReattuneError)
    async def catalogued(request: Request, exc: ReattuneError) -> JSONResponse:
        status = status_for(exc)
        body = {
            "code": exc.code if status != 500 else "E500",
            "title": exc.title if status != 500 else "internal error",
            "message": exc.message if status != 500 else "something went wrong on our side",
            "expected": exc.expected if status != 500 else None,
            "request_id": _request_id(request),
        }
        if isinstance(exc, InputError | RoleMappingError):
            body["message"] = f"{exc.message}" + (f" (line {exc.line})" if exc.line else "")
        headers = {}
        if isinstance(exc, TooManyAttemptsError):
            headers["Retry-After"] = str(exc.retry_after)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse({"error": body}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
        body = {
            "code": "E405",
            "title": "invalid request",
            "message": "some fields are missing, unknown or out of bounds",
            "fields": fields[:20],
            "request_id": _request_id(request),
        }
        return JSONResponse({"error": body}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _HTTP_CODES.get(exc.status_code, ("E400", "request refused"))
        body = {
            "code": code,
            "title": title,
            "message": title,
            "request_id": _request_id(request),
        }
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return JSONResponse({"error": body}, status_code=exc.status_code, headers=headers)
