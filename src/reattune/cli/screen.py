"""``reattune screen``: the private screening questions, answered by one person alone."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from reattune.cli.errors import guarded
from reattune.errors import SettingsError, SourceNotFoundError
from reattune.safety import (
    Answer,
    ScreeningResult,
    check,
    instrument_ids,
    load_instrument,
    next_question,
)
from reattune.safety.gate import SafetyResult, combine

console = Console(highlight=False, stderr=True)
out = Console(highlight=False)


def _given(pairs: list[str] | None, file: Path | None) -> dict[str, str]:
    answers: dict[str, str] = {}
    if file is not None:
        try:
            data = json.loads(file.read_text("utf-8"))
        except FileNotFoundError:
            raise SourceNotFoundError("file not found", file=str(file)) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SettingsError(
                f"cannot read the answers ({exc})",
                file=str(file),
                expected='a JSON object such as {"asq1": "no", "hurt": "yes"}',
            ) from exc
        if not isinstance(data, dict):
            raise SettingsError(
                "the answers are not a JSON object",
                file=str(file),
                expected='{"question id": "yes" | "no" | "skip", …}',
            )
        answers.update({str(k): str(v) for k, v in data.items()})
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SettingsError(f"--answer {pair!r} has no '='", expected="QUESTION=yes|no|skip")
        answers[key.strip()] = value.strip()
    return answers


def _ask(instrument: str, given: dict[str, str], interactive: bool) -> dict[str, Answer]:
    inst = load_instrument(instrument)
    answered: dict[str, Answer] = {}
    for qid, value in given.items():
        if any(q.id == qid for q in inst.questions):
            answered[qid] = Answer.parse(value)
    if interactive:
        console.print(f"[bold]{escape(inst.name)}[/]\n{escape(inst.intro)}\n")
    while (q := next_question(inst, answered)) is not None:
        if not interactive:
            break
        reply = typer.prompt(f"{q.text} [yes/no/skip]", default="skip", show_default=False)
        try:
            answered[q.id] = Answer.parse(reply)
        except SettingsError:
            console.print("Please answer yes, no or skip.")
    return answered


def _show(result: SafetyResult) -> None:
    if not result.positive:
        out.print(
            Panel(
                "Thank you. Nothing in your answers calls for a safety response now. You can "
                "take these questions again at any time with `reattune screen`.",
                title="Your screening",
                title_align="left",
            )
        )
        return
    lines = [f"[bold]{escape(result.message)}[/]", "", "[bold]Help, now:[/]"]
    lines += [
        f"  • {'EMERGENCY — ' if r.emergency else ''}{escape(r.name)}: {escape(r.how)}"
        for r in result.resources
    ]
    lines += [
        "",
        "These answers are private: they are for you and your own therapist, never your "
        "partner. A note with the questions you answered is prepared for your own therapist "
        "only.",
    ]
    out.print(
        Panel(
            "\n".join(lines),
            title=f"Safety first ({result.level.label})",
            title_align="left",
            border_style="red bold",
        )
    )


@guarded
def screen_command(
    person: Annotated[
        str, typer.Option("--person", help="Who is answering (kept with the answers).")
    ] = "me",
    instrument: Annotated[
        str,
        typer.Option(
            "--instrument",
            help="Which questions: " + ", ".join(instrument_ids()) + ", or all.",
        ),
    ] = "all",
    answer: Annotated[
        list[str] | None,
        typer.Option("--answer", help="Give an answer without a prompt: QUESTION=yes|no|skip."),
    ] = None,
    answers_file: Annotated[
        Path | None,
        typer.Option("--answers", help="A JSON file of answers: {question id: yes/no/skip}."),
    ] = None,
    locale: Annotated[
        str, typer.Option("--locale", help="Country for the help lines (US, CA, GB, …).")
    ] = "US",
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer the private safety questions alone (suicide risk: ASQ; safety at home)."""
    chosen = list(instrument_ids()) if instrument == "all" else [instrument]
    for iid in chosen:
        load_instrument(iid)
    given = _given(answer, answers_file)
    known = {q.id for iid in chosen for q in load_instrument(iid).questions}
    unknown = sorted(set(given) - known)
    if unknown:
        raise SettingsError(
            "unknown question id(s): " + ", ".join(unknown),
            expected="one of " + ", ".join(sorted(known)),
        )
    interactive = sys.stdin.isatty() and not json_out and answer is None and answers_file is None
    if not interactive and not given:
        raise SettingsError(
            "no answers given",
            expected="run it in a terminal to be asked, or give --answer QUESTION=yes|no|skip "
            "or --answers FILE",
        )
    screenings = [
        ScreeningResult(iid, person, tuple(_ask(iid, given, interactive).items())) for iid in chosen
    ]
    result = combine([check(s, locale=locale) for s in screenings], person=person, locale=locale)
    if json_out:
        data: dict[str, Any] = {
            "screenings": [s.to_dict() for s in screenings],
            "safety": result.to_dict(),
        }
        print(json.dumps(data, ensure_ascii=False))
        return
    _show(result)
