"""``new_located_message``, the constructor the parsers' hot loops use: a Message and its
SourceLocation made in one call are the ordinary, frozen model objects."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import UTC, datetime

import pytest

from reattune.model import Message, MessageKind, SourceLocation
from reattune.model._construct import positional_constructor
from reattune.model.message import new_located_message

T0 = datetime(2024, 3, 12, 21, 0, tzinfo=UTC)


def test_a_message_made_with_its_location_in_one_call() -> None:
    speech = MessageKind.SPEECH
    m = new_located_message(
        4, "a", "hi", "chat.txt", 3, 5, None, T0, None, None, speech, (), True, False, ()
    )
    slow = Message(4, "a", "hi", SourceLocation("chat.txt", 3, 5), T0, edited=True)
    assert type(m) is Message and type(m.location) is SourceLocation
    assert m == slow
    assert repr(m) == repr(slow)
    assert hash(m) == hash(slow)
    assert pickle.loads(pickle.dumps(m)) == slow
    assert copy.deepcopy(m) == slow
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.location.line = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.text = "x"  # type: ignore[misc]


def test_a_nested_field_must_be_a_field() -> None:
    with pytest.raises(ValueError):
        positional_constructor(Message, nested=("place", SourceLocation))
