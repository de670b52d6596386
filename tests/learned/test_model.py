"""Shipped model files: format, loading without pickle, output ranges, obvious examples."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from reattune.learned import (
    ModelFormatError,
    ModelNotFoundError,
    available_models,
    load_model,
    load_model_file,
)
from reattune.learned.model import arrays_digest, model_from_parts, save_model

from .conftest import make_texts

EXPECTED = {
    "ucc",
    "annomi_therapist",
    "annomi_client",
    "epitome_emotional_reactions",
    "epitome_interpretations",
    "epitome_explorations",
}
SRC = Path(__file__).resolve().parents[2] / "src" / "reattune"


def _model_dir() -> Path:
    return Path(str(resources.files("reattune.data.models")))


def test_all_models_are_shipped() -> None:
    assert set(available_models()) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_model_file_records_provenance_and_cv(name: str) -> None:
    meta = json.loads((_model_dir() / f"{name}.json").read_text("utf-8"))
    training = meta["training"]
    for key in ("data", "sha256", "rows", "licence", "source", "seed", "hyperparameters"):
        assert training[key] not in (None, ""), key
    assert len(training["sha256"]) == 64
    assert training["rows"] > 1000
    assert meta["cv"]["metrics"] and meta["cv"]["scheme"]
    assert not Path(training["data"]).is_absolute()
    if name == "ucc":
        assert training["licence"] == "CC BY-NC-SA 4.0"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_npz_holds_only_plain_arrays(name: str) -> None:
    path = _model_dir() / f"{name}.npz"
    with zipfile.ZipFile(path) as archive:
        assert all(n.endswith(".npy") for n in archive.namelist())
    with np.load(path, allow_pickle=False) as npz:
        for key in npz.files:
            array = npz[key]  # would raise for pickled object arrays
            assert array.dtype != object
            assert array.dtype.kind in "fiu", key
    model = load_model_file(_model_dir() / f"{name}.json")
    assert model.coef.shape[1] == len(model.outputs)


def test_no_pickle_anywhere_in_the_learned_code() -> None:
    for package in ("learned", "evaluation"):
        for path in (SRC / package).rglob("*.py"):
            text = path.read_text("utf-8")
            for word in ("import pickle", "joblib", "allow_pickle=True", "sklearn"):
                assert word not in text, f"{path}: {word}"


def test_runtime_does_not_import_sklearn() -> None:
    code = (
        "import sys\n"
        "from reattune.learned import load_model\n"
        "from reattune.evaluation import evaluate_ucc\n"
        "load_model('ucc').predict_proba(['you idiot'])\n"
        "assert 'sklearn' not in sys.modules, 'scikit-learn was imported'\n"
        "assert 'scipy' not in sys.modules, 'scipy was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_probabilities_are_in_range(name: str) -> None:
    model = load_model(name)
    texts = make_texts(200)
    proba = model.predict_proba(texts, texts[::-1])
    assert proba.shape == (200, len(model.outputs))
    assert np.all(np.isfinite(proba))
    assert np.all((proba >= 0.0) & (proba <= 1.0))
    if model.kind == "softmax":
        assert np.allclose(proba.sum(axis=1), 1.0)
    # a batch scores each text as if alone
    alone = np.vstack(
        [model.predict_proba([t], [c]) for t, c in zip(texts[:20], texts[::-1][:20], strict=True)]
    )
    assert np.allclose(alone, proba[:20], atol=1e-12)
    assert model.predict_proba([]).shape == (0, len(model.outputs))


def test_model_is_cached() -> None:
    assert load_model("ucc") is load_model("ucc")


def test_context_use_is_declared() -> None:
    assert not load_model("ucc").uses_context
    assert load_model("annomi_therapist").uses_context
    assert load_model("epitome_explorations").uses_context
    assert load_model("ucc").extra_sources == ()
    client = load_model("annomi_client")
    assert client.extra_sources == ("previous_own",)
    assert client.metadata["input"]["context_rule"] == "substantive"
    assert load_model("annomi_therapist").metadata["input"]["context_rule"] == "latest"


def test_extra_context_changes_scores_and_defaults_to_empty() -> None:
    client = load_model("annomi_client")
    texts = ["Yeah, and I just like it.", "I want to quit."]
    context = ["What do you enjoy about smoking?"] * 2
    previous = ["It relaxes me after work, I don't want to give that up.", None]
    with_previous = client.predict_proba(texts, context, extra={"previous_own": previous})
    without = client.predict_proba(texts, context)
    assert not np.allclose(with_previous[0], without[0])
    # a missing extra context counts as empty strings, like a None entry
    assert np.allclose(with_previous[1], without[1], atol=1e-12)
    assert np.allclose(
        without, client.predict_proba(texts, context, extra={"previous_own": ["", ""]})
    )
    # models that do not read an extra context ignore it
    ucc = load_model("ucc")
    assert np.array_equal(
        ucc.predict_proba(texts), ucc.predict_proba(texts, extra={"previous_own": previous})
    )
    with pytest.raises(ValueError):
        client.predict_proba(texts, context, extra={"previous_own": ["only one"]})


@pytest.mark.parametrize("name", ["nope", "../ucc", "UCC", "ucc.json", ""])
def test_unknown_model_names(name: str) -> None:
    with pytest.raises(ModelNotFoundError):
        load_model(name)


def test_bad_inputs() -> None:
    model = load_model("annomi_therapist")
    with pytest.raises(TypeError):
        model.predict_proba("a single string")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        model.predict_proba(["a", "b"], ["only one context"])
    with pytest.raises(KeyError):
        model.output_index("sustain")
    # None contexts count as empty
    assert np.allclose(model.predict_proba(["hi"], [None]), model.predict_proba(["hi"]))


def test_insult_scores_higher_than_neutral() -> None:
    model = load_model("ucc")
    proba = model.predict_proba(
        [
            "You are a pathetic idiot and everyone knows it.",
            "I picked up the groceries on the way home.",
            "Oh great, another genius idea. Thanks a lot.",
        ]
    )
    hostile = model.output_index("hostile")
    unhealthy = model.output_index("unhealthy")
    sarcastic = model.output_index("sarcastic")
    assert proba[0, hostile] > proba[1, hostile] + 0.2
    assert proba[0, unhealthy] > proba[1, unhealthy]
    assert proba[2, sarcastic] > proba[1, sarcastic]
    assert model.flags(["You are a pathetic idiot."])["hostile"][0]


def test_question_and_reflection() -> None:
    model = load_model("annomi_therapist")
    flags = model.flags(
        ["Tell me more about how you feel?", "It sounds like you feel overwhelmed by work"],
        [
            "I guess it's fine.",
            "Work has been so stressful lately, I'm there until ten every night and I can't "
            "keep up with it.",
        ],
    )
    assert flags["question"][0] and not flags["reflection"][0]
    assert flags["reflection"][1] and not flags["question"][1]
    proba = model.predict_proba(
        ["It sounds like you feel overwhelmed by work"],
        ["Work has been so stressful lately, I can't keep up."],
    )
    assert proba[0, model.output_index("reflection")] > 0.5


def test_sustain_talk() -> None:
    model = load_model("annomi_client")
    proba = model.predict_proba(
        [
            "I don't think I have a problem with drinking, it's just fun with my friends.",
            "I really want to cut down so I can be there for my kids.",
        ],
        ["So what do you think about your drinking?"] * 2,
    )
    sustain = model.output_index("sustain")
    assert proba[0, sustain] > model.thresholds["sustain"] > proba[1, sustain]


def test_empathy_mechanisms() -> None:
    seeker = ["I feel so alone lately."] * 2
    emotional = load_model("epitome_emotional_reactions")
    exploring = load_model("epitome_explorations")
    kind = ["I'm so sorry you're going through this, sending hugs.", "Just get over it."]
    probe = ["How long have you been feeling this way? What do you think started it?", "Ok."]
    assert np.argmax(emotional.predict_proba(kind, seeker)[0]) > 0
    assert np.argmax(emotional.predict_proba(kind, seeker)[1]) == 0
    assert np.argmax(exploring.predict_proba(probe, seeker)[0]) == 2
    assert np.argmax(exploring.predict_proba(probe, seeker)[1]) == 0


def test_interpretations_model_ships_its_decision_rule() -> None:
    """The weak level gets a positive log-probability offset (so it is predicted at all);
    predict() is the rule applied to predict_proba(); the other two keep the arg-max."""

    model = load_model("epitome_interpretations")
    assert not model.decision.is_arg_max
    assert model.decision.offsets["weak"] > 0
    texts = make_texts(60, seed=3)
    seeker = ["I feel so alone lately."] * len(texts)
    proba = model.predict_proba(texts, seeker)
    assert (
        model.predict(texts, seeker).tolist() == model.decision.apply(proba, model.outputs).tolist()
    )
    shifted = np.log(proba) + [model.decision.offsets.get(o, 0.0) for o in model.outputs]
    assert model.predict(texts, seeker).tolist() == np.argmax(shifted, axis=1).tolist()
    for name in ("epitome_emotional_reactions", "epitome_explorations"):
        other = load_model(name)
        assert other.decision.is_arg_max
        p = other.predict_proba(texts, seeker)
        assert other.predict(texts, seeker).tolist() == np.argmax(p, axis=1).tolist()


def _tiny_parts() -> tuple[dict[str, object], dict[str, np.ndarray]]:
    meta: dict[str, object] = {
        "format": "reattune.linear-text-model",
        "format_version": 1,
        "name": "tiny",
        "version": "0",
        "kind": "binary",
        "outputs": ["x"],
        "thresholds": {"x": 0.5},
        "blocks": [
            {
                "type": "tfidf",
                "name": "w",
                "source": "text",
                "analyzer": "word",
                "ngram_range": [1, 1],
                "sublinear_tf": True,
                "n_features": 2,
            }
        ],
    }
    arrays = {
        "idf.w": np.array([1.0, 2.0]),
        "vocab.w": np.frombuffer(b"bad\ngood", dtype=np.uint8),
        "coef": np.array([[-3.0], [3.0]]),
        "intercept": np.array([0.0]),
    }
    return meta, arrays


def test_save_and_load_round_trip_is_deterministic(tmp_path: Path) -> None:
    meta, arrays = _tiny_parts()
    meta = {k: v for k, v in meta.items() if k not in ("format", "format_version")}
    first = save_model(tmp_path / "a", meta, arrays)
    second = save_model(tmp_path / "b", meta, arrays)
    assert first[1].read_bytes() == second[1].read_bytes()
    assert first[0].read_text() == second[0].read_text()
    model = load_model_file(first[0])
    proba = model.predict_proba(["good good", "bad", "neither", ""])[:, 0]
    # "good good": tf = 1 + ln 2, one feature, L2-normalised to 1 -> score 3
    assert proba[0] == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert proba[1] == pytest.approx(1 / (1 + np.exp(3.0)))
    assert proba[2] == proba[3] == pytest.approx(0.5)
    assert list(model.flags(["good", "bad"])["x"]) == [True, False]


def test_tampered_arrays_are_refused(tmp_path: Path) -> None:
    meta, arrays = _tiny_parts()
    meta = {k: v for k, v in meta.items() if k not in ("format", "format_version")}
    json_path, _ = save_model(tmp_path, meta, arrays)
    document = json.loads(json_path.read_text())
    document["arrays_sha256"] = arrays_digest({"other": np.zeros(1)})
    json_path.write_text(json.dumps(document))
    with pytest.raises(ModelFormatError):
        load_model_file(json_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m, a: m.update(format="other"), "not a"),
        (lambda m, a: m.update(kind="tree"), "kind"),
        (lambda m, a: m["blocks"][0].update(analyzer="magic"), "analyzer"),
        (lambda m, a: m["blocks"][0].update(n_features=3), "idf shape"),
        (lambda m, a: a.update(coef=np.zeros((3, 1))), "coef shape"),
        (lambda m, a: a.update(intercept=np.array([np.nan])), "finite"),
        (lambda m, a: m.update(thresholds={"y": 0.5}), "threshold"),
        (lambda m, a: a.update({"vocab.w": np.frombuffer(b"bad\nbad", np.uint8)}), "duplicate"),
        (
            lambda m, a: m["blocks"].append(
                {"type": "dense", "name": "d", "feature_set": "mi_v1", "features": ["x"]}
            ),
            "differs",
        ),
    ],
)
def test_inconsistent_model_parts_are_refused(change: object, message: str) -> None:
    meta, arrays = _tiny_parts()
    change(meta, arrays)  # type: ignore[operator]
    with pytest.raises(ModelFormatError, match=message):
        model_from_parts(meta, arrays)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_all_tfidf_blocks_at_once_equal_block_by_block(name: str) -> None:
    """features() computes every TF-IDF block in one pass; each block's own transform is
    the reference, and the values must be the very same floats."""

    from reattune.learned.model import TfidfBlock

    model = load_model(name)
    texts = [*make_texts(120, seed=5), "", "ok", "Tell me more. I'm so sorry!"]
    contexts = texts[::-1]
    sources = {"text": texts, "context": contexts, "previous_own": texts[3:] + texts[:3]}
    parts = [
        block.transform(sources[block.source])
        for block in model.blocks
        if isinstance(block, TfidfBlock)
    ]
    rows = np.concatenate([p[0] for p in parts])
    cols = np.concatenate([p[1] for p in parts])
    values = np.concatenate([p[2] for p in parts])
    order = np.lexsort((cols, rows))
    fused = model._tfidf(sources, len(texts))
    assert np.array_equal(fused[0], rows[order])
    assert np.array_equal(fused[1], cols[order])
    assert np.array_equal(fused[2], values[order])
    for k in (0, 7, len(texts) - 1):  # one turn alone: the same floats as in the batch
        alone = model._tfidf({key: [v[k]] for key, v in sources.items()}, 1)
        assert np.array_equal(alone[2], fused[2][fused[0] == k])
    # a large batch (block by block) holds, row by row, the very entries of a lone turn
    # (all blocks at once)
    extra = {"previous_own": sources["previous_own"]}
    batch = model.features(texts, contexts, extra)
    for k in (0, 9, len(texts) - 1):
        alone = model.features(
            [texts[k]], [contexts[k]], {"previous_own": [extra["previous_own"][k]]}
        )
        assert np.array_equal(alone.cols, batch.cols[batch.rows == k])
        assert np.array_equal(alone.values, batch.values[batch.rows == k])
