"""iMessage: the text export of ``imessage-exporter``, and CSV exports (iMazing and simple).

``imessage`` — ReagentX/imessage-exporter ``--format txt`` writes one file per chat. The
shapes below were checked against its TXT exporter and its unit tests
(``imessage-exporter/src/exporters/txt.rs``, later ``txt/mod.rs``; dates from
``imessage-database/src/util/dates.rs``):

* a message is a block: the date line ``%b %d, %Y %l:%M:%S %p`` (``May 17, 2022  5:29:42 PM``,
  two spaces before a one-digit hour), optionally followed by `` (Read by you after 1 hour,
  49 seconds)`` / ``(Read by them after …)`` / ``(Read by <name> after …)``; then the sender
  line (``Me``, a contact name, a phone number or e-mail, ``Unknown``); then the body lines;
  then one blank line. Times are the exporting Mac's local time, without a zone;
* attachments are one line each: the file's path (``~/Library/Messages/Attachments/…/x.heic``
  or a copied ``attachments/…`` path), ``Attachment missing!``, or ``Sticker from <who>:
  <path>`` with an optional ``(App: …)``/``(Genmoji prompt: …)``; a voice message may be
  followed by ``Transcription: <words>`` (the words are kept as the message's text);
* tapbacks follow the part they react to: ``Tapbacks:`` (older versions ``Reactions:``) and
  one line each, optionally indented by 4 spaces: ``Loved by Me``, ``Liked by <who>``,
  ``Disliked``/``Laughed``/``Emphasized``/``Questioned by …``, ``<emoji> by <who>`` for custom
  emoji, ``Sticker from <who>: <path> from <who>``. They become ``Reaction``s (❤️ 👍 👎 😂 ‼️ ❓);
* edited messages show their history: ``<date> <original text>`` then ``Edited 1 minute,
  3 seconds later: <new text>``; the last version is the text and ``edited`` is set. Unsent
  parts read ``You unsent this message part 2 minutes after sending!`` / ``They unsent this
  message part!``, recovered deleted ones ``This message was deleted from the conversation!``
  (both set ``deleted``);
* effects (``Sent with Confetti``…), ``This message responded to an earlier message.`` and the
  4-space-indented copy of each reply shown under the message it answers are structure, not
  text (each reply also appears as its own message in date order);
* announcements are one line ``<date> <who> <action>`` (``You named the conversation …``,
  ``… added … to the conversation.``, ``… left the conversation.``, ``… changed the group
  photo.``); they are system messages, except ``<who> unsent a message!`` — a deleted message
  of that person (``You`` is ``Me``). The exporter's own ``Unable to format announcement!``
  (no date) is kept as an untimed system message.

Known limit: in older versions a reply's continuation lines were not indented, so they join
the text of the message the reply is shown under.

``imessage-csv`` — a CSV with a header row. Columns are found by name (case and spaces
ignored): the date from ``Message Date``, ``Date``, ``Timestamp``, ``Datetime``,
``Date/Time``, ``Time`` or ``Sent`` (or ``Date`` + ``Time`` columns together); the sender from
``Sender``, ``From``, ``Sender Name``, ``Author``, ``Name`` or ``Handle`` — or, as in iMazing's
export (``Chat Session, Message Date, Delivered Date, Read Date, Edited Date, Service, Type,
Sender ID, Sender Name, Status, Replying to, Subject, Text, Attachment, Attachment type``),
``Type`` ``Outgoing`` → ``Me``, ``Incoming`` → ``Sender Name``, ``Sender ID`` or
``Chat Session``, ``Notification`` → a system message; ``Is From Me`` (1/true → ``Me``) is
also read; the text from ``Text``, ``Message``, ``Body`` or ``Content``. ``Attachment``
becomes a media marker and a non-empty ``Edited Date`` sets ``edited``. Dates are ISO
(``2023-10-21 09:00:00``, ``…T…Z``), ``M/D/YYYY h:mm:ss AM`` style (day-first when the file
shows it, else ``ParseOptions.date_order``, else month-first with W102), ``D.M.YYYY HH:MM``,
``May 17, 2022 5:29:42 PM``, or epoch seconds/milliseconds. Separators ``,`` ``;`` or tab.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import ClassVar

from reattune.errors import MalformedFileError, TruncatedFileError
from reattune.ingest.base import DateOrder, ParseOptions, ParseResult, note_backwards
from reattune.ingest.source import Source
from reattune.model import (
    ConversationKind,
    Fragment,
    Message,
    MessageKind,
    Reaction,
    SourceLocation,
)

# --- imessage-exporter TXT -------------------------------------------------------------------

_DATE = (
    r"(?P<date>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4} +"
    r"\d{1,2}:\d{2}:\d{2}[ \u202f\u00a0][AP]M)"
)
_HEADER = re.compile(rf"^{_DATE}(?: \(Read by .+? after .*\))?$")
_DATED = re.compile(rf"^{_DATE} (?P<rest>\S.*)$")
_EDITED = re.compile(r"^Edited .+? later: (?P<text>.*)$")
_UNSENT_PART = re.compile(r"^.+ unsent this message part(?: .+ after sending)?!$")
_UNSENT_ALL = re.compile(r"^(?P<who>.+) unsent a message!$")
_TAPBACK = re.compile(r"^\s*(?P<kind>.+?) by (?P<who>.+)$")
_STICKER = re.compile(r"^(?:\S+ )?Sticker from (?P<who>.+?)(?:: | not found!)")
_EFFECT = re.compile(
    r"^Sent with (?:Confetti|Echo|Fireworks|Balloons|Heart|Lasers|Shooting Sta(?:r|rt)|Sparkles"
    r"|Spotlight|Slam|Loud|Gentle|Invisible Ink)$"
)
_ATTACHMENT = re.compile(
    r"^(?:Audio Message\.(?:caf|amr|m4a|mp4)"
    r"|(?:~|/|[\w .-]+/)\S.*\.(?:jpe?g|heic|heif|png|gif|webp|tiff?|bmp|mov|mp4|m4v|avi|caf"
    r"|m4a|mp3|wav|aac|amr|opus|pdf|docx?|xlsx?|pptx?|pages|numbers|key|txt|zip|vcf|ics"
    r"|pluginpayloadattachment|gpx|usdz))$",
    re.IGNORECASE,
)
_STRUCTURE = {
    "This message responded to an earlier message.",
    "Started sharing location!",
    "Stopped sharing location!",
    "Shared location!",
}
TAPBACK_EMOJI = {
    "Loved": "❤️",
    "Liked": "👍",
    "Disliked": "👎",
    "Laughed": "😂",
    "Emphasized": "‼️",
    "Questioned": "❓",
}


def _is_tapback(line: str) -> Reaction | None:
    sticker = _STICKER.match(line.strip())
    if sticker:
        return Reaction("sticker", sticker.group("who"))
    match = _TAPBACK.match(line)
    if match is None:
        return None
    kind = match.group("kind")
    if kind in TAPBACK_EMOJI:
        return Reaction(TAPBACK_EMOJI[kind], match.group("who"))
    if len(kind) <= 8 and not any(ch.isalnum() for ch in kind):
        return Reaction(kind, match.group("who"))
    return None


def _when(date: str, zone: tzinfo) -> datetime | None:
    """``May 17, 2022  5:29:42 PM`` in ``zone``; None for an impossible date (Feb 30)."""
    clean = " ".join(date.replace("\u202f", " ").replace("\u00a0", " ").split())
    try:
        return datetime.strptime(clean, "%b %d, %Y %I:%M:%S %p").replace(tzinfo=zone)
    except ValueError:
        return None


@dataclass(slots=True)
class _Block:
    """One message of the TXT export, gathered line by line."""

    first: int
    last: int
    timestamp: datetime
    sender: str | None = None
    lines: list[tuple[int, str]] = field(default_factory=list)


class IMessageParser:
    name: ClassVar[str] = "imessage"
    title: ClassVar[str] = "iMessage (imessage-exporter TXT)"
    kind: ClassVar[ConversationKind] = ConversationKind.CHAT
    sniff_ceiling: ClassVar[float] = 0.95

    def sniff(self, source: Source) -> float:
        lines = [ln for ln in source.head(8192).splitlines() if ln.strip()][:40]
        if not lines:
            return 0.0
        headers = sum(1 for ln in lines if _HEADER.match(ln))
        if _HEADER.match(lines[0]):
            return 0.95 if headers >= 2 else 0.75
        if _DATED.match(lines[0]):
            return 0.9 if headers >= 1 else 0.6
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        zone = options.zone()
        result = ParseResult(kind=self.kind, timezone=options.timezone)
        result.details.update({"exporter": "imessage-exporter", "clock": "12h"})
        lines = source.lines()
        block: _Block | None = None
        after_blank = True
        for n, raw in enumerate(lines, start=1):
            line = raw.rstrip("\r")
            if not line.strip():
                after_blank = True
                continue
            nxt_blank = n == len(lines) or not lines[n].strip()
            header = _HEADER.match(line) if after_blank else None
            started = _when(header.group("date"), zone) if header else None
            dated = _DATED.match(line) if after_blank and started is None and nxt_blank else None
            announced = _when(dated.group("date"), zone) if dated else None
            if started is not None:
                self._close(block, result, source)
                block = _Block(n, n, started)
            elif dated is not None and announced is not None:
                self._close(block, result, source)
                block = None
                self._announcement(n, announced, dated.group("rest"), result, source)
            elif after_blank and nxt_blank and line.strip() == "Unable to format announcement!":
                self._close(block, result, source)
                block = None
                loc = SourceLocation(source.name, n, n)
                result.messages.append(
                    Message(len(result.messages), None, line.strip(), loc, kind=MessageKind.SYSTEM)
                )
            elif block is not None:
                if block.sender is None:
                    block.sender = line.strip()
                else:
                    block.lines.append((n, line))
                block.last = n
            else:
                result.keep_fragment(
                    SourceLocation(source.name, n, n),
                    line,
                    f"line {n}: text before the first dated message",
                )
            after_blank = False
        self._close(block, result, source)
        if not result.messages:
            raise MalformedFileError(
                "no dated message found",
                file=source.name,
                line=1,
                expected="an imessage-exporter TXT export (a date line such as "
                "'May 17, 2022  5:29:42 PM', then the sender, then the text)",
            )
        result.warn("W103", f"times carry no zone; read as {options.timezone}")
        note_backwards(result)
        return result

    @staticmethod
    def _announcement(
        n: int, when: datetime, rest: str, result: ParseResult, source: Source
    ) -> None:
        loc = SourceLocation(source.name, n, n)
        unsent = _UNSENT_ALL.match(rest)
        index = len(result.messages)
        if unsent is not None:
            who = unsent.group("who")
            sender = "Me" if who == "You" else who
            result.messages.append(Message(index, sender, "", loc, when, deleted=True))
        else:
            result.messages.append(Message(index, None, rest, loc, when, kind=MessageKind.SYSTEM))

    def _close(self, block: _Block | None, result: ParseResult, source: Source) -> None:
        if block is None:
            return
        loc = SourceLocation(source.name, block.first, block.last)
        if block.sender is None:
            result.keep_fragment(loc, "", f"line {block.first}: a date line without a sender")
            result.warn("W107", "a message has no sender line", loc)
            return
        text: list[str] = []
        versions: list[list[str]] = []
        media: list[str] = []
        reactions: list[Reaction] = []
        deleted = edited = in_tapbacks = in_reply = False
        previous = block.first
        for n, line in block.lines:
            gap = n - previous - 1  # blank lines skipped since the previous body line
            previous = n
            stripped = line.strip()
            if in_reply and (line.startswith("    ") or not stripped):
                continue
            in_reply = False
            if line.startswith("    ") and _HEADER.match(stripped):
                in_reply = True
                continue
            if in_tapbacks:
                reaction = _is_tapback(line)
                if reaction is not None:
                    reactions.append(reaction)
                    continue
                in_tapbacks = False
            dated = _DATED.match(line) if not versions else None
            edit = _EDITED.match(line)
            if stripped in ("Tapbacks:", "Reactions:"):
                in_tapbacks = True
            elif stripped == "This message was deleted from the conversation!" or (
                _UNSENT_PART.match(stripped)
            ):
                deleted = True
            elif edit is not None:
                edited = True
                versions.append([edit.group("text")])
            elif dated is not None and self._edited_below(block, n):
                edited = True
                versions.append([dated.group("rest")])
            elif _EFFECT.match(stripped) or stripped in _STRUCTURE:
                continue
            elif self._is_media(stripped):
                media.append(stripped)
            elif stripped.startswith("Transcription: ") and media:
                text.append(stripped.removeprefix("Transcription: "))
            else:
                target = versions[-1] if versions else text
                if target:
                    target.extend([""] * gap)
                target.append(line)
        if versions:
            text = versions[-1]
        body = "\n".join(text).strip("\n")
        if not body and not media and not deleted:
            result.warn("W108", "the message has no text and no attachment", loc)
        result.messages.append(
            Message(
                len(result.messages),
                block.sender,
                body,
                loc,
                block.timestamp,
                media=tuple(media),
                edited=edited,
                deleted=deleted,
                reactions=tuple(reactions),
            )
        )

    @staticmethod
    def _is_media(line: str) -> bool:
        """An attachment path, a missing attachment, or a sticker sent as a message."""
        return bool(
            line == "Attachment missing!" or _ATTACHMENT.match(line) or _STICKER.match(line)
        )

    @staticmethod
    def _edited_below(block: _Block, n: int) -> bool:
        return any(m > n and _EDITED.match(line) for m, line in block.lines)


# --- CSV -------------------------------------------------------------------------------------

_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("messagedate", "date", "timestamp", "datetime", "date/time", "time", "sent"),
    "sender": ("sender", "from", "sendername", "author", "name", "handle"),
    "text": ("text", "message", "body", "content"),
}
_IMAZING = ("chatsession", "messagedate", "type", "text")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4})[ ,T]+(.+)$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})[ ,T]+(.+)$")
_CLOCKS = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")


def _key(name: str) -> str:
    return "".join(name.lower().split()).replace("_", "")


def _delimiter(header: str) -> str:
    return max((",", ";", "\t"), key=header.count)


def _clock(text: str) -> tuple[int, int, int] | None:
    clean = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").upper().split())
    for fmt in _CLOCKS:
        try:
            t = datetime.strptime(clean, fmt)
        except ValueError:
            continue
        return t.hour, t.minute, t.second
    return None


@dataclass(slots=True)
class _Dates:
    """Parses the date cells of one CSV, deciding the order of numeric dates once."""

    zone: tzinfo
    order: DateOrder
    zoned: bool = False
    local: bool = False

    def parse(self, value: str) -> datetime | None:
        value = value.strip()
        if not value:
            return None
        if re.fullmatch(r"\d{9,13}(?:\.\d+)?", value):
            number = float(value)
            self.zoned = True
            return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, tz=UTC)
        when: datetime | None
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = self._other(value)
        if when is None:
            return None
        if when.tzinfo is None:
            self.local = True
            return when.replace(tzinfo=self.zone)
        self.zoned = True
        return when

    def _other(self, value: str) -> datetime | None:
        for pattern, day_first in ((_SLASH, self.order is DateOrder.DAY_FIRST), (_DOTTED, True)):
            match = pattern.match(value)
            if match is None:
                continue
            a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
            day, month = (a, b) if day_first else (b, a)
            clock = _clock(match.group(4))
            if clock is None:
                return None
            try:
                return datetime(year if year > 99 else 2000 + year, month, day, *clock)
            except ValueError:
                return None
        when = _when(value, UTC)
        return None if when is None else when.replace(tzinfo=None)


def _slash_order(cells: list[str], wanted: DateOrder | None) -> tuple[DateOrder, bool]:
    """The order of ``a/b/yyyy`` dates, and whether it had to be assumed."""
    firsts = [m for c in cells if (m := _SLASH.match(c.strip()))]
    if not firsts:
        return wanted or DateOrder.MONTH_FIRST, False
    if any(int(m.group(1)) > 12 for m in firsts):
        return DateOrder.DAY_FIRST, False
    if any(int(m.group(2)) > 12 for m in firsts):
        return DateOrder.MONTH_FIRST, False
    return wanted or DateOrder.MONTH_FIRST, wanted is None


def _open_quote(lines: list[str], delimiter: str) -> bool:
    """Whether the record in ``lines`` leaves a quoted cell open (it ran to the file's end)."""
    try:
        list(csv.reader((ln + "\n" for ln in lines), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


class IMessageCsvParser:
    name: ClassVar[str] = "imessage-csv"
    title: ClassVar[str] = "iMessage CSV (iMazing, or date/sender/text columns)"
    kind: ClassVar[ConversationKind] = ConversationKind.CHAT
    sniff_ceiling: ClassVar[float] = 0.95

    def sniff(self, source: Source) -> float:
        head = source.head(4096)
        first = head.split("\n", 1)[0].strip().lstrip("\ufeff")
        if not first or first.startswith(("{", "[", "WEBVTT")):
            return 0.0
        try:
            names = {_key(c) for c in next(csv.reader([first], delimiter=_delimiter(first)))}
        except (csv.Error, StopIteration):
            return 0.0
        if all(k in names for k in _IMAZING):
            return 0.95 if "service" in names else 0.7
        found = [any(c in names for c in options) for options in _COLUMNS.values()]
        if all(found) or (found[0] and found[2] and "type" in names):
            return 0.6
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        lines = source.lines()
        header_at = next((n for n, ln in enumerate(lines, 1) if ln.strip()), 0)
        if header_at == 0:
            raise MalformedFileError("no header row", file=source.name, expected=self.title)
        delimiter = _delimiter(lines[header_at - 1])
        rows = self._rows(source, lines, header_at, delimiter)
        header_first, header_last, header = next(rows)
        cols = {_key(name): i for i, name in reversed(list(enumerate(header)))}
        pick = {
            role: next((cols[c] for c in names if c in cols), None)
            for role, names in _COLUMNS.items()
        }
        direction = cols.get("type")
        from_me = cols.get("isfromme")
        if (
            pick["date"] is None
            or pick["text"] is None
            or (pick["sender"] is None and direction is None and from_me is None)
        ):
            raise MalformedFileError(
                "the header row does not name date, sender and text columns",
                file=source.name,
                line=header_first,
                expected="a CSV header with a date column (Message Date, Date, Timestamp), a "
                "sender column (Sender, From, or Type + Sender Name) and a Text column",
            )
        result = ParseResult(kind=self.kind)
        result.structural_lines.append((header_first, header_last))
        imazing = all(k in cols for k in _IMAZING)
        result.details["variant"] = "imazing" if imazing else "columns"
        result.details["delimiter"] = {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter]
        body = list(rows)
        time_col = cols.get("time") if pick["date"] == cols.get("date") else None
        date_cells = [r[pick["date"]] for _, _, r in body if len(r) == len(header)]
        order, assumed = _slash_order(date_cells, options.date_order)
        dates = _Dates(options.zone(), order)
        for first, last, row in body:
            loc = SourceLocation(source.name, first, last)
            if not any(cell.strip() for cell in row):
                result.structural_lines.append((first, last))
                continue
            if len(row) != len(header):
                text = delimiter.join(row)
                result.fragments.append(Fragment(loc, text))
                result.warn(
                    "W107",
                    f"line {first}: {len(row)} cells where the header has "
                    f"{len(header)}; kept as a fragment",
                    loc,
                )
                continue
            self._row(row, loc, cols, pick, time_col, dates, result)
        if assumed:
            result.details["date_order"] = order.value
            result.warn("W102", f"numeric dates fit both orders; read as {order.value}")
        if dates.local:
            result.timezone = options.timezone
            result.warn("W103", f"times carry no zone; read as {options.timezone}")
        elif dates.zoned:
            result.timezone = "UTC"
        note_backwards(result)
        return result

    def _rows(
        self, source: Source, lines: list[str], start: int, delimiter: str
    ) -> Iterator[tuple[int, int, list[str]]]:
        feed = (line + "\n" for line in lines[start - 1 :])
        reader = csv.reader(feed, delimiter=delimiter)
        done = start - 1
        try:
            for row in reader:
                first, done = done + 1, start - 1 + reader.line_num
                if done == len(lines) and _open_quote(lines[first - 1 :], delimiter):
                    raise TruncatedFileError(
                        "the file ends inside a quoted cell",
                        file=source.name,
                        line=first,
                        expected="every quoted cell closed with a quote",
                    )
                yield first, done, row
        except csv.Error as exc:
            raise MalformedFileError(
                f"the CSV cannot be read ({exc})",
                file=source.name,
                line=done + 1,
                expected="comma-, semicolon- or tab-separated values with a header row",
            ) from exc

    @staticmethod
    def _row(
        row: list[str],
        loc: SourceLocation,
        cols: dict[str, int],
        pick: dict[str, int | None],
        time_col: int | None,
        dates: _Dates,
        result: ParseResult,
    ) -> None:
        def cell(name: str) -> str:
            i = cols.get(name)
            return row[i].strip() if i is not None else ""

        assert pick["date"] is not None and pick["text"] is not None
        raw_date = row[pick["date"]]
        if time_col is not None:
            raw_date = f"{raw_date} {row[time_col]}"
        when = dates.parse(raw_date)
        if when is None:
            result.warn("W107", "the row's date could not be read; no time", loc)
        text = row[pick["text"]]
        direction = cell("type").lower()
        index = len(result.messages)
        if direction in ("notification", "system"):
            result.messages.append(Message(index, None, text, loc, when, kind=MessageKind.SYSTEM))
            return
        if direction == "outgoing" or cell("isfromme").lower() in ("1", "true", "yes"):
            sender = "Me"
        else:
            names = [cell("sendername"), cell("senderid")]
            if pick["sender"] is not None:
                names.insert(0, row[pick["sender"]].strip())
            names.append(cell("chatsession"))
            sender = next((s for s in names if s), "")
        if not sender:
            result.fragments.append(Fragment(loc, text))
            result.warn("W107", "the row names no sender; kept as a fragment", loc)
            return
        media = tuple(a for a in (cell("attachment"),) if a)
        if not text and not media:
            result.warn("W108", "the message has no text and no attachment", loc)
        result.messages.append(
            Message(index, sender, text, loc, when, media=media, edited=bool(cell("editeddate")))
        )


PARSERS = (IMessageParser(), IMessageCsvParser())
