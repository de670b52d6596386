"""Fuzzing: schemathesis generates requests for every operation of the OpenAPI document and
sends them to the real server (``reattune serve`` in a child process, SQLite). 0 server errors
(5xx) and 0 responses that break the schema: every built-in check must pass.

Bounded and reproducible for CI: a few examples per operation, derandomized (the same
requests every run), no example database. Operations run both anonymously and as a signed-in
partner (a bearer token), so what lies behind authentication is fuzzed too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("schemathesis", reason="the dev extra is not installed")

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.service.conftest import API, PASSWORD
from tests.service.live import LiveServer

MAX_EXAMPLES = 8


class Partner:
    """A signed-in partner; signs in again when a fuzzed request ended its sessions (logout,
    or a lucky password change). It talks from 127.0.0.2: the fuzzer's failed sign-ins from
    127.0.0.1 slow that address down (429, by design), and this is another client."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(
            base_url=base,
            timeout=30,
            transport=httpx.HTTPTransport(local_address="127.0.0.2"),
        )
        self.name = f"fuzz-{uuid.uuid4().hex[:8]}"
        r = self.http.post(
            f"{API}/auth/register", json={"username": self.name, "password": PASSWORD}
        )
        assert r.status_code == 201, r.text
        self.token = ""
        self.login()

    def login(self) -> None:
        r = self.http.post(f"{API}/auth/login", json={"username": self.name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.token = r.json()["token"]

    def still_signed_in(self) -> None:
        if self.http.get(f"{API}/me", headers=self.headers).status_code == 401:
            self.login()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(Path(tmp_path_factory.mktemp("fuzz")) / "data", workers=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def live_api(live: LiveServer) -> Any:
    return schemathesis.openapi.from_url(f"{live.url}{API}/openapi.json")


@pytest.fixture(scope="module")
def partner(live: LiveServer) -> Iterator[Partner]:
    p = Partner(live.url)
    yield p
    p.http.close()


UPLOAD = "/api/v1/items/conversations"


def _excluded(case: Any) -> list[Any]:
    """A conversation upload is schema-valid whatever bytes the file holds, but the service
    answers 422 to a file it cannot read as a chat (the schema cannot say what a readable
    WhatsApp export is): there, "valid data is accepted" does not apply."""
    return [positive_data_acceptance] if case.operation.path == UPLOAD else []


schema = schemathesis.pytest.from_fixture("live_api")


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_anonymous_requests(case: Any, live: LiveServer) -> None:
    case.call_and_validate(base_url=live.url, excluded_checks=_excluded(case))


@schema.parametrize()
@FUZZ
def test_signed_in_partner_requests(case: Any, live: LiveServer, partner: Partner) -> None:
    try:
        case.call_and_validate(
            base_url=live.url, headers=partner.headers, excluded_checks=_excluded(case)
        )
    finally:
        partner.still_signed_in()
