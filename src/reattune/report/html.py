"""The HTML report: one self-contained file (inline CSS and SVG, no script, no network).

Everything the conversation says is untrusted: it reaches the page only through Jinja2's
autoescaping or through ``markupsafe.escape`` here (the highlighted turns), and the page's
Content-Security-Policy forbids scripts and every kind of request besides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import PurePath
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from reattune import __version__
from reattune.coding.lexicon import Codebook, default_codebook
from reattune.model.analysis import (
    Analysis,
    BreakStatus,
    DelayKind,
    EpisodeEnd,
    RepairOutcome,
    StonewallCriterion,
)
from reattune.model.codes import CodeSpan, EvidenceKind
from reattune.model.conversation import Conversation, ConversationKind
from reattune.model.speaker import Role
from reattune.report import charts
from reattune.report.format import Clock, duration, number, percent, plural
from reattune.report.redact import Redaction, find_identifiers, redact_text, speaker_labels
from reattune.report.safety_section import safety_caveat
from reattune.safety.gate import SafetyResult

SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("timeline", "Timeline"),
    ("latency", "Response latency"),
    ("balance", "Escalation and recovery"),
    ("cycle-map", "Cycle map"),
    ("episodes", "Episodes and evidence"),
    ("horsemen", "Four Horsemen and antidotes"),
    ("repairs", "Repair attempts"),
    ("breaks", "Breaks"),
    ("glossary", "Glossary of codes"),
    ("transcript", "Transcript"),
)
SECTION_IDS: tuple[str, ...] = tuple(s for s, _ in SECTIONS)
SAFETY_SECTION = ("safety", "Safety first")
"""Shown before everything else when the safety gate fires on the conversation."""

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_EXCERPT_LIMIT = 320
_CONTEXT = 70

MOVE_WORDS = {
    "pursue.pressure": "pressing and demanding",
    "pursue.blame": "blaming the person rather than the problem",
    "pursue.question_stack": "asking several questions at once",
    "pursue.bid_in_silence": "bidding for contact into the silence",
    "pursue.escalation": "escalating",
    "horseman.contempt": "contempt and sarcasm",
    "horseman.criticism": "criticism",
    "withdraw.minimal": "minimal replies",
    "withdraw.shutdown": "shutting down",
    "withdraw.avoid": "putting it off with no time to come back",
    "withdraw.deny": "denying anything is wrong",
    "withdraw.noncommittal": "noncommittal remarks",
    "withdraw.exit": "leaving with no plan to return",
    "horseman.defensiveness": "defending and counter-blaming",
}

FAMILIES: tuple[tuple[str, str], ...] = (
    ("pursue", "Pursuit"),
    ("withdraw", "Withdrawal"),
    ("horseman", "Four Horsemen"),
    ("antidote", "Antidotes"),
    ("connect", "Repair and connection"),
    ("flooding", "Flooding and breaks"),
)

CRITERIA = {
    StonewallCriterion.UNANSWERED_BIDS: "two or more bids in a row left unanswered",
    StonewallCriterion.WITHDRAWAL_REPLIES: "two or more minimal, denying or noncommittal replies",
    StonewallCriterion.SLOW_MINIMAL: "replies far slower than their own median, with minimal "
    "content",
}
ENDINGS = {
    EpisodeEnd.CONTENT: "took up the partner's content again",
    EpisodeEnd.BREAK: "asked for a break",
    EpisodeEnd.END_OF_DATA: "the conversation ended first (censored)",
}
OUTCOMES = {
    RepairOutcome.SUCCESS: ("✓", "taken up"),
    RepairOutcome.FAILURE: ("✗", "not taken up"),
    RepairOutcome.UNDETERMINED: ("?", "no reply to judge by"),
}
BREAK_STATUS = {
    BreakStatus.HONOURED: ("✓", "honoured: agreed and back on time"),
    BreakStatus.RETURNED_LATE: ("!", "came back late"),
    BreakStatus.RETURNED_EARLY: ("!", "came back before 20 minutes, too soon to calm down"),
    BreakStatus.NOT_RETURNED: ("✗", "no return to the conversation"),
    BreakStatus.NOT_AGREED: ("✗", "the partner did not agree"),
}
DELAY_WORDS = {
    DelayKind.PROCESSING: "processing: a full, on-topic reply after the delay — not withdrawal",
    DelayKind.FREEZE: "freeze: says they cannot think — route to self-soothing, not questions",
    DelayKind.SHUTDOWN: "shutdown: slow and minimal in active conflict",
    DelayKind.PAUSE: "pause: slow, outside conflict",
}


def family_of(code: str) -> str:
    """The report's grouping of a code (for styles and the glossary)."""
    family = code.split(".", 1)[0]
    if family in ("pursue", "withdraw", "horseman", "antidote"):
        return family
    if family in ("flooding", "break"):
        return "flooding"
    return "connect"


@cache
def _css() -> Markup:
    text = resources.files("reattune.report").joinpath("templates", "report.css")
    return Markup(text.read_text(encoding="utf-8"))


def code_anchor(code: str) -> str:
    return "code-" + code.replace(".", "-").replace("_", "-")


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("reattune.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class _Report:
    def __init__(
        self,
        conversation: Conversation,
        analysis: Analysis,
        redact: bool,
        title: str | None,
        safety: SafetyResult | None = None,
    ) -> None:
        self.c = conversation
        self.safety_result = safety if safety is not None and safety.positive else None
        self.a = analysis
        self.redact = redact
        self.clock = Clock(conversation)
        self.codebook: Codebook = default_codebook()
        self.labels = speaker_labels(conversation.participants)
        self.names: dict[str, str] = {}
        for s in conversation.participants:
            self.names[s.id] = self.labels[s.id]
            self.names[s.display_name] = self.labels[s.id]
        self.spans: dict[int, list[CodeSpan]] = {}
        for span in analysis.codes:
            self.spans.setdefault(span.turn, []).append(span)
        self._redactions: dict[int, list[Redaction]] = {}
        self.title = self._title(title)

    # -- names and free text -------------------------------------------------------------

    def _title(self, title: str | None) -> str:
        if title is not None:
            return self.text(title)
        if self.redact:
            return f"Conversation report: {self.c.kind.value} ({self.c.source.format})"
        return f"Conversation report: {PurePath(self.c.source.path).name}"

    def text(self, value: str) -> str:
        """Free text (an explanation, a topic word): redacted when sharing."""
        return redact_text(value, self.names) if self.redact else value

    def name(self, speaker: str) -> str:
        if self.redact:
            return self.labels.get(speaker, "Participant")
        try:
            return self.c.speaker(speaker).display_name
        except KeyError:
            return speaker

    def who(self, speaker: str) -> Markup:
        """A speaker badge: the name and, unless redacted, the role label (not colour alone)."""
        try:
            s = self.c.speaker(speaker)
        except KeyError:
            return Markup('<span class="who who-o">{}</span>').format(self.name(speaker))
        css = {"A": "who-a", "B": "who-b"}.get(s.partner.value if s.partner else "", "who-o")
        if s.role is Role.THERAPIST:
            css = "who-t"
        label = self.labels[s.id]
        if self.redact or label == s.display_name:
            return Markup('<span class="who {}">{}</span>').format(css, label)
        return Markup('<span class="who {}">{} <span class="role">{}</span></span>').format(
            css, s.display_name, label
        )

    def time(self, turn: int) -> str:
        return self.clock.label(self.c.turns[turn].start)

    def link(self, turn: int) -> Markup:
        t = self.c.turns[turn]
        when = self.clock.label(t.start) if t.start is not None else ""
        label = f"turn {turn}" + (f" · {when}" if when else "")
        return Markup('<a class="turn-link" href="#turn-{}">{}</a>').format(turn, label)

    # -- highlighted text ----------------------------------------------------------------

    def redactions(self, turn: int) -> list[Redaction]:
        if not self.redact:
            return []
        if turn not in self._redactions:
            self._redactions[turn] = find_identifiers(self.c.turns[turn].text, self.names)
        return self._redactions[turn]

    def _snap(self, start: int, end: int, reds: Sequence[Redaction]) -> tuple[int, int]:
        for r in reds:
            if r.start < start < r.end:
                start = r.start
            if r.start < end < r.end:
                end = r.end
        return start, end

    def _tag(self, code: str) -> Markup:
        return Markup(
            '<a class="tag t-{}" href="#{}">'
            '<span class="vh">[</span>{}<span class="vh">]</span></a>'
        ).format(family_of(code), code_anchor(code), code)

    def _render(
        self, turn: int, spans: Sequence[CodeSpan], lo: int, hi: int, whole: Sequence[CodeSpan]
    ) -> Markup:
        text = self.c.turns[turn].text
        reds = [r for r in self.redactions(turn) if r.start < hi and lo < r.end]
        lo, hi = self._snap(lo, hi, reds)
        ranges: list[tuple[int, int, CodeSpan]] = []
        for s in spans:
            a, b = self._snap(max(s.start, lo), min(s.end, hi), reds)
            if a < b:
                ranges.append((a, b, s))
        cuts = {lo, hi}
        for a, b, _ in ranges:
            cuts.update((a, b))
        for r in reds:
            cuts.update((max(r.start, lo), min(r.end, hi)))
        by_start = {r.start: r for r in reds}
        out: list[Markup] = []
        run: list[Markup] = []
        run_spans: list[CodeSpan] = []

        def flush() -> None:
            if run and run_spans:
                narrow = min(run_spans, key=lambda s: s.end - s.start)
                tip = "; ".join(dict.fromkeys(self.text(s.explanation) for s in run_spans))
                out.append(
                    Markup('<mark class="m-{}" title="{}">{}</mark>').format(
                        family_of(narrow.code), tip, Markup("").join(run)
                    )
                )
            else:
                out.extend(run)
            run.clear()

        for x, y in pairwise(sorted(cuts)):
            red = by_start.get(x)
            piece: Markup
            if red is not None and red.end == y:
                piece = Markup('<span class="redacted" title="redacted: {}">{}</span>').format(
                    red.kind.replace("_", " "), red.replacement
                )
            else:
                piece = escape(text[x:y])
            covering = [s for a, b, s in ranges if a <= x and y <= b]
            if [id(s) for s in covering] != [id(s) for s in run_spans]:
                flush()
                run_spans = covering
            run.append(piece)
            ending = [s.code for a, b, s in ranges if b == y]
            if y == hi:
                ending += [s.code for s in whole]
            if ending:
                flush()
                out.extend(self._tag(code) for code in dict.fromkeys(ending))
        flush()
        return Markup("").join(out)

    def marked(self, turn: int, *, excerpt: bool = False) -> Markup:
        """The turn's text with its coded spans in ``<mark>`` and the codes as labels."""
        text = self.c.turns[turn].text
        n = len(text.rstrip())
        spans = self.spans.get(turn, [])
        whole = [s for s in spans if s.start <= 0 and s.end >= n]
        narrow = [s for s in spans if s not in whole]
        if not narrow:
            narrow, whole = whole, []
        if not excerpt or len(text) <= _EXCERPT_LIMIT or not narrow:
            return self._render(turn, narrow, 0, len(text), whole)
        windows: list[list[int]] = []
        for s in sorted(narrow, key=lambda s: s.start):
            a = max(0, s.start - _CONTEXT)
            b = min(len(text), s.end + _CONTEXT)
            a = text.rfind(" ", 0, a) + 1 if a > 0 else 0
            space = text.find(" ", b)
            b = len(text) if b >= len(text) or space < 0 else space
            if windows and a <= windows[-1][1]:
                windows[-1][1] = max(windows[-1][1], b)
            else:
                windows.append([a, b])
        parts: list[Markup] = []
        for i, (a, b) in enumerate(windows):
            last = i == len(windows) - 1
            inside = [s for s in narrow if s.start < b and a < s.end]
            parts.append(self._render(turn, inside, a, b, whole if last else []))
        body = Markup(' <span class="gap">…</span> ').join(parts)
        before = Markup('<span class="gap">…</span> ') if windows[0][0] > 0 else Markup("")
        after = Markup(' <span class="gap">…</span>') if windows[-1][1] < len(text) else Markup("")
        return before + body + after

    def quote(self, span: CodeSpan, limit: int = 150) -> Markup:
        """One coded span as a short quotation with its label and a link to the turn."""
        text = self.c.turns[span.turn].text
        reds = self.redactions(span.turn)
        a, b = self._snap(span.start, span.end, reds)
        if b - a > limit + 10:
            b = text.rfind(" ", a, a + limit)
            b = a + limit if b <= a else b
        inner = self._render(span.turn, [span], a, b, [])
        ellipsis = Markup("…") if b < span.end else Markup("")
        return Markup('<q class="quote">{}{}</q> {}').format(inner, ellipsis, self.link(span.turn))

    def evidence(self, turn: int) -> dict[str, Any]:
        t = self.c.turns[turn]
        return {
            "index": turn,
            "who": self.who(t.speaker),
            "link": self.link(turn),
            "text": self.marked(turn, excerpt=True),
        }

    def best_spans(
        self, speaker: str | None, families: Iterable[str], k: int = 3
    ) -> list[CodeSpan]:
        """The strongest coded spans of a speaker in these families, one per turn."""
        if speaker is None:
            return []
        wanted = tuple(families)
        found = [
            s
            for s in self.a.codes
            if s.code.startswith(wanted) and self.c.turns[s.turn].speaker == speaker
        ]
        found.sort(key=lambda s: (s.kind is EvidenceKind.CONTEXT, -s.score, s.turn))
        chosen: list[CodeSpan] = []
        turns: set[int] = set()
        for s in found:
            if s.turn not in turns:
                chosen.append(s)
                turns.add(s.turn)
            if len(chosen) == k:
                break
        return sorted(chosen, key=lambda s: s.turn)

    # -- sections ------------------------------------------------------------------------

    def partner_ids(self) -> list[str]:
        partners = [s for s in self.c.participants if s.partner is not None]
        partners.sort(key=lambda s: s.partner.value if s.partner else "")
        return [s.id for s in partners]

    def speaker_rows(self) -> list[str]:
        order = {Role.PARTNER: 0, Role.THERAPIST: 1, Role.OTHER: 2}
        people = sorted(
            self.c.participants,
            key=lambda s: (order[s.role], s.partner.value if s.partner else "", s.display_name),
        )
        spoke = {t.speaker for t in self.c.turns}
        return [s.id for s in people if s.id in spoke]

    def meta(self) -> dict[str, Any]:
        span = self.c.clock_span
        when = ""
        if span is not None:
            if self.clock.session:
                when = f"{duration(span[1] - span[0])} session"
                if self.c.first_time is not None:
                    first = self.c.first_time
                    when += f" on {first.day} {first:%b %Y}"
            else:
                when = (
                    f"{self.clock.date_label(span[0])} to {self.clock.date_label(span[1])} "
                    f"({duration(span[1] - span[0])})"
                )
        source = self.c.source
        return {
            "kind": "Session transcript"
            if self.c.kind is ConversationKind.SESSION
            else "Chat conversation",
            "format": source.format,
            "file": None if self.redact else PurePath(source.path).name,
            "when": when,
            "turns": len(self.c.turns),
            "people": [self.who(s) for s in self.speaker_rows()],
        }

    def figures(self) -> list[dict[str, str]]:
        m = self.a.metrics
        judged = [r for r in self.a.repairs if r.outcome is not RepairOutcome.UNDETERMINED]
        ok = sum(1 for r in judged if r.outcome is RepairOutcome.SUCCESS)
        rec = self.a.recovery
        if rec.recovery_seconds is not None and rec.recovered:
            recovery, recovery_note = duration(rec.recovery_seconds), "from the peak to baseline"
        elif rec.peak_block is not None and not rec.recovered:
            recovery, recovery_note = "not yet", "still below baseline at the end"
        else:
            recovery, recovery_note = "—", "no negativity peak"
        return [
            {
                "label": "Stonewalling episodes",
                "value": str(m.stonewalling_episodes),
                "note": f"{duration(m.stonewalling_seconds)} in all"
                if m.stonewalling_episodes
                else "none found",
            },
            {
                "label": "Pursue–withdraw loops",
                "value": str(m.loops),
                "note": (f"in {plural(m.cycles, 'cycle')}" if m.cycles else "not yet a cycle")
                if m.loops
                else "none found",
            },
            {
                "label": "Repairs taken up",
                "value": f"{ok} of {len(judged)}" if judged else "—",
                "note": f"{plural(m.repair_attempts, 'attempt')} in all",
            },
            {
                "label": "Breaks honoured",
                "value": f"{m.breaks_honoured} of {m.breaks}" if m.breaks else "—",
                "note": "requested, agreed, back on time" if m.breaks else "no break requested",
            },
            {"label": "Recovery time", "value": recovery, "note": recovery_note},
            {
                "label": "Positive : negative codes",
                "value": f"{m.positive_codes} : {m.negative_codes}",
                "note": f"the cycle was named {_times(m.cycle_namings)}"
                if m.cycle_namings
                else "the cycle was not named",
            },
        ]

    def metrics_of(self, speaker: str | None) -> Any:
        return next((p for p in self.a.partners if p.speaker == speaker), None)

    def roles(self) -> list[dict[str, Any]]:
        cs = self.a.cycle_strength
        out = []
        for role, speaker, families, need in (
            ("pursued", cs.pursuer, ("pursue.",), "disconnection"),
            ("withdrew", cs.withdrawer, ("withdraw.",), "flooding"),
        ):
            if speaker is None:
                continue
            m = self.metrics_of(speaker)
            share = (cs.demand if role == "pursued" else cs.withdraw).get(speaker, 0.0)
            turns = m.turns if m is not None else 0
            noun = "pursuit or criticism" if role == "pursued" else "a withdrawal code"
            move = "pursue" if role == "pursued" else "withdraw"
            note = ""
            if not share:
                note = f"No {'pursuit' if role == 'pursued' else 'withdrawal'} was coded."
                breaks = [b for b in self.a.breaks if b.requester == speaker]
                if role == "withdrew" and breaks:
                    note += (
                        f" Asked for a break instead (turn {breaks[0].request_turn}): "
                        "the time-out protocol, not a shutdown."
                    )
            out.append(
                {
                    "role": role if share else f"did not {move}",
                    "css": role,
                    "note": note,
                    "who": self.who(speaker),
                    "share": f"{round(share * turns)} of {plural(turns, 'turn')} "
                    f"({percent(share)}) carried {noun}",
                    "quotes": [self.quote(s) for s in self.best_spans(speaker, families)],
                    "need": need,
                }
            )
        return out

    def strength(self) -> list[dict[str, str]]:
        cs = self.a.cycle_strength
        p = self.name(cs.pursuer) if cs.pursuer else "the pursuer"
        w = self.name(cs.withdrawer) if cs.withdrawer else "the withdrawer"
        q = cs.yules_q
        if q is None:
            q_word = "not enough turns to judge"
        elif not cs.withdraw_base_rate or not cs.p_withdraw_after_pursuit:
            q_word = "no withdrawal followed a pursuit here, so Q says little"
        else:
            size = abs(q)
            q_word = (
                "little or no link"
                if size < 0.3
                else "a moderate link"
                if size < 0.5
                else "a strong link"
                if size < 0.7
                else "a very strong link"
            )
        partners = self.partner_ids()
        composites = "; ".join(
            f"{self.name(s)}: demand {percent(cs.demand.get(s))}, "
            f"withdraw {percent(cs.withdraw.get(s))}"
            for s in partners
        )
        slope = cs.escalation_slope
        slope_word = (
            "too few loops to tell"
            if slope is None
            else "rising: each loop more negative"
            if slope > 0.05
            else "falling: each loop less negative"
            if slope < -0.05
            else "flat"
        )
        return [
            {
                "measure": "Lag-1 contingency (Yule's Q)",
                "value": number(q),
                "meaning": f"P({w} withdraws | {p} just pursued) = "
                f"{number(cs.p_withdraw_after_pursuit)} against {w}'s base rate of "
                f"{number(cs.withdraw_base_rate)}: {q_word} (−1 to 1, 0 = none).",
            },
            {
                "measure": "Role asymmetry",
                "value": number(cs.role_asymmetry),
                "meaning": f"({p}'s pursuit − {w}'s) + ({w}'s withdrawal − {p}'s); 0 means "
                "the roles are shared, 2 the most fixed.",
            },
            {
                "measure": "Demand and withdraw composites",
                "value": f"{percent(cs.demand.get(cs.pursuer or ''))} · "
                f"{percent(cs.withdraw.get(cs.withdrawer or ''))}",
                "meaning": f"Share of each partner's turns with pursuit or criticism (demand) "
                f"and with withdrawal: {composites}. The value shows {p}'s demand · {w}'s "
                "withdrawal.",
            },
            {
                "measure": "Escalation slope",
                "value": number(slope),
                "meaning": f"Change in {p}'s negative codes from one loop to the next: "
                f"{slope_word}.",
            },
            {
                "measure": "Loops per hour",
                "value": number(cs.loops_per_hour),
                "meaning": f"{plural(self.a.metrics.loops, 'loop')} over "
                f"{duration(self.a.metrics.duration_seconds)} of conversation.",
            },
        ]

    def moves(self, speaker: str | None, prefixes: tuple[str, ...]) -> list[str]:
        if speaker is None:
            return []
        m = self.metrics_of(speaker)
        if m is None:
            return []
        counts = Counter(
            {
                code: n
                for code, n in m.code_counts.items()
                if code.startswith(prefixes) and code in MOVE_WORDS and n
            }
        )
        if "horseman.criticism" in counts and "pursue.blame" in counts:
            del counts["horseman.criticism"]
        return [MOVE_WORDS[code] for code, _ in counts.most_common(4)]

    def reading(self) -> list[str]:
        """A short plain-language reading of the cycle in the codebook's spirit."""
        a = self.a
        cs = a.cycle_strength
        paragraphs: list[str] = []
        if self.safety_result is not None:
            paragraphs.append(safety_caveat(self.safety_result))
        p = self.name(cs.pursuer) if cs.pursuer else None
        w = self.name(cs.withdrawer) if cs.withdrawer else None
        p_moves = self.moves(cs.pursuer, ("pursue.", "horseman.c"))
        w_moves = self.moves(cs.withdrawer, ("withdraw.",))
        if a.loops and p and w:
            took_hold = " and settled into a cycle" if a.cycles else ""
            paragraphs.append(
                f"The pursue–withdraw loop showed up {_times(len(a.loops))}{took_hold}. "
                f"{p} reached for contact{_list_clause(p_moves)}; {w} answered by pulling "
                f"back{_list_clause(w_moves)}; and each step back was met with more pursuit. "
                "Each partner's move set off the other's: the pattern is the problem, not either "
                "person."
            )
        elif a.stonewalling and w:
            paragraphs.append(
                f"No full pursue–withdraw loop was found, but {w} went quiet during conflict "
                f"{plural(len(a.stonewalling), 'time')} (see the episodes below)."
            )
        else:
            paragraphs.append(
                "No pursue–withdraw loop was found in this conversation: neither partner was "
                "caught for long in pushing or in pulling away."
            )
        if p and w and (a.loops or a.stonewalling):
            flooded = self.best_spans(cs.withdrawer, ("flooding",), 1)
            said = ""
            if flooded:
                quoted = self.text(self._span_text(flooded[0]))
                said = f" {w} said as much: “{quoted}” (turn {flooded[0].turn})."
            paragraphs.append(
                f"Underneath, both moves are protective. {p}'s pursuit is a protest against "
                f"disconnection — a way of trying to get the partner back — not an attack on "
                f"who {w} is. {w}'s short replies and silence are how a nervous system protects "
                f"itself from flooding: shutdown, not indifference.{said}"
            )
        processing = [d for d in a.delays if d.kind is DelayKind.PROCESSING]
        freeze = [d for d in a.delays if d.kind is DelayKind.FREEZE]
        if processing:
            paragraphs.append(
                f"{plural(len(processing), 'slow reply', 'slow replies')} came with a full, "
                "on-topic answer: that is processing time, not withdrawal, and it is not counted "
                "as an episode."
            )
        if freeze:
            people = sorted({self.name(d.speaker) for d in freeze})
            paragraphs.append(
                f"{' and '.join(people)} described freezing (turn "
                f"{', '.join(str(d.turn) for d in freeze)}): a cue to slow down and self-soothe, "
                "not to ask more questions."
            )
        for b in a.breaks:
            flooded = [s for s in self.spans.get(b.request_turn, []) if s.code == "flooding"]
            if flooded:
                quoted = self.text(self._span_text(flooded[0]))
                paragraphs.append(
                    f"{self.name(b.requester)} noticed the flooding (“{quoted}”, turn "
                    f"{b.request_turn}) and asked for a break instead of shutting down: the "
                    "time-out protocol doing its job."
                )
        helped: list[str] = []
        judged = [r for r in a.repairs if r.outcome is not RepairOutcome.UNDETERMINED]
        ok = [r for r in judged if r.outcome is RepairOutcome.SUCCESS]
        if judged:
            helped.append(
                f"{len(ok)} of {plural(len(judged), 'repair attempt')} "
                f"{'was' if len(judged) == 1 else 'were'} taken up"
            )
        if a.metrics.cycle_namings:
            helped.append(f"the cycle was named {_times(a.metrics.cycle_namings)}")
        if a.metrics.breaks_honoured:
            helped.append(
                f"{plural(a.metrics.breaks_honoured, 'break')} asked for, agreed and honoured"
            )
        if helped:
            paragraphs.append("What helped here: " + "; ".join(helped) + ".")
        paragraphs.append(
            "What tends to help with this pattern: name the loop when it starts (“we're in our "
            "loop again”), ask one concrete question instead of several, and when flooding "
            "begins take a break of at least 20 minutes with an agreed time to come back, "
            "self-soothe, then repair."
        )
        return paragraphs

    def _span_text(self, span: CodeSpan) -> str:
        return self.c.turns[span.turn].text[span.start : span.end]

    def cycle_map(self) -> dict[str, Any]:
        cs = self.a.cycle_strength
        found = bool(self.a.loops)
        partners = self.partner_ids()
        p_id = cs.pursuer or (partners[0] if partners else None)
        w_id = cs.withdrawer or (partners[1] if len(partners) > 1 else None)
        p = self.name(p_id) if p_id else "The pursuer"
        w = self.name(w_id) if w_id else "The withdrawer"
        p_moves = self.moves(p_id, ("pursue.", "horseman.c")) or ["questions, pressure, blame"]
        w_moves = self.moves(w_id, ("withdraw.",)) or ["short answers, silence, leaving"]
        p_quote = self.best_spans(p_id, ("pursue.",), 1) if found else []
        w_quote = self.best_spans(w_id, ("withdraw.",), 1) if found else []
        flood = self.best_spans(w_id, ("flooding",), 1)
        lonely = self.best_spans(p_id, ("antidote.gentle_startup",), 1)
        steps = [
            {
                "css": "step-1",
                "title": f"{p} pursues",
                "body": "; ".join(p_moves),
                "quote": self.quote(p_quote[0]) if p_quote else None,
            },
            {
                "css": "step-2",
                "title": f"{w} feels overwhelmed",
                "body": "Protecting against flooding: the nervous system's shutdown, "
                "not indifference.",
                "quote": self.quote(flood[0]) if flood else None,
            },
            {
                "css": "step-3",
                "title": f"{w} withdraws",
                "body": "; ".join(w_moves),
                "quote": self.quote(w_quote[0]) if w_quote else None,
            },
            {
                "css": "step-4",
                "title": f"{p} feels shut out",
                "body": "Protecting against disconnection: the pursuit is a protest at "
                "feeling alone, not an attack.",
                "quote": self.quote(lonely[0]) if lonely else None,
            },
        ]
        triggers: list[dict[str, Any]] = []
        for episode in self.a.stonewalling:
            if episode.trigger_turn is None:
                continue
            triggers.append(
                {
                    "evidence": self.evidence(episode.trigger_turn),
                    "codes": [self._tag(c) for c in episode.trigger_codes],
                    "words": ", ".join(self.text(w) for w in episode.trigger_words),
                    "what": f"set off the stonewalling episode at {self.time(episode.start_turn)}",
                }
            )
        seen = {t["evidence"]["index"] for t in triggers}
        for cycle in self.a.cycles:
            first = self.a.loops[cycle.loops[0]]
            if first.pursue_turn in seen:
                continue
            seen.add(first.pursue_turn)
            triggers.append(
                {
                    "evidence": self.evidence(first.pursue_turn),
                    "codes": [self._tag(c) for c in first.pursue_codes],
                    "words": "",
                    "what": "opened a cycle of loops",
                }
            )
        breakers: list[dict[str, Any]] = []
        named: set[int] = set()
        for span in self.a.codes:
            if span.code == "cycle.naming" and span.turn not in named:
                named.add(span.turn)
                breakers.append(self._breaker(span.turn, "named the cycle", self.quote(span)))
        for r in self.a.repairs:
            if r.outcome is RepairOutcome.SUCCESS:
                what = f"repair ({', '.join(r.types)}), taken up"
                breakers.append(self._breaker(r.turn, what, self._first(r.turn)))
        for b in self.a.breaks:
            if b.status is BreakStatus.HONOURED:
                what = "asked for a break; agreed and honoured"
                quote = self._first(b.request_turn, ("break.",))
                breakers.append(self._breaker(b.request_turn, what, quote))
        breakers.sort(key=lambda b: int(b["turn"]))
        return {
            "found": found,
            "pursuer": p,
            "withdrawer": w,
            "steps": steps,
            "triggers": triggers,
            "breakers": breakers[:8],
            "more_breakers": max(0, len(breakers) - 8),
        }

    def _breaker(self, turn: int, what: str, quote: Markup) -> dict[str, Any]:
        who = self.who(self.c.turns[turn].speaker)
        return {"turn": turn, "who": who, "what": what, "quote": quote}

    def _first(self, turn: int, prefixes: tuple[str, ...] = ("repair.",)) -> Markup:
        """The strongest span of these codes on a turn as a quote; else a link to the turn."""
        spans = [s for s in self.spans.get(turn, []) if s.code.startswith(prefixes)]
        if not spans:
            spans = [s for s in self.spans.get(turn, []) if self.codebook.valence(s.code) < 0]
        if not spans:
            return self.link(turn)
        best = min(spans, key=lambda s: (s.kind is EvidenceKind.CONTEXT, -s.score, s.start))
        return self.quote(best, limit=100)

    def stonewalling(self) -> list[dict[str, Any]]:
        out = []
        for i, e in enumerate(self.a.stonewalling, 1):
            start = self.clock.label(e.start, long=not self.clock.session)
            end = self.clock.label(e.end, long=not self.clock.session) if e.end else "end of data"
            trigger = self.evidence(e.trigger_turn) if e.trigger_turn is not None else None
            rate = (
                f", {e.pursuer_bid_rate_per_hour:g} per hour"
                if e.pursuer_bid_rate_per_hour is not None
                else ""
            )
            out.append(
                {
                    "id": f"episode-{i}",
                    "heading": f"Episode {i}: {self.name(e.listener)} went quiet, {start} to {end}",
                    "facts": [
                        ("Listener", self.who(e.listener)),
                        ("Pursuing partner", self.who(e.pursuer)),
                        (
                            "Duration",
                            duration(e.duration_seconds) + (" (censored)" if e.censored else ""),
                        ),
                        ("Found by", CRITERIA[e.criterion]),
                        ("Unanswered bids", str(e.unanswered_bids)),
                        ("Pursuer's bids during it", f"{e.pursuer_bids}{rate}"),
                        ("Flooding just before", "yes" if e.flooding_before else "no"),
                        ("Ended when the listener", ENDINGS[e.ended_by]),
                    ],
                    "trigger": trigger,
                    "trigger_codes": [self._tag(c) for c in e.trigger_codes],
                    "trigger_words": ", ".join(self.text(w) for w in e.trigger_words),
                    "explanation": self.text(e.explanation),
                    "turns": [self.evidence(t) for t in e.turns if t != e.trigger_turn],
                    "end": self.evidence(e.end_turn) if e.end_turn is not None else None,
                }
            )
        return out

    def loops(self) -> list[dict[str, Any]]:
        in_cycle: dict[int, int] = {}
        for ci, cycle in enumerate(self.a.cycles, 1):
            for li in cycle.loops:
                in_cycle[li] = ci
        rows = []
        for li, loop in enumerate(self.a.loops):
            rows.append(
                {
                    "n": li + 1,
                    "cycle": in_cycle.get(li),
                    "pursue": self._first(loop.pursue_turn, ("pursue.",)),
                    "withdraw": self._first(loop.withdraw_turn, ("withdraw.",)),
                    "again": self._first(loop.repursue_turn, ("pursue.",)),
                    "who": f"{self.name(loop.pursuer)} → {self.name(loop.withdrawer)}",
                }
            )
        return rows

    def delays(self) -> list[dict[str, Any]]:
        return [
            {
                "evidence": self.evidence(d.turn),
                "after": duration(d.latency),
                "factor": f"{d.factor:.1f}× their median ({duration(d.baseline)})",
                "kind": d.kind.value,
                "reading": DELAY_WORDS[d.kind],
            }
            for d in self.a.delays
        ]

    def latency_rows(self) -> list[dict[str, str]]:
        factor = float(self.a.settings.get("stonewall_latency_factor", 3.0))
        rows = []
        for speaker in self.partner_ids():
            m = self.metrics_of(speaker)
            if m is None:
                continue
            mine = [d for d in self.a.delays if d.speaker == speaker]
            kinds = Counter(d.kind.value for d in mine)
            rows.append(
                {
                    "who": self.who(speaker),
                    "median": duration(m.median_latency),
                    "baseline": duration(m.baseline_latency),
                    "threshold": duration(m.median_latency * factor) if m.median_latency else "—",
                    "slow": ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none",
                }
            )
        return rows

    def horsemen(self) -> dict[str, Any]:
        partners = [self.metrics_of(s) for s in self.partner_ids()]
        present = [m for m in partners if m is not None]
        groups = [
            (
                "Four Horsemen",
                [
                    ("horseman.criticism", "Criticism"),
                    ("horseman.contempt", "Contempt"),
                    ("horseman.defensiveness", "Defensiveness"),
                    ("horseman.stonewalling", "Stonewalling (turns)"),
                ],
                "horsemen",
            ),
            (
                "Antidotes",
                [
                    ("antidote.gentle_startup", "Gentle start-up"),
                    ("antidote.appreciation", "Appreciation"),
                    ("antidote.responsibility", "Responsibility"),
                    ("antidote.self_soothing", "Self-soothing"),
                ],
                "antidotes",
            ),
            (
                "Connection",
                [
                    ("validation", "Validation"),
                    ("interest", "Interest"),
                    ("repair.attempt", "Repair attempts"),
                    ("cycle.naming", "Cycle naming"),
                    ("flooding", "Flooding"),
                ],
                "code_counts",
            ),
        ]
        table = []
        for title, rows, attribute in groups:
            body = []
            for code, label in rows:
                cells = []
                for m in present:
                    source = getattr(m, attribute)
                    cells.append(str(source.get(code, 0)))
                body.append({"code": code, "label": label, "cells": cells, "tag": self._tag(code)})
            table.append({"title": title, "rows": body})
        talk = [
            {
                "label": "“You”-talk / “we”-talk",
                "cells": [f"{percent(m.you_talk)} / {percent(m.we_talk)}" for m in present],
            },
            {
                "label": "Turns / words",
                "cells": [f"{m.turns} / {m.words}" for m in present],
            },
        ]
        return {"heads": [self.who(m.speaker) for m in present], "groups": table, "talk": talk}

    def repairs(self) -> list[dict[str, Any]]:
        out = []
        for r in self.a.repairs:
            symbol, words = OUTCOMES[r.outcome]
            after = "—" if r.negativity_after is None else f"{r.negativity_after:.2f}"
            out.append(
                {
                    "link": self.link(r.turn),
                    "who": self.who(r.speaker),
                    "types": ", ".join(r.types) or "repair",
                    "phase": r.phase.value,
                    "quote": self._first(r.turn),
                    "symbol": symbol,
                    "outcome": words,
                    "outcome_class": r.outcome.value,
                    "reply": self.link(r.response_turn) if r.response_turn is not None else "—",
                    "negativity": f"{r.negativity_before:.2f} → {after}",
                    "explanation": self.text(r.explanation),
                }
            )
        return out

    def breaks(self) -> list[dict[str, Any]]:
        out = []
        for i, b in enumerate(self.a.breaks, 1):
            symbol, words = BREAK_STATUS[b.status]
            bounds = {True: "yes", False: "no", None: "—"}[b.within_bounds]
            after = "—" if b.negativity_after is None else f"{b.negativity_after:.2f}"
            steps = [("Asked for", self.evidence(b.request_turn))]
            if b.agree_turn is not None:
                steps.append(("Agreed", self.evidence(b.agree_turn)))
            if b.return_turn is not None:
                steps.append(("Came back", self.evidence(b.return_turn)))
            out.append(
                {
                    "heading": f"Break {i}: asked for by {self.name(b.requester)}",
                    "symbol": symbol,
                    "status": words,
                    "status_class": b.status.value,
                    "facts": [
                        ("Agreed length", duration(b.agreed_seconds)),
                        ("Actual length", duration(b.actual_seconds)),
                        ("At least 20 minutes and under 24 hours", bounds),
                        ("Negativity before → after", f"{b.negativity_before:.2f} → {after}"),
                    ],
                    "steps": steps,
                    "explanation": self.text(b.explanation),
                }
            )
        return out

    def glossary(self) -> list[dict[str, Any]]:
        counts = Counter(code for code, _ in {(s.code, s.turn) for s in self.a.codes})
        groups: dict[str, list[dict[str, Any]]] = {f: [] for f, _ in FAMILIES}
        for code, info in self.codebook.codes.items():
            groups[family_of(code)].append(
                {
                    "code": code,
                    "anchor": code_anchor(code),
                    "meaning": info.meaning,
                    "valence": {1: "positive", -1: "negative", 0: "neutral"}.get(
                        info.valence, "neutral"
                    ),
                    "count": counts.get(code, 0),
                    "family": family_of(code),
                }
            )
        return [{"title": title, "codes": groups[f]} for f, title in FAMILIES if groups[f]]

    def transcript(self) -> list[dict[str, Any]]:
        rows = []
        for t in self.c.turns:
            media = [m for message in t.messages for m in message.media]
            rows.append(
                {
                    "index": t.index,
                    "who": self.who(t.speaker),
                    "css": "row-" + self._who_class(t.speaker).removeprefix("who-"),
                    "time": self.clock.label(t.start) if t.start is not None else "",
                    "latency": f"after {duration(t.latency)}"
                    if t.latency is not None and t.latency >= 60
                    else "",
                    "text": self.marked(t.index),
                    "media": [self.text(m) for m in media],
                    "deleted": any(message.deleted for message in t.messages),
                    "coded": t.index in self.spans,
                }
            )
        return rows

    def _who_class(self, speaker: str) -> str:
        try:
            s = self.c.speaker(speaker)
        except KeyError:
            return "who-o"
        if s.role is Role.THERAPIST:
            return "who-t"
        return {"A": "who-a", "B": "who-b"}.get(s.partner.value if s.partner else "", "who-o")

    def method(self) -> dict[str, Any]:
        a = self.a
        return {
            "version": __version__,
            "codebook": a.codebook_version,
            "lexicon": a.lexicon_version,
            "models": ", ".join(a.models) or "none",
            "settings": sorted(a.settings.items()),
            "sha256": self.c.source.sha256,
        }

    def charts(self) -> dict[str, charts.Chart | None]:
        rows = self.speaker_rows()
        bands = charts.bands(self.c, self.a, self.name)
        return {
            "timeline": charts.timeline(self.c, self.a, self.clock, rows, self.name, bands),
            "latency": charts.latency(
                self.c, self.a, self.clock, self.partner_ids(), self.name, bands
            ),
            "balance": charts.balance(self.a, self.clock),
        }

    def safety(self) -> dict[str, Any] | None:
        """The safety section: level, message, resources and every reason quoted from its
        turn (the report is read by the person who ran it, or their clinician)."""
        result = self.safety_result
        if result is None:
            return None
        reasons = []
        for f in result.reasons:
            quote: Markup | str = ""
            if f.turn is not None and 0 <= f.turn < len(self.c.turns):
                span = f.to_code_span()
                quote = self.quote(span)
            reasons.append(
                {
                    "level": f.level.label,
                    "code": f.code,
                    "who": self.who(f.speaker) if f.speaker else "",
                    "explanation": self.text(f.explanation),
                    "quote": quote,
                }
            )
        people = [(self.name(p), level.label) for p, level in result.people if level.positive]
        return {
            "level": result.level.label,
            "message": result.message,
            "resources": [r.to_dict() for r in result.resources],
            "reasons": reasons,
            "people": people,
        }

    def context(self) -> dict[str, Any]:
        rec = self.a.recovery
        return {
            "title": self.title,
            "redacted": self.redact,
            "csp": CONTENT_SECURITY_POLICY,
            "css": _css(),
            "sections": (((SAFETY_SECTION,) if self.safety_result else ()) + SECTIONS),
            "safety": self.safety(),
            "meta": self.meta(),
            "figures": self.figures(),
            "roles": self.roles(),
            "strength": self.strength(),
            "reading": self.reading(),
            "charts": self.charts(),
            "latency_rows": self.latency_rows(),
            "delays": self.delays(),
            "blocks": self.a.blocks,
            "block_label": (lambda b: self.clock.label(b.start)),
            "recovery": {
                "explanation": self.text(rec.explanation),
                "peak": self.link(rec.peak_turn) if rec.peak_turn is not None else None,
            },
            "session": self.clock.session,
            "cycle": self.cycle_map(),
            "stonewalling": self.stonewalling(),
            "cycles": [self.text(c.explanation) for c in self.a.cycles],
            "loops": self.loops(),
            "horsemen": self.horsemen(),
            "repairs": self.repairs(),
            "breaks": self.breaks(),
            "glossary": self.glossary(),
            "transcript": self.transcript(),
            "method": self.method(),
            "categories": charts.CATEGORIES,
        }


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _list_clause(items: Sequence[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return f" — {items[0]}"
    return " — " + ", ".join(items[:-1]) + f" and {items[-1]}"


def render_html(
    conversation: Conversation,
    analysis: Analysis,
    *,
    redact: bool = False,
    title: str | None = None,
    safety: SafetyResult | None = None,
) -> str:
    """The report as one self-contained HTML document (no scripts, no network requests).

    ``redact`` replaces speaker names with "Partner A/B" / "Therapist" and masks phone numbers,
    e-mail addresses, URLs, street addresses and other identifiers everywhere in the report.
    ``safety`` (the gate's result on the conversation) puts a safety section first when it is
    positive, and then the cycle reading says that couple-cycle advice is paused.
    """
    report = _Report(conversation, analysis, redact, title, safety)
    template = _environment().get_template("report.html.j2")
    return template.render(report.context())
