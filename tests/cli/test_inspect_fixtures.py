"""`reattune inspect` on every fixture: the sniffed format is the fixture's own, every
non-empty line is accounted for, and nothing errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reattune.cli.main import app
from reattune.ingest import load, read_source
from reattune.ingest.accounting import unaccounted_lines

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FORMAT_OF_FOLDER = {
    "generic": {"transcript-json", "transcript-csv"},
    "imessage": {"imessage", "imessage-csv"},
    "messenger": {"messenger"},
    "otter": {"otter"},
    "plaintext": {"plaintext"},
    "srt": {"srt"},
    "telegram": {"telegram"},
    "webvtt": {"webvtt"},
    "whatsapp": {"whatsapp"},
    "safety": {"whatsapp"},
}
FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_inspect_reads_every_fixture(path: Path) -> None:
    result = CliRunner().invoke(app, ["inspect", "--json", str(path)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    folder = path.relative_to(FIXTURES).parts[0]
    assert row["format"] in FORMAT_OF_FOLDER[folder]
    assert row["messages"] > 0 and row["turns"] > 0
    assert row["participants"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_line_of_every_fixture_is_accounted_for(path: Path) -> None:
    source = read_source(path)
    conversation = load(path, strict_roles=False)
    assert unaccounted_lines(source, conversation) == []


def test_every_format_has_a_fixture() -> None:
    from reattune.ingest import parsers

    covered = set().union(*FORMAT_OF_FOLDER.values())
    assert set(parsers()) == covered
