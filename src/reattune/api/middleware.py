"""The outer ring of the app (plain ASGI, outside FastAPI's routing): a request id, the
security headers on every response (errors and 500s too), body limits, and the generic
500 that replaces any traceback."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SECURITY_HEADERS", "ServiceEdge"]

log = logging.getLogger("reattune.api")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
_REPLACED = {name for name, _ in SECURITY_HEADERS}


class _BodyTooLargeError(Exception):
    pass


def error_body(code: str, title: str, message: str, request_id: str) -> bytes:
    return json.dumps(
        {"error": {"code": code, "title": title, "message": message, "request_id": request_id}}
    ).encode()


class ServiceEdge:
    def __init__(self, app: ASGIApp, *, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        headers = dict(scope.get("headers", []))
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        limit = self.upload_limit if ctype == b"multipart/form-data" else self.json_limit
        started = False
        overflow = False
        replaced = False

        async def secure(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                message["headers"] = [
                    *kept,
                    *SECURITY_HEADERS,
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        async def plain(status: int, body: bytes) -> None:
            await secure(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await secure({"type": "http.response.body", "body": body})

        async def send_secured(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return
            if overflow and message["type"] == "http.response.start" and not started:
                # The framework turned the aborted read into its own error: answer 413.
                replaced = True
                await plain(413, too_large)
                return
            await secure(message)

        too_large = error_body(
            "E407", "request too large", f"the body may be at most {limit} bytes", request_id
        )
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await plain(413, too_large)
                    return
            except ValueError:
                await plain(
                    400, error_body("E405", "invalid request", "bad Content-Length", request_id)
                )
                return

        received = 0

        async def counted() -> Message:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflow = True
                    raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, send_secured)
        except _BodyTooLargeError:
            if not started:
                await plain(413, too_large)
        except Exception as exc:
            # The type and the request id only: the message could quote personal data.
            log.error("request %s failed: %s", request_id, type(exc).__name__)
            if not started:
                await plain(
                    500,
                    error_body(
                        "E500",
                        "internal error",
                        "something went wrong on our side; nothing you sent is shown here",
                        request_id,
                    ),
                )

    @staticmethod
    def state(scope: Scope) -> dict[str, Any]:
        state: dict[str, Any] = scope.get("state", {})
        return state
