"""The fast constructors build ordinary frozen model objects, equal to the slow ones."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from reattune.model import Message, MessageKind, SourceLocation, Turn
from reattune.model._construct import positional_constructor
from reattune.model.message import new_location, new_message
from reattune.model.turn import new_turn

T0 = datetime(2024, 3, 12, 21, 0, tzinfo=UTC)


def test_fast_objects_are_the_model_classes_and_equal_to_slow_ones() -> None:
    loc = new_location("chat.txt", 3, 4, None)
    assert type(loc) is SourceLocation
    assert loc == SourceLocation("chat.txt", line=3, end_line=4)
    assert hash(loc) == hash(SourceLocation("chat.txt", line=3, end_line=4))
    m = new_message(0, "a", "hi", loc, T0, None, None, MessageKind.SPEECH, (), False, False, ())
    slow = Message(0, "a", "hi", SourceLocation("chat.txt", 3, 4), T0)
    assert type(m) is Message
    assert m == slow
    assert repr(m) == repr(slow)
    assert hash(m) == hash(slow)
    assert pickle.loads(pickle.dumps(m)) == slow
    assert copy.deepcopy(m) == slow
    assert dataclasses.replace(m, text="x") == dataclasses.replace(slow, text="x")
    t = new_turn(0, "a", (m,), "hi", ((0, 2),), 1.0, 2.0, None, None, None)
    assert type(t) is Turn
    assert t == Turn(0, "a", (slow,), "hi", ((0, 2),), 1.0, 2.0)


def test_fast_objects_stay_frozen() -> None:
    loc = new_location("chat.txt", 1, 1, None)
    m = new_message(0, "a", "hi", loc, None, None, None, MessageKind.SPEECH, (), False, False, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.text = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del loc.line  # type: ignore[misc]


def test_only_slotted_dataclasses_of_init_fields() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        x: int
        y: int = dataclasses.field(init=False, default=0)

    for cls in (NoSlots, Derived):
        with pytest.raises(TypeError):
            positional_constructor(cls)
