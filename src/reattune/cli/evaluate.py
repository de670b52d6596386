"""``reattune eval TASK --data FILE``: measure a coder on labelled public data."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reattune.cli.errors import guarded
from reattune.errors import SettingsError

TASKS: dict[str, tuple[str, str, str]] = {
    "ucc": (
        "reattune.evaluation",
        "evaluate_ucc",
        "contempt/criticism/dismissiveness coders on the Unhealthy Comment Corpus (CSV)",
    ),
    "annomi": (
        "reattune.evaluation",
        "evaluate_annomi",
        "questions, reflections and sustain talk on AnnoMI (CSV)",
    ),
    "epitome": (
        "reattune.evaluation",
        "evaluate_epitome",
        "validation/interest/emotional-reaction coders on EPITOME (a folder of CSVs)",
    ),
    "cssrs": (
        "reattune.evaluation.safety",
        "evaluate_cssrs",
        "the crisis screen on the Reddit C-SSRS users (CSV: User, Post, Label)",
    ),
    "ipv": (
        "reattune.evaluation.safety",
        "evaluate_ipv",
        "the partner-violence screen on labelled messages (CSV/TSV: text, label)",
    ),
}
"""Task name → (module, function, what it measures). Each function takes the data path and
returns ``{"task", "n", "metrics", "baselines", "notes"}``."""

console = Console(highlight=False)


def _runner(task: str) -> Callable[[Path], dict[str, Any]]:
    if task not in TASKS:
        raise SettingsError(f"no evaluation task {task!r}", expected="one of: " + ", ".join(TASKS))
    module, name, _ = TASKS[task]
    fn: Callable[[Path], dict[str, Any]] = getattr(importlib.import_module(module), name)
    return fn


@guarded
def eval_command(
    task: Annotated[str, typer.Argument(help="What to evaluate: " + ", ".join(TASKS) + ".")],
    data: Annotated[Path, typer.Option("--data", help="The labelled data (file or folder).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Measure a coder on labelled public data (never trains on the data it is given)."""
    report = _runner(task)(data)
    if json_out:
        print(json.dumps(report, ensure_ascii=False))
        return
    table = Table(
        "metric",
        "value",
        "published baseline",
        title=f"{report['task']}: n = {report['n']}",
        title_justify="left",
    )
    baselines = report.get("baselines", {})
    for key, value in report["metrics"].items():
        base = baselines.get(key)
        table.add_row(
            key,
            f"{value:.3f}" if isinstance(value, float) else str(value),
            "" if base is None else f"{base:.3f}",
        )
    console.print(table)
    for note in report.get("notes", []):
        console.print(f"[dim]note:[/] {note}")
