"""Analysing files into reports: one file, or a batch with an index, where a bad file is
reported and skipped and never stops the others."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reattune.analysis import analyze
from reattune.errors import ReattuneError, SourceNotFoundError
from reattune.ingest import ParseOptions, load
from reattune.model import Conversation
from reattune.model.analysis import Analysis
from reattune.report.markdown import render_markdown
from reattune.safety.gate import SafetyResult, check_conversation
from reattune.settings import AnalysisSettings

INPUT_SUFFIXES = (".txt", ".zip", ".json", ".csv", ".tsv", ".vtt", ".srt")


@dataclass(slots=True)
class Outcome:
    """What became of one input file."""

    path: Path
    conversation: Conversation | None = None
    analysis: Analysis | None = None
    error: ReattuneError | None = None
    written: dict[str, Path] = field(default_factory=dict)
    safety: SafetyResult | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the conversation files inside any folder (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f
                for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in INPUT_SUFFIXES and not f.name.startswith(".")
            )
        else:
            out.append(p)
    return out


def analysis_json(
    conversation: Conversation, analysis: Analysis, safety: SafetyResult | None = None
) -> dict[str, object]:
    from reattune.ingest.summary import summarize

    data: dict[str, object] = {}
    if safety is not None:
        data["safety"] = safety.to_dict()
    data["conversation"] = summarize(conversation)
    data["analysis"] = analysis.to_dict()
    return data


def redact_data(value: Any, conversation: Conversation) -> Any:
    """Every string in JSON-ready ``value`` redacted: names become role labels, identifiers
    are masked (file paths too: they often carry names)."""
    from reattune.report.redact import redact_text, speaker_labels

    labels = speaker_labels(conversation.participants)
    names = {s.id: labels[s.id] for s in conversation.participants}
    names.update({s.display_name: labels[s.id] for s in conversation.participants})

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return redact_text(v, names)
        if isinstance(v, dict):
            return {walk(k) if k in names else k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    redacted = walk(value)
    if isinstance(redacted, dict) and isinstance(redacted.get("conversation"), dict):
        redacted["conversation"]["file"] = "redacted"
    if isinstance(redacted, dict) and isinstance(redacted.get("analysis"), dict):
        redacted["analysis"]["source"]["path"] = "redacted"
    return redacted


def render(
    fmt: str,
    conversation: Conversation,
    analysis: Analysis,
    *,
    redact: bool,
    safety: SafetyResult | None = None,
) -> str:
    """One report. ``safety`` is the gate's result on the conversation: when positive, the
    report opens with it (and the JSON carries it first, under ``safety``)."""
    if fmt == "html":
        from reattune.report import render_html

        return render_html(conversation, analysis, redact=redact, safety=safety)
    if fmt == "md":
        return render_markdown(conversation, analysis, redact=redact, safety=safety)
    if fmt == "json":
        data = analysis_json(conversation, analysis, safety)
        if redact:
            data = redact_data(data, conversation)
        return json.dumps(data, ensure_ascii=False, indent=2)
    raise ValueError(fmt)


def analyze_file(
    path: Path,
    options: ParseOptions,
    settings: AnalysisSettings,
    *,
    strict_roles: bool = True,
    locale: str | None = None,
) -> Outcome:
    """Read, analyse and screen one file (the safety gate runs on every conversation)."""
    outcome = Outcome(path)
    try:
        outcome.conversation = load(path, options, strict_roles=strict_roles)
        outcome.analysis = analyze(outcome.conversation, settings)
        outcome.safety = check_conversation(outcome.conversation, locale=locale)
    except ReattuneError as exc:
        outcome.error = exc
    return outcome


def write_reports(outcome: Outcome, folder: Path, formats: Sequence[str], *, redact: bool) -> None:
    assert outcome.conversation is not None and outcome.analysis is not None
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        target = folder / f"{outcome.path.name}.{fmt}"
        target.write_text(
            render(
                fmt, outcome.conversation, outcome.analysis, redact=redact, safety=outcome.safety
            ),
            encoding="utf-8",
        )
        outcome.written[fmt] = target


def run_batch(
    paths: Sequence[Path],
    folder: Path,
    options: ParseOptions,
    settings: AnalysisSettings,
    formats: Sequence[str],
    *,
    redact: bool = False,
    progress: Callable[[Path], None] | None = None,
    locale: str | None = None,
) -> list[Outcome]:
    """Analyse every file into ``folder`` (one report per file and format, plus
    ``index.html``). A file that cannot be read is kept in the result with its error."""
    files = expand(paths)
    if not files:
        raise SourceNotFoundError(
            "no conversation files found",
            file=", ".join(str(p) for p in paths),
            expected="files ending in " + ", ".join(INPUT_SUFFIXES),
        )
    outcomes = []
    for path in files:
        outcome = analyze_file(path, options, settings, locale=locale)
        if outcome.ok:
            try:
                write_reports(outcome, folder, formats, redact=redact)
            except ReattuneError as exc:
                outcome.error = exc
        outcomes.append(outcome)
        if progress is not None:
            progress(path)
    write_index(outcomes, folder, redact=redact)
    return outcomes


def write_index(outcomes: Sequence[Outcome], folder: Path, *, redact: bool) -> Path:
    """A self-contained index page linking every report, with the failures listed."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for k, o in enumerate(outcomes, 1):
        label = f"conversation {k}" if redact else o.path.name
        if o.ok and o.analysis is not None:
            m = o.analysis.metrics
            safety = (
                f"SAFETY FIRST: {o.safety.level.label}"
                if o.safety is not None and o.safety.positive
                else "—"
            )
            links = " ".join(
                f'<a href="{html.escape(p.name)}">{fmt}</a>' for fmt, p in o.written.items()
            )
            rows.append(
                f"<tr><td>{html.escape(label)}</td><td>{m.turns}</td><td>{m.loops}</td>"
                f"<td>{m.stonewalling_episodes}</td><td>{m.repair_attempts}</td>"
                f"<td>{html.escape(safety)}</td><td>{links}</td></tr>"
            )
        else:
            why = html.escape(str(o.error))
            rows.append(
                f'<tr><td>{html.escape(label)}</td><td colspan="6">not read: {why}</td></tr>'
            )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>reattune reports</title><style>body{font:16px/1.5 system-ui,sans-serif;"
        "margin:2rem;color:#111}table{border-collapse:collapse}td,th{border:1px solid #999;"
        "padding:.3rem .6rem;text-align:left}</style></head><body><main><h1>reattune reports</h1>"
        '<table><thead><tr><th scope="col">conversation</th><th scope="col">turns</th>'
        '<th scope="col">loops</th><th scope="col">stonewalling episodes</th>'
        '<th scope="col">repair attempts</th><th scope="col">safety</th>'
        '<th scope="col">reports</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></main></body></html>\n"
    )
    target = folder / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
