"""evaluate_ucc / evaluate_annomi / evaluate_epitome on hand-made files (exact figures with
stub models), with the shipped models, on malformed input, and on the real dev files."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reattune.errors import MalformedFileError, SourceNotFoundError
from reattune.evaluation import evaluate_annomi, evaluate_epitome, evaluate_ucc
from reattune.evaluation import tasks as tasks_module
from reattune.evaluation.datasets import read_epitome
from reattune.learned.model import DecisionRule

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

UCC_KEYS = {
    "auc.hostile",
    "auc.antagonize",
    "auc.dismissive",
    "auc.condescending",
    "auc.generalisation",
    "auc.sarcastic",
    "auc.unhealthy",
    "auc.mean",
}
UCC_HEADER = [
    "comment",
    "antagonize",
    "condescending",
    "dismissive",
    "generalisation",
    "hostile",
    "sarcastic",
    "healthy",
]
ANNOMI_HEADER = [
    "transcript_id",
    "mi_quality",
    "topic",
    "utterance_id",
    "interlocutor",
    "timestamp",
    "utterance_text",
    "main_therapist_behaviour",
    "client_talk_type",
]
EPITOME_HEADER = ["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"]


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class StubModel:
    """Stands in for a LinearTextModel: probabilities are read off the text."""

    def __init__(
        self,
        name: str,
        kind: str,
        outputs: Sequence[str],
        thresholds: dict[str, float] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.outputs = tuple(outputs)
        self.thresholds = thresholds or {}
        self.metadata = metadata or {}
        self.seen: list[tuple[str, str | None]] = []
        self.extra_seen: dict[str, list[str | None]] = {}
        self.decision = DecisionRule()

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return self.decision.apply(proba, self.outputs)

    def output_index(self, output: str) -> int:
        return self.outputs.index(output)

    def predict_proba(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None = None,
        extra: Mapping[str, Sequence[str | None]] | None = None,
    ) -> np.ndarray:
        contexts = list(context) if context is not None else [None] * len(texts)
        self.seen.extend(zip(texts, contexts, strict=True))
        for name, values in (extra or {}).items():
            assert len(values) == len(texts)
            self.extra_seen.setdefault(name, []).extend(values)
        rows = []
        for text in texts:
            if self.kind == "binary":
                rows.append([float(text)] * len(self.outputs))
            else:
                # the text starts with the name (or index) of the class to favour
                row = [0.1 / (len(self.outputs) - 1)] * len(self.outputs)
                key = text.split()[0]
                index = int(key) if key.isdigit() else self.outputs.index(key)
                row[index] = 0.9
                rows.append(row)
        return np.asarray(rows, dtype=np.float64).reshape(len(texts), len(self.outputs))


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> dict[str, StubModel]:
    models = {
        "ucc": StubModel(
            "ucc",
            "binary",
            (
                "hostile",
                "antagonize",
                "dismissive",
                "condescending",
                "generalisation",
                "sarcastic",
                "unhealthy",
            ),
        ),
        "annomi_therapist": StubModel(
            "annomi_therapist",
            "softmax",
            ("question", "reflection", "therapist_input", "other"),
            {"question": 0.5, "reflection": 0.5},
        ),
        "annomi_client": StubModel(
            "annomi_client", "softmax", ("change", "neutral", "sustain"), {"sustain": 0.5}
        ),
    }
    for mechanism in ("emotional_reactions", "interpretations", "explorations"):
        name = f"epitome_{mechanism}"
        models[name] = StubModel(name, "softmax", ("none", "weak", "strong"))
    monkeypatch.setattr(tasks_module, "load_model", lambda name: models[name])
    return models


# ---------------------------------------------------------------------------------------
# exact figures with stub models


def test_ucc_by_hand(tmp_path: Path, stubs: dict[str, StubModel]) -> None:
    path = write_csv(
        tmp_path / "ucc.csv",
        UCC_HEADER,
        [
            # comment = the stub's score; antagonize, cond., dism., gen., hostile, sarc., healthy
            ["0.9", 1, 0, 0, 0, 1, 0, 0],
            ["0.4", 0, 0, 0, 0, 1, 0, 1],
            ["0.6", 1, 0, 0, 0, 0, 0, 0],
            ["0.2", 0, 0, 0, 0, 0, 0, 1],
        ],
    )
    report = evaluate_ucc(path)
    assert report["task"] == "ucc"
    assert report["n"] == 4
    metrics = report["metrics"]
    assert set(metrics) == UCC_KEYS
    assert metrics["auc.hostile"] == pytest.approx(0.75)  # pos .9,.4 vs neg .6,.2: 3 of 4
    assert metrics["auc.antagonize"] == pytest.approx(1.0)
    assert metrics["auc.unhealthy"] == pytest.approx(1.0)  # healthy == 0 on rows 1 and 3
    for undefined in ("dismissive", "condescending", "generalisation", "sarcastic"):
        assert metrics[f"auc.{undefined}"] is None
        assert any(f"auc.{undefined} is undefined" in note for note in report["notes"])
    assert metrics["auc.mean"] == pytest.approx((0.75 + 1.0 + 1.0) / 3)
    assert set(report["baselines"]) == UCC_KEYS
    assert report["baselines"]["auc.hostile"] == 0.84
    json.dumps(report, allow_nan=False)


def test_ucc_training_file_gets_cv_figures(tmp_path: Path, stubs: dict[str, StubModel]) -> None:
    path = write_csv(
        tmp_path / "ucc.csv",
        UCC_HEADER,
        [["0.9", 1, 1, 1, 1, 1, 1, 0], ["0.1", 0, 0, 0, 0, 0, 0, 1]],
    )
    stubs["ucc"].metadata = {
        "training": {"sha256": sha256(path), "data": "ucc/dev.csv"},
        "cv": {"metrics": {"auc.hostile": 0.79, "auc.mean": 0.74}},
    }
    report = evaluate_ucc(path)
    assert report["metrics"]["cv.auc.hostile"] == 0.79
    assert report["metrics"]["cv.auc.mean"] == 0.74
    assert any("trained on" in note for note in report["notes"])
    stubs["ucc"].metadata["training"]["sha256"] = "0" * 64
    report = evaluate_ucc(path)
    assert not any(key.startswith("cv.") for key in report["metrics"])


def test_annomi_by_hand(tmp_path: Path, stubs: dict[str, StubModel]) -> None:
    rows = [
        # transcript, quality, topic, utterance id, speaker, time, text, behaviour, talk type
        [7, "high", "t", 1, "client", "00:00:02", "sustain c1", "n/a", "sustain"],
        [7, "high", "t", 0, "therapist", "00:00:01", "question t0", "question", "n/a"],
        [7, "high", "t", 2, "therapist", "00:00:03", "question t2", "reflection", "n/a"],
        [7, "high", "t", 3, "client", "00:00:04", "sustain c3", "n/a", "neutral"],
        [7, "high", "t", 4, "therapist", "00:00:05", "reflection t4", "reflection", "n/a"],
        [8, "low", "t", 0, "client", "00:00:01", "neutral c0", "n/a", "sustain"],
        [8, "low", "t", 1, "therapist", "00:00:02", "other t1", "question", "n/a"],
        [8, "low", "t", 2, "client", "00:00:03", "change c2", "n/a", "change"],
    ]
    path = write_csv(tmp_path / "annomi.csv", ANNOMI_HEADER, rows)
    report = evaluate_annomi(path)
    assert report["task"] == "annomi"
    assert report["n"] == 8
    m = report["metrics"]
    # question over therapist rows t0 t2 t4 t1: truth 1 0 0 1, predicted 1 1 0 0
    assert m["f1.question"] == pytest.approx(0.5)
    assert m["precision.question"] == pytest.approx(0.5)
    assert m["recall.question"] == pytest.approx(0.5)
    # reflection: truth 0 1 1 0, predicted 0 0 1 0
    assert m["f1.reflection"] == pytest.approx(2 / 3)
    assert m["precision.reflection"] == pytest.approx(1.0)
    assert m["recall.reflection"] == pytest.approx(0.5)
    # sustain over client rows c1 c3 c0 c2: truth 1 0 1 0, predicted 1 1 0 0
    assert m["f1.sustain"] == pytest.approx(0.5)
    assert report["baselines"] == {"f1.question": 0.80}
    # contexts: the latest earlier utterance of the other speaker, within the session
    therapist_seen = dict(stubs["annomi_therapist"].seen)
    assert therapist_seen["question t0"] == ""
    assert therapist_seen["question t2"] == "sustain c1"
    assert therapist_seen["reflection t4"] == "sustain c3"
    assert therapist_seen["other t1"] == "neutral c0"
    client_seen = dict(stubs["annomi_client"].seen)
    assert client_seen["sustain c1"] == "question t0"
    assert client_seen["neutral c0"] == ""
    # each utterance's own previous one goes along as the previous_own extra context
    assert stubs["annomi_client"].extra_seen["previous_own"] == ["", "sustain c1", "", "neutral c0"]
    # the bare '?' rule note: no '?' in any text, so that rule scores 0
    assert any("that rule scores 0.000" in note for note in report["notes"])


def test_annomi_substantive_context_skips_back_channels(
    tmp_path: Path, stubs: dict[str, StubModel]
) -> None:
    """A model whose input.context_rule is 'substantive' gets the other speaker's last
    utterance of four words or more, not a back-channel that cut the turn."""

    rows = [
        [3, "high", "t", 0, "therapist", "00:00:01", "question what do you like", "question", ""],
        [3, "high", "t", 1, "client", "00:00:02", "sustain it relaxes me", "n/a", "sustain"],
        [3, "high", "t", 2, "therapist", "00:00:03", "other Mm-hmm.", "other", "n/a"],
        [3, "high", "t", 3, "client", "00:00:04", "sustain and my friends", "n/a", "sustain"],
    ]
    path = write_csv(tmp_path / "annomi.csv", ANNOMI_HEADER, rows)
    stubs["annomi_client"].metadata = {"input": {"context_rule": "substantive"}}
    evaluate_annomi(path)
    client_seen = dict(stubs["annomi_client"].seen)
    assert client_seen["sustain and my friends"] == "question what do you like"
    assert client_seen["sustain it relaxes me"] == "question what do you like"
    # the therapist model keeps the latest utterance (its default rule)
    therapist_seen = dict(stubs["annomi_therapist"].seen)
    assert therapist_seen["other Mm-hmm."] == "sustain it relaxes me"


def test_epitome_by_hand(tmp_path: Path, stubs: dict[str, StubModel]) -> None:
    folder = tmp_path / "epitome"
    folder.mkdir()
    # response starts with the level the stub predicts; level column is the truth
    write_csv(
        folder / "emotional-reactions-holdout.csv",
        EPITOME_HEADER,
        [
            ["a", "b", "seeker", "0 r", 0, ""],
            ["a", "b", "seeker", "1 r", 0, ""],
            ["a", "b", "seeker", "1 r", 1, ""],
            ["a", "b", "seeker", "2 r", 2, ""],
            ["a", "b", "seeker", "2 r", 2, ""],
            ["a", "b", "seeker", "0 r", 2, ""],
        ],
    )
    write_csv(
        folder / "explorations-holdout.csv",
        EPITOME_HEADER,
        [["a", "b", "s", "0 r", 0, ""], ["a", "b", "s", "0 r", 2, "x|"]],
    )
    report = evaluate_epitome(folder)
    assert report["task"] == "epitome"
    assert report["n"] == 8
    m = report["metrics"]
    assert m["accuracy.emotional_reactions"] == pytest.approx(4 / 6)
    # level 0: tp1 fp1 fn1 -> .5; level 1: tp1 fp1 fn0 -> 2/3; level 2: tp2 fp0 fn1 -> .8
    assert m["macro_f1.emotional_reactions"] == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)
    assert m["majority.emotional_reactions"] == pytest.approx(0.5)
    assert m["accuracy.explorations"] == pytest.approx(0.5)
    assert m["macro_f1.explorations"] == pytest.approx((2 / 3 + 0.0) / 2)
    assert "accuracy.interpretations" not in m
    assert any("interpretations" in note for note in report["notes"])
    assert stubs["epitome_emotional_reactions"].seen[0] == ("0 r", "seeker")
    assert report["baselines"]["macro_f1.interpretations"] == 0.626


def test_epitome_rationales_are_read_span_by_span(tmp_path: Path) -> None:
    path = tmp_path / "explorations-dev.csv"
    write_csv(
        path,
        EPITOME_HEADER,
        [
            ["a", "b", "s", "what happened? are you ok", 2, "what happened?| are you ok|"],
            ["a", "b", "s", "ok", 0, ""],
        ],
    )
    data = read_epitome(path, "explorations")
    assert data.rationales == [("what happened?", "are you ok"), ()]
    without = tmp_path / "interpretations-dev.csv"
    write_csv(without, EPITOME_HEADER[:-1], [["a", "b", "s", "ok", 0]])
    assert read_epitome(without, "interpretations").rationales == [()]


def test_epitome_applies_each_model_s_decision_rule(
    tmp_path: Path, stubs: dict[str, StubModel]
) -> None:
    """The stub gives the named class 0.9 and the others 0.05 each; an offset of +3 on
    weak (log 0.05 + 3 > log 0.9) turns every 'none' row weak, and a cut-off of 0.95 on
    strong means strong is never predicted (those rows go to the arg-max of the rest)."""

    folder = tmp_path / "epitome"
    folder.mkdir()
    rows = [
        ["a", "b", "s", "0 r", 1, ""],
        ["a", "b", "s", "0 r", 1, ""],
        ["a", "b", "s", "2 r", 2, ""],
        ["a", "b", "s", "1 r", 0, ""],
    ]
    write_csv(folder / "interpretations-holdout.csv", EPITOME_HEADER, rows)
    plain = evaluate_epitome(folder)["metrics"]
    assert plain["accuracy.interpretations"] == pytest.approx(1 / 4)
    stubs["epitome_interpretations"].decision = DecisionRule(
        cut_offs={"strong": 0.95}, offsets={"weak": 3.0}
    )
    ruled = evaluate_epitome(folder)["metrics"]
    # predictions weak, weak, weak (strong never reaches 0.95; weak beats none), weak
    assert ruled["accuracy.interpretations"] == pytest.approx(2 / 4)
    # level 1: tp 2, fp 2, fn 0 -> 2/3; levels 0 and 2: no true positive -> 0
    assert ruled["macro_f1.interpretations"] == pytest.approx((2 / 3) / 3)


# ---------------------------------------------------------------------------------------
# the shipped models on tiny files


def test_shipped_ucc_model_on_a_tiny_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ucc.csv",
        UCC_HEADER,
        [
            ["You are a pathetic idiot and a liar.", 1, 1, 1, 1, 1, 1, 0],
            ["Thanks for the update, see you at the meeting.", 0, 0, 0, 0, 0, 0, 1],
            ["The bus was late again this morning.", 0, 0, 0, 0, 0, 0, 1],
        ],
    )
    report = evaluate_ucc(path)
    assert report["metrics"]["auc.hostile"] == 1.0
    assert report["metrics"]["auc.unhealthy"] == 1.0
    assert not any(k.startswith("cv.") for k in report["metrics"])


def test_shipped_annomi_models_on_a_tiny_file(tmp_path: Path) -> None:
    texts = [
        ("therapist", "How are you feeling about your drinking?", "question", ""),
        # (not "... I drink to cope": a reason to keep drinking is sustain talk in MI)
        ("client", "Work has been so stressful lately.", "", "neutral"),
        (
            "therapist",
            "It sounds like work stress and drinking go together for you.",
            "reflection",
            "",
        ),
        ("client", "I don't think I need to change anything, it's fine.", "", "sustain"),
    ]
    rows = [[1, "high", "t", i, who, "", text, b, t] for i, (who, text, b, t) in enumerate(texts)]
    path = write_csv(tmp_path / "annomi.csv", ANNOMI_HEADER, rows)
    report = evaluate_annomi(path)
    assert report["metrics"]["f1.question"] == 1.0
    assert report["metrics"]["f1.reflection"] == 1.0
    assert report["metrics"]["f1.sustain"] == 1.0


# ---------------------------------------------------------------------------------------
# malformed input


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError) as info:
        evaluate_ucc(tmp_path / "nope.csv")
    assert info.value.file == str(tmp_path / "nope.csv")
    with pytest.raises(SourceNotFoundError):
        evaluate_annomi(tmp_path / "nope.csv")
    with pytest.raises(SourceNotFoundError):
        evaluate_epitome(tmp_path / "nope")
    with pytest.raises(SourceNotFoundError):
        evaluate_epitome(tmp_path)  # exists, but holds no EPITOME file
    with pytest.raises(MalformedFileError):
        evaluate_ucc(tmp_path)  # a folder, not a file


def test_missing_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ucc.csv", ["comment", "hostile"], [["x", 1]])
    with pytest.raises(MalformedFileError) as info:
        evaluate_ucc(path)
    error = info.value
    assert error.line == 1
    assert error.file == str(path)
    assert error.expected is not None and "healthy" in error.expected
    assert "antagonize" in error.message


def test_wrong_field_count_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ucc.csv"
    lines = [",".join(UCC_HEADER), '"ok, fine",0,0,0,0,0,0,1', '"multi\nline",0,0,0,0,0,0,1']
    lines.append("short,0,1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(MalformedFileError) as info:
        evaluate_ucc(path)
    assert info.value.line == 5  # the multi-line record takes lines 3-4
    assert "8 fields" in (info.value.expected or "")


def test_bad_values_report_the_line(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "ucc.csv",
        UCC_HEADER,
        [["a", 0, 0, 0, 0, 0, 0, 1], ["b", 0, 0, 0, 0, "yes", 0, 1]],
    )
    with pytest.raises(MalformedFileError) as info:
        evaluate_ucc(path)
    assert info.value.line == 3
    assert "hostile" in (info.value.expected or "")
    folder = tmp_path / "ep"
    folder.mkdir()
    write_csv(folder / "explorations.csv", EPITOME_HEADER, [["a", "b", "s", "r", 3, ""]])
    with pytest.raises(MalformedFileError) as info:
        evaluate_epitome(folder)
    assert info.value.line == 2
    annomi = write_csv(
        tmp_path / "a.csv",
        ANNOMI_HEADER,
        [[1, "high", "t", 0, "partner", "", "hi", "question", ""]],
    )
    with pytest.raises(MalformedFileError, match="interlocutor"):
        evaluate_annomi(annomi)
    annomi = write_csv(
        tmp_path / "b.csv", ANNOMI_HEADER, [[1, "high", "t", 0, "client", "", "hi", "", "maybe"]]
    )
    with pytest.raises(MalformedFileError, match="client_talk_type"):
        evaluate_annomi(annomi)
    annomi = write_csv(
        tmp_path / "c.csv",
        ANNOMI_HEADER,
        [[1, "high", "t", 0, "therapist", "", "hi", "advice", ""]],
    )
    with pytest.raises(MalformedFileError) as info:
        evaluate_annomi(annomi)
    assert "therapist utterance has an unknown main_therapist_behaviour" in str(info.value)
    assert info.value.line == 2
    assert info.value.expected == "one of question, reflection, therapist_input, other"


def test_unreadable_csv(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(MalformedFileError) as info:
        evaluate_ucc(empty)
    assert info.value.line == 1
    header_only = write_csv(tmp_path / "h.csv", UCC_HEADER, [])
    with pytest.raises(MalformedFileError, match="no data rows"):
        evaluate_ucc(header_only)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(",".join(UCC_HEADER).encode() + b"\n\xff\xfe\x00junk,1\n")
    with pytest.raises(MalformedFileError) as info:
        evaluate_ucc(binary)
    assert info.value.line == 2
    nul = tmp_path / "nul.csv"
    nul.write_text(",".join(UCC_HEADER) + "\nab\x00c,0,0,0,0,0,0,1\n", encoding="utf-8")
    with pytest.raises(MalformedFileError):
        evaluate_ucc(nul)
    quote = tmp_path / "quote.csv"
    quote.write_text(",".join(UCC_HEADER) + '\n"unterminated,0,0,0,0,0,0,1\n', encoding="utf-8")
    with pytest.raises(MalformedFileError):
        evaluate_ucc(quote)


def test_ambiguous_epitome_folder(tmp_path: Path) -> None:
    for name in ("explorations-a.csv", "explorations-b.csv"):
        write_csv(tmp_path / name, EPITOME_HEADER, [["a", "b", "s", "r", 0, ""]])
    with pytest.raises(MalformedFileError, match="explorations"):
        evaluate_epitome(tmp_path)


def test_large_fields_are_read(tmp_path: Path) -> None:
    long_text = "word " * 60_000  # 300,000 characters, beyond csv's default field limit
    path = write_csv(
        tmp_path / "ucc.csv",
        UCC_HEADER,
        [[long_text, 0, 0, 0, 0, 1, 0, 0], ["You idiot.", 0, 0, 0, 0, 0, 0, 1]],
    )
    report = evaluate_ucc(path)
    assert report["n"] == 2


# ---------------------------------------------------------------------------------------
# the real dev files (skipped when the shared data folder is absent)

needs_data = pytest.mark.skipif(
    not (DATA / "README.md").is_file(),
    reason=f"shared data folder not found at {DATA.resolve()} (it sits beside the repository)",
)


@needs_data
def test_real_ucc_dev() -> None:
    report = evaluate_ucc(DATA / "ucc" / "dev.csv")
    assert report["n"] == 4427
    metrics = report["metrics"]
    assert set(metrics) >= UCC_KEYS
    assert {f"cv.{k}" for k in UCC_KEYS} <= set(metrics)
    assert any("trained on" in note for note in report["notes"])
    assert metrics["cv.auc.mean"] >= 0.70
    assert min(metrics[f"cv.{k}"] for k in UCC_KEYS) >= 0.62
    json.dumps(report, allow_nan=False)


@needs_data
def test_real_annomi_dev() -> None:
    report = evaluate_annomi(DATA / "annomi" / "dev.csv")
    assert report["n"] == 7595
    metrics = report["metrics"]
    for key in ("f1.question", "f1.reflection", "f1.sustain"):
        assert 0.0 <= metrics[key] <= 1.0
        assert f"cv.{key}" in metrics
    assert metrics["cv.f1.question"] > 0.805  # beats the bare '?' rule on this file
    assert metrics["cv.f1.reflection"] >= 0.68


@needs_data
def test_real_epitome_dev() -> None:
    report = evaluate_epitome(DATA / "epitome")
    assert report["n"] == 3 * 2203
    metrics = report["metrics"]
    for mechanism in ("emotional_reactions", "interpretations", "explorations"):
        for kind in ("accuracy", "macro_f1", "majority"):
            value = metrics[f"{kind}.{mechanism}"]
            assert value is not None and not math.isnan(value)
            assert f"cv.{kind}.{mechanism}" in metrics
        assert metrics[f"cv.accuracy.{mechanism}"] > metrics[f"cv.majority.{mechanism}"]
    # issue 3's targets, on the recorded nested cross-validated figures (seed 13)
    assert metrics["cv.macro_f1.emotional_reactions"] >= 0.70
    assert metrics["cv.macro_f1.interpretations"] >= 0.58
    assert metrics["cv.macro_f1.explorations"] >= 0.66
