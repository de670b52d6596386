"""The Markdown report: the same findings as the HTML report, as text to paste or print."""

from __future__ import annotations

from reattune.coding.lexicon import default_codebook
from reattune.model import Conversation
from reattune.model.analysis import Analysis
from reattune.report.reading import Namer, read_analysis
from reattune.report.safety_section import safety_caveat, safety_lines
from reattune.safety.gate import SafetyResult

QUOTE_LIMIT = 160


def when(conversation: Conversation, turn: int) -> str:
    """A turn's time as people read it: wall clock for chats, mm:ss into a session."""
    t = conversation.turns[turn]
    if t.started_at is not None:
        return t.started_at.strftime("%Y-%m-%d %H:%M")
    if t.start is not None:
        minutes, seconds = divmod(int(t.start), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"turn {turn}"


def quote(conversation: Conversation, turn: int, name: Namer) -> str:
    text = " ".join(name.text(conversation.turns[turn].text).split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1] + "…"
    return f"“{text}”"


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def render_markdown(
    conversation: Conversation,
    analysis: Analysis,
    *,
    redact: bool = False,
    safety: SafetyResult | None = None,
) -> str:
    name = Namer(conversation, redact)
    reading = read_analysis(conversation, analysis, redact=redact)
    cs = analysis.cycle_strength
    out = [f"# {reading.title}", ""]
    out += [
        f"*{conversation.kind.value}, {len(conversation.turns)} turns; codebook "
        f"{analysis.codebook_version}, schema {analysis.schema}.*",
        "",
    ]
    if safety is not None and safety.positive:
        lines = safety_lines(conversation, safety, name)
        out += [f"## {lines.heading}", "", lines.message, "", "**Help, now:**", ""]
        out += [f"- {r}" for r in lines.resources] + [""]
        out += [lines.people, ""] if lines.people else []
        out += ["**What the screen found:**", ""] + [f"- {r}" for r in lines.reasons] + [""]
    out += ["## The cycle", "", reading.roles, ""]
    if safety is not None and safety.positive:
        out += [safety_caveat(safety) + "\n"]
    out += [p + "\n" for p in reading.paragraphs]
    out += ["### Cycle strength", "", "| measure | value |", "|---|---|"]
    out += [
        f"| P(withdrawal right after pursuit) | {_fmt(cs.p_withdraw_after_pursuit)} "
        f"(base rate {_fmt(cs.withdraw_base_rate)}) |",
        f"| Yule's Q | {_fmt(cs.yules_q)} |",
        f"| role asymmetry | {_fmt(cs.role_asymmetry)} |",
        "| demand / withdraw per partner | "
        + "; ".join(
            f"{name(p)} {cs.demand[p]:.2f} / {cs.withdraw.get(p, 0):.2f}" for p in cs.demand
        )
        + " |",
        f"| escalation slope across loops | {_fmt(cs.escalation_slope)} |",
        f"| loops per hour | {_fmt(cs.loops_per_hour)} |",
        "",
    ]
    out += (
        [
            "## Four Horsemen and antidotes",
            "",
            "| partner | "
            + " | ".join(h.split(".")[1] for h in analysis.partners[0].horsemen)
            + " | "
            + " | ".join(a.split(".")[1] for a in analysis.partners[0].antidotes)
            + " | repairs (landed) |",
            "|---" * (2 + 4 + 4) + "|",
        ]
        if analysis.partners
        else []
    )
    for p in analysis.partners:
        out.append(
            f"| {name(p.speaker)} | "
            + " | ".join(str(n) for n in p.horsemen.values())
            + " | "
            + " | ".join(str(n) for n in p.antidotes.values())
            + f" | {p.repair_attempts} ({p.repair_successes}) |"
        )
    out.append("")
    out += ["## Stonewalling episodes", ""]
    if not analysis.stonewalling:
        out += ["None found.", ""]
    for k, e in enumerate(analysis.stonewalling, 1):
        out += [
            f"### Episode {k}: {name(e.listener)}, from {when(conversation, e.start_turn)}",
            "",
            f"- {name.text(e.explanation)}",
            f"- duration: {_fmt(e.duration_seconds and e.duration_seconds / 60, 1)} min"
            + (" (censored: the data ended first)" if e.censored else ""),
            f"- unanswered bids: {e.unanswered_bids}; flooding just before: "
            f"{'yes' if e.flooding_before else 'no'}",
        ]
        if e.trigger_turn is not None:
            out.append(
                f"- trigger ({when(conversation, e.trigger_turn)}, {name(e.pursuer)}): "
                f"{quote(conversation, e.trigger_turn, name)} — " + ", ".join(e.trigger_codes)
            )
        for t in e.turns[:4]:
            if conversation.turns[t].speaker == e.listener:
                out.append(
                    f"- {when(conversation, t)} {name(e.listener)}: {quote(conversation, t, name)}"
                )
        out.append("")
    out += ["## Repairs", ""]
    if not analysis.repairs:
        out += ["None found.", ""]
    for r in analysis.repairs:
        out.append(
            f"- {when(conversation, r.turn)} {name(r.speaker)} ({', '.join(r.types)}, "
            f"{r.phase.value}): {quote(conversation, r.turn, name)} → **{r.outcome.value}**"
        )
    out += ["", "## Breaks", ""]
    if not analysis.breaks:
        out += ["None asked for.", ""]
    for b in analysis.breaks:
        out.append(f"- {when(conversation, b.request_turn)} {name(b.requester)}: {b.explanation}")
    out += ["", "## Recovery", "", name.text(analysis.recovery.explanation), ""]
    codebook = default_codebook()
    used = sorted({c.code for c in analysis.codes})
    out += ["## Glossary", ""]
    out += [
        f"- `{code}`: {codebook.codes[code].meaning}" for code in used if code in codebook.codes
    ]
    out.append("")
    return "\n".join(out)
