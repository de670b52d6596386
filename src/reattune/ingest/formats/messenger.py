"""Facebook Messenger and Instagram direct messages, JSON (``message_1.json``).

Meta's *Download your information* (format JSON) writes one folder per thread,
``…/messages/inbox/<name>_<id>/message_1.json`` (then ``message_2.json``… for long threads).
The shape, as documented by the many open-source readers of these exports (e.g. the
"Facebook Messenger JSON Schema" notes and the TypeScript interfaces in
jpfranci/facebook-messages-visualizer):

* ``participants: [{"name"}]``, ``messages: [...]`` **newest first**, then ``title``,
  ``is_still_participant``, ``thread_type``, ``thread_path``, ``magic_words``;
* each message: ``sender_name``, ``timestamp_ms`` (epoch milliseconds → UTC), optional
  ``content``, ``photos``/``videos``/``audio_files``/``files``/``gifs`` (lists of
  ``{"uri"}``), ``sticker`` (``{"uri"}``), ``share`` (``{"link"}``), ``reactions``
  (``[{"reaction", "actor"}]``), ``is_unsent``, ``call_duration``, ``users`` and ``type``
  (``Generic``, ``Share``, ``Call``, ``Subscribe``, ``Unsubscribe``…);
* text is mojibake: the UTF-8 bytes are written as ``\\u00xx`` escapes, so "café" reads
  "cafÃ©". Every string is repaired with ``s.encode("latin-1").decode("utf-8")`` where that
  succeeds (one W105 says so). Instagram's export has the same shape and the same mojibake.

Calls (``type: "Call"`` or a ``call_duration``), joins/leaves (``Subscribe``/``Unsubscribe``)
and the app's own notices written as whole messages (nicknames, theme, emoji, group name or
photo, "You are now connected on Messenger") are system messages. ``is_unsent`` marks a
message deleted and drops the app's "… unsent a message" notice from the text; "… sent an
attachment." on shares is the app's, not the person's, and is dropped too. Attachments
become media markers (``photo: <uri>``).

Several parts: when the file is ``message_N.json`` on disk and siblings ``message_1.json``,
``message_2.json``… lie beside it, all parts are read, merged and sorted by time (stable);
``details["parts"]`` says how many. Locations hold the part file and the JSON pointer
(``message_2.json#/messages/5``); records of the file itself also carry their lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from reattune.errors import MalformedFileError
from reattune.ingest.base import ParseOptions, ParseResult
from reattune.ingest.jsontext import complement, read_json
from reattune.ingest.source import Source, read_source
from reattune.model import (
    ConversationKind,
    Fragment,
    Message,
    MessageKind,
    Reaction,
    SourceLocation,
)

EXPECTED = "a Messenger or Instagram message_N.json from 'Download your information' (JSON)"
_PART = re.compile(r"^message_(\d+)\.json$")
_SYSTEM_TYPES = {"Call", "Subscribe", "Unsubscribe"}
_MEDIA_LISTS = (
    ("photos", "photo"),
    ("videos", "video"),
    ("audio_files", "audio"),
    ("files", "file"),
    ("gifs", "gif"),
)
_NOTICES = re.compile(
    "|".join(
        (
            r".+ set (?:the nickname for .+|your nickname|(?:his|her|their) own nickname) to .+",
            r".+ cleared (?:the nickname for .+|your nickname|(?:his|her|their) own nickname)\.",
            r".+ changed the (?:chat )?theme(?: to .+)?\.",
            r".+ set the (?:quick reaction|emoji) to .+",
            r".+ (?:changed|removed) the group photo\.",
            r".+ named the group .+\.",
            r".+ (?:added .+ to|removed .+ from|left) the group\.",
            r"You are now connected on Messenger\.?",
        )
    )
)
_UNSENT = re.compile(r"^.+ unsent a message\.?$")
_ATTACHMENT_NOTE = re.compile(r"^.+ sent an attachment\.$")


def _repair(value: Any, changed: list[bool]) -> Any:
    """Undo Facebook's mojibake in every string of ``value`` (recursively)."""
    if isinstance(value, str):
        try:
            fixed = value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
        if fixed != value:
            changed[0] = True
        return fixed
    if isinstance(value, list):
        return [_repair(v, changed) for v in value]
    if isinstance(value, dict):
        return {k: _repair(v, changed) for k, v in value.items()}
    return value


@dataclass(slots=True)
class _Record:
    data: object
    timestamp: datetime | None
    sort_key: float
    location: SourceLocation


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _uris(value: object) -> list[str]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(v["uri"]) for v in value if isinstance(v, dict) and v.get("uri")]


class MessengerParser:
    name: ClassVar[str] = "messenger"
    title: ClassVar[str] = "Facebook Messenger / Instagram (JSON)"
    kind: ClassVar[ConversationKind] = ConversationKind.CHAT
    sniff_ceiling: ClassVar[float] = 0.95

    def sniff(self, source: Source) -> float:
        head = source.head(16384).lstrip()
        if not head.startswith("{") or '"participants"' not in head:
            return 0.0
        if '"sender_name"' in head or '"timestamp_ms"' in head:
            return 0.95
        if '"thread_path"' in head or '"is_still_participant"' in head:
            return 0.8
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        result = ParseResult(kind=self.kind, timezone="UTC")
        parts = self._parts(source, options)
        changed = [False]
        records: list[_Record] = []
        for part in reversed(parts):  # the highest number holds the oldest messages
            records.extend(self._read_part(part, source, result, changed))
        records.sort(key=lambda r: r.sort_key)
        if changed[0]:
            result.warn("W105", "text was written as UTF-8 bytes (Facebook mojibake); repaired")
        result.details["parts"] = str(len(parts))
        for rec in records:
            self._message(rec, result)
        return result

    def _parts(self, source: Source, options: ParseOptions) -> list[Source]:
        """The export's parts in number order (just ``source`` unless siblings exist)."""
        path = Path(source.name)
        match = _PART.match(path.name)
        if match is None or "!/" in source.name or not path.is_file():
            return [source]
        siblings: dict[int, Path] = {}
        for p in path.parent.iterdir():
            m = _PART.match(p.name)
            if m is not None and p.is_file():
                siblings[int(m.group(1))] = p
        parts: list[Source] = []
        for number in sorted(siblings):
            if siblings[number] == path:
                parts.append(source)
            else:
                sibling = str(path.parent / siblings[number].name)
                parts.append(
                    read_source(sibling, max_bytes=options.max_bytes, encoding=options.encoding)
                )
        return parts

    def _read_part(
        self, part: Source, source: Source, result: ParseResult, changed: list[bool]
    ) -> list[_Record]:
        doc = read_json(part, EXPECTED)
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            raise MalformedFileError(
                "the JSON has no 'messages' list", file=part.name, line=1, expected=EXPECTED
            )
        messages: list[object] = data["messages"]
        own = part is source
        lines = doc.item_lines(["messages"]) if own else []
        if own:
            total = len(source.lines())
            if len(lines) != len(messages):
                lines = []
            result.structural_lines = complement(total, lines) if lines else [(1, total)]
            for key in ("thread_type",):
                if isinstance(data.get(key), str):
                    result.details[key] = data[key]
        out: list[_Record] = []
        last = float("-inf")
        for i in reversed(range(len(messages))):  # oldest first
            first, end = lines[i] if lines else (None, None)
            loc = SourceLocation(part.name, first, end, f"/messages/{i}")
            rec = _repair(messages[i], changed)
            when = _timestamp(rec.get("timestamp_ms")) if isinstance(rec, dict) else None
            if when is not None:
                last = when.timestamp()
            out.append(_Record(rec, when, last, loc))
        return out

    def _message(self, rec: _Record, result: ParseResult) -> None:
        data, loc = rec.data, rec.location
        if not isinstance(data, dict) or not isinstance(data.get("sender_name"), str):
            text = data.get("content") if isinstance(data, dict) else None
            if not isinstance(text, str) or not text:
                text = json.dumps(data, ensure_ascii=False)
            result.fragments.append(Fragment(loc, text))
            result.warn("W107", "the record has no 'sender_name'; kept as a fragment", loc)
            return
        if rec.timestamp is None:
            result.warn("W107", "the record has no valid 'timestamp_ms'; no time", loc)
        content = data.get("content")
        text = content if isinstance(content, str) else ""
        index = len(result.messages)
        kind = data.get("type")
        notice = kind in (None, "Generic") and _NOTICES.fullmatch(text) is not None
        if kind in _SYSTEM_TYPES or "call_duration" in data or notice:
            result.messages.append(
                Message(index, None, text, loc, rec.timestamp, kind=MessageKind.SYSTEM)
            )
            return
        deleted = data.get("is_unsent") is True
        if deleted and _UNSENT.match(text):
            text = ""
        media: list[str] = []
        for key, label in _MEDIA_LISTS:
            media.extend(f"{label}: {uri}" for uri in _uris(data.get(key)))
        media.extend(f"sticker: {uri}" for uri in _uris(data.get("sticker")))
        share = data.get("share")
        if isinstance(share, dict) and share.get("link"):
            media.append(f"share: {share['link']}")
        if (media or kind == "Share") and _ATTACHMENT_NOTE.match(text):
            text = ""
        if not text and not media and not deleted:
            result.warn("W108", "the message has no text and no attachment", loc)
        listed = data.get("reactions")
        reactions = tuple(
            Reaction(str(r["reaction"]), str(r["actor"]) if r.get("actor") else None)
            for r in (listed if isinstance(listed, list) else [])
            if isinstance(r, dict) and r.get("reaction")
        )
        result.messages.append(
            Message(
                index,
                data["sender_name"],
                text,
                loc,
                rec.timestamp,
                media=tuple(media),
                deleted=deleted,
                reactions=reactions,
            )
        )


PARSERS = (MessengerParser(),)
