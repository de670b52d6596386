"""What the fuzzer found (``test_fuzz.py``), each kept fixed here without a live server:
the OpenAPI document must describe exactly what the service accepts, and a 405 must name
every method of its path."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from reattune.errors import InvalidRequestError
from reattune.safety.screening import instrument_ids, load_instrument
from reattune.service.accounts import normalize_username
from reattune.service.core import Context
from tests.service.conftest import API, Clock, Person, World


@pytest.fixture
def alice(client: TestClient, ctx: Context, clock: Clock) -> Person:
    return World(client, ctx, clock).add("A")


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get(f"{API}/openapi.json").json()
    return spec


def test_405_names_every_method_of_the_path(client: TestClient) -> None:
    # GET /me and DELETE /me are two routes; Starlette named only the first one's methods
    r = client.put(f"{API}/me")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "DELETE"}
    r = client.options(f"{API}/items/some-id")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "DELETE"}


@pytest.mark.parametrize(
    "name", ["-leading-dash", "_x9", ".dot", "ab", "Ab3", "sam.o-k_1", "x" * 64, "é-sam"]
)
def test_the_username_schema_is_the_services_rule(client: TestClient, name: str) -> None:
    # the schema allowed "-sB0s6FrRU", which the service then refused with a 422
    import re

    pattern = _spec(client)["components"]["schemas"]["RegisterIn"]["properties"]["username"]
    schema_ok = 3 <= len(name) <= 64 and re.search(pattern["pattern"], name) is not None
    try:
        normalize_username(name)
        service_ok = True
    except InvalidRequestError:
        service_ok = False
    assert schema_ok == service_ok


def test_an_integral_float_is_an_integer(client: TestClient, alice: Person) -> None:
    # JSON Schema's "integer" includes 30.0; the strict models refused it with a 422
    ok = client.post(f"{API}/items/timeouts", json={"agreed_return_minutes": 30.0}, headers=alice.h)
    assert ok.status_code == 201 and ok.json()["content"]["agreed_return_minutes"] == 30
    for bad in (30.5, "30", True):
        r = client.post(
            f"{API}/items/timeouts", json={"agreed_return_minutes": bad}, headers=alice.h
        )
        assert r.status_code == 422, bad
    r = client.post(f"{API}/items/csi4", json={"answers": [6.0, 5, 5, 5]}, headers=alice.h)
    assert r.status_code == 201 and r.json()["content"]["answers"] == [6, 5, 5, 5]


def test_csi4_bounds_are_per_item_in_the_schema(client: TestClient, alice: Person) -> None:
    # the schema allowed 6 for every item; the service took 0-6 only for the first
    answers = _spec(client)["components"]["schemas"]["CSI4In"]["properties"]["answers"]
    assert [(i["minimum"], i["maximum"]) for i in answers["prefixItems"]] == [
        (0, 6),
        (0, 5),
        (0, 5),
        (0, 5),
    ]
    r = client.post(f"{API}/items/csi4", json={"answers": [0, 6, 0, 0]}, headers=alice.h)
    assert r.status_code == 422 and r.json()["error"]["fields"] == ["body.answers.1"]
    r = client.post(f"{API}/items/csi4", json={"answers": "0600"}, headers=alice.h)
    assert r.status_code == 422


def test_the_screening_schema_names_each_instruments_questions(
    client: TestClient, alice: Person
) -> None:
    # the schema allowed any instrument name and any question id, refused later with a 422
    schemas = _spec(client)["components"]["schemas"]
    described = {}
    for name, schema in schemas.items():
        if name.endswith("ScreeningIn"):
            props = schema["properties"]
            described[props["instrument"]["const"]] = set(props["answers"]["propertyNames"]["enum"])
    assert described == {
        iid: {q.id for q in load_instrument(iid).questions} for iid in instrument_ids()
    }
    body = {"instrument": "asq", "answers": {"asq1": "no", "asq2": "no"}}
    assert client.post(f"{API}/items/screenings", json=body, headers=alice.h).status_code == 201
    for bad in (
        {"instrument": "nope", "answers": {}},
        {"instrument": "asq", "answers": {"safe_now": "yes"}},
    ):
        r = client.post(f"{API}/items/screenings", json=bad, headers=alice.h)
        assert r.status_code == 422 and r.json()["error"]["title"] == "invalid request"


def test_405_on_a_concrete_path_names_only_its_own_methods(client: TestClient) -> None:
    # /items/prep also matches /items/{item_id}; the resource is the concrete path (OpenAPI)
    r = client.put(f"{API}/items/prep")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
