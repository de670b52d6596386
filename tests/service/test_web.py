"""Security headers on every response (errors and 500s too), body limits, no tracebacks,
no third-party pages."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from reattune.api.app import create_app
from reattune.service.core import Context
from tests.service.conftest import API, World

EXPECTED = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _secured(r: object) -> None:
    for name, value in EXPECTED.items():
        assert r.headers[name] == value, name  # type: ignore[attr-defined]
    assert r.headers["x-request-id"]  # type: ignore[attr-defined]


def test_headers_on_success_and_every_kind_of_error(world: World, client: TestClient) -> None:
    h = world["A"].h
    responses = [
        client.get(f"{API}/me", headers=h),
        client.get(f"{API}/me"),  # 401
        client.get(f"{API}/admin/users", headers=h),  # 403
        client.get(f"{API}/items/nope", headers=h),  # 404
        client.get(f"{API}/no/such/route"),  # 404 from the router
        client.put(f"{API}/me", headers=h),  # 405
        client.post(f"{API}/items/prep", json={"title": 1}, headers=h),  # 422
        client.post(
            f"{API}/items/prep", content=b"{", headers={**h, "content-type": "application/json"}
        ),
    ]
    statuses = [r.status_code for r in responses]
    assert statuses[:6] == [200, 401, 403, 404, 404, 405] and statuses[6] == 422
    for r in responses:
        _secured(r)
        if r.status_code >= 400:
            assert r.json()["error"]["code"].startswith("E")


def test_a_crash_is_a_generic_500_with_headers_and_no_traceback(ctx: Context) -> None:
    app = create_app(ctx)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret personal words in an exception")

    r = TestClient(app, base_url="https://testserver", raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    _secured(r)
    body = r.json()["error"]
    assert body["code"] == "E500" and body["request_id"] == r.headers["x-request-id"]
    assert "secret" not in r.text and "Traceback" not in r.text


def test_body_limits_json_1mb_upload_50mb(world: World, ctx: Context) -> None:
    h = world["A"].h
    client = TestClient(create_app(ctx), base_url="https://testserver")
    big = b'{"title": "t", "text": "' + b"x" * (1024 * 1024) + b'"}'
    r = client.post(
        f"{API}/items/prep", content=big, headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "E407"
    _secured(r)
    # a streamed body without Content-Length is counted too
    r = client.post(
        f"{API}/items/prep",
        content=iter([b'{"title": "t", "text": "', b"x" * (1024 * 1024), b'"}']),
        headers={**h, "content-type": "application/json"},
    )
    assert r.status_code == 413
    # uploads: the limit is 50 MB; a smaller limit keeps the test light
    small = dataclasses.replace(ctx.config, upload_limit=100_000)
    ctx.config = small
    client = TestClient(create_app(ctx), base_url="https://testserver")
    r = client.post(
        f"{API}/items/conversations",
        files={"file": ("big.txt", b"a: b\n" * 60_000)},
        data={"me": "a"},
        headers=h,
    )
    assert r.status_code == 413
    _secured(r)


def test_openapi_is_served_and_no_third_party_pages(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    assert spec["info"]["title"] == "reattune" and len(spec["paths"]) >= 25
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert "cdn" not in client.get(f"{API}/openapi.json").text.lower()


def test_every_request_string_is_bounded(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    unbounded = []

    def walk(schema: dict[str, object], where: str) -> None:
        bounded = {"maxLength", "enum", "const", "contentMediaType"} & set(schema)
        if schema.get("type") == "string" and not bounded and schema.get("format") != "binary":
            unbounded.append(where)
        for key in ("properties",):
            for name, sub in (schema.get(key) or {}).items():  # type: ignore[attr-defined]
                walk(sub, f"{where}.{name}")
        for key in ("anyOf", "allOf", "oneOf"):
            for i, sub in enumerate(schema.get(key) or []):  # type: ignore[arg-type]
                walk(sub, f"{where}[{i}]")
        for key in ("items", "additionalProperties", "propertyNames"):
            sub = schema.get(key)
            if isinstance(sub, dict):
                walk(sub, f"{where}.{key}")

    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("In") or name.startswith("Body_"):
            walk(schema, name)
            if name.endswith("In"):
                assert schema.get("additionalProperties") is False, name
    for path, ops in spec["paths"].items():
        for op in ops.values():
            for p in op.get("parameters", []):
                walk(p["schema"], f"{path}:{p['name']}")
    assert unbounded == []
