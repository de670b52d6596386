"""The command line: help, version, inspect (text and JSON), demo, and errors without
tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reattune import __version__
from reattune.cli.main import app
from reattune.examples import examples

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "src" / "reattune" / "data" / "examples"
runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("inspect", "formats", "demo"):
        assert command in result.output


def test_formats_lists_every_parser() -> None:
    from reattune.ingest import parsers

    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    for name in parsers():
        assert name in result.output


def test_inspect_json_on_the_examples() -> None:
    rows = []
    for e in examples():
        args = ["inspect", "--json", str(EXAMPLES / e.file)]
        for therapist in e.options.therapists:
            args += ["--therapist", therapist]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        rows.append(json.loads(result.output))
    for row in rows:
        for key in ("format", "participants", "messages", "turns", "start", "end", "warnings"):
            assert key in row
        assert all({"name", "role"} <= set(p) for p in row["participants"])
    night, session, brk = rows
    assert night["format"] == "whatsapp" and night["messages"] == 28
    assert session["format"] == "webvtt" and session["messages"] == 23
    assert {p["role"] for p in session["participants"]} == {"therapist", "partner"}
    assert brk["format"] == "whatsapp"


def test_inspect_text_output_names_roles_and_warnings() -> None:
    result = runner.invoke(app, ["inspect", str(EXAMPLES / "whatsapp_pursue_withdraw_night.txt")])
    assert result.exit_code == 0, result.output
    assert "whatsapp" in result.output
    assert "partner A" in result.output and "partner B" in result.output
    assert "W104" in result.output  # roles were assigned automatically, and it says so


def test_three_speakers_without_mapping_still_inspect_with_a_warning() -> None:
    result = runner.invoke(app, ["inspect", "--json", str(EXAMPLES / "zoom_session_weekends.vtt")])
    assert result.exit_code == 0
    row = json.loads(result.output)
    assert any(w["code"] == "W104" for w in row["warnings"])


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "E102"), (b"\x00\x01\x02\x03" * 100, "E103"), (b"# list\n- milk\n", "E105")],
)
def test_bad_files_give_a_catalogued_error_and_exit_2(
    tmp_path: Path, content: bytes, code: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = runner.invoke(app, ["inspect", str(bad)])
    assert result.exit_code == 2
    assert code in result.output
    assert "Traceback" not in result.output


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    good = EXAMPLES / "whatsapp_break_honoured.txt"
    result = runner.invoke(app, ["inspect", "--json", str(bad), str(good)])
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert rows[0]["error"]["code"] == "E102"
    assert rows[1]["format"] == "whatsapp"


def test_bad_settings_are_catalogued() -> None:
    result = runner.invoke(
        app,
        ["inspect", "--timezone", "Mars/Olympus", str(EXAMPLES / "whatsapp_break_honoured.txt")],
    )
    assert result.exit_code == 2
    assert "E202" in result.output


def test_demo_writes_the_examples_and_says_where(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for e in examples():
        assert (out / e.file).exists()
        for fmt in ("html", "md", "json"):
            assert (out / f"{e.file}.{fmt}").exists()
    assert (out / "index.html").exists()
    assert str(out.resolve()) in result.output.replace("\n", "")


def test_installed_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "reattune", "inspect", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "E102" in proc.stderr and "Traceback" not in proc.stderr


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)\n```", readme, re.S)
    assert block is not None
    first, second = block.group(1).splitlines()[:2]
    assert "reattune demo" in first
    assert "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.replace("python3 -m pip install -e", "python3 -m pip install -q -e") in ci


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    result = runner.invoke(app, ["--help"])
    commands = re.findall(r"│ (\w+)\s{2,}", result.output)
    assert commands
    for command in commands:
        assert f"reattune {command}" in readme, command


def test_the_command_line_imports_the_engine_only_for_commands_that_use_it() -> None:
    """Start-up time: ``reattune --version``, ``--help`` or ``inspect`` must not import the
    analysis engine, the reports or the coach (each command imports what it runs)."""
    code = (
        "import sys, reattune.cli.main; "
        "print(sorted(m for m in ('reattune.analysis', 'reattune.service.reports', "
        "'reattune.coach.review', 'reattune.report.html') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
