"""reattune coach, organise, timeout and flooding: text, JSON, stdin, context files, logs,
and catalogued errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from reattune.cli.main import app
from tests.coach.conftest import FakeModel

runner = CliRunner()

CHAT = """\
[14/03/2024, 20:00:00] Ana: Are you coming home for dinner?
[14/03/2024, 20:05:00] Ben: Late meeting
[14/03/2024, 20:06:00] Ana: Again? That's the third time this week
[14/03/2024, 20:40:00] Ana: Hello??
"""


def test_coach_prints_findings_and_rewrites() -> None:
    result = runner.invoke(app, ["coach", "You never listen to me about money!!!"])
    assert result.exit_code == 0, result.output
    assert "pursue.blame" in result.output
    assert "Calmer ways to say it" in result.output
    assert "money" in result.output.split("Calmer ways to say it")[1]


def test_coach_json_has_findings_rewrites_and_safety() -> None:
    draft = "Why do you always do this? Do you even care? What is wrong with you?"
    result = runner.invoke(app, ["coach", "--json", draft])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"findings", "rewrites", "safety"} <= set(data)
    assert {"code", "start", "end", "why"} <= set(data["findings"][0])
    assert data["rewrites"] and data["rewrites"][0]["text"]
    assert data["safety"]["positive"] is False


def test_coach_reads_the_draft_from_stdin() -> None:
    result = runner.invoke(app, ["coach", "--json"], input="Not now.\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [f["code"] for f in data["findings"]] == ["withdraw.avoid"]


def test_coach_with_a_context_file_warns_about_a_third_message(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(CHAT, encoding="utf-8")
    result = runner.invoke(
        app, ["coach", "--json", "--context", str(path), "--me", "Ana", "Are you there?"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert "third_bid" in [w["kind"] for w in data["warnings"]]
    missing = runner.invoke(app, ["coach", "--context", str(path), "ok"])
    assert missing.exit_code == 2
    assert "E301" in missing.output and "Traceback" not in missing.output


def test_coach_on_a_flagged_draft_shows_help_not_coaching() -> None:
    result = runner.invoke(app, ["coach", "--json", "i want to kill myself"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["rewrites"] == [] and data["safety"]["positive"] is True
    text = runner.invoke(app, ["coach", "i want to kill myself"])
    assert "Calmer" not in text.output and text.output.strip()


def test_coach_with_a_local_model_server(fake_model: FakeModel) -> None:
    good = "I want to feel heard about money. Can we talk about it tonight?"
    fake_model.rewrites = [good]
    result = runner.invoke(
        app, ["coach", "--json", "--llm-url", fake_model.url, "You never listen about money!"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rewrites"][0]["text"] == good


def test_coach_errors_are_catalogued() -> None:
    result = runner.invoke(app, ["coach", "   "])
    assert result.exit_code == 2 and "E301" in result.output
    result = runner.invoke(app, ["coach", "--llm-url", "ftp://x", "hi"])
    assert result.exit_code == 2 and "E304" in result.output


def test_organise_with_flags_and_json() -> None:
    result = runner.invoke(
        app,
        ["organise", "--json", "--body", "tight chest", "--need", "quiet", "--when", "8pm"],
    )
    assert result.exit_code == 0, result.output
    message = json.loads(result.output)["message"]
    assert message["text"].endswith("come back to it at 8pm.")
    result = runner.invoke(app, ["organise", "--when", "in 5 minutes"])
    assert result.exit_code == 2 and "E303" in result.output


def test_timeout_plan_and_bad_durations() -> None:
    result = runner.invoke(app, ["timeout", "--json", "--at", "2026-03-14T20:00"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)["plan"]
    assert plan["minutes"] == 20 and "20-minute break" in plan["say"]
    assert len(plan["reminders"]) == 3 and plan["exercises"]
    for minutes, shown in (("3", "3 minutes"), ("1800", "30 hours")):
        bad = runner.invoke(app, ["timeout", "--minutes", minutes])
        assert bad.exit_code == 2 and "E303" in bad.output and shown in bad.output


def test_timeout_steps_are_kept_in_a_log(tmp_path: Path) -> None:
    log = tmp_path / "breaks.json"

    def step(*args: str) -> dict[str, object]:
        result = runner.invoke(app, ["timeout", *args, "--log", str(log), "--json"])
        assert result.exit_code == 0, result.output
        data: dict[str, object] = json.loads(result.output)
        return data

    never = runner.invoke(app, ["timeout", "return", "--log", str(log)])
    assert never.exit_code == 2 and "E301" in never.output
    assert step("request", "--who", "Ben", "--at", "2026-03-14T20:00")["state"] == "requested"
    early = runner.invoke(app, ["timeout", "return", "--log", str(log), "--at", "2026-03-14T20:30"])
    assert early.exit_code == 2 and "never agreed" in early.output and "E302" in early.output
    step("agree", "--at", "2026-03-14T20:01")
    assert step("start", "--at", "2026-03-14T20:01")["state"] == "on_break"
    back = step("return", "--at", "2026-03-14T20:22")
    assert back["state"] == "returned" and back["outcome"] == "on_time"
    stats = step("stats", "--at", "2026-03-15T09:00")
    assert stats["breaks"] == 1 and stats["on_time"] == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["timeout", "stats", "--log", str(bad)])
    assert result.exit_code == 2 and "E301" in result.output


def test_flooding_with_flags_json_and_list() -> None:
    result = runner.invoke(app, ["flooding", "--json", "--heart-rate", "112"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["decision"] == "pause" and data["exercises"]
    calm = runner.invoke(app, ["flooding", "--json", "--no-input", "--yes", "heart"])
    assert json.loads(calm.output)["decision"] == "continue_gently"
    listed = runner.invoke(app, ["flooding", "--list"])
    assert "heart" in listed.output
    bad = runner.invoke(app, ["flooding", "--yes", "spleen"])
    assert bad.exit_code == 2 and "E301" in bad.output
