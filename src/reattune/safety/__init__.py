"""The safety screen: crisis (suicide, self-harm) and partner-violence detection, private
screening questions, and the gate every coaching flow passes through.

    from reattune import safety
    result = safety.check("i just want to disappear forever tbh", locale="US")
    if result.positive:
        print(result.message, *(r.how for r in result.resources))

See ``docs/safety.md`` for the lexicons' sources, the levels and what each flow does when the
gate fires.
"""

from __future__ import annotations

from reattune.safety.crisis import detect_crisis
from reattune.safety.findings import Domain, Finding, SafetyLevel, Subject
from reattune.safety.gate import (
    Clearance,
    Cleared,
    GateBypassError,
    Notification,
    Recipient,
    SafetyResult,
    check,
    check_conversation,
    check_history,
    check_screening,
    check_text,
    current_clearance,
    gated,
    writer_level,
)
from reattune.safety.history import HistoryScreen, screen_history
from reattune.safety.resources import Resource, load_resources, resources_for
from reattune.safety.screening import (
    Answer,
    Instrument,
    Question,
    ScreeningResult,
    instrument_ids,
    load_instrument,
    next_question,
    score_screening,
)
from reattune.safety.violence import detect_violence

__all__ = [
    "Answer",
    "Clearance",
    "Cleared",
    "Domain",
    "Finding",
    "GateBypassError",
    "HistoryScreen",
    "Instrument",
    "Notification",
    "Question",
    "Recipient",
    "Resource",
    "SafetyLevel",
    "SafetyResult",
    "ScreeningResult",
    "Subject",
    "check",
    "check_conversation",
    "check_history",
    "check_screening",
    "check_text",
    "current_clearance",
    "detect_crisis",
    "detect_violence",
    "gated",
    "instrument_ids",
    "load_instrument",
    "load_resources",
    "next_question",
    "resources_for",
    "score_screening",
    "screen_history",
    "writer_level",
]
