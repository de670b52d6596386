"""Mapping speakers to partner A, partner B and therapist."""

from __future__ import annotations

import pytest

from reattune.errors import RoleMappingError
from reattune.ingest.roles import assign_roles
from reattune.model import PartnerLabel, Role

TWO = [("ana", "Ana"), ("ben", "Ben")]
THREE = [("rivera", "Dr. Rivera"), ("ana", "Ana"), ("ben", "Ben")]


def roles(speakers, **kw):  # type: ignore[no-untyped-def]
    people, warnings = assign_roles(speakers, **kw)
    return {p.id: (p.role, p.partner) for p in people}, warnings


def test_two_speakers_are_mapped_automatically_and_it_is_stated() -> None:
    mapping, warnings = roles(TWO)
    assert mapping == {"ana": (Role.PARTNER, PartnerLabel.A), "ben": (Role.PARTNER, PartnerLabel.B)}
    assert [w.code for w in warnings] == ["W104"]
    assert "automatically" in warnings[0].message


def test_naming_one_partner_places_the_other() -> None:
    mapping, _ = roles(TWO, partner_a="BEN")
    assert mapping["ben"] == (Role.PARTNER, PartnerLabel.A)
    assert mapping["ana"] == (Role.PARTNER, PartnerLabel.B)


def test_named_partners_give_no_warning() -> None:
    _, warnings = roles(TWO, partner_a="Ana", partner_b="Ben")
    assert warnings == []


def test_three_speakers_need_a_mapping_and_the_error_lists_them() -> None:
    with pytest.raises(RoleMappingError) as info:
        roles(THREE)
    message = str(info.value)
    assert "Dr. Rivera" in message and "Ana" in message and "Ben" in message
    assert "--partner-a" in message and "--therapist" in message


def test_therapist_named_then_partners_are_automatic() -> None:
    mapping, _ = roles(THREE, therapists=["dr. rivera"])
    assert mapping["rivera"] == (Role.THERAPIST, None)
    assert mapping["ana"] == (Role.PARTNER, PartnerLabel.A)
    assert mapping["ben"] == (Role.PARTNER, PartnerLabel.B)


def test_non_strict_leaves_roles_open_with_a_warning() -> None:
    mapping, warnings = roles(THREE, strict=False)
    assert set(mapping.values()) == {(Role.OTHER, None)}
    assert warnings[0].code == "W104"


@pytest.mark.parametrize(
    "kw",
    [
        {"partner_a": "Nobody"},
        {"therapists": ["Nobody"]},
        {"partner_a": "Ana", "partner_b": "ana"},
        {"partner_a": "Ana", "therapists": ["Ana"]},
    ],
)
def test_bad_mappings_are_refused(kw) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RoleMappingError):
        roles(THREE, **kw)


def test_a_single_speaker_is_partner_a() -> None:
    mapping, warnings = roles([("ana", "Ana")])
    assert mapping == {"ana": (Role.PARTNER, PartnerLabel.A)}
    assert warnings[0].code == "W104"
