"""Couples, therapist links, consent, and what each person sees of a safety result."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.conftest import API, CHAT, World


def strip(r: object) -> dict[str, object]:
    return {k: v for k, v in r.json()["error"].items() if k != "request_id"}  # type: ignore[attr-defined]


def test_private_by_default_share_then_revoke(world: World, client: TestClient) -> None:
    iid = world.prep("A", "our talk on sunday")
    for who in ("B", "T"):
        assert client.get(f"{API}/items/{iid}", headers=world[who].h).status_code == 404
    world.share("A", iid, partner=True)
    r = client.get(f"{API}/items/{iid}", headers=world["B"].h)
    assert r.status_code == 200 and r.json()["relation"] == "partner"
    assert client.get(f"{API}/items/{iid}", headers=world["T"].h).status_code == 404
    world.share("A", iid, therapist=True)
    assert client.get(f"{API}/items/{iid}", headers=world["B"].h).status_code == 404
    assert client.get(f"{API}/items/{iid}", headers=world["T"].h).status_code == 200
    world.share("A", iid)
    for who in ("B", "T", "C", "U", "ADMIN"):
        assert client.get(f"{API}/items/{iid}", headers=world[who].h).status_code == 404


def test_hidden_answers_exactly_like_missing(world: World, client: TestClient) -> None:
    iid = world.prep("A")
    hidden = client.get(f"{API}/items/{iid}", headers=world["C"].h)
    missing = client.get(f"{API}/items/{iid[:-4]}beef", headers=world["C"].h)
    assert hidden.status_code == missing.status_code == 404
    assert strip(hidden) == strip(missing)
    assert hidden.headers.keys() == missing.headers.keys()


def test_only_the_owner_shares_or_deletes(world: World, client: TestClient) -> None:
    iid = world.prep("A", partner=True)
    r = client.put(
        f"{API}/items/{iid}/sharing",
        json={"partner": True, "therapist": True},
        headers=world["B"].h,
    )
    assert r.status_code == 404
    assert client.delete(f"{API}/items/{iid}", headers=world["B"].h).status_code == 404
    assert (
        client.get(f"{API}/items/{iid}", headers=world["A"].h).json()["shared_with_therapist"]
        is False
    )


def test_owner_or_couple_ids_in_a_body_take_no_effect(world: World, client: TestClient) -> None:
    body = {"title": "x", "text": "y", "owner_id": world["C"].id}
    assert client.post(f"{API}/items/prep", json=body, headers=world["A"].h).status_code == 422
    assert client.get(f"{API}/items", headers=world["C"].h).json() == []


def test_therapist_linked_only_when_both_accept_unlinked_by_either(
    world: World, client: TestClient
) -> None:
    c, d, u = world["C"], world["D"], world["U"]
    iid = world.prep("C", therapist=True)
    r = client.post(f"{API}/couples/current/therapist", json={"username": u.name}, headers=c.h)
    assert r.status_code == 200 and r.json()["therapist"] is None
    assert client.get(f"{API}/items/{iid}", headers=u.h).status_code == 404
    assert client.get(f"{API}/therapist/couples", headers=u.h).json() == []
    r = client.post(f"{API}/couples/current/therapist/accept", headers=d.h)
    assert r.json()["therapist"] == u.name
    assert client.get(f"{API}/items/{iid}", headers=u.h).status_code == 200
    assert len(client.get(f"{API}/therapist/couples", headers=u.h).json()) == 1
    # either partner unlinks alone: D, who did not write the item
    assert client.delete(f"{API}/couples/current/therapist", headers=d.h).status_code == 200
    assert client.get(f"{API}/items/{iid}", headers=u.h).status_code == 404


def test_leaving_the_couple_ends_all_sharing(world: World, client: TestClient) -> None:
    iid = world.prep("A", partner=True, therapist=True)
    assert client.delete(f"{API}/couples/current", headers=world["B"].h).status_code == 204
    for who in ("B", "T"):
        assert client.get(f"{API}/items/{iid}", headers=world[who].h).status_code == 404
    item = client.get(f"{API}/items/{iid}", headers=world["A"].h).json()
    assert not item["shared_with_partner"] and not item["shared_with_therapist"]


def test_invitation_must_be_accepted_by_the_invited(world: World, client: TestClient) -> None:
    e = world.add("E")
    f = world.add("F")
    r = client.post(f"{API}/couples/invitations", json={"username": f.name}, headers=e.h)
    inv = r.json()["id"]
    assert client.post(f"{API}/couples/invitations/{inv}/accept", headers=e.h).status_code == 404
    assert client.post(
        f"{API}/couples/invitations/{inv}/accept", headers=world["A"].h
    ).status_code in (404,)
    assert client.get(f"{API}/couples/current", headers=e.h).status_code == 404
    assert client.post(f"{API}/couples/invitations/{inv}/accept", headers=f.h).status_code == 200
    assert client.get(f"{API}/couples/current", headers=e.h).json()["partner"] == f.name


def upload(client: TestClient, who: dict[str, str], me: str = "Sam", partner: str = "Alex") -> str:
    r = client.post(
        f"{API}/items/conversations",
        files={"file": ("chat.txt", CHAT)},
        data={"me": me, "partner": partner},
        headers=who,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_conversation_analysis_and_safety_as_each_person_may_see_it(
    world: World, client: TestClient
) -> None:
    iid = upload(client, world["A"].h)  # A is Sam, who wrote about wanting to die
    world.share("A", iid, partner=True, therapist=True)
    own = client.get(f"{API}/items/{iid}", headers=world["A"].h).json()["analysis"]
    assert own["status"] == "done" and own["analysis"]["metrics"]["turns"] == 4
    assert own["safety"]["role"] == "at_risk" and own["safety"]["reasons"]
    assert own["safety"]["notification"]["recipient"] == "own_therapist"
    assert own["coaching_paused"] is True
    partner = client.get(f"{API}/items/{iid}", headers=world["B"].h).json()["analysis"]
    assert partner["safety"]["role"] == "witness"
    assert partner["safety"]["reasons"] == [] and partner["safety"]["notification"] is None
    assert partner["coaching_paused"] is True
    therapist = client.get(f"{API}/items/{iid}", headers=world["T"].h).json()["analysis"]
    assert therapist["safety"]["people"]["Sam"] != "none"


def test_bad_upload_is_a_catalogued_error_and_nothing_is_kept(
    world: World, client: TestClient
) -> None:
    r = client.post(
        f"{API}/items/conversations",
        files={"file": ("x.bin", b"\x00\x01\x02 binary")},
        data={"me": "Sam"},
        headers=world["A"].h,
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "E103"
    assert client.get(f"{API}/items", headers=world["A"].h).json() == []


def test_screening_is_never_shareable_with_the_partner(world: World, client: TestClient) -> None:
    from reattune.safety.screening import instrument_ids, load_instrument

    inst = load_instrument(instrument_ids()[0])
    answers = {q.id: "no" for q in inst.questions[:2]}
    r = client.post(
        f"{API}/items/screenings",
        json={"instrument": inst.id, "answers": answers},
        headers=world["A"].h,
    )
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    r = client.put(
        f"{API}/items/{iid}/sharing",
        json={"partner": True, "therapist": False},
        headers=world["A"].h,
    )
    assert r.status_code == 422
    assert client.get(f"{API}/items/{iid}", headers=world["B"].h).status_code == 404
    world.share("A", iid, therapist=True)
    assert client.get(f"{API}/items/{iid}", headers=world["T"].h).status_code == 200
    assert client.get(f"{API}/items/{iid}", headers=world["B"].h).status_code == 404


def test_timeout_and_csi4(world: World, client: TestClient) -> None:
    a = world["A"]
    assert (
        client.post(
            f"{API}/items/timeouts", json={"agreed_return_minutes": 10}, headers=a.h
        ).status_code
        == 422
    )
    r = client.post(f"{API}/items/timeouts", json={"agreed_return_minutes": 20}, headers=a.h)
    iid = r.json()["id"]
    assert r.json()["content"]["status"] == "running"
    world.clock.advance(minutes=21)
    r = client.post(f"{API}/items/timeouts/{iid}/end", headers=a.h)
    assert r.json()["content"]["status"] == "ended" and r.json()["content"]["returned_on_time"]
    assert client.post(f"{API}/items/timeouts/{iid}/end", headers=a.h).status_code == 409
    r = client.post(f"{API}/items/csi4", json={"answers": [3, 3, 3, 3]}, headers=a.h)
    assert r.json()["content"] == {"answers": [3, 3, 3, 3], "total": 12, "below_cutoff": True}
    assert (
        client.post(f"{API}/items/csi4", json={"answers": [3, 6, 3, 3]}, headers=a.h).status_code
        == 422
    )
