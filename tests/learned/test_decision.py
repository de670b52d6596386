"""Decision rules of softmax models: cut-offs and offsets stored in the model file."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reattune.learned import ModelFormatError, load_model, load_model_file
from reattune.learned.model import DecisionRule, model_from_parts, save_model

OUTPUTS = ("none", "weak", "strong")


def _parts(decision: Any = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A three-class softmax model over the words 'calm', 'meh', 'wow' (one feature each,
    idf 1): a text with one of them gets that class's score 2 (others 0)."""

    meta: dict[str, Any] = {
        "format": "reattune.linear-text-model",
        "format_version": 1,
        "name": "tiny_softmax",
        "version": "0",
        "kind": "softmax",
        "outputs": list(OUTPUTS),
        "thresholds": {},
        "blocks": [
            {
                "type": "tfidf",
                "name": "w",
                "source": "text",
                "analyzer": "word",
                "ngram_range": [1, 1],
                "sublinear_tf": True,
                "n_features": 3,
            }
        ],
    }
    if decision is not None:
        meta["decision"] = decision
    arrays = {
        "idf.w": np.ones(3),
        "vocab.w": np.frombuffer(b"calm\nmeh\nwow", dtype=np.uint8),
        "coef": 2.0 * np.eye(3),
        "intercept": np.zeros(3),
    }
    return meta, arrays


def _model(decision: Any = None) -> Any:
    meta, arrays = _parts(decision)
    meta = copy.deepcopy(meta)
    return model_from_parts(meta, arrays)


PROBA = np.array(
    [
        [0.60, 0.30, 0.10],  # none by arg-max; weak only with a cut-off <= 0.30
        [0.20, 0.35, 0.45],  # strong by arg-max; weak with a cut-off <= 0.35
        [0.48, 0.04, 0.48],  # a tie between none and strong: the first (none)
        [0.45, 0.10, 0.45 - 1e-9],  # none, unless strong gets an offset
        [0.05, 0.90, 0.05],  # weak by arg-max and by any cut-off <= 0.90
    ]
)


def test_default_rule_is_the_arg_max() -> None:
    rule = DecisionRule()
    assert rule.is_arg_max
    assert rule.apply(PROBA, OUTPUTS).tolist() == [0, 2, 0, 0, 1]
    assert rule.to_json() == {"rule": "arg-max"}


def test_cut_off_picks_its_class_only_when_reached() -> None:
    rule = DecisionRule(cut_offs={"weak": 0.33})
    # weak where P(weak) >= 0.33; elsewhere the arg-max over none and strong, never weak
    assert rule.apply(PROBA, OUTPUTS).tolist() == [0, 1, 0, 0, 1]
    never = DecisionRule(cut_offs={"weak": 1.0})
    assert never.apply(PROBA, OUTPUTS).tolist() == [0, 2, 0, 0, 0]
    low = DecisionRule(cut_offs={"weak": 0.25})
    assert low.apply(PROBA, OUTPUTS).tolist() == [1, 1, 0, 0, 1]


def test_offsets_shift_the_arg_max_in_log_space() -> None:
    up = DecisionRule(offsets={"strong": 0.01})
    assert up.apply(PROBA, OUTPUTS).tolist() == [0, 2, 2, 2, 1]
    # log(0.30) + 0.7 > log(0.60): the first row turns weak
    weak = DecisionRule(offsets={"weak": 0.7})
    assert weak.apply(PROBA, OUTPUTS)[0] == 1
    both = DecisionRule(cut_offs={"weak": 0.5}, offsets={"strong": 0.01})
    assert both.apply(PROBA, OUTPUTS).tolist() == [0, 2, 2, 2, 1]


def test_several_cut_offs_reached_the_most_probable_wins() -> None:
    rule = DecisionRule(cut_offs={"weak": 0.3, "strong": 0.4})
    assert rule.apply(PROBA, OUTPUTS).tolist() == [1, 2, 2, 2, 1]


def test_probabilities_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError):
        DecisionRule().apply(PROBA[:, :2], OUTPUTS)


def test_model_predict_applies_its_rule_to_its_probabilities() -> None:
    texts = ["calm calm", "meh", "wow", "", "calm meh"]
    plain = _model()
    ruled = _model({"rule": "cut-offs", "cut_offs": {"weak": 0.5}, "offsets": {"strong": 3.0}})
    proba = plain.predict_proba(texts)
    assert np.allclose(proba, ruled.predict_proba(texts))  # the rule changes no probability
    assert plain.predict(texts).tolist() == np.argmax(proba, axis=1).tolist()
    # P(weak) of "meh" is e^2 / (e^2 + 2) ~ 0.79 >= 0.5; elsewhere strong's +3 wins
    assert ruled.predict(texts).tolist() == [2, 1, 2, 2, 2]
    assert ruled.decide(proba).tolist() == ruled.predict(texts).tolist()


def test_binary_models_have_no_class_to_predict() -> None:
    model = load_model("ucc")
    with pytest.raises(TypeError):
        model.predict(["hello there"])


@pytest.mark.parametrize("legacy", [None, "arg-max class", {"rule": "arg-max"}])
def test_a_model_without_a_rule_loads_as_arg_max(legacy: Any) -> None:
    model = _model(legacy)
    assert model.decision == DecisionRule()
    assert model.decision.is_arg_max


def test_rule_survives_save_and_load(tmp_path: Path) -> None:
    meta, arrays = _parts({"rule": "cut-offs", "cut_offs": {"weak": 0.25}})
    json_path, _ = save_model(tmp_path, meta, arrays)
    loaded = load_model_file(json_path)
    assert loaded.decision == DecisionRule(cut_offs={"weak": 0.25})
    assert json.loads(json_path.read_text("utf-8"))["decision"]["cut_offs"] == {"weak": 0.25}
    # an older file: no decision entry at all
    old = json.loads(json_path.read_text("utf-8"))
    del old["decision"]
    json_path.write_text(json.dumps(old), "utf-8")
    assert load_model_file(json_path).decision.is_arg_max


@pytest.mark.parametrize(
    "decision",
    [
        "majority vote",
        ["arg-max"],
        {"rule": "best guess"},
        {"rule": "arg-max", "cut_offs": {"weak": 0.3}},
        {"rule": "cut-offs"},
        {"rule": "cut-offs", "cut_offs": {"maybe": 0.3}},
        {"rule": "cut-offs", "cut_offs": {"weak": 0.0}},
        {"rule": "cut-offs", "cut_offs": {"weak": 1.5}},
        {"rule": "cut-offs", "cut_offs": {"weak": "0.3"}},
        {"rule": "cut-offs", "cut_offs": {"none": 0.3, "weak": 0.3, "strong": 0.3}},
        {"rule": "arg-max", "offsets": {"strong": float("nan")}},
        {"rule": "arg-max", "offsets": {"strong": True}},
        {"rule": "arg-max", "offsets": []},
        {"rule": "arg-max", "threshold": 0.5},
    ],
)
def test_invalid_rules_are_refused_on_load(decision: Any) -> None:
    with pytest.raises(ModelFormatError):
        _model(decision)


def test_binary_model_refuses_cut_offs() -> None:
    meta, arrays = _parts({"rule": "cut-offs", "cut_offs": {"weak": 0.3}})
    meta["kind"] = "binary"
    with pytest.raises(ModelFormatError):
        model_from_parts(meta, arrays)
