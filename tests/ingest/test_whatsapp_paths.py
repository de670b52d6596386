"""The plain-message path of the WhatsApp parser gives what its general path gives.

A sender's first message always takes the general path (the parser learns there that the
sender's messages can be plain); the sender's later plain one-line messages take the short
one. So each message of a chat must come out as it does alone in a file of its own (where
it is the first), and the turns must be ``build_turns``' of the messages: on texts that look
like markers, notices or headers, several lines, U+200E marks, 12 h clocks, Android and iOS.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reattune.ingest import ParseOptions, source_from_bytes
from reattune.ingest.registry import get
from reattune.ingest.turns import build_turns
from reattune.model import Message

PIECES = (
    "hello",
    "Maybe later",
    "",
    " ",
    "omitted",
    "image omitted",
    "<Media omitted>",
    "<attached: 00000012-PHOTO.jpg>",
    "IMG-20240312-WA0001.jpg (file attached)",
    "(see above)",
    " <This message was edited>",
    "This message was deleted",
    "This message was deleted by admin",
    "null",
    "\u200e",
    ">",
    ")",
    "d",
    "Missed voice call",
    "Messages and calls are end-to-end encrypted",
    "Bob added Carol",
    "a: b",
    "12/03/2024 almost a header",
    "[12/03] 21 not one either",
    "5 minutes",
)
TEXTS = st.lists(st.lists(st.sampled_from(PIECES), max_size=3).map("".join), min_size=1, max_size=3)
SENDERS = st.sampled_from(("Alice", "Bob Okafor", "\u200eAlice", "~\u202fBob", '"Grp: x" Al', ""))
HEADS = st.sampled_from(
    (
        "12/03/2024, 21:{m:02d} - ",
        "[12/03/2024, 21:{m:02d}:05] ",
        "\u200e[12/03/2024, 9:{m:02d}:05 PM] ",
        "3/12/24, 9:{m:02d}\u202fPM - ",
    )
)


def _parse(text: str, gap: float) -> tuple[list[Message], object]:
    source = source_from_bytes(text.encode("utf-8"), "chat.txt")
    result = get("whatsapp").parse(source, ParseOptions(turn_gap_seconds=gap))
    assert not result.fragments  # every record here is a message
    return result.messages, result.turns


def _fields(m: Message) -> tuple[object, ...]:
    return (m.sender, m.text, m.kind, m.media, m.edited, m.deleted, m.timestamp)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 59), SENDERS, TEXTS), min_size=1, max_size=12),
    HEADS,
    st.sampled_from((0.0, 60.0, 600.0)),
)
def test_each_message_as_alone(
    records: list[tuple[int, str, list[str]]], head: str, gap: float
) -> None:
    lines = []
    for minute, sender, text in sorted(records, key=lambda r: r[0]):
        # (a header with neither sender nor text is a fragment)
        said = "\n".join(text if sender or text[0] else ["x", *text[1:]])
        said = f"{sender}: {said}" if sender else said
        lines.append(head.format(m=minute) + said)
    whole, turns = _parse("\n".join(lines) + "\n", gap)
    assert len(whole) == len(lines)
    for message, line in zip(whole, lines, strict=True):
        (alone,), _ = _parse(line + "\n", gap)
        assert _fields(alone) == _fields(message)
        span = message.location.end_line - message.location.line  # type: ignore[operator]
        assert span == alone.location.end_line - 1  # type: ignore[operator]
    assert turns == build_turns(tuple(whole), gap)
