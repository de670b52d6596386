"""``reattune``: the command line entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reattune import __version__
from reattune.cli.analyze import analyze_command, settings_command
from reattune.cli.coach import coach_command, flooding_command, organise_command, timeout_command
from reattune.cli.errors import EXIT_INPUT, guarded, print_error
from reattune.cli.evaluate import eval_command
from reattune.cli.options import Files, reading_options
from reattune.cli.screen import screen_command
from reattune.errors import ReattuneError
from reattune.ingest import ParseOptions, load, parsers
from reattune.ingest.summary import summarize

app = typer.Typer(
    name="reattune",
    help="See, pause and repair the pursue-withdraw cycle — offline, on your own machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)


def _version(value: bool) -> None:
    if value:
        console.print(f"reattune {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """reattune reads couples' conversations and shows the cycle."""


def _print_summary(s: dict[str, Any]) -> None:
    table = Table(title=s["file"], title_justify="left", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("format", f"{s['format']} ({s['kind']}, {s['encoding']})")
    table.add_row("messages", f"{s['messages']} speech, {s['system_messages']} system")
    table.add_row("turns", str(s["turns"]))
    start, end = s["start"], s["end"]
    if isinstance(start, float) and isinstance(end, float):
        table.add_row("time", f"{start:.1f}s → {end:.1f}s of the recording")
    elif start is not None:
        zone = f" (times read in {s['timezone']})" if s["timezone"] else ""
        table.add_row("time", f"{start} → {end}{zone}")
    else:
        table.add_row("time", "no times in the file")
    for key, value in sorted(s["details"].items()):
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    people = Table("speaker", "role", "messages", "turns", title_justify="left")
    for p in s["participants"]:
        role = f"partner {p['partner']}" if p["partner"] else p["role"]
        people.add_row(p["name"], role, str(p["messages"]), str(p["turns"]))
    console.print(people)
    if s["warnings"]:
        console.print(f"[yellow]{len(s['warnings'])} warning(s)[/]")
        for w in s["warnings"]:
            where = f"{w['location']}: " if w["location"] else ""
            console.print(f"  [yellow]{w['code']}[/] {where}{w['message']}")
    console.print()


@app.command()
@guarded
@reading_options
def inspect(
    files: Files,
    json_out: Annotated[
        bool, typer.Option("--json", help="One JSON object per file, one per line.")
    ] = False,
    *,
    options: ParseOptions,
) -> None:
    """Show what was read from each file: format, speakers and roles, counts, time span,
    warnings."""
    failed = 0
    for path in files:
        try:
            summary = summarize(load(path, options, strict_roles=False))
        except ReattuneError as exc:
            failed += 1
            if json_out:
                print(json.dumps({"file": str(path), "error": exc.to_dict()}, ensure_ascii=False))
            else:
                print_error(exc)
            continue
        if json_out:
            print(json.dumps(summary, ensure_ascii=False))
        else:
            _print_summary(summary)
    if failed:
        raise typer.Exit(EXIT_INPUT)


@app.command()
@guarded
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the demo into.")] = Path(
        "reattune-demo"
    ),
) -> None:
    """Analyse the bundled example conversations and write their reports into a folder."""
    from reattune.examples import copy_examples
    from reattune.service.reports import analyze_file, write_index, write_reports
    from reattune.settings import AnalysisSettings

    settings = AnalysisSettings()
    outcomes = []
    table = Table(
        "example", "format", "turns", "loops", "stonewalling", "repairs", title="reattune demo"
    )
    for example, path in copy_examples(out):
        outcome = analyze_file(path, example.options, settings)
        if outcome.error is not None:
            raise outcome.error
        write_reports(outcome, out, ["html", "md", "json"], redact=False)
        outcomes.append(outcome)
        assert outcome.analysis is not None and outcome.conversation is not None
        m = outcome.analysis.metrics
        table.add_row(
            example.title,
            outcome.conversation.source.format,
            str(m.turns),
            str(m.loops),
            str(m.stonewalling_episodes),
            str(m.repair_attempts),
        )
    index = write_index(outcomes, out, redact=False)
    console.print(table)
    console.print(f"Wrote the example reports to [bold]{out.resolve()}[/] — open {index.resolve()}")


@app.command()
def formats() -> None:
    """List the formats reattune reads."""
    table = Table("name", "reads", "kind")
    for name, parser in sorted(parsers().items()):
        table.add_row(name, parser.title, parser.kind.value)
    console.print(table)


app.command(name="analyze")(analyze_command)
app.command(name="settings")(settings_command)
app.command(name="eval")(eval_command)
app.command(name="screen")(screen_command)
app.command(name="coach")(coach_command)
app.command(name="organise")(organise_command)
app.command(name="timeout")(timeout_command)
app.command(name="flooding")(flooding_command)

from reattune.cli.serve import (  # noqa: E402  (the service's commands, registered last)
    admin_app,
    audit_app,
    keys_app,
    serve_command,
    worker_command,
)

app.command(name="serve")(serve_command)
app.command(name="worker")(worker_command)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(admin_app, name="admin")


def run() -> None:
    app()
