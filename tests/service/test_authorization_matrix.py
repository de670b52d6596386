"""The authorization matrix: every route of the OpenAPI document × every kind of caller ×
every state of the item it concerns. A route without a row here fails the test; any 2xx
for a caller outside the row's allowed set is an unexpected allow; no list may carry an id
the caller may not see."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from reattune.service import couples as couples_uc
from reattune.service.core import Context
from reattune.storage.tables import Couple, Item, User
from tests.service.conftest import API, CHAT, PASSWORD, World

CALLERS = ("anonymous", "A", "B", "C", "T", "U", "ADMIN")
AUTHED = frozenset(CALLERS) - {"anonymous"}
PARTNERS = frozenset({"A", "B", "C"})
STATES = ("private", "shared_partner", "shared_therapist", "revoked")
SEES = {
    "private": {"A"},
    "shared_partner": {"A", "B"},
    "shared_therapist": {"A", "T"},
    "revoked": {"A"},
}


@dataclass
class Row:
    call: Callable[[World, dict[str, str], str], Any]
    """(world, headers, item id) → response"""
    allowed: Callable[[str], set[str]] | frozenset[str]
    item: str | None = None
    """Kind of item made fresh (owned by A) for each call, in each state; None: no item."""
    destructive: bool = False


def _json(method: str, path: str, body: Any = None) -> Callable[[World, dict[str, str], str], Any]:
    def call(w: World, h: dict[str, str], iid: str) -> Any:
        return w.client.request(method, API + path.format(id=iid), json=body, headers=h)

    return call


def _register(w: World, h: dict[str, str], _iid: str) -> Any:
    body = {"username": f"new-{uuid.uuid4().hex[:8]}", "password": PASSWORD}
    return w.client.post(f"{API}/auth/register", json=body, headers=h)


def _login(w: World, h: dict[str, str], _iid: str) -> Any:
    body = {"username": w["A"].name, "password": PASSWORD}
    return w.client.post(f"{API}/auth/login", json=body, headers=h)


def _revoke_a_session(w: World, h: dict[str, str], _iid: str) -> Any:
    r = w.client.post(f"{API}/auth/login", json={"username": w["A"].name, "password": PASSWORD})
    return w.client.delete(f"{API}/auth/sessions/{r.json()['session_id']}", headers=h)


def _pending_invitation(w: World) -> str:
    e, f = w.add(f"E{uuid.uuid4().hex[:4]}"), w.add(f"F{uuid.uuid4().hex[:4]}")
    r = w.client.post(f"{API}/couples/invitations", json={"username": f.name}, headers=e.h)
    return str(r.json()["id"])


def _accept_foreign(w: World, h: dict[str, str], _iid: str) -> Any:
    inv = _pending_invitation(w)
    return w.client.post(f"{API}/couples/invitations/{inv}/accept", headers=h)


def _decline_foreign(w: World, h: dict[str, str], _iid: str) -> Any:
    inv = _pending_invitation(w)
    return w.client.delete(f"{API}/couples/invitations/{inv}", headers=h)


def _upload(w: World, h: dict[str, str], _iid: str) -> Any:
    return w.client.post(
        f"{API}/items/conversations",
        files={"file": ("chat.txt", CHAT)},
        data={"me": "Sam"},
        headers=h,
    )


def _admin_on_c(action: str) -> Callable[[World, dict[str, str], str], Any]:
    def call(w: World, h: dict[str, str], _iid: str) -> Any:
        return w.client.post(f"{API}/admin/users/{w['C'].id}/{action}", headers=h)

    return call


def _screening(w: World, h: dict[str, str], _iid: str) -> Any:
    from reattune.safety.screening import instrument_ids, load_instrument

    inst = load_instrument(instrument_ids()[0])
    body = {"instrument": inst.id, "answers": {inst.questions[0].id: "no"}}
    return w.client.post(f"{API}/items/screenings", json=body, headers=h)


def _sees(state: str) -> set[str]:
    return SEES[state]


ROWS: dict[tuple[str, str], Row] = {
    ("GET", "/health"): Row(_json("GET", "/health"), frozenset(CALLERS)),
    ("POST", "/auth/register"): Row(_register, frozenset(CALLERS)),
    ("POST", "/auth/login"): Row(_login, frozenset(CALLERS)),
    ("POST", "/auth/logout"): Row(_json("POST", "/auth/logout"), AUTHED, destructive=True),
    ("POST", "/auth/password"): Row(
        _json(
            "POST",
            "/auth/password",
            {"current_password": PASSWORD, "new_password": PASSWORD + "!"},
        ),
        AUTHED,
        destructive=True,
    ),
    ("GET", "/auth/sessions"): Row(_json("GET", "/auth/sessions"), AUTHED),
    ("DELETE", "/auth/sessions/{session_id}"): Row(_revoke_a_session, frozenset({"A"})),
    ("GET", "/me"): Row(_json("GET", "/me"), AUTHED),
    ("DELETE", "/me"): Row(
        _json("DELETE", "/me", {"password": PASSWORD}), AUTHED, destructive=True
    ),
    ("GET", "/me/export"): Row(_json("GET", "/me/export"), AUTHED),
    ("GET", "/admin/users"): Row(_json("GET", "/admin/users"), frozenset({"ADMIN"})),
    ("POST", "/admin/users/{user_id}/disable"): Row(
        _admin_on_c("disable"), frozenset({"ADMIN"}), destructive=True
    ),
    ("POST", "/admin/users/{user_id}/enable"): Row(_admin_on_c("enable"), frozenset({"ADMIN"})),
    # every partner of the matrix is already in a couple: nobody may invite
    ("POST", "/couples/invitations"): Row(
        _json("POST", "/couples/invitations", {"username": "nobody-x"}), frozenset()
    ),
    ("GET", "/couples/invitations"): Row(_json("GET", "/couples/invitations"), PARTNERS),
    ("POST", "/couples/invitations/{invitation_id}/accept"): Row(_accept_foreign, frozenset()),
    ("DELETE", "/couples/invitations/{invitation_id}"): Row(_decline_foreign, frozenset()),
    ("GET", "/couples/current"): Row(_json("GET", "/couples/current"), PARTNERS),
    ("DELETE", "/couples/current"): Row(
        _json("DELETE", "/couples/current"), PARTNERS, destructive=True
    ),
    ("POST", "/couples/current/therapist"): Row(
        lambda w, h, i: w.client.post(
            f"{API}/couples/current/therapist", json={"username": w["U"].name}, headers=h
        ),
        frozenset({"C"}),  # A and B already have their therapist linked
        destructive=True,
    ),
    ("POST", "/couples/current/therapist/accept"): Row(
        _json("POST", "/couples/current/therapist/accept"), frozenset()
    ),
    ("DELETE", "/couples/current/therapist"): Row(
        _json("DELETE", "/couples/current/therapist"), PARTNERS, destructive=True
    ),
    ("GET", "/therapist/couples"): Row(_json("GET", "/therapist/couples"), frozenset({"T", "U"})),
    ("GET", "/items"): Row(_json("GET", "/items"), AUTHED - {"ADMIN"}, item="prep"),
    ("POST", "/items/prep"): Row(
        _json("POST", "/items/prep", {"title": "t", "text": "x"}), PARTNERS
    ),
    ("POST", "/items/timeouts"): Row(
        _json("POST", "/items/timeouts", {"agreed_return_minutes": 20}), PARTNERS
    ),
    ("POST", "/items/csi4"): Row(_json("POST", "/items/csi4", {"answers": [1, 2, 3, 4]}), PARTNERS),
    ("POST", "/items/screenings"): Row(_screening, PARTNERS),
    ("POST", "/items/conversations"): Row(_upload, PARTNERS),
    ("POST", "/items/timeouts/{item_id}/end"): Row(
        _json("POST", "/items/timeouts/{id}/end"), frozenset({"A"}), item="timeout"
    ),
    ("GET", "/items/{item_id}"): Row(_json("GET", "/items/{id}"), _sees, item="prep"),
    ("PUT", "/items/{item_id}/sharing"): Row(
        _json("PUT", "/items/{id}/sharing", {"partner": True, "therapist": True}),
        frozenset({"A"}),
        item="prep",
    ),
    ("DELETE", "/items/{item_id}"): Row(
        _json("DELETE", "/items/{id}"), frozenset({"A"}), item="prep"
    ),
}


def _item(w: World, kind: str, state: str) -> str:
    a = w["A"]
    if kind == "timeout":
        r = w.client.post(f"{API}/items/timeouts", json={"agreed_return_minutes": 30}, headers=a.h)
        iid = str(r.json()["id"])
    else:
        iid = w.prep("A", "matrix item")
    if state == "shared_partner":
        w.share("A", iid, partner=True)
    elif state == "shared_therapist":
        w.share("A", iid, therapist=True)
    elif state == "revoked":
        w.share("A", iid, partner=True, therapist=True)
        w.share("A", iid)
    return iid


def _repair(w: World, ctx: Context) -> None:
    """Put the world back after a destructive call: every account present, enabled, with
    the original password and a live session; A+B linked to T; C with D, no therapist."""
    for key, p in list(w.people.items()):
        if key not in ("A", "B", "C", "D", "T", "U", "ADMIN"):
            continue
        with ctx.transaction() as db:
            user = db.get(User, p.id)
            if user is not None:
                user.disabled = False
                user.password_hash = ctx.passwords.hash(PASSWORD)
        if user is None:
            w.add(key, p.role)
            continue
        if w.client.get(f"{API}/me", headers=p.h).status_code != 200:
            w.login(p)
    with ctx.transaction() as db:
        ab = couples_uc.couple_of(db, w["A"].id)
        ab_ok = ab is not None and w["B"].id in (ab.partner_a_id, ab.partner_b_id)
        if not ab_ok:
            couples_uc.dissolve_for(db, w["A"].id)
            couples_uc.dissolve_for(db, w["B"].id)
        cd = couples_uc.couple_of(db, w["C"].id)
        cd_ok = cd is not None and w["D"].id in (cd.partner_a_id, cd.partner_b_id)
        if not cd_ok:
            couples_uc.dissolve_for(db, w["C"].id)
            couples_uc.dissolve_for(db, w["D"].id)
        elif cd is not None:
            couples_uc.unlink_therapist(ctx, db, _caller(db, w["C"].id))
    if not ab_ok:
        w.couple("A", "B")
    if not cd_ok:
        w.couple("C", "D")
    with ctx.transaction() as db:
        couple = couples_uc.couple_of(db, w["A"].id)
        linked = couple is not None and couple.therapist_id == w["T"].id
    if not linked:
        w.link("A", "B", "T")


def _caller(db: Any, user_id: str) -> Any:
    from reattune.service.core import Caller

    user = db.get(User, user_id)
    return Caller(user.id, user.role, "", "bearer")


def _may_see(ctx: Context, caller_id: str | None, iid: str) -> bool:
    with ctx.transaction() as db:
        item = db.get(Item, iid)
        if item is None or caller_id is None:
            return False
        if item.owner_id == caller_id:
            return True
        couple = db.get(Couple, item.couple_id) if item.couple_id else None
        if couple is None:
            return False
        members = (couple.partner_a_id, couple.partner_b_id)
        return (item.share_partner and caller_id in members) or (
            item.share_therapist and couple.therapist_id == caller_id
        )


def test_every_route_has_a_row(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix(API))
        for path, ops in spec["paths"].items()
        for method in ops
    }
    assert routes == set(ROWS), {
        "routes without a row": sorted(routes - set(ROWS)),
        "rows without a route": sorted(set(ROWS) - routes),
    }


def test_authorization_matrix(world: World, ctx: Context) -> None:
    unexpected: list[str] = []
    missing: list[str] = []
    foreign: list[str] = []
    cells = 0
    for (method, path), row in ROWS.items():
        for state in STATES if row.item else ("-",):
            allowed = row.allowed(state) if callable(row.allowed) else row.allowed
            for who in CALLERS:
                iid = _item(world, row.item, state) if row.item else ""
                headers = {} if who == "anonymous" else world[who].h
                r = row.call(world, headers, iid)
                cells += 1
                ok = 200 <= r.status_code < 300
                where = f"{method} {path} [{state}] as {who}: {r.status_code}"
                if ok and who not in allowed:
                    unexpected.append(where)
                if not ok and who in allowed:
                    missing.append(where)
                if not ok:
                    assert r.status_code in (401, 403, 404, 409, 422), where + " " + r.text
                    if who == "anonymous":
                        assert r.status_code == 401, where
                if ok and isinstance(body := _body(r), list):
                    caller_id = None if who == "anonymous" else world[who].id
                    for entry in body:
                        is_item = isinstance(entry, dict) and "relation" in entry
                        if is_item and not _may_see(ctx, caller_id, entry["id"]):
                            foreign.append(f"{where}: {entry['id']}")
                if row.item and path == "/items" and ok:
                    listed = {e["id"] for e in r.json()}
                    if (iid in listed) != (who in SEES[state]):
                        foreign.append(f"{where}: item listed={iid in listed}")
                if row.destructive and ok:
                    _repair(world, ctx)
    assert cells > 300
    assert unexpected == [], unexpected
    assert foreign == [], foreign
    assert missing == [], missing
    with ctx.transaction() as db:
        assert ctx.audit.verify(db)[1] == []
        assert db.execute(select(User)).first() is not None


def _body(r: Any) -> Any:
    try:
        return r.json()
    except ValueError:
        return None
