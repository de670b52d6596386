"""`reattune analyze` opens with the safety section when the gate fires — terminal,
Markdown, HTML and JSON — and stays as it was when nothing is found."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reattune.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
CRISIS = ROOT / "tests" / "fixtures" / "safety" / "crisis_chat.txt"
THREAT = ROOT / "tests" / "fixtures" / "safety" / "threat_chat.txt"
CALM = ROOT / "src" / "reattune" / "data" / "examples" / "whatsapp_pursue_withdraw_night.txt"
runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, ["analyze", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_terminal_summary_opens_with_the_safety_section() -> None:
    out = run(str(CRISIS))
    assert "Safety first" in out
    first = out.index("Safety first")
    assert first < out.index("Four Horsemen") and first < out.index("cycle strength")
    assert "988" in out and "911" in out
    assert "Alex" in out
    assert "better off without me" in out
    assert "paused" in out


def test_locale_option_changes_the_help_lines() -> None:
    out = run("--locale", "GB", str(CRISIS))
    assert "116 123" in out and "999" in out
    assert "988 Suicide" not in out


def test_a_conversation_without_findings_has_no_safety_section() -> None:
    out = run(str(CALM))
    assert "Safety first" not in out
    data = json.loads(run("--json", str(CALM)))
    assert data["safety"]["positive"] is False


def test_markdown_and_json_open_with_safety(tmp_path: Path) -> None:
    md = run("--md", str(THREAT))
    assert md.index("## Safety first") < md.index("## The cycle")
    assert "1-800-799-7233" in md
    assert "does not apply" in md
    data = json.loads(run("--json", str(THREAT)))
    assert next(iter(data)) == "safety"
    assert data["safety"]["people"]["Jordan"] in ("urgent", "emergency")
    assert data["safety"]["reasons"][0]["code"].startswith("safety.ipv.")


def test_html_report_opens_with_the_safety_section(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    run("--out", str(target), str(CRISIS))
    page = target.read_text("utf-8")
    main = page.index('<main id="main"')
    assert page.index('id="safety"', main) < page.index('id="summary"', main)
    assert "988" in page
    assert '<a href="#safety">Safety first</a>' in page


def test_redacted_reports_keep_the_safety_section_without_names(tmp_path: Path) -> None:
    md = run("--md", "--redact", str(CRISIS))
    assert "## Safety first" in md
    assert "Alex" not in md and "Jordan" not in md


def test_batch_marks_the_files_where_safety_comes_first(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    out = run("--out", str(folder), str(CRISIS), str(CALM))
    assert "safety" in out
    index = (folder / "index.html").read_text("utf-8")
    assert "SAFETY FIRST" in index
