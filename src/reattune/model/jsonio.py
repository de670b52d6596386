"""Lossless JSON for conversations.

``conversation_to_dict`` / ``conversation_from_dict`` round-trip exactly: the result compares
equal to the original. Turns are stored as message indices plus their timing, so a message is
written once. The schema is versioned (``SCHEMA``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reattune.errors import MalformedFileError
from reattune.model.conversation import Conversation, ConversationKind, Fragment, SourceInfo
from reattune.model.message import Message, MessageKind, Reaction, SourceLocation
from reattune.model.speaker import PartnerLabel, Role, Speaker
from reattune.model.turn import Turn
from reattune.model.warnings import ParseWarning

SCHEMA = "reattune.conversation/1"

JSON = dict[str, Any]


def _loc_to(loc: SourceLocation) -> JSON:
    return {"file": loc.file, "line": loc.line, "end_line": loc.end_line, "pointer": loc.pointer}


def _loc_from(d: JSON) -> SourceLocation:
    return SourceLocation(
        file=d["file"], line=d["line"], end_line=d["end_line"], pointer=d["pointer"]
    )


def _time_to(t: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset; a named time zone follows in brackets, as in RFC 9557
    (``2024-03-10T02:30:00-05:00[America/New_York]``), so that the zone and the side of a
    daylight-saving change (``fold``) come back exactly."""
    if t is None:
        return None
    if isinstance(t.tzinfo, ZoneInfo):
        return f"{t.isoformat()}[{t.tzinfo.key}]"
    return t.isoformat()


def _time_from(s: str | None) -> datetime | None:
    if s is None:
        return None
    if not s.endswith("]") or "[" not in s:
        return datetime.fromisoformat(s)
    stamp, _, key = s[:-1].partition("[")
    with_offset = datetime.fromisoformat(stamp)
    try:
        zone = ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {key!r}") from exc
    local = with_offset.replace(tzinfo=zone)
    for fold in (0, 1):
        candidate = local.replace(fold=fold)
        if candidate.utcoffset() == with_offset.utcoffset():
            return candidate
    return with_offset.astimezone(zone)


def message_to_dict(m: Message) -> JSON:
    return {
        "index": m.index,
        "sender": m.sender,
        "text": m.text,
        "location": _loc_to(m.location),
        "timestamp": _time_to(m.timestamp),
        "start": m.start,
        "end": m.end,
        "kind": m.kind.value,
        "media": list(m.media),
        "edited": m.edited,
        "deleted": m.deleted,
        "reactions": [{"emoji": r.emoji, "actor": r.actor} for r in m.reactions],
    }


def message_from_dict(d: JSON) -> Message:
    return Message(
        index=d["index"],
        sender=d["sender"],
        text=d["text"],
        location=_loc_from(d["location"]),
        timestamp=_time_from(d["timestamp"]),
        start=d["start"],
        end=d["end"],
        kind=MessageKind(d["kind"]),
        media=tuple(d["media"]),
        edited=d["edited"],
        deleted=d["deleted"],
        reactions=tuple(Reaction(emoji=r["emoji"], actor=r["actor"]) for r in d["reactions"]),
    )


def conversation_to_dict(c: Conversation) -> JSON:
    return {
        "schema": SCHEMA,
        "kind": c.kind.value,
        "turn_gap_seconds": c.turn_gap_seconds,
        "source": {
            "path": c.source.path,
            "format": c.source.format,
            "encoding": c.source.encoding,
            "sha256": c.source.sha256,
            "size": c.source.size,
            "timezone": c.source.timezone,
            "structural_lines": [list(r) for r in c.source.structural_lines],
            "details": [list(p) for p in c.source.details],
        },
        "participants": [
            {
                "id": s.id,
                "display_name": s.display_name,
                "role": s.role.value,
                "partner": None if s.partner is None else s.partner.value,
            }
            for s in c.participants
        ],
        "messages": [message_to_dict(m) for m in c.messages],
        "turns": [
            {
                "index": t.index,
                "speaker": t.speaker,
                "messages": [m.index for m in t.messages],
                "text": t.text,
                "spans": [list(s) for s in t.spans],
                "start": t.start,
                "end": t.end,
                "latency": t.latency,
                "gap": t.gap,
                "words_per_minute": t.words_per_minute,
            }
            for t in c.turns
        ],
        "warnings": [
            {
                "code": w.code,
                "message": w.message,
                "location": None if w.location is None else _loc_to(w.location),
            }
            for w in c.warnings
        ],
        "fragments": [{"location": _loc_to(f.location), "text": f.text} for f in c.fragments],
    }


def conversation_from_dict(d: JSON) -> Conversation:
    if d.get("schema") != SCHEMA:
        raise MalformedFileError(
            f"unsupported conversation schema {d.get('schema')!r}", expected=SCHEMA
        )
    try:
        messages = tuple(message_from_dict(m) for m in d["messages"])
        by_index = {m.index: m for m in messages}
        src = d["source"]
        return Conversation(
            kind=ConversationKind(d["kind"]),
            turn_gap_seconds=d["turn_gap_seconds"],
            source=SourceInfo(
                path=src["path"],
                format=src["format"],
                encoding=src["encoding"],
                sha256=src["sha256"],
                size=src["size"],
                timezone=src["timezone"],
                structural_lines=tuple((a, b) for a, b in src["structural_lines"]),
                details=tuple((k, v) for k, v in src["details"]),
            ),
            participants=tuple(
                Speaker(
                    id=p["id"],
                    display_name=p["display_name"],
                    role=Role(p["role"]),
                    partner=None if p["partner"] is None else PartnerLabel(p["partner"]),
                )
                for p in d["participants"]
            ),
            messages=messages,
            turns=tuple(
                Turn(
                    index=t["index"],
                    speaker=t["speaker"],
                    messages=tuple(by_index[i] for i in t["messages"]),
                    text=t["text"],
                    spans=tuple((a, b) for a, b in t["spans"]),
                    start=t["start"],
                    end=t["end"],
                    latency=t["latency"],
                    gap=t["gap"],
                    words_per_minute=t["words_per_minute"],
                )
                for t in d["turns"]
            ),
            warnings=tuple(
                ParseWarning(
                    code=w["code"],
                    message=w["message"],
                    location=None if w["location"] is None else _loc_from(w["location"]),
                )
                for w in d["warnings"]
            ),
            fragments=tuple(
                Fragment(location=_loc_from(f["location"]), text=f["text"]) for f in d["fragments"]
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedFileError(
            f"not a valid reattune conversation ({type(exc).__name__}: {exc})",
            expected=f"JSON written by reattune ({SCHEMA})",
        ) from exc


def dumps(c: Conversation, *, indent: int | None = None) -> str:
    return json.dumps(conversation_to_dict(c), ensure_ascii=False, indent=indent)


def loads(text: str) -> Conversation:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedFileError(
            f"invalid JSON: {exc.msg}", line=exc.lineno, expected="a JSON object"
        ) from exc
    if not isinstance(data, dict):
        raise MalformedFileError("not a JSON object", expected="a JSON object")
    return conversation_from_dict(data)
