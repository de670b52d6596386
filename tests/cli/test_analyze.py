"""`reattune analyze`: terminal summary, JSON and Markdown, batch with a bad file, redaction,
settings, and the demo."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reattune.cli.main import app
from reattune.model.analysis import SCHEMA

ROOT = Path(__file__).resolve().parents[2]
NIGHT = ROOT / "src" / "reattune" / "data" / "examples" / "whatsapp_pursue_withdraw_night.txt"
SESSION = ROOT / "src" / "reattune" / "data" / "examples" / "zoom_session_weekends.vtt"
runner = CliRunner()


def test_terminal_summary_names_the_cycle_with_evidence() -> None:
    result = runner.invoke(app, ["analyze", str(NIGHT)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Maya pursued" in out and "Daniel withdrew" in out
    assert "protection, not indifference" in out
    assert "Stonewalling episodes" in out and "Repair attempts" in out
    assert "Yule's Q" in out
    assert "Four Horsemen" in out
    assert "W104" in out  # parse warnings as in inspect


def test_json_output_is_the_versioned_analysis() -> None:
    result = runner.invoke(app, ["analyze", "--json", str(NIGHT)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["analysis"]["schema"] == SCHEMA
    assert data["conversation"]["format"] == "whatsapp"
    assert data["analysis"]["stonewalling"]


def test_markdown_output() -> None:
    result = runner.invoke(app, ["analyze", "--md", str(SESSION), "--therapist", "Dr. Lena Ortiz"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Reading of")
    for heading in ("## The cycle", "## Four Horsemen and antidotes", "## Repairs", "## Glossary"):
        assert heading in result.output


def test_out_file_by_suffix(tmp_path: Path) -> None:
    target = tmp_path / "night.md"
    result = runner.invoke(app, ["analyze", str(NIGHT), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("# Reading of")


def test_batch_skips_a_bad_file_and_writes_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "night.txt").write_bytes(NIGHT.read_bytes())
    (folder / "broken.txt").write_bytes(b"")
    (folder / "notes.txt").write_text("# shopping\n- milk\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(folder), "--out", str(out), "--json", "--md"])
    assert result.exit_code == 1, result.output  # partial: some files failed
    assert "E102" in result.output and "E105" in result.output
    assert "Traceback" not in result.output
    assert (out / "night.txt.json").exists() and (out / "night.txt.md").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "night.txt" in index and "not read" in index


def test_batch_of_only_bad_files_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.txt").write_bytes(b"")
    result = runner.invoke(app, ["analyze", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2


def test_redacted_json_and_markdown_hold_no_names(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(
        "14/03/2024, 20:00 - Maya Jones: Call me at 0151 234 5678 or maya.jones@example.com\n"
        "14/03/2024, 20:40 - Daniel Okafor: k\n"
        "14/03/2024, 20:41 - Maya Jones: Why do you always do this? Do you even care?\n"
        "14/03/2024, 21:40 - Maya Jones: Hello?? I'm at 12 Baker Street, see https://x.example\n",
        encoding="utf-8",
    )
    for flag in ("--json", "--md"):
        result = runner.invoke(app, ["analyze", flag, "--redact", str(chat)])
        assert result.exit_code == 0, result.output
        out = result.output
        for secret in ("Maya", "Daniel", "Okafor", "0151", "example.com", "Baker", "https://"):
            assert secret not in out, (flag, secret)
        assert "Partner A" in out or "Partner B" in out


def test_settings_can_be_listed_and_changed() -> None:
    result = runner.invoke(app, ["settings"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "stonewall_latency_factor" in result.output
    changed = runner.invoke(
        app, ["analyze", "--json", "--set", "stonewall_min_bids=99", str(NIGHT)]
    )
    assert json.loads(changed.output)["analysis"]["settings"]["stonewall_min_bids"] == 99
    bad = runner.invoke(app, ["analyze", "--set", "nope=1", str(NIGHT)])
    assert bad.exit_code == 2 and "E202" in bad.output
