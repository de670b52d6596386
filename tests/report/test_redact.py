"""Redaction for sharing: every kind of identifier, names, and what must stay untouched."""

from __future__ import annotations

import pytest

from reattune.model.speaker import PartnerLabel, Role, Speaker
from reattune.report.redact import find_identifiers, redact_text, speaker_labels

NAMES = {
    "Maya Levi": "Partner A",
    "Daniel Okafor": "Partner B",
    "Dr. Lena Ortiz": "Therapist",
}


@pytest.mark.parametrize(
    ("kind", "text", "secret", "placeholder"),
    [
        ("phone", "call me on +44 7700 900123 tonight", "7700 900123", "[phone]"),
        ("phone", "my number is (555) 123-4567.", "123-4567", "[phone]"),
        ("phone", "ring 07700900123 when you land", "07700900123", "[phone]"),
        ("phone", "US cell 555.867.5309", "867.5309", "[phone]"),
        ("email", "write to maya.levi+home@example.co.uk please", "maya.levi", "[email]"),
        ("url", "look at https://example.com/our-budget?id=7.", "example.com", "[url]"),
        ("url", "it's on www.example.org/plans", "example.org", "[url]"),
        ("url", "the link was bit.ly/3xYz", "bit.ly", "[url]"),
        ("address", "I'm at 221B Baker Street, come over", "Baker Street", "[address]"),
        ("address", "meet me at 1600 Pennsylvania Avenue NW", "Pennsylvania", "[address]"),
        ("address", "wir wohnen in der Hauptstraße 12", "Hauptstraße 12", "[address]"),
        ("address", "it's in Flat 4B now", "Flat 4B", "[address]"),
        ("postcode", "the postcode is SW1A 1AA", "SW1A 1AA", "[postcode]"),
        ("postcode", "Oakland, CA 94607", "94607", "[postcode]"),
        ("date of birth", "my DOB: 12/03/1988", "12/03/1988", "[date of birth]"),
        ("date of birth", "she was born on 3 March 1990", "3 March 1990", "[date of birth]"),
        ("date of birth", "date of birth 1988-03-12", "1988-03-12", "[date of birth]"),
        ("card", "card 4111 1111 1111 1111 exp 09/27", "4111", "[card number]"),
        ("card", "use 5500-0000-0000-0004", "5500", "[card number]"),
        ("account", "IBAN GB29 NWBK 6016 1331 9268 19 for rent", "NWBK", "[account number]"),
        ("account", "account number: 31926819", "31926819", "[account number]"),
        ("account", "sort code 60-16-13", "60-16-13", "[account number]"),
        ("id number", "SSN 078-05-1120", "078-05-1120", "[id number]"),
        ("id number", "NI number QQ 12 34 56 C", "QQ 12 34 56 C", "[id number]"),
        ("id number", "passport no. X1234567", "X1234567", "[id number]"),
        ("handle", "she posted it as @maya_l on insta", "@maya_l", "[handle]"),
        ("ip address", "the router is 192.168.1.20", "192.168.1.20", "[ip address]"),
    ],
)
def test_each_kind_of_identifier_is_masked(
    kind: str, text: str, secret: str, placeholder: str
) -> None:
    out = redact_text(text, NAMES)
    assert secret not in out, (kind, out)
    assert placeholder in out, (kind, out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Maya Levi said hi", "Partner A said hi"),
        ("maya, are you there?", "Partner A, are you there?"),
        ("Daniel's phone", "Partner B's phone"),
        ("Okafor family dinner", "Partner B family dinner"),
        ("Dr. Lena Ortiz said", "Therapist said"),
        ("Lena told us", "Therapist told us"),
        ("So Maya pushes, and Daniel pulls back", "So Partner A pushes, and Partner B pulls back"),
    ],
)
def test_speaker_names_become_labels(text: str, expected: str) -> None:
    assert redact_text(text, NAMES) == expected


def test_names_that_are_common_words_match_only_when_capitalised() -> None:
    names = {"Will Hart": "Partner A"}
    assert redact_text("Will said he will come", names) == "Partner A said he will come"
    assert redact_text("hart", names) == "Partner A"


def test_a_plain_list_of_names_masks_them_as_name() -> None:
    assert redact_text("thanks Maya", ["Maya"]) == "thanks [name]"


@pytest.mark.parametrize(
    "text",
    [
        "Sunday at 10. I'll make coffee",
        "Ok. 7:45 then. I'll go for a walk",
        "back at 19:46, on 02/06/2024",
        "the meeting on 02.06.2024 ran late",
        "the card bill came and it's way over again",
        "we spent 1,200 on tickets, 3.5 times the budget",
        "I'm fine.just tired",
        "That's the third time this week!!!",
        "Why can't you just talk to me? Do you even care?",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact_text(text, NAMES) == text


def test_findings_keep_offsets_into_the_original_text() -> None:
    text = "Maya: call +1 555 123 4567 or maya@example.com"
    found = find_identifiers(text, NAMES)
    assert [(r.kind, text[r.start : r.end]) for r in found] == [
        ("name", "Maya"),
        ("phone", "+1 555 123 4567"),
        ("email", "maya@example.com"),
    ]


def test_speaker_labels_never_leak_a_name() -> None:
    speakers = [
        Speaker("Maya", "Maya", Role.PARTNER, PartnerLabel.A),
        Speaker("Daniel", "Daniel", Role.PARTNER, PartnerLabel.B),
        Speaker("t1", "Dr. Lena Ortiz", Role.THERAPIST),
        Speaker("t2", "Sam Reyes", Role.THERAPIST),
        Speaker("+44 7700 900123", "+44 7700 900123"),
    ]
    labels = speaker_labels(speakers)
    assert labels["Maya"] == "Partner A"
    assert labels["Daniel"] == "Partner B"
    assert labels["t1"] == labels["Dr. Lena Ortiz"] == "Therapist 1"
    assert labels["Sam Reyes"] == "Therapist 2"
    assert labels["+44 7700 900123"] == "Participant 1"
