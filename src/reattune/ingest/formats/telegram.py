"""Telegram Desktop chat export, machine-readable JSON (``result.json``).

Telegram Desktop → chat → ⋮ → *Export chat history* → format *Machine-readable JSON* writes
``result.json``. Its shape is set by ``export_output_json.cpp`` in telegramdesktop/tdesktop
(``Telegram/SourceFiles/export/output/``):

* a single chat: ``{"name", "type": "personal_chat"|"private_group"|…, "id", "messages": […]}``;
  a whole-account export (*Settings → Advanced → Export Telegram data*) wraps chats in
  ``{"about", "personal_information", …, "chats": {"about", "list": [chat, …]}}``;
* each message: ``id``, ``type`` (``"message"``, ``"service"``, or ``"unsupported"``),
  ``date`` (local ISO time without zone) and ``date_unixtime`` (epoch seconds as a string —
  used here, so times are UTC), ``edited``/``edited_unixtime``, ``from``/``from_id``
  (``"user123"``; ``from`` is ``null`` for deleted accounts), ``forwarded_from``,
  ``reply_to_message_id``, ``photo`` or ``file`` with ``media_type`` (``sticker``,
  ``voice_message``, ``video_message``, ``video_file``, ``animation``, ``audio_file``) and
  ``sticker_emoji``, ``contact_information``, ``location_information``, ``poll``… — these
  become media markers: ``photo: <path>``, ``<media_type>: <path>``, ``sticker 😶: <path>``,
  ``contact``, ``location``, ``poll`` (the path may be Telegram's "(File not included…)");
* ``text`` is a string, or a list of strings and entity objects ``{"type": "bold"|"link"|…,
  "text": …}`` whose pieces are joined in order (``text_entities`` is the same as objects);
* ``reactions``: ``[{"type": "emoji"|"custom_emoji", "count": N, "emoji": "❤",
  "recent": [{"from", "from_id", "date"}]}]`` — one ``Reaction`` per recent actor, and an
  anonymous one for each count beyond them;
* service messages (``type: "service"``) carry ``actor``/``actor_id`` and ``action``
  (``phone_call`` with ``discard_reason``/``duration_seconds``, ``pin_message``,
  ``create_group``, ``invite_members``…); they become system messages whose text names the
  action and its details.

Speakers are identified by ``from_id``; ``result.names`` maps it to the display name.
A record that is not an object, of another type (``unsupported``), or without any sender is
kept as a fragment with W107; a missing time or text is a W107 with no time / empty text.
A whole-account export holding several chats is refused (export the one chat instead).
Locations carry the record's JSON pointer (``/messages/12``) and the lines it spans.
The JSON helpers here (``read_json``, ``JsonText``) are shared with the Messenger parser.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult, note_backwards
from reattune.ingest.jsontext import complement, read_json
from reattune.ingest.source import Source
from reattune.model import (
    ConversationKind,
    Fragment,
    Message,
    MessageKind,
    Reaction,
    SourceLocation,
)

# --- JSON text with line numbers (shared with messenger.py) --------------------------------

# --- Telegram --------------------------------------------------------------------------------

EXPECTED = "a Telegram Desktop chat export, result.json in machine-readable JSON"
_CHAT_TYPES = re.compile(
    r'"type":\s*"(personal_chat|private_group|public_supergroup|private_supergroup|'
    r'private_channel|public_channel|bot_chat|saved_messages|saved_message)"'
)
_SERVICE_DETAILS = (
    "title",
    "new_title",
    "discard_reason",
    "duration_seconds",
    "duration",
    "members",
    "period",
    "emoticon",
)
_MEDIA_FIELDS = (
    ("contact_information", "contact"),
    ("location_information", "location"),
    ("place_name", "location"),
    ("poll", "poll"),
    ("game_title", "game"),
    ("invoice_information", "invoice"),
)


def join_text(value: object) -> str | None:
    """Telegram ``text``: a string, or a list of strings and ``{"text": …}`` entities."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts: list[str] = []
        for piece in value:
            if isinstance(piece, str):
                parts.append(piece)
            elif isinstance(piece, dict) and isinstance(piece.get("text"), str):
                parts.append(piece["text"])
        return "".join(parts)
    return None


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = int(value) if isinstance(value, str | int) else None
    except ValueError:
        return None
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _media(rec: dict[str, Any]) -> tuple[str, ...]:
    markers: list[str] = []
    if isinstance(rec.get("photo"), str):
        markers.append(f"photo: {rec['photo']}")
    if isinstance(rec.get("file"), str):
        kind = rec.get("media_type") if isinstance(rec.get("media_type"), str) else "file"
        emoji = rec.get("sticker_emoji")
        if kind == "sticker" and isinstance(emoji, str) and emoji:
            kind = f"sticker {emoji}"
        markers.append(f"{kind}: {rec['file']}")
    for key, marker in _MEDIA_FIELDS:
        if rec.get(key) is not None and marker not in markers:
            markers.append(marker)
    return tuple(markers)


def _describe_service(rec: dict[str, Any]) -> str:
    action = rec.get("action")
    head = action if isinstance(action, str) else "service"
    if not isinstance(action, str) and isinstance(rec.get("information_text"), str):
        head = rec["information_text"]
    details: list[str] = []
    for key in _SERVICE_DETAILS:
        value = rec.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v is not None)
        if value not in (None, ""):
            details.append(f"{key}: {value}")
    text = join_text(rec.get("text")) or ""
    described = head + (f" ({'; '.join(details)})" if details else "")
    return f"{described}: {text}" if text else described


class TelegramParser:
    name: ClassVar[str] = "telegram"
    title: ClassVar[str] = "Telegram Desktop export (JSON)"
    kind: ClassVar[ConversationKind] = ConversationKind.CHAT
    sniff_ceiling: ClassVar[float] = 0.95

    def sniff(self, source: Source) -> float:
        head = source.head(8192).lstrip()
        if not head.startswith("{"):
            return 0.0
        if '"date_unixtime"' in head and ('"from_id"' in head or '"actor_id"' in head):
            return 0.95
        if '"messages"' in head and _CHAT_TYPES.search(head):
            return 0.9
        if '"personal_information"' in head and '"about"' in head:
            return 0.8
        return 0.0

    def _chat(self, data: object, source: Source) -> tuple[dict[str, Any], list[str | int]]:
        if not isinstance(data, dict):
            raise MalformedFileError(
                "the JSON is not an object", file=source.name, line=1, expected=EXPECTED
            )
        if "messages" in data:
            return data, []
        chats = data.get("chats")
        listed = chats.get("list") if isinstance(chats, dict) else None
        if isinstance(listed, list):
            if len(listed) == 1 and isinstance(listed[0], dict):
                return listed[0], ["chats", "list", 0]
            raise MalformedFileError(
                f"this full Telegram export holds {len(listed)} chats; reattune reads one "
                "conversation at a time",
                file=source.name,
                expected="a single chat exported on its own (open the chat, ⋮ → Export chat "
                "history, format: machine-readable JSON)",
            )
        raise MalformedFileError(
            "the JSON has no 'messages' list", file=source.name, line=1, expected=EXPECTED
        )

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        doc = read_json(source, EXPECTED)
        chat, path = self._chat(doc.data, source)
        records = chat.get("messages")
        if not isinstance(records, list):
            raise MalformedFileError(
                "'messages' is not a list", file=source.name, expected=EXPECTED
            )
        result = ParseResult(kind=self.kind, timezone="UTC")
        lines = doc.item_lines([*path, "messages"])
        total = len(source.lines())
        if len(lines) != len(records):
            lines = []
        result.structural_lines = complement(total, lines) if lines else [(1, total)]
        prefix = "".join(f"/{step}" for step in path) + "/messages"
        result.details["export"] = "full-account" if path else "single-chat"
        if isinstance(chat.get("type"), str):
            result.details["chat_type"] = chat["type"]
        for i, rec in enumerate(records):
            first, last = lines[i] if lines else (None, None)
            loc = SourceLocation(source.name, first, last, f"{prefix}/{i}")
            self._record(rec, loc, result)
        note_backwards(result)
        return result

    def _keep(self, result: ParseResult, loc: SourceLocation, rec: object, why: str) -> None:
        text = join_text(rec.get("text")) if isinstance(rec, dict) else None
        if not text:
            text = json.dumps(rec, ensure_ascii=False)
        result.fragments.append(Fragment(loc, text))
        result.warn("W107", why, loc)

    def _record(self, rec: object, loc: SourceLocation, result: ParseResult) -> None:
        if not isinstance(rec, dict):
            self._keep(result, loc, rec, "the record is not a JSON object; kept as a fragment")
            return
        kind = rec.get("type")
        if kind not in ("message", "service"):
            self._keep(result, loc, rec, "the record is not a message or service message")
            return
        timestamp = _epoch(rec.get("date_unixtime"))
        if timestamp is None:
            result.warn("W107", "the record has no valid 'date_unixtime'; no time", loc)
        index = len(result.messages)
        if kind == "service":
            result.messages.append(
                Message(
                    index,
                    None,
                    _describe_service(rec),
                    loc,
                    timestamp,
                    kind=MessageKind.SYSTEM,
                )
            )
            return
        sender = rec.get("from_id")
        display = rec.get("from")
        if not isinstance(sender, str | int) or isinstance(sender, bool):
            if not isinstance(display, str):
                self._keep(result, loc, rec, "the message has no sender ('from_id'); kept")
                return
            result.warn("W107", "the message has no 'from_id'; its 'from' name is used", loc)
            sender = display
        sender = str(sender)
        if isinstance(display, str) and display:
            result.names.setdefault(sender, display)
        text = join_text(rec.get("text"))
        if text is None:
            text = join_text(rec.get("text_entities"))
        if text is None:
            result.warn("W107", "the message has no 'text' field; empty text used", loc)
            text = ""
        media = _media(rec)
        if not text and not media:
            result.warn("W108", "the message has no text and no attachment", loc)
        result.messages.append(
            Message(
                index,
                sender,
                text,
                loc,
                timestamp,
                media=media,
                edited="edited" in rec or "edited_unixtime" in rec,
                reactions=self._reactions(rec.get("reactions"), result),
            )
        )

    @staticmethod
    def _reactions(value: object, result: ParseResult) -> tuple[Reaction, ...]:
        if not isinstance(value, list):
            return ()
        out: list[Reaction] = []
        for r in value:
            if not isinstance(r, dict):
                continue
            emoji = r.get("emoji")
            if not isinstance(emoji, str) or not emoji:
                emoji = str(r.get("type") or "reaction")
            recent = r.get("recent")
            if not isinstance(recent, list):
                recent = []
            actors = 0
            for who in recent:
                if not isinstance(who, dict):
                    continue
                actor = who.get("from_id") or who.get("from")
                actor_id = None if actor is None else str(actor)
                if actor_id is not None and isinstance(who.get("from"), str):
                    result.names.setdefault(actor_id, who["from"])
                out.append(Reaction(emoji, actor_id))
                actors += 1
            count = r.get("count")
            if isinstance(count, int) and not isinstance(count, bool) and count > actors:
                out.extend(Reaction(emoji, None) for _ in range(count - actors))
        return tuple(out)


PARSERS = (TelegramParser(),)
