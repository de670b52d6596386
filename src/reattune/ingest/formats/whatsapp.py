"""WhatsApp chat exports ("Export chat" → ``.txt``, or the ``.zip`` with media).

The app writes one message per line, continuation lines for multi-line messages, and a
header whose shape depends on the phone and its locale (documented by the exports
themselves; the same shapes are handled by Pustur/whatsapp-chat-parser and
joweich/chat-miner, whose test logs we followed):

- Android: ``12/03/2024, 21:14 - Alice: text`` or ``3/12/24, 9:14 PM - Alice: text``
  (newer versions put U+202F before ``PM``; Spanish-style ``p. m.``); notices have no
  ``Name:`` (``12/03/2024, 21:14 - Bob joined using this group's invite link``).
- iOS: ``[12/03/2024, 21:14:05] Alice: text``, lines often led by U+200E (LEFT-TO-RIGHT
  MARK); notices are written as ``[…] Chat name: <U+200E>notice``, markers as
  ``Alice: <U+200E>image omitted``, or ``<attached: 00000012-PHOTO-….jpg>`` in a ``.zip``.

App markers (``<Media omitted>``, ``This message was deleted``, ``<This message was
edited>``…) become ``media``/``deleted``/``edited``, never text; notices become system
messages without a sender. Markers are known in English and Spanish, and the media and
deletion markers also in German, French, Portuguese and Italian (as the exports write them:
``<Medien ausgeschlossen>``, ``<Médias omis>``, ``<Mídia oculta>``, ``<Media omesso>``,
``Diese Nachricht wurde gelöscht``, ``Ce message a été supprimé``, ``Esta mensagem foi
apagada``, ``Questo messaggio è stato eliminato``, ``Bild weggelassen``, ``(Datei
angehängt)``… — the shapes other WhatsApp parsers' tests and filters document). Notices in
those languages are system messages when they carry no ``Name:`` (Android) or are marked
with U+200E (iOS), as in every language.

Dates use ``/``, ``.`` or ``-`` with 2- or 4-digit years; whether the day or the month
comes first is decided from the whole file (``details["date_order"]``). Times carry no
zone: they are read in ``ParseOptions.timezone``.

Speed: one compiled regex match per line (first a pattern of the file's own header shape,
``_match_headers``), then one step per message; timestamps are built once per distinct
(date, time) text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import compress, count
from operator import itemgetter, ne, not_
from typing import ClassVar, cast

from reattune.errors import MalformedFileError
from reattune.ingest.base import DateOrder, ParseOptions, ParseResult
from reattune.ingest.source import Source
from reattune.ingest.turns import make_turn
from reattune.model import (
    TURN_JOINER,
    ConversationKind,
    Message,
    MessageKind,
    SourceLocation,
    Turn,
)
from reattune.model.message import new_located_message
from reattune.model.turn import new_turn

LRM = "\u200e"

_SENDER_AND_TEXT = r"(?:([^:]*+(?::(?! )[^:]*+)*+): )?((?s:.*))"
"""The end of ``_HEADER`` (groups 4 and 5), also the end of a file's ``_shape_pattern``."""

_HEADER = re.compile(
    r"[\u200e\u200f]*+(\[)?"
    r"(\d{1,4}+[/.\-] ?+\d{1,2}+[/.\-] ?+\d{1,4}+)\.?+,?+[ \u00a0\u202f]"
    r"(\d{1,2}+[:.]\d\d(?:[:.]\d\d)?+(?:[ \u00a0\u202f]?+[aApP]\.?+[ \u00a0\u202f]?+[mM]\.?+)?+)"
    r"(?(1)\] | [-\u2013] )" + _SENDER_AND_TEXT
)
"""One message header: (1) ``[`` on iOS, (2) date, (3) time; then the rest of the line,
cut at its first ``": "`` into (4) what comes before it (the sender, or ``None`` when the
rest holds no ``": "``) and (5) what comes after it (or the whole rest).

The possessive quantifiers (``*+``, ``?+``, ``{1,4}+``) never give back what they took:
each is followed by something that could not match what it would give back, so they match
exactly what the plain ones would, without trying to backtrack (a quarter less time).

It is only matched against single lines (no ``"\n"``): there ``(?s:.*)`` takes the same rest
as ``.*``, in one step instead of a newline test per character."""

_LOOKS_LIKE_HEADER = re.compile(
    r"[\u200e\u200f]*\[?\d{1,4}[/.\-] ?\d{1,2}[/.\-] ?\d{1,4}\.?,?\s*\d{1,2}[:.]\d"
)
"""A line that starts like a header (date and time) even though it is not a valid one."""

_HEADER_START = frozenset("0123456789[\u200e\u200f")

_DATE_PARTS = re.compile(r"(\d+)\D+(\d+)\D+(\d+)")
_TIME_PARTS = re.compile(r"(\d+)\D(\d+)(?:\D(\d+))?\s*(?:([aApP])\.?\s*[mM]\.?)?")

_DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# App markers in English and Spanish, the media and deletion markers also in German, French,
# Portuguese and Italian (add others here).
_EDITED = (
    "<This message was edited>",
    "<Se editó este mensaje.>",
    "<Diese Nachricht wurde bearbeitet>",
)

_DELETED = frozenset(
    {
        "This message was deleted",
        "This message was deleted.",
        "You deleted this message",
        "You deleted this message.",
        "Se eliminó este mensaje",
        "Se eliminó este mensaje.",
        "Eliminaste este mensaje",
        "Eliminaste este mensaje.",
        "Diese Nachricht wurde gelöscht",
        "Diese Nachricht wurde gelöscht.",
        "Du hast diese Nachricht gelöscht",
        "Du hast diese Nachricht gelöscht.",
        "Ce message a été supprimé",
        "Ce message a été supprimé.",
        "Vous avez supprimé ce message",
        "Vous avez supprimé ce message.",
        "Esta mensagem foi apagada",
        "Esta mensagem foi apagada.",
        "Você apagou esta mensagem",
        "Você apagou esta mensagem.",
        "Questo messaggio è stato eliminato",
        "Questo messaggio è stato eliminato.",
        "Hai eliminato questo messaggio",
        "Hai eliminato questo messaggio.",
    }
)

_DELETED_BY_ADMIN = "This message was deleted by admin"

_MEDIA_OMITTED = frozenset(
    {
        "<Media omitted>",
        "<Multimedia omitido>",
        "<Medien ausgeschlossen>",
        "<Médias omis>",
        "<Mídia oculta>",
        "<Arquivo de mídia oculto>",
        "<Media omesso>",
    }
)
_VIEW_ONCE = "null"
"""What Android writes for view-once media."""

_WHOLE_MARKERS = _DELETED | {_VIEW_ONCE}

_FIRST_TRIGGERS = frozenset(LRM + "MYTnSELDCVQH")
_LAST_TRIGGERS = frozenset(">)d" + LRM)
"""Cheap first test: a text that may hold a marker or notice starts or ends with one of
these (U+200E, ``Messages…``, ``You deleted…``, ``…omitted``, ``…>``, ``null``…)."""

_OMITTED = frozenset(
    [
        f"{kind} omitted"
        for kind in ("image", "video", "audio", "sticker", "GIF", "document", "Contact card")
    ]
    + [f"{kind} weggelassen" for kind in ("Bild", "Video", "Audio", "Sticker", "GIF")]
    + ["image absente", "vidéo absente", "audio omis", "sticker omis", "GIF retiré"]
    + ["document omis"]
)
"""iOS exports without media: the whole text, or the end of it after a U+200E
(``"a.pdf" • 2 pages <U+200E>document omitted``)."""
_OMITTED_ENDINGS = tuple(sorted({m.rsplit(" ", 1)[1] for m in _OMITTED}))
"""How those end. The other languages' markers are found after the U+200E iOS writes before
them (the English ones also without it, as before)."""
_ATTACHED = "<attached: "
_FILE_ATTACHED = re.compile(
    r"(\S.*\.\w{1,8}) \((?:file attached|archivo adjunto|Datei angehängt|arquivo anexado)\)"
)
"""Android exports with media: ``IMG-20240312-WA0001.jpg (file attached)``, caption below."""

_PLAIN_NOTICE_PREFIXES = (
    "Messages and calls are end-to-end encrypted",
    "Messages to this group are now secured",
    "Messages to this chat and calls are now secured",
    "Missed voice call",
    "Missed video call",
    "Missed group voice call",
    "Missed group video call",
    "Your security code with ",
    "Los mensajes y las llamadas están cifrados",
)
"""Notices recognised even without the U+200E iOS writes before them."""

_NOTICE = re.compile(
    r"(?:"
    r"Messages\b.* end-to-end encrypt"
    r"|Los mensajes .*cifrados de extremo a extremo"
    r"|Missed (?:group )?(?:voice|video) call\b"
    r"|(?:Voice|Video|Group voice|Group video) call(?:,|$)"
    r"|Your security code with .+ changed"
    r"|.+'s security code changed"
    r"|.+ joined using (?:this group's invite link|a group link|this community's invite link)"
    r"|.+ joined from the community"
    r"|.+ (?:added|removed) .+"
    r"|.+ (?:left|joined|was added|was removed|were added|were removed)\.?$"
    r"|.+ changed (?:their phone number|to \+?\d)"
    r"|.+ changed (?:the subject|the group (?:name|description|icon)|this group's (?:icon|settings)"
    r"|the settings|the group settings)"
    r"|.+ deleted this group's (?:icon|description)"
    r"|.+ created (?:group|this group|the group)\b"
    r"|.+ (?:turned (?:on|off) (?:disappearing messages|admin approval)|pinned a message)"
    r"|.+ is a contact\.?$"
    r"|You (?:blocked|unblocked) this (?:contact|business)"
    r"|You're (?:now|no longer) an admin"
    r"|Disappearing messages were turned"
    r"|This (?:chat|business) is (?:with a business account|now)"
    r")"
)
"""App notices. Only trusted when iOS marks them with U+200E or they have no ``Name:``
(the prefixes above excepted): ``X added Y`` could otherwise be someone's words."""

_MAX_BACKWARDS_WARNINGS = 10

_JOINER_LEN = len(TURN_JOINER)

_EXPECTED = (
    "WhatsApp export lines such as '12/03/2024, 21:14 - Name: text' (Android) "
    "or '[12/03/2024, 21:14:05] Name: text' (iOS)"
)

_Ymd = tuple[int, int, int]
_Head = tuple[str | None, str, str, str | None, str]
"""A header's groups: (bracket, date, time, sender, text); ``_HEADER`` always sets 2, 3, 5."""
_groups = cast("Callable[[re.Match[str]], _Head]", re.Match.groups)


class WhatsAppParser:
    """WhatsApp ``.txt`` exports from Android and iOS (also inside the app's ``.zip``)."""

    name: ClassVar[str] = "whatsapp"
    title: ClassVar[str] = "WhatsApp chat export (Android and iOS .txt/.zip)"
    kind: ClassVar[ConversationKind] = ConversationKind.CHAT
    sniff_ceiling: ClassVar[float] = 0.95

    def sniff(self, source: Source) -> float:
        head = source.head()
        if not head:
            return 0.0
        lines = head.splitlines()
        if len(head) >= 4096 and len(lines) > 1:
            lines.pop()  # probably cut in the middle
        sample = [line for line in lines if line.strip()][:20]
        if not sample:
            return 0.0
        hits = sum(1 for line in sample if _HEADER.match(line))
        if hits == 0:
            return 0.0
        if hits * 2 >= len(sample):
            return 0.95
        return 0.6 if hits >= 2 else 0.3

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        return _Parse(source, options).run()


class _Parse:
    """One parse: find the headers, decide the date order, then build the messages."""

    def __init__(self, source: Source, options: ParseOptions) -> None:
        self.source = source
        self.options = options
        self.file = source.name
        self.lines = source.lines()
        self.result = ParseResult(kind=ConversationKind.CHAT)

    # -- pass 1: where each record starts ---------------------------------------------

    def run(self) -> ParseResult:
        lines = self.lines
        # One match per line, the bookkeeping by itertools/map rather than a Python loop.
        found = _match_headers(lines)
        starts = list(compress(range(1, len(lines) + 1), found))  # line numbers
        matched: list[re.Match[str]] = list(filter(None, found))
        # consecutive distinct dates, with the line of their first message: where the date
        # differs from the one before
        days = list(map(itemgetter(2), matched))
        date_seq = [
            (days[i], starts[i]) for i in compress(count(), map(ne, days, [None, *days[:-1]]))
        ]
        looks = _LOOKS_LIKE_HEADER.match
        misses = list(map(not_, found))  # the other lines: continuations, or damaged headers
        damaged = [
            n
            for n, line in zip(compress(count(1), misses), compress(lines, misses), strict=True)
            if line[:1] in _HEADER_START and looks(line)
        ]
        del found  # the match objects: their memory serves the messages
        # (each header's groups are taken in the pass that reads them: made all at once here,
        # with their date and time texts, they would take more memory than the messages)
        heads: list[re.Match[str] | None] = list(matched)
        if damaged:  # a damaged header starts a record too: kept as a fragment
            by_line = dict(zip(starts, heads, strict=True))
            by_line.update(dict.fromkeys(damaged))
            starts = sorted(by_line)
            heads = [by_line[i] for i in starts]
        if not date_seq:
            first = next((n for n, line in enumerate(lines, 1) if line.strip()), 1)
            raise MalformedFileError(
                "no WhatsApp message header found",
                file=self.file,
                line=first,
                expected=_EXPECTED,
            )
        self._leading(starts[0])
        dates = self._decide_dates(date_seq)
        self._build(starts, heads, dates)
        return self.result

    def _leading(self, first: int) -> None:
        """Non-empty lines before the first header (line ``first``): fragments."""
        body = [n for n in range(first - 1) if self.lines[n].strip()]
        if body:
            lo, hi = body[0] + 1, body[-1] + 1
            self.result.keep_fragment(
                SourceLocation(self.file, line=lo, end_line=hi),
                "\n".join(self.lines[lo - 1 : hi]),
                f"lines {lo}-{hi} come before the first message header",
            )

    # -- the date order ---------------------------------------------------------------

    def _decide_dates(self, date_seq: list[tuple[str, int]]) -> dict[str, _Ymd | None]:
        first_line: dict[str, int] = {}
        for d, n in date_seq:
            first_line.setdefault(d, n)
        parts: dict[str, tuple[str, str, str] | None] = {}
        for d in first_line:
            pm = _DATE_PARTS.match(d)
            parts[d] = None if pm is None else (pm.group(1), pm.group(2), pm.group(3))
        day_votes = [d for d, p in parts.items() if p and _vote(p) is DateOrder.DAY_FIRST]
        month_votes = [d for d, p in parts.items() if p and _vote(p) is DateOrder.MONTH_FIRST]
        details = self.result.details
        wanted = self.options.date_order
        basis = "file"
        if wanted is not None:
            against = month_votes if wanted is DateOrder.DAY_FIRST else day_votes
            support = day_votes if wanted is DateOrder.DAY_FIRST else month_votes
            if against and not support:
                line = min(first_line[d] for d in against)
                raise MalformedFileError(
                    f"line {line}: the date does not fit --date-order {wanted.value}",
                    file=self.file,
                    line=line,
                    expected=f"dates written {wanted.value}; this file is written the other "
                    "way round (leave --date-order out to decide from the file)",
                )
            order, basis = wanted, "option"
        elif day_votes or month_votes:
            order = (
                DateOrder.DAY_FIRST if len(day_votes) >= len(month_votes) else DateOrder.MONTH_FIRST
            )
        else:
            order, basis = self._tie_break(date_seq, parts)
        details["date_order"] = order.value
        if all(p is not None and len(p[0]) >= 3 for p in parts.values()):
            details["date_order"], basis = "year-first", "file"
        details["date_order_basis"] = basis
        return {d: _ymd(p, order) for d, p in parts.items()}

    def _tie_break(
        self, date_seq: list[tuple[str, int]], parts: dict[str, tuple[str, str, str] | None]
    ) -> tuple[DateOrder, str]:
        """Every date fits both orders: keep the one under which time runs forwards, else
        assume day-first. Either way say so (W102)."""
        back = {o: _backward_steps(date_seq, parts, o) for o in DateOrder}
        if back[DateOrder.DAY_FIRST] != back[DateOrder.MONTH_FIRST]:
            order = min(DateOrder, key=lambda o: back[o])
            self.result.warn(
                "W102",
                f"every date fits both orders; {order.value} assumed because it keeps the "
                "dates in time order (change it with --date-order)",
            )
            return order, "chronology"
        if any(p is not None and len(p[0]) < 3 for p in parts.values()):
            self.result.warn(
                "W102",
                "every date fits both orders; day-first assumed (change it with --date-order)",
            )
        return DateOrder.DAY_FIRST, "assumed"

    # -- pass 2: messages -------------------------------------------------------------

    def _build(
        self,
        starts: list[int],
        heads: list[re.Match[str] | None],
        dates: dict[str, _Ymd | None],
    ) -> None:
        result = self.result
        file = self.file
        lines = self.lines
        zone = _zone(self.options)
        fixed = zone is UTC  # POSIX time of midnight + time of day is then the timestamp's
        messages: list[Message] = []
        append = messages.append
        # Timestamps: midnight of each date plus the time of day, each built once; and one
        # datetime for consecutive messages of the same (date, time), with its POSIX time
        # (the turns' clock).
        deltas: dict[str, tuple[timedelta, int]] = {}
        cur_date = ""
        cur_time: str | None = None
        ts = datetime.min
        clock = 0.0
        day: datetime | None = None
        day_clock = 0.0
        ios = twelve = empty = 0
        backwards = index = 0
        prev_ts: datetime | None = None
        speech, system = MessageKind.SPEECH, MessageKind.SYSTEM
        # turns: the open one (first message, the others, start, end, sender), and the last made
        turns: list[Turn] = []
        previous: Turn | None = None
        turn_first: Message | None = None
        turn_rest: list[Message] | None = None
        turn_start = turn_end = 0.0
        turn_sender: str | None = None
        gap = self.options.turn_gap_seconds
        one_span: dict[int, tuple[tuple[int, int], ...]] = {}  # ((0, n),), shared
        first_triggers, last_triggers = _FIRST_TRIGGERS, _LAST_TRIGGERS
        # The senders whose message can be plain (a name, printable, not a quoted group name),
        # as the general path below finds them.
        plain_senders: set[str] = set()
        stops = starts[1:]  # the line after each record (1-based: the record's last line)
        stops.append(len(lines) + 1)
        for start, stop, m in zip(starts, stops, heads, strict=True):
            if m is None:
                end = _record_end(lines, start, stop)
                self._fragment(start, end, "the line starts like a message header but is damaged")
                continue
            bracket, date_s, time_s, sender, text = _groups(m)
            if time_s != cur_time or date_s != cur_date:
                if date_s != cur_date:
                    cur_date = date_s
                    ymd = dates.get(date_s)
                    day = None if ymd is None else datetime(ymd[0], ymd[1], ymd[2], tzinfo=zone)
                    day_clock = 0.0 if day is None else day.timestamp()
                    cur_time = None
                if day is None:
                    end = _record_end(lines, start, stop)
                    self._fragment(start, end, "the message header has an impossible date")
                    continue
                known = deltas.get(time_s)
                if known is None:
                    hms = _hms(time_s)
                    if hms is None:
                        end = _record_end(lines, start, stop)
                        self._fragment(start, end, "the message header has an impossible time")
                        continue
                    seconds = hms[0] * 3600 + hms[1] * 60 + hms[2]
                    known = deltas[time_s] = (timedelta(seconds=seconds), seconds)
                    if not time_s[-1].isdigit():
                        twelve += 1
                # wall-clock arithmetic: the same fields (and fold 0) as datetime(y, …, zone)
                ts = day + known[0]
                # (whole seconds: the sum is exact, as ``ts.timestamp()`` is)
                clock = day_clock + known[1] if fixed else ts.timestamp()
                cur_time = time_s
                # (a message of the same date and time as the one before has its datetime)
                if prev_ts is not None and ts < prev_ts:
                    backwards += 1
                    if backwards <= _MAX_BACKWARDS_WARNINGS:
                        result.warn(
                            "W106",
                            f"line {start}: the time goes back against the message before",
                            SourceLocation(file, line=start),
                        )
                prev_ts = ts
            if bracket:
                ios += 1
            if (
                stop - start == 1
                and sender in plain_senders
                and text
                and text[0] not in first_triggers
                and text[-1] not in last_triggers
            ):
                # The common message: "Name: text" on one line, no marker, no notice — what
                # the general steps below make of it, without them.
                message = new_located_message(
                    index,
                    sender,
                    text,
                    file,
                    start,
                    start,
                    None,
                    ts,
                    None,
                    None,
                    speech,
                    (),
                    False,
                    False,
                    (),
                )
            else:
                if sender and '"' not in sender and sender.isprintable():
                    plain_senders.add(sender)
                end = _record_end(lines, start, stop)
                # sender and text: the header pattern cut the rest at its first ": "
                kind = speech
                if not sender or ('"' in sender and _is_notice(f"{sender}: {text}")):
                    # No "Name: " (or a notice whose quoted group name holds ": ").
                    rest = text if sender is None else f"{sender}: {text}"
                    if not rest:
                        empty += 1
                        self._fragment(start, end, "the message header has neither sender nor text")
                        continue
                    if sender is None and rest[-1] == ":" and len(rest) > 1:
                        sender, text = rest[:-1], ""
                    else:
                        sender, text, kind = (
                            None,
                            rest.lstrip(_DIRECTION_MARKS).replace(LRM, ""),
                            system,
                        )
                if end > start:
                    text = "\n".join([text, *lines[start:end]])
                media: tuple[str, ...] = ()
                edited = deleted = False
                if sender is not None:
                    if not sender.isprintable():  # U+200E, U+202A… around it, "~\u202fName"
                        sender = sender.strip(_DIRECTION_MARKS).replace("\u202f", " ")
                    if end > start:
                        marked = _lines_may_hold_marker(text)
                    else:
                        marked = (
                            text[:1] in _FIRST_TRIGGERS or text[-1:] in _LAST_TRIGGERS
                        ) and _may_hold_marker(text)
                    if marked:
                        text, media, edited, deleted, notice = _classify(text)
                        if notice:
                            sender, kind = None, system
                if kind is speech and not text and not media and not deleted:
                    result.warn(
                        "W108",
                        f"line {start}: the message has no text and no attachment",
                        SourceLocation(file, line=start),
                    )
                message = new_located_message(
                    index,
                    sender,
                    text,
                    file,
                    start,
                    end,
                    None,
                    ts,  # always timezone-aware (``zone``)
                    None,
                    None,
                    kind,
                    media,
                    edited,
                    deleted,
                    (),
                )
                if kind is not speech:  # a notice: in no turn
                    append(message)
                    index += 1
                    continue
            append(message)
            index += 1
            # turns, as ``build_turns`` groups them (speech has a sender)
            if sender != turn_sender or clock - turn_end > gap:
                if turn_first is not None:
                    if turn_rest is None or len(turn_rest) == 1:  # ``make_turn``, inline
                        assert turn_sender is not None  # (a turn is open)
                        said = turn_first.text
                        size = len(said)
                        if turn_rest is None:
                            held: tuple[Message, ...] = (turn_first,)
                            spans = one_span.get(size)
                            if spans is None:
                                spans = one_span[size] = ((0, size),)
                        else:
                            second = turn_rest[0]
                            held = (turn_first, second)
                            cut = size + _JOINER_LEN
                            spans = ((0, size), (cut, cut + len(second.text)))
                            said = TURN_JOINER.join((said, second.text))
                        gap_ = latency = None
                        if previous is not None and previous.end is not None:
                            gap_ = turn_start - previous.end
                            if previous.speaker != turn_sender:
                                latency = gap_
                        previous = new_turn(
                            len(turns),
                            turn_sender,
                            held,
                            said,
                            spans,
                            turn_start,
                            turn_end,
                            latency,
                            gap_,
                            None,  # no words per minute: a chat message has no ``start``
                        )
                    else:
                        held = (turn_first, *turn_rest)
                        previous = make_turn(len(turns), held, turn_start, turn_end, previous)
                    turns.append(previous)
                turn_first, turn_rest, turn_start, turn_sender = message, None, clock, sender
            elif turn_rest is None:
                turn_rest = [message]
            else:
                turn_rest.append(message)
            turn_end = clock
        if backwards > _MAX_BACKWARDS_WARNINGS:
            result.warn(
                "W106",
                f"the time goes back {backwards} times in all "
                f"(the first {_MAX_BACKWARDS_WARNINGS} are listed)",
            )
        if turn_first is not None:
            held = (turn_first,) if turn_rest is None else (turn_first, *turn_rest)
            turns.append(make_turn(len(turns), held, turn_start, turn_end, previous))
        result.messages = messages
        result.turns, result.turn_gap_seconds = tuple(turns), gap
        result.timezone = self.options.timezone
        result.warn(
            "W103",
            f"WhatsApp times carry no zone; read as {self.options.timezone} "
            "(set it with --timezone)",
        )
        details = result.details
        android = index + empty - ios  # the records that got a timestamp, less the iOS ones
        details["platform"] = "ios" if ios > android else "android"
        details["clock"] = "12h" if twelve else "24h"
        if self.source.members:
            details["attachments_in_archive"] = str(len(self.source.members))

    def _fragment(self, start: int, end: int, why: str) -> None:
        """Lines ``start``..``end`` (1-based) as a fragment."""
        self.result.keep_fragment(
            SourceLocation(self.file, line=start, end_line=end),
            "\n".join(self.lines[start - 1 : end]),
            f"line {start}: {why}; kept as a fragment",
        )


# -- helpers ------------------------------------------------------------------------------


def _match_headers(lines: list[str]) -> list[re.Match[str] | None]:
    """``_HEADER.match`` of every line (what counts of each match is its groups): first with
    the file's own header shape (``_shape_pattern`` of its first header), cheaper, then with
    ``_HEADER`` on the lines that shape does not match."""
    first = next(filter(None, map(_HEADER.match, lines)), None)
    if first is None:
        return [None] * len(lines)
    found: list[re.Match[str] | None] = list(map(_shape_pattern(first).match, lines))
    header = _HEADER.match
    for i in compress(count(), map(not_, found)):
        found[i] = header(lines[i])
    return found


def _shape_pattern(m: re.Match[str]) -> re.Pattern[str]:
    """A pattern that matches the lines whose header has the shape of ``m``'s (a match of
    ``_HEADER``): the same characters up to the sender, but for digits (any digit where it
    has one, as many), giving the same groups as ``_HEADER`` on them.

    ``_HEADER`` reads such a line as it read ``m``'s: every test it makes before the sender
    gives the same answer for any digit (no set it tests holds one) and each other character
    is the same, so it takes the same path, never backtracking into that part (what follows
    always matches). Groups: (1) ``[`` where ``m`` has one, else a group that never takes
    part (``(\\[){0}``: ``None``, as ``_HEADER`` gives without a bracket), (2) date, (3) time,
    then ``_HEADER``'s own end."""
    line = m.string
    cut = m.start(4) if m.group(4) is not None else m.start(5)
    pieces = []
    pos = 0
    if m.group(1) is None:
        pieces.append(r"(\[){0}")
    for group in (1, 2, 3):
        lo, hi = m.span(group)
        if lo < 0:
            continue
        pieces += [_shape(line[pos:lo]), "(", _shape(line[lo:hi]), ")"]
        pos = hi
    pieces += [_shape(line[pos:cut]), _SENDER_AND_TEXT]
    return re.compile("".join(pieces))


def _shape(text: str) -> str:
    """``text`` as a pattern that matches it with any digit for each digit."""
    return "".join(r"\d" if ch.isdecimal() else re.escape(ch) for ch in text)


def _record_end(lines: list[str], start: int, stop: int) -> int:
    """The last non-empty line of the record on lines ``start``..``stop - 1`` (1-based)."""
    end = start
    if stop - start > 1:
        end = stop - 1
        while end > start and not lines[end - 1].strip():
            end -= 1
    return end


def _is_notice(rest: str) -> bool:
    return _NOTICE.match(rest.lstrip(_DIRECTION_MARKS)) is not None


def _zone(options: ParseOptions) -> tzinfo:
    # UTC is by far the most common setting; the fixed zone is the same instant, cheaper.
    return UTC if options.timezone == "UTC" else options.zone()


def _vote(p: tuple[str, str, str]) -> DateOrder | None:
    """What one date says about the order: a first part over 12 is a day, and so on."""
    if len(p[0]) >= 3:
        return None  # year first: no question
    a, b = int(p[0]), int(p[1])
    if a > 12 >= b:
        return DateOrder.DAY_FIRST
    if b > 12 >= a:
        return DateOrder.MONTH_FIRST
    return None


def _ymd(p: tuple[str, str, str] | None, order: DateOrder) -> _Ymd | None:
    if p is None:
        return None
    if len(p[0]) >= 3:
        y, mo, d = int(p[0]), int(p[1]), int(p[2])
    elif order is DateOrder.DAY_FIRST:
        d, mo, y = int(p[0]), int(p[1]), int(p[2])
    else:
        mo, d, y = int(p[0]), int(p[1]), int(p[2])
    if y < 100:
        y += 2000
    try:
        date(y, mo, d)
    except ValueError:
        return None
    return y, mo, d


def _backward_steps(
    date_seq: list[tuple[str, int]],
    parts: dict[str, tuple[str, str, str] | None],
    order: DateOrder,
) -> int:
    steps = 0
    prev: _Ymd | None = None
    for d, _ in date_seq:
        cur = _ymd(parts[d], order)
        if cur is None:
            continue
        if prev is not None and cur < prev:
            steps += 1
        prev = cur
    return steps


def _hms(time_s: str) -> tuple[int, int, int] | None:
    m = _TIME_PARTS.match(time_s)
    if m is None:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    s = int(m.group(3)) if m.group(3) else 0
    half = m.group(4)
    if half is not None:
        if h > 12:
            return None
        if half in "aA":
            h = 0 if h == 12 else h
        elif h != 12:
            h += 12
    if h > 23 or mi > 59 or s > 59:
        return None
    return h, mi, s


def _media_in(line: str, first: bool) -> tuple[str, str] | None:
    """(marker, text left on the line) when ``line`` holds an app's attachment marker."""
    bare = line.lstrip(LRM)
    if bare in _MEDIA_OMITTED or bare in _OMITTED:
        return bare, ""
    if bare.endswith(_OMITTED_ENDINGS):
        mark = bare.rfind(LRM)
        if mark >= 0 and bare[mark + 1 :] in _OMITTED:
            return bare[mark + 1 :], bare[:mark].rstrip(" " + LRM)
    if bare.endswith(">"):
        at = bare.rfind(_ATTACHED)
        if at >= 0:
            return bare[at + len(_ATTACHED) : -1].strip(), bare[:at].rstrip(" " + LRM)
    if first and bare.endswith(")"):
        fm = _FILE_ATTACHED.fullmatch(bare)
        if fm is not None:
            return fm.group(1), ""
    return None


def _may_hold_marker(text: str) -> bool:
    return (
        text[:1] == LRM
        or text[-1:] == LRM
        or text in _WHOLE_MARKERS
        or text.endswith(("omitted", ">", ")"))
        or text.startswith(_PLAIN_NOTICE_PREFIXES)
    )


def _lines_may_hold_marker(text: str) -> bool:
    """For a text of several lines, whether ``_classify`` could change it: only a U+200E, a
    text deleted by an admin, or a line that ends like a marker (``omitted``, ``>``, or ``)``
    on the first line) can make it. (Several lines are never a notice, deleted or ``null``.)"""
    return (
        LRM in text
        or text.startswith(_DELETED_BY_ADMIN)
        or text.endswith(("omitted", ">"))
        or "omitted\n" in text
        or ">\n" in text
        or text[: text.find("\n")].endswith(")")
    )


def _classify(text: str) -> tuple[str, tuple[str, ...], bool, bool, bool]:
    """Separate what the app wrote from what the person wrote.

    Returns (text, media, edited, deleted, is_notice)."""
    edited = False
    if text[-1:] == LRM:  # iOS sometimes ends the last message with one
        text = text.rstrip(LRM)
    if text.endswith(_EDITED):
        edited = True
        text = text[: text.rfind("<")].rstrip(" " + LRM)
    marked = text[:1] == LRM
    if marked:
        text = text.lstrip(LRM)
    if text in _DELETED or text.startswith(_DELETED_BY_ADMIN):
        return "", (), edited, True, False
    if text == _VIEW_ONCE:
        return "", (_VIEW_ONCE,), edited, False, False
    if (
        not edited
        and "\n" not in text
        and (marked or text.startswith(_PLAIN_NOTICE_PREFIXES))
        and _NOTICE.match(text)
        and _media_in(text, True) is None
    ):
        return text.replace(LRM, ""), (), False, False, True
    media: list[str] = []
    kept: list[str] = []
    for i, line in enumerate(text.split("\n")):
        found = _media_in(line, i == 0)
        if found is None:
            kept.append(line)
            continue
        media.append(found[0])
        if found[1]:
            kept.append(found[1])
    return "\n".join(kept), tuple(media), edited, False, False


PARSERS = (WhatsAppParser(),)
