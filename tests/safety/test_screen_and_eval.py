"""`reattune screen` and `reattune eval cssrs|ipv`: answers, errors, and the evaluation's
readers on small files written here (the real C-SSRS data is used when it is present)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reattune.cli.main import app
from reattune.errors import MalformedFileError
from reattune.evaluation.safety import (
    cssrs_halves,
    evaluate_cssrs,
    evaluate_ipv,
    parse_posts,
    read_labelled_texts,
)

ROOT = Path(__file__).resolve().parents[2]
CSSRS_DEV = ROOT.parent / "shared" / "data" / "cssrs" / "dev.csv"
IPV_SET = ROOT / "src" / "reattune" / "data" / "safety" / "ipv_eval.csv"
runner = CliRunner()


# ------------------------------------------------------------------------- screen
def test_screen_with_answers_prints_the_safety_response() -> None:
    result = runner.invoke(
        app, ["screen", "--answer", "strangled=yes", "--locale", "AU"], env={"COLUMNS": "120"}
    )
    assert result.exit_code == 0, result.output
    assert "Safety first (emergency)" in result.output
    assert "1800 737 732" in result.output and "000" in result.output
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert "never your partner" in flat


def test_screen_json_for_scripts(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"asq1": "no", "asq2": "no", "asq3": "no", "asq4": "no"}))
    result = runner.invoke(
        app, ["screen", "--instrument", "asq", "--answers", str(answers), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["safety"]["positive"] is False
    assert data["screenings"][0]["answers"]["asq1"] == "no"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--answer", "nope=yes"], "unknown question id"),
        (["--answer", "asq1"], "has no '='"),
        (["--answer", "asq1=perhaps"], "not an answer"),
        (["--instrument", "phq9", "--answer", "asq1=no"], "no screening instrument"),
        ([], "no answers given"),
    ],
)
def test_screen_errors_are_clear(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["screen", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_screen_answers_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "a.json"
    bad.write_text("[1, 2]")
    result = runner.invoke(app, ["screen", "--answers", str(bad)])
    assert result.exit_code == 2 and "not a JSON object" in result.output
    result = runner.invoke(app, ["screen", "--answers", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "file not found" in result.output


# --------------------------------------------------------------------------- eval
def test_posts_cut_at_the_spreadsheet_limit_are_kept() -> None:
    assert parse_posts("['one', 'two']") == ["one", "two"]
    assert parse_posts("['one', 'two is cut mid-wo") == ["one", "two is cut mid-wo"]
    assert parse_posts('["it\'s here", "and cut') == ["it's here", "and cut"]
    assert parse_posts("no list at all") == ["no list at all"]


def write_cssrs(path: Path, rows: list[tuple[str, str, list[str]]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["User", "Post", "Label"])
        for user, label, posts in rows:
            w.writerow([user, repr(posts), label])


def test_cssrs_eval_flags_first_person_risk_and_not_support(tmp_path: Path) -> None:
    data = tmp_path / "c.csv"
    write_cssrs(
        data,
        [
            ("u1", "Ideation", ["i just want to kill myself, nothing helps anymore"]),
            ("u2", "Attempt", ["I tried to overdose last year and woke up in the hospital"]),
            ("u3", "Supportive", ["please don't kill yourself, you matter. Call someone."]),
            ("u4", "Supportive", ["have you talked to a therapist? it helped me with work"]),
            ("u5", "Indicator", ["I feel so alone since the divorce"]),
        ],
    )
    report = evaluate_cssrs(data)
    assert report["task"] == "cssrs" and report["n"] == 5
    m = report["metrics"]
    assert m["recall.at_risk"] == 1.0
    assert m["fpr.supportive"] == 0.0
    assert set(m) >= {"flagged.Ideation", "flagged.Attempt", "flagged.Indicator"}
    assert report["baselines"]["fpr.supportive"] == 0.57


def test_cssrs_reader_names_the_line_of_an_unknown_label(tmp_path: Path) -> None:
    data = tmp_path / "c.csv"
    write_cssrs(data, [("u1", "Ideation", ["x"]), ("u2", "Sad", ["y"])])
    with pytest.raises(MalformedFileError, match="unknown label") as err:
        evaluate_cssrs(data)
    assert err.value.line == 3


def test_ipv_reader_takes_csv_and_tsv_and_the_usual_label_spellings(tmp_path: Path) -> None:
    tsv = tmp_path / "m.tsv"
    tsv.write_text(
        "text\tlabel\nhe choked me last night\t1\nwe argued about the dishes\tfalse\n"
        "he tracks my phone and takes my paycheck\tYes\n",
        "utf-8",
    )
    assert read_labelled_texts(tsv) == [
        ("he choked me last night", True),
        ("we argued about the dishes", False),
        ("he tracks my phone and takes my paycheck", True),
    ]
    bad = tmp_path / "b.csv"
    bad.write_text("text,label\nhello,maybe\n", "utf-8")
    with pytest.raises(MalformedFileError, match="not a yes/no value") as err:
        read_labelled_texts(bad)
    assert err.value.line == 2
    missing = tmp_path / "c.csv"
    missing.write_text("message,label\nhello,No\n", "utf-8")
    with pytest.raises(MalformedFileError, match="missing column"):
        read_labelled_texts(missing)


def test_eval_ipv_command_json(tmp_path: Path) -> None:
    data = tmp_path / "m.csv"
    data.write_text(
        "text,label\n"
        '"He put his hands around my neck until I almost passed out",Yes\n'
        '"She said she will take the kids and I will never see them again",Yes\n'
        '"I was so mad I yelled at him about the rent, then we talked it out",No\n'
        '"We share locations because we both wanted to, it is nice",No\n',
        "utf-8",
    )
    result = runner.invoke(app, ["eval", "ipv", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["task"] == "ipv" and report["n"] == 4
    assert report["metrics"]["recall.ipv"] == 1.0
    assert report["metrics"]["precision.ipv"] == 1.0


def test_shipped_ipv_set_is_large_enough_and_meets_the_target() -> None:
    rows = read_labelled_texts(IPV_SET)
    assert sum(label for _, label in rows) >= 150
    assert sum(not label for _, label in rows) >= 150
    m = evaluate_ipv(IPV_SET)["metrics"]
    assert m["recall.ipv"] >= 0.95 and m["precision.ipv"] >= 0.80


def test_independent_forum_style_posts_meet_the_target() -> None:
    """160 forum-style posts (80 partner violence, 80 hard negatives) written on 2026-11-22 by
    someone who never saw the lexicons, the model or the other sets; measured once and never
    used to change the detector (docs/safety.md). The model was not trained on them."""
    path = Path(__file__).parent / "data" / "ipv_independent_posts.csv"
    rows = read_labelled_texts(path)
    assert (sum(label for _, label in rows), sum(not label for _, label in rows)) == (80, 80)
    m = evaluate_ipv(path)["metrics"]
    assert m["recall.ipv"] >= 0.95 and m["precision.ipv"] >= 0.80


@pytest.mark.skipif(not CSSRS_DEV.exists(), reason="C-SSRS dev data not present (../shared/data)")
def test_cssrs_dev_figures_are_reported() -> None:
    result = runner.invoke(app, ["eval", "cssrs", "--data", str(CSSRS_DEV), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 342
    assert 0.0 <= report["metrics"]["recall.at_risk"] <= 1.0
    assert 0.0 <= report["metrics"]["fpr.supportive"] <= 1.0


def test_cssrs_halves_are_stratified_and_the_same_every_time() -> None:
    rows = [
        (f"u{i}", label, ["x"]) for i, label in enumerate(["Ideation"] * 7 + ["Supportive"] * 4)
    ]
    half = cssrs_halves(rows)
    assert half == cssrs_halves(list(reversed(rows)))
    ideation = [half[u] for u, label, _ in rows if label == "Ideation"]
    supportive = [half[u] for u, label, _ in rows if label == "Supportive"]
    assert sorted(ideation) == ["a"] * 4 + ["b"] * 3
    assert sorted(supportive) == ["a"] * 2 + ["b"] * 2


def test_cssrs_eval_weighs_a_users_posts_together(tmp_path: Path) -> None:
    data = tmp_path / "c.csv"
    write_cssrs(
        data,
        [
            (
                "u1",
                "Ideation",
                ["Since the move I have no friends here.", "Most nights I cry myself to sleep."],
            ),
            ("u2", "Supportive", ["You are not alone. If you can't sleep, talk to your doctor."]),
        ],
    )
    m = evaluate_cssrs(data)["metrics"]
    assert m["posts_only.recall.at_risk"] == 0.0
    assert m["recall.at_risk"] == 1.0
    assert m["fpr.supportive"] == 0.0
    assert {"half_a.recall.at_risk", "half_b.fpr.supportive"} <= set(m)
