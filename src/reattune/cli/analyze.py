"""``reattune analyze``: a terminal summary, and HTML / JSON / Markdown reports, for one file
or a batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from reattune.cli.errors import EXIT_INPUT, guarded, print_error
from reattune.cli.options import Files, reading_options
from reattune.errors import SettingsError
from reattune.ingest import ParseOptions
from reattune.settings import AnalysisSettings

if TYPE_CHECKING:  # imported where used: a command pays only for what it runs (start-up time)
    from reattune.model import Conversation
    from reattune.model.analysis import Analysis
    from reattune.report.reading import Namer
    from reattune.safety.gate import SafetyResult

console = Console(highlight=False)
EXIT_PARTIAL = 1


def _settings(pairs: list[str] | None) -> AnalysisSettings:
    overrides = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SettingsError(f"--set takes NAME=VALUE, not {pair!r}")
        name, value = pair.split("=", 1)
        overrides[name.strip()] = value.strip()
    return AnalysisSettings().with_overrides(overrides)


def print_safety(conversation: Conversation, result: SafetyResult, name: Namer) -> None:
    """The safety section, printed before anything else when the gate fires."""
    from reattune.report.safety_section import safety_lines

    lines = safety_lines(conversation, result, name)
    parts = [f"[bold]{escape(lines.message)}[/]", "[bold]Help, now:[/]"]
    parts += [f"  • {escape(r)}" for r in lines.resources]
    if lines.people:
        parts.append(escape(lines.people))
    parts.append("[bold]What the screen found:[/]")
    parts += [f"  • {escape(r)}" for r in lines.reasons]
    console.print(
        Panel("\n".join(parts), title=lines.heading, title_align="left", border_style="red bold")
    )


def print_summary(
    conversation: Conversation,
    analysis: Analysis,
    *,
    redact: bool,
    safety: SafetyResult | None = None,
) -> None:
    """The terminal summary of one analysed conversation (the safety section first)."""
    from reattune.report.markdown import quote, when
    from reattune.report.reading import Namer, read_analysis
    from reattune.report.safety_section import safety_caveat

    name = Namer(conversation, redact)
    reading = read_analysis(conversation, analysis, redact=redact)
    paragraphs = list(reading.paragraphs)
    if safety is not None and safety.positive:
        print_safety(conversation, safety, name)
        paragraphs.insert(0, safety_caveat(safety))
    body = "\n\n".join([f"[bold]{escape(reading.roles)}[/]", *map(escape, paragraphs)])
    console.print(Panel(body, title=reading.title, title_align="left"))
    cs = analysis.cycle_strength
    strength = Table("cycle strength", "value", title_justify="left")
    for label, value in (
        ("P(withdraw | pursuit just before)", cs.p_withdraw_after_pursuit),
        ("withdrawer's base rate", cs.withdraw_base_rate),
        ("Yule's Q", cs.yules_q),
        ("role asymmetry", cs.role_asymmetry),
        ("escalation slope across loops", cs.escalation_slope),
        ("loops per hour", cs.loops_per_hour),
    ):
        strength.add_row(label, "—" if value is None else f"{value:.2f}")
    for who, d in cs.demand.items():
        strength.add_row(
            f"demand / withdraw: {name(who)}", f"{d:.2f} / {cs.withdraw.get(who, 0):.2f}"
        )
    console.print(strength)
    people = Table(
        "partner",
        "criticism",
        "contempt",
        "defensive",
        "stonewall",
        "antidotes",
        "repairs (landed)",
        "median latency",
        title="Four Horsemen and antidotes",
        title_justify="left",
    )
    for p in analysis.partners:
        h = p.horsemen
        people.add_row(
            name(p.speaker),
            str(h["horseman.criticism"]),
            str(h["horseman.contempt"]),
            str(h["horseman.defensiveness"]),
            str(h["horseman.stonewalling"]),
            str(sum(p.antidotes.values())),
            f"{p.repair_attempts} ({p.repair_successes})",
            "—" if p.median_latency is None else f"{p.median_latency:.0f} s",
        )
    console.print(people)
    if analysis.stonewalling:
        eps = Table(
            "listener",
            "from",
            "duration",
            "bids",
            "trigger",
            "listener said",
            title="Stonewalling episodes",
            title_justify="left",
        )
        for e in analysis.stonewalling:
            said = [
                quote(conversation, t, name)
                for t in e.turns
                if conversation.turns[t].speaker == e.listener
            ][:2]
            trigger = "—"
            if e.trigger_turn is not None:
                said_then = quote(conversation, e.trigger_turn, name)
                trigger = f"{when(conversation, e.trigger_turn)} {said_then}"
            duration = "—" if e.duration_seconds is None else f"{e.duration_seconds / 60:.1f} min"
            eps.add_row(
                name(e.listener),
                when(conversation, e.start_turn),
                duration + (" (open at end)" if e.censored else ""),
                str(e.unanswered_bids),
                trigger,
                " ".join(said) or "(silence)",
            )
        console.print(eps)
    if analysis.repairs:
        reps = Table(
            "when", "who", "type", "outcome", title="Repair attempts", title_justify="left"
        )
        for r in analysis.repairs:
            reps.add_row(
                when(conversation, r.turn), name(r.speaker), ", ".join(r.types), r.outcome.value
            )
        console.print(reps)
    for b in analysis.breaks:
        console.print(
            f"break by {name(b.requester)} at {when(conversation, b.request_turn)}: {b.explanation}"
        )
    console.print(f"recovery: {name.text(analysis.recovery.explanation)}")
    for w in conversation.warnings:
        console.print(f"[yellow]warning[/] {w}")


@guarded
@reading_options
def analyze_command(
    files: Files,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the report here: a .html/.md/.json file for one "
            "input, a folder for several (default for several: reattune-reports).",
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="JSON (to stdout for one file).")
    ] = False,
    md: Annotated[bool, typer.Option("--md", help="Markdown (to stdout for one file).")] = False,
    redact: Annotated[
        bool, typer.Option("--redact", help="Names become Partner A/B; identifiers are masked.")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change a setting: NAME=VALUE (see reattune settings)."),
    ] = None,
    *,
    options: ParseOptions,
    locale: Annotated[
        str,
        typer.Option(
            "--locale",
            help="Country for the help lines of the safety section (US, CA, GB, IE, AU, NZ; "
            "anything else lists the local emergency number and an international directory).",
        ),
    ] = "US",
) -> None:
    """Code, measure and explain conversations: a terminal summary, or reports. The safety
    screen runs on every conversation and opens the output when it finds something."""
    from reattune.service.reports import analyze_file, expand, render, run_batch

    settings = _settings(set_)
    inputs = expand(files)
    single = len(files) == 1 and not files[0].is_dir()
    if single and (out is None or out.suffix.lower() in (".html", ".md", ".json")):
        outcome = analyze_file(files[0], options, settings, locale=locale)
        if outcome.error is not None:
            raise outcome.error
        assert outcome.conversation is not None and outcome.analysis is not None
        conv, analysis, safety = outcome.conversation, outcome.analysis, outcome.safety
        if out is not None:
            fmt = out.suffix.lower().lstrip(".")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(
                render(fmt, conv, analysis, redact=redact, safety=safety), encoding="utf-8"
            )
            console.print(f"Wrote {out}")
        if json_out:
            print(render("json", conv, analysis, redact=redact, safety=safety))
        elif md:
            print(render("md", conv, analysis, redact=redact, safety=safety))
        else:
            print_summary(conv, analysis, redact=redact, safety=safety)
        return
    folder = out or Path("reattune-reports")
    formats = ["html"] + (["json"] if json_out else []) + (["md"] if md else [])
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("analysing", total=len(inputs))
        outcomes = run_batch(
            files,
            folder,
            options,
            settings,
            formats,
            redact=redact,
            progress=lambda _p: bar.advance(task),
            locale=locale,
        )
    table = Table(
        "file",
        "turns",
        "loops",
        "stonewalling",
        "repairs",
        "safety",
        "result",
        title="reattune analyze",
        title_justify="left",
    )
    for k, o in enumerate(outcomes, 1):
        label = f"conversation {k}" if redact else str(o.path)
        if o.ok and o.analysis is not None:
            m = o.analysis.metrics
            table.add_row(
                label,
                str(m.turns),
                str(m.loops),
                str(m.stonewalling_episodes),
                str(m.repair_attempts),
                f"[red bold]{o.safety.level.label}[/]"
                if o.safety is not None and o.safety.positive
                else "—",
                "ok",
            )
        else:
            table.add_row(label, "", "", "", "", "", f"[red]{o.error.code if o.error else '?'}[/]")
    console.print(table)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        assert o.error is not None
        print_error(o.error)
    console.print(f"Reports and index: [bold]{(folder / 'index.html').resolve()}[/]")
    if failed:
        raise typer.Exit(EXIT_INPUT if len(failed) == len(outcomes) else EXIT_PARTIAL)


def settings_command() -> None:
    """List the analysis settings with their defaults and meaning."""
    table = Table("setting", "default", "meaning")
    defaults = AnalysisSettings()
    for name, doc in AnalysisSettings.documentation().items():
        table.add_row(name, json.dumps(getattr(defaults, name)), doc)
    console.print(table)
