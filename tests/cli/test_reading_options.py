"""The options that say how to read a file reach the reader unchanged, in every command that
has them (they are declared once, in ``reattune.cli.options.reading_options``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from reattune.cli.main import app
from reattune.errors import SettingsError
from reattune.ingest import DateOrder, ParseOptions

ROOT = Path(__file__).resolve().parents[2]
CHAT = ROOT / "src" / "reattune" / "data" / "examples" / "whatsapp_break_honoured.txt"
runner = CliRunner()

EVERY_OPTION = [
    "--format",
    "plaintext",
    "--encoding",
    "latin-1",
    "--date-order",
    "month-first",
    "--timezone",
    "Europe/Berlin",
    "--turn-gap",
    "12.5",
    "--partner-a",
    "Ann",
    "--partner-b",
    "Ben",
    "--therapist",
    "Dr. T",
    "--therapist",
    "Dr. U",
    "--max-bytes",
    "4096",
]
EXPECTED = ParseOptions(
    format="plaintext",
    encoding="latin-1",
    date_order=DateOrder.MONTH_FIRST,
    timezone="Europe/Berlin",
    turn_gap_seconds=12.5,
    max_bytes=4096,
    partner_a="Ann",
    partner_b="Ben",
    therapists=("Dr. T", "Dr. U"),
)


@pytest.fixture(
    params=[("inspect", "reattune.cli.main"), ("analyze", "reattune.service.reports")],
    ids=["inspect", "analyze"],
)
def command(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[ParseOptions]]:
    """A command that reads files, and the options its reader was given: the reader it calls
    is replaced by one that records them and stops there."""
    name, module = request.param
    seen: list[ParseOptions] = []

    def load(path: Path, options: ParseOptions, **_: object) -> None:
        seen.append(options)
        raise SettingsError("stop after reading the options")

    monkeypatch.setattr(f"{module}.load", load)
    return name, seen


def test_every_reading_option_reaches_the_reader(command: tuple[str, list[ParseOptions]]) -> None:
    name, seen = command
    result = runner.invoke(app, [name, *EVERY_OPTION, str(CHAT)])
    assert result.exit_code == 2, result.output
    assert seen == [EXPECTED]
    seen.clear()
    result = runner.invoke(app, [name, str(CHAT)])
    assert result.exit_code == 2, result.output
    assert seen == [ParseOptions()]


def test_a_bad_zone_fails_before_any_file_is_read(command: tuple[str, list[ParseOptions]]) -> None:
    name, seen = command
    result = runner.invoke(app, [name, "--timezone", "Mars/Olympus", str(CHAT)])
    assert result.exit_code == 2
    assert "E202" in result.output
    assert seen == []
