"""``reattune coach``, ``organise``, ``timeout`` and ``flooding``: the private coach at the
terminal. Interactive where a person would expect it, flags for scripts, ``--json`` for
machines. Nothing is sent anywhere; the language-model rewriter is used only when an
operator names its server (``--llm-url`` or ``REATTUNE_LLM_URL``)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from reattune.cli.errors import guarded
from reattune.cli.options import Format, Timezone, parse_options
from reattune.errors import CoachInputError

if TYPE_CHECKING:  # imported where used: other commands don't pay for the coach (start-up)
    from reattune.coach import timeout
    from reattune.coach.review import Feedback
    from reattune.coach.rewrite import Rewriter
    from reattune.safety import SafetyResult

console = Console(highlight=False)

JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Locale = Annotated[
    str | None, typer.Option("--locale", help="Country code for help lines (e.g. US, GB, DE).")
]
At = Annotated[
    datetime | None,
    typer.Option(
        "--at",
        formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help="When it happens (local time; default: now).",
        show_default=False,
    ),
]


def _now(at: datetime | None) -> datetime:
    return (at or datetime.now()).astimezone()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _print_safety(result: SafetyResult) -> None:
    console.print(f"[bold]{escape(result.message)}[/]")
    for r in result.resources:
        console.print(f"  • {escape(r.name)}: {escape(r.how)}")


def _blocked(result: SafetyResult, json_out: bool, empty: dict[str, Any]) -> None:
    if json_out:
        _print_json({**empty, "safety": result.to_dict()})
    else:
        _print_safety(result)


# --- coach ----------------------------------------------------------------------------------


def _read_draft(draft: str | None) -> str:
    if draft is not None and draft != "-":
        return draft
    if draft is None and sys.stdin.isatty():
        raise CoachInputError(
            "no draft given", expected='reattune coach "your message", or the message on stdin'
        )
    return sys.stdin.read()


def _print_feedback(draft: str, fb: Feedback) -> None:
    if not fb.findings:
        console.print("[green]Nothing in this draft is likely to feed the cycle.[/]")
    for f in fb.findings:
        console.print(
            f"[bold yellow]{f.code}[/] “{escape(draft[f.start : f.end].strip())}” "
            f"[dim]({f.start}–{f.end})[/]\n  {escape(f.why)}"
        )
    for w in fb.warnings:
        console.print(f"[bold red]before you send[/] {escape(w.message)}")
    if fb.rewrites:
        console.print("\n[bold]Calmer ways to say it[/] (best first):")
        for i, r in enumerate(fb.rewrites, 1):
            console.print(f"  {i}. {escape(r.text)}  [dim]— {escape(r.strategy)}[/]")
    elif fb.findings:
        console.print("\nNo rewrite kept your words and lowered the heat; try the findings above.")


@guarded
def coach_command(
    draft: Annotated[
        str | None,
        typer.Argument(help="The message you want to send (or '-' / stdin).", show_default=False),
    ] = None,
    context: Annotated[
        Path | None,
        typer.Option("--context", help="The recent conversation (any format reattune reads)."),
    ] = None,
    me: Annotated[
        str | None, typer.Option("--me", help="Which speaker of the context you are.")
    ] = None,
    at: At = None,
    json_out: JsonOut = False,
    format: Format = None,
    timezone: Timezone = "UTC",
    locale: Locale = None,
    llm_url: Annotated[
        str | None,
        typer.Option(
            "--llm-url",
            envvar="REATTUNE_LLM_URL",
            help="OpenAI-compatible server you control (off unless given).",
        ),
    ] = None,
    llm_model: Annotated[
        str, typer.Option("--llm-model", envvar="REATTUNE_LLM_MODEL", help="Model name.")
    ] = "local",
    alternatives: Annotated[
        int, typer.Option("--alternatives", "-n", min=1, max=5, help="How many rewrites.")
    ] = 3,
) -> None:
    """Feedback on a draft message, with calmer rewrites that keep your meaning."""
    from reattune.coach.llm import LLMRewriter, LLMSettings
    from reattune.coach.review import review
    from reattune.ingest import load
    from reattune.safety import SafetyResult

    text = _read_draft(draft)
    conversation = None
    if context is not None:
        options = parse_options(format=format, timezone=timezone)
        conversation = load(context, options, strict_roles=False)
    rewriter: Rewriter | None = None
    if llm_url:
        rewriter = LLMRewriter(LLMSettings(llm_url, llm_model))
    result = review(
        text,
        conversation,
        me=me,
        sent_at=None if at is None else _now(at),
        rewriter=rewriter,
        locale=locale,
        alternatives=alternatives,
    )
    if isinstance(result, SafetyResult):
        _blocked(result, json_out, {"findings": [], "warnings": [], "rewrites": []})
        return
    if json_out:
        _print_json(result.to_dict())
    else:
        _print_feedback(text, result)


# --- organise -------------------------------------------------------------------------------


@guarded
def organise_command(
    body: Annotated[
        str | None, typer.Option("--body", help="What you notice in your body.")
    ] = None,
    fear: Annotated[
        str | None, typer.Option("--fear", help="What you're afraid will happen.")
    ] = None,
    need: Annotated[str | None, typer.Option("--need", help="What you need.")] = None,
    when: Annotated[
        str | None, typer.Option("--when", help="When you can come back (8pm, in 30 minutes).")
    ] = None,
    json_out: JsonOut = False,
    locale: Locale = None,
) -> None:
    """Organise your thoughts into a short message with a return time (asks when run
    without flags at a terminal)."""
    from reattune.coach import organiser
    from reattune.safety import SafetyResult

    given = {"body": body, "fear": fear, "need": need, "when": when}
    answers = {k: v for k, v in given.items() if v is not None}
    if not answers and sys.stdin.isatty() and not json_out:
        console.print("Short answers are enough. Nothing is sent; you'll see the message first.")
        for p in organiser.prompts():
            answers[p.id] = typer.prompt(p.text, default="", show_default=False)
    result = organiser.organise(answers, locale=locale)
    if isinstance(result, SafetyResult):
        _blocked(result, json_out, {"message": None})
        return
    if json_out:
        _print_json({"message": result.to_dict(), "safety": None})
    else:
        console.print("\n[bold]Your message[/] (copy it when you're ready):\n")
        console.print(escape(result.text))


# --- timeout --------------------------------------------------------------------------------


class Action(StrEnum):
    PLAN = "plan"
    REQUEST = "request"
    AGREE = "agree"
    START = "start"
    RETURN = "return"
    EXPIRE = "expire"
    STATUS = "status"
    STATS = "stats"


def _read_log(path: Path) -> list[timeout.TimeOut]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CoachInputError(
            "the break log could not be read", file=str(path), expected="a JSON break log"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("breaks"), list):
        raise CoachInputError("not a break log", file=str(path), expected='{"breaks": [...]}')
    from reattune.coach.timeout import TimeOut

    return [TimeOut.from_dict(b) for b in data["breaks"]]


def _write_log(path: Path, breaks: list[timeout.TimeOut]) -> None:
    payload = {"schema": "reattune.breaks/1", "breaks": [b.to_dict() for b in breaks]}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def _print_plan(p: timeout.TimeoutPlan) -> None:
    console.print(f"[bold]Say:[/] {escape(p.say)}")
    console.print(f"[bold]Your partner can say:[/] {escape(p.partner_says)}")
    console.print(f"[bold]Coming back:[/] {escape(p.return_says)}")
    console.print(escape(p.during))
    if p.reminders:
        console.print("\n[bold]Reminders[/]")
        for r in p.reminders:
            console.print(f"  {r.at.strftime('%H:%M')}  {escape(r.text)}")
    console.print(f"\n[bold]Soothing ({p.role.value})[/]")
    for s in p.exercises:
        e = s.exercise
        minute = s.offset_seconds // 60
        console.print(f"  +{minute:>2} min  {escape(e.title)} ({e.seconds // 60 or 1} min)")
        for step in e.steps:
            console.print(f"           {escape(step.say)} — {step.seconds} s")


@guarded
def timeout_command(
    action: Annotated[
        Action, typer.Argument(help="plan, or a step of a logged break, or stats.")
    ] = Action.PLAN,
    minutes: Annotated[
        float, typer.Option("--minutes", "-m", help="Length of the break (20 to 1440).")
    ] = 20,
    role: Annotated[
        str, typer.Option("--role", help="withdrawer (stepping away) or pursuer (waiting).")
    ] = "withdrawer",
    who: Annotated[str, typer.Option("--who", help="Who asks for the break.")] = "me",
    at: At = None,
    log: Annotated[
        Path | None, typer.Option("--log", help="JSON file that keeps your breaks.")
    ] = None,
    json_out: JsonOut = False,
    locale: Locale = None,
) -> None:
    """The time-out protocol: a script and soothing plan, the steps of a break (request,
    agree, start, return) kept in a log, and adherence over many breaks."""
    from reattune.coach import timeout
    from reattune.safety import SafetyResult

    now = _now(at)
    if action is Action.PLAN:
        result = timeout.plan(minutes, role=role, at=now, locale=locale)
        if isinstance(result, SafetyResult):
            _blocked(result, json_out, {"plan": None})
        elif json_out:
            _print_json({"plan": result.to_dict(), "safety": None})
        else:
            _print_plan(result)
        return
    if log is None:
        raise CoachInputError(f"'{action.value}' needs a break log", expected="--log breaks.json")
    breaks = _read_log(log)
    if action is Action.STATS:
        stats = timeout.adherence(breaks, now)
        if json_out:
            _print_json(stats.to_dict())
        else:
            d = stats.to_dict()
            for key, value in d.items():
                shown = f"{value:.0%}" if key.endswith("_rate") and value is not None else value
                console.print(f"{key.replace('_', ' '):>20}  {'—' if shown is None else shown}")
        return
    if action is Action.REQUEST:
        if breaks and timeout.status(breaks[-1], now).state in (
            timeout.BreakState.REQUESTED,
            timeout.BreakState.AGREED,
            timeout.BreakState.ON_BREAK,
        ):
            raise CoachInputError(
                "the last break in the log is still open", expected="return or expire it first"
            )
        breaks.append(timeout.request(who, now, minutes))
    else:
        if not breaks:
            raise CoachInputError("the break log is empty", expected="timeout request first")
        last = breaks[-1]
        steps = {
            Action.AGREE: lambda t: timeout.agree(t, now, None if minutes == 20 else minutes),
            Action.START: lambda t: timeout.start(t, now),
            Action.RETURN: lambda t: timeout.come_back(t, now),
            Action.EXPIRE: lambda t: timeout.expire(t, now),
            Action.STATUS: lambda t: timeout.status(t, now),
        }
        breaks[-1] = steps[action](last)
    if action is not Action.STATUS:
        _write_log(log, breaks)
    current = breaks[-1]
    if json_out:
        _print_json(current.to_dict())
    else:
        line = f"break of {current.minutes} min: {current.state.value.replace('_', ' ')}"
        if current.state in (timeout.BreakState.AGREED, timeout.BreakState.ON_BREAK):
            line += f", back at {current.due.strftime('%H:%M')}"
        if current.outcome is not None:
            line += f" ({current.outcome.value.replace('_', ' ')})"
        console.print(line)


# --- flooding -------------------------------------------------------------------------------


@guarded
def flooding_command(
    yes: Annotated[
        list[str] | None,
        typer.Option("--yes", help="A question you answer yes to (repeatable; see --list)."),
    ] = None,
    heart_rate: Annotated[
        float | None, typer.Option("--heart-rate", help="Your heart rate now (bpm).")
    ] = None,
    resting: Annotated[
        float | None, typer.Option("--resting", help="Your usual resting heart rate (bpm).")
    ] = None,
    role: Annotated[
        str | None, typer.Option("--role", help="withdrawer or pursuer, for the exercises.")
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Do not ask; unlisted questions count as no.")
    ] = False,
    list_questions: Annotated[
        bool, typer.Option("--list", help="List the questions and their ids.")
    ] = False,
    json_out: JsonOut = False,
    locale: Locale = None,
) -> None:
    """Are you flooded? A few questions and an optional heart rate → pause now, or
    continue gently."""
    from reattune.coach import flooding as flood
    from reattune.safety import SafetyResult

    questions = flood.questions()
    if list_questions:
        for q in questions:
            console.print(f"{q.id:>10}  {escape(q.text)}")
        return
    answers = {q: True for q in yes or []}
    if yes is None and not no_input and not json_out and sys.stdin.isatty():
        answers = {q.id: typer.confirm(q.text, default=False) for q in questions}
    result = flood.check(
        answers, heart_rate=heart_rate, resting_rate=resting, role=role, locale=locale
    )
    if isinstance(result, SafetyResult):
        _blocked(result, json_out, {"decision": None})
        return
    if json_out:
        _print_json({**result.to_dict(), "safety": None})
        return
    colour = "red" if result.pause else "green"
    console.print(f"[bold {colour}]{escape(result.advice)}[/]")
    for r in result.reasons:
        console.print(f"  • {escape(r)}")
    for e in result.exercises:
        console.print(f"\n[bold]{escape(e.title)}[/] ({e.rounds} × {e.seconds // e.rounds} s)")
        for step in e.steps:
            console.print(f"  {escape(step.say)} — {step.seconds} s")
