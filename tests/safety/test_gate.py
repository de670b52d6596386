"""The safety gate: levels, resources per locale, the therapist-only notification, the
clearance that coaching output demands, and what each partner sees."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from reattune import analyze, safety
from reattune.errors import SettingsError
from reattune.safety import (
    Answer,
    Cleared,
    Domain,
    GateBypassError,
    Recipient,
    SafetyLevel,
    SafetyResult,
    ScreeningResult,
    gated,
)
from reattune.service.guidance import Suggestion, partner_view
from tests.engine.builders import chat

CYCLE = [
    ("Maya", "21:00", "why are you ignoring me again"),
    ("Sam", "21:30", "k"),
    ("Maya", "21:31", "answer me. you always do this"),
    ("Sam", "22:30", "I can't do this right now"),
    ("Maya", "22:31", "seriously?? talk to me"),
    ("Sam", "23:40", "fine"),
    ("Maya", "23:41", "you never care how I feel"),
]


def contacts(result: SafetyResult) -> list[str]:
    return [r.contact for r in result.resources]


# --------------------------------------------------------------------------- texts
def test_a_calm_text_passes_with_nothing_to_show() -> None:
    result = safety.check("can you grab milk on the way home? love you")
    assert result.level is SafetyLevel.NONE
    assert not result.positive
    assert result.resources == ()
    assert result.notification is None
    assert result.message == ""


def test_crisis_text_gives_us_crisis_line_and_emergency_number_with_spans() -> None:
    text = "honestly i want to kill myself"
    result = safety.check(text, person="Maya")
    assert result.positive and result.level >= SafetyLevel.URGENT
    assert result.domains == (Domain.CRISIS,)
    assert {"988", "911"} <= set(contacts(result))
    assert "1-800-799-7233" not in contacts(result)
    reason = result.reasons[0]
    assert text[reason.start : reason.end] == "kill myself"
    assert reason.explanation
    assert "coaching" not in result.message.lower() or "paused" in result.message.lower()


def test_plan_with_means_and_time_is_an_emergency_with_the_emergency_number_first() -> None:
    result = safety.check("i want to kill myself tonight, i have the pills ready")
    assert result.level is SafetyLevel.EMERGENCY
    assert result.resources[0].emergency
    assert result.resources[0].contact == "911"


def test_partner_violence_gives_the_hotline_and_its_text_line() -> None:
    result = safety.check("he grabbed me by the throat last night and I couldn't breathe")
    assert result.positive
    assert Domain.IPV in result.domains
    hows = " ".join(r.how for r in result.resources)
    assert "1-800-799-7233" in hows
    assert "START to 88788" in hows
    assert "988" not in contacts(result)


@pytest.mark.parametrize(
    ("locale", "crisis_line", "emergency"),
    [("GB", "116 123", "999"), ("AU", "13 11 14", "000"), ("ca", "988", "911")],
)
def test_locale_changes_the_resources(locale: str, crisis_line: str, emergency: str) -> None:
    result = safety.check("i want to kill myself", locale=locale)
    assert crisis_line in contacts(result)
    assert emergency in contacts(result)
    assert "988" not in contacts(result) or locale.upper() == "CA"


def test_an_unknown_locale_falls_back_to_the_local_emergency_number_not_to_nothing() -> None:
    result = safety.check("i want to kill myself", locale="ZZ")
    assert any(r.emergency for r in result.resources)
    assert any("findahelpline" in r.contact for r in result.resources)


def test_notification_is_for_the_persons_own_therapist_and_carries_no_text() -> None:
    text = "I've been saving my pills, i want to end my life"
    result = safety.check(text, person="Maya")
    note = result.notification
    assert note is not None
    assert note.recipient is Recipient.OWN_THERAPIST
    assert note.about == "Maya"
    dumped = json.dumps(note.to_dict())
    assert "saving my pills" not in dumped
    assert "end my life" not in dumped


def test_supportive_talk_does_not_fire_the_gate() -> None:
    assert not safety.check("please don't hurt yourself, I'm here for you").positive


# ----------------------------------------------------------------------- screening
def asq(person: str, **answers: str) -> ScreeningResult:
    return ScreeningResult.of("asq", person, answers)


def test_asq_all_no_is_negative() -> None:
    result = safety.check(asq("Maya", asq1="no", asq2="no", asq3="no", asq4="no"))
    assert result.level is SafetyLevel.NONE


def test_asq_any_yes_is_urgent_and_acute_yes_is_an_emergency() -> None:
    assert safety.check(asq("Maya", asq1="yes", asq2="no", asq3="no", asq4="no")).level is (
        SafetyLevel.URGENT
    )
    acute = safety.check(asq("Maya", asq1="yes", asq2="yes", asq3="yes", asq4="no", asq5="yes"))
    assert acute.level is SafetyLevel.EMERGENCY
    assert acute.notification is not None and acute.notification.about == "Maya"
    assert acute.source == "screening.asq"


def test_asq_refusal_counts_as_positive_as_the_instrument_says() -> None:
    result = safety.check(asq("Maya", asq1="skip", asq2="no", asq3="no", asq4="no"))
    assert result.positive
    assert "declined" in result.reasons[0].explanation


def test_asq_acuity_question_is_asked_only_after_a_positive_answer() -> None:
    inst = safety.load_instrument("asq")
    no = {q: Answer.NO for q in ("asq1", "asq2", "asq3", "asq4")}
    assert safety.next_question(inst, no) is None
    follow = safety.next_question(inst, no | {"asq2": Answer.YES})
    assert follow is not None and follow.id == "asq5"
    first = safety.next_question(inst, {})
    assert first is not None and first.id == "asq1"


def relationship(person: str, **answers: str) -> SafetyResult:
    return safety.check(ScreeningResult.of("relationship", person, answers))


def test_relationship_screen_levels() -> None:
    assert relationship("Sam", afraid="no", hurt="no").level is SafetyLevel.NONE
    assert relationship("Sam", monitoring="yes").level is SafetyLevel.CONCERN
    assert relationship("Sam", hurt="yes").level is SafetyLevel.URGENT
    assert relationship("Sam", strangled="yes").level is SafetyLevel.EMERGENCY
    assert relationship("Sam", safe_now="no").level is SafetyLevel.EMERGENCY
    assert relationship("Sam", safe_now="yes").level is SafetyLevel.NONE


def test_a_gun_alone_is_recorded_but_with_other_abuse_it_is_an_emergency() -> None:
    assert relationship("Sam", gun="yes").level is SafetyLevel.NONE
    assert relationship("Sam", gun="yes", monitoring="yes").level is SafetyLevel.EMERGENCY


def test_several_control_signs_together_are_urgent() -> None:
    result = relationship("Sam", monitoring="yes", isolation="yes", money="yes", humiliated="yes")
    assert result.level is SafetyLevel.URGENT
    assert any(f.rule.endswith("pattern_of_control") for f in result.reasons)


def test_screening_rejects_unknown_questions_and_answers() -> None:
    with pytest.raises(SettingsError, match="no question"):
        ScreeningResult.of("asq", "Maya", {"asq9": "yes"})
    with pytest.raises(SettingsError, match="not an answer"):
        ScreeningResult.of("asq", "Maya", {"asq1": "maybe"})
    with pytest.raises(SettingsError, match="no screening instrument"):
        ScreeningResult.of("phq9", "Maya", {})


# ---------------------------------------------------------------------- resources
def test_an_operators_resource_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    own = tmp_path / "resources.toml"
    own.write_text(
        'default = "XX"\n[locale.XX]\nname = "Test"\n'
        '[[locale.XX.resource]]\nname = "Emergency"\ncontact = "123"\ndomains = ["crisis", "ipv"]\n'
        "emergency = true\n"
        '[[locale.XX.resource]]\nname = "Line"\ncontact = "555"\ndomains = ["crisis"]\n',
        "utf-8",
    )
    book = safety.load_resources(own)
    result = safety.check("i want to kill myself", book=book)
    assert contacts(result) == ["555", "123"]


def test_a_resource_file_without_an_emergency_number_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        'default = "XX"\n[locale.XX]\n[[locale.XX.resource]]\nname = "L"\ncontact = "5"\n'
        'domains = ["crisis"]\n',
        "utf-8",
    )
    with pytest.raises(SettingsError, match="no emergency number") as err:
        safety.load_resources(bad)
    assert err.value.file == str(bad)
    broken = tmp_path / "b.toml"
    broken.write_text("default = ", "utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        safety.load_resources(broken)


# ------------------------------------------------------------------- the clearance
@dataclasses.dataclass(frozen=True, kw_only=True)
class Tip(Cleared):
    text: str


def test_coaching_output_cannot_be_made_outside_the_gate() -> None:
    with pytest.raises(GateBypassError):
        Tip(text="give space")
    with pytest.raises(GateBypassError):
        Suggestion(kind="give_space", text="give space")


def test_a_positive_gate_returns_the_safety_result_and_never_runs_the_coach() -> None:
    calls: list[str] = []

    def screen(draft: str) -> SafetyResult:
        return safety.check(draft)

    @gated(screen)
    def coach(draft: str) -> Tip:
        calls.append(draft)
        return Tip(text="try: " + draft)

    calm = coach("can we talk tonight?")
    assert isinstance(calm, Tip) and calm.clearance.result.level is SafetyLevel.NONE
    flagged = coach("i'm going to kill myself")
    assert isinstance(flagged, SafetyResult) and flagged.positive
    assert calls == ["can we talk tonight?"]
    with pytest.raises(GateBypassError):
        Tip(text="the clearance ends with the gated call")


def test_a_screen_must_return_a_safety_result() -> None:
    @gated(lambda draft: None)  # type: ignore[arg-type, return-value]
    def coach(draft: str) -> str:
        return draft

    with pytest.raises(TypeError):
        coach("hi")


# --------------------------------------------------------------- what partners see
def test_partner_b_sees_exactly_the_same_before_and_after_as_positive_screen() -> None:
    conv = chat(CYCLE)
    analysis = analyze(conv)
    before_b = partner_view(conv, analysis, "Sam").to_dict()
    before_a = partner_view(conv, analysis, "Maya")
    assert before_a.safety is None and before_a.suggestions
    a_screen = ScreeningResult.of("relationship", "Maya", {"hurt": "yes", "afraid": "yes"})
    b_screen = ScreeningResult.of("relationship", "Sam", {"hurt": "no", "afraid": "no"})
    screens = [a_screen, b_screen]
    after_b = partner_view(conv, analysis, "Sam", screens).to_dict()
    assert after_b == before_b
    after_a = partner_view(conv, analysis, "Maya", screens)
    assert after_a.suggestions == ()
    assert after_a.safety is not None and after_a.safety.role == "at_risk"
    assert after_a.safety.notification is not None
    assert after_a.safety.notification.about == "Maya"
    assert after_a.safety.notification.recipient is Recipient.OWN_THERAPIST


def test_crisis_words_in_the_chat_reach_the_writer_and_pause_the_other_without_detail() -> None:
    conv = chat([*CYCLE, ("Sam", "23:50", "honestly everyone would be better off without me")])
    analysis = analyze(conv)
    sam = partner_view(conv, analysis, "Sam")
    maya = partner_view(conv, analysis, "Maya")
    assert sam.safety is not None and sam.safety.role == "at_risk"
    assert sam.safety.notification is not None and sam.safety.notification.about == "Sam"
    assert maya.safety is not None and maya.safety.role == "witness"
    assert maya.safety.notification is None
    assert maya.safety.reasons == ()
    assert maya.suggestions == ()


def test_a_threat_addressed_to_the_partner_puts_the_partner_at_risk() -> None:
    conv = chat([*CYCLE, ("Sam", "23:50", "if you leave me I will kill you")])
    result = safety.check(conv)
    people = dict(result.people)
    assert people["Maya"] >= SafetyLevel.URGENT
    assert people["Sam"] is SafetyLevel.NONE
    assert safety.check(conv, person="Maya").role == "at_risk"
    assert safety.check(conv, person="Sam").role == "witness"


def test_conversation_findings_are_placed_on_their_turn_and_speaker() -> None:
    conv = chat([*CYCLE, ("Sam", "23:50", "i want to die")])
    result = safety.check(conv)
    (reason,) = [f for f in result.reasons if f.speaker == "Sam"]
    assert reason.turn == conv.turns[-1].index
    assert conv.turns[-1].text[reason.start : reason.end] == "want to die"


def test_safety_result_serialises_to_json() -> None:
    result = safety.check("he said he'd kill me if I told anyone", person="Maya")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["positive"] is True
    assert data["reasons"][0]["code"].startswith("safety.ipv.")
    assert data["notification"]["recipient"] == "own_therapist"
