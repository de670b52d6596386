"""The numpy vectorizer gives the same features and scores as scikit-learn (when installed)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from reattune.learned import available_models, load_model
from reattune.learned.analyzers import (
    SKLEARN_TOKEN_PATTERN,
    char_wb_ngrams,
    word_ngrams,
    word_tokens,
)
from reattune.learned.model import DenseBlock, LinearTextModel, TfidfBlock, model_from_parts

from .conftest import DATA, make_texts

sklearn_text = pytest.importorskip(
    "sklearn.feature_extraction.text", reason="scikit-learn is not installed (train extra)"
)
sparse = pytest.importorskip("scipy.sparse", reason="scipy comes with scikit-learn")


def _sklearn_vectorizer(block: TfidfBlock) -> object:
    from reattune.learned.analyzers import ANALYZERS

    analyzer = (
        block.analyzer if block.analyzer in ("word", "char_wb") else ANALYZERS[block.analyzer]
    )
    vec = sklearn_text.TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=block.ngram_range,
        token_pattern=SKLEARN_TOKEN_PATTERN,
        lowercase=True,
        sublinear_tf=block.sublinear_tf,
        vocabulary=dict(block.vocabulary),
        dtype=np.float64,
    )
    vec.idf_ = block.idf
    return vec


def _reference(model: LinearTextModel, texts: list[str], contexts: list[str]) -> object:
    """scikit-learn's feature matrix for ``model``'s blocks (dense blocks computed as given);
    extra contexts (``previous_own``) are the contexts reversed."""

    sources = {"text": texts, "context": contexts, "previous_own": contexts[::-1]}
    parts = []
    for block in model.blocks:
        if isinstance(block, TfidfBlock):
            docs = sources[block.source]
            parts.append(_sklearn_vectorizer(block).transform(docs) * block.weight)
        else:
            assert isinstance(block, DenseBlock)
            raw = block.raw(texts, contexts)
            parts.append(sparse.csr_matrix((raw - block.mean) / block.scale * block.weight))
    return sparse.hstack(parts, format="csr")


def _ours(model: LinearTextModel, texts: list[str], contexts: list[str]) -> object:
    m = model.features(texts, contexts, {"previous_own": contexts[::-1]})
    return sparse.csr_matrix((m.values, (m.rows, m.cols)), shape=(m.n_rows, m.n_cols))


def _corpus() -> tuple[list[str], list[str]]:
    texts = make_texts(300, seed=11)
    contexts = make_texts(300, seed=12)
    path = DATA / "ucc" / "dev.csv"
    if path.is_file():
        csv.field_size_limit(2**31 - 1)
        with path.open(encoding="utf-8", newline="") as handle:
            real = [
                row["comment"] for _, row in zip(range(150), csv.DictReader(handle), strict=False)
            ]
        texts += real
        contexts += real[::-1]
    return texts, contexts


@pytest.mark.parametrize(
    "doc",
    [
        "Hello  World, it's a TEST!",
        "a b  c\td\ne",
        "",
        "   ",
        "I",
        "Σ ΣΑΣ όσος ΟΣΟΣ",
        "naïve café — über-cool e-mail's",
        "😀❤️ x_y __init__ 3.14 don't",
        "ab",
        "abcdefghijklmnop qrstuv",
    ],
)
def test_analyzers_match_sklearn(doc: str) -> None:
    word = sklearn_text.TfidfVectorizer(ngram_range=(1, 3)).build_analyzer()
    char = sklearn_text.TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert word_ngrams(word_tokens(doc), 1, 3) == word(doc)
    assert char_wb_ngrams(doc, 2, 5) == char(doc)
    single = sklearn_text.TfidfVectorizer(ngram_range=(2, 2)).build_analyzer()
    assert word_ngrams(word_tokens(doc), 2, 2) == single(doc)


@pytest.mark.parametrize("name", available_models())
def test_shipped_model_features_and_scores_match_sklearn(name: str) -> None:
    model = load_model(name)
    texts, contexts = _corpus()
    ours = _ours(model, texts, contexts)
    ref = _reference(model, texts, contexts)
    assert ours.shape == ref.shape
    assert abs(ours - ref).max() < 1e-9
    ref_scores = ref @ model.coef + model.intercept
    extra = {"previous_own": contexts[::-1]}
    scores = model.decision_function(texts, contexts, extra=extra)
    assert np.max(np.abs(scores - ref_scores)) < 1e-6
    proba = model.predict_proba(texts, contexts, extra=extra)
    if model.kind == "binary":
        ref_proba = 1.0 / (1.0 + np.exp(-ref_scores))
    else:
        shifted = np.exp(ref_scores - ref_scores.max(axis=1, keepdims=True))
        ref_proba = shifted / shifted.sum(axis=1, keepdims=True)
    assert np.max(np.abs(proba - ref_proba)) < 1e-6


def test_freshly_fitted_vectorizers_match(texts: list[str]) -> None:
    """A model built from vectorizers fitted here (unseen words, empty texts) scores as
    scikit-learn does, independently of the shipped files."""

    word = sklearn_text.TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    char = sklearn_text.TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=3000
    )
    fit_on = texts[:200]
    x_word = word.fit_transform(fit_on)
    x_char = char.fit_transform(fit_on)
    rng = np.random.default_rng(0)
    n_features = x_word.shape[1] + x_char.shape[1]
    coef = rng.normal(size=(n_features, 3))
    intercept = rng.normal(size=3)

    def terms(vec: object) -> bytes:
        ordered = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return "\n".join(ordered).encode("utf-8")

    meta = {
        "format": "reattune.linear-text-model",
        "format_version": 1,
        "name": "probe",
        "version": "0",
        "kind": "binary",
        "outputs": ["a", "b", "c"],
        "blocks": [
            {
                "type": "tfidf",
                "name": "w",
                "source": "text",
                "analyzer": "word",
                "ngram_range": [1, 2],
                "sublinear_tf": True,
                "n_features": x_word.shape[1],
            },
            {
                "type": "tfidf",
                "name": "c",
                "source": "text",
                "analyzer": "char_wb",
                "ngram_range": [2, 5],
                "sublinear_tf": True,
                "n_features": x_char.shape[1],
            },
        ],
    }
    arrays = {
        "idf.w": word.idf_,
        "vocab.w": np.frombuffer(terms(word), dtype=np.uint8),
        "idf.c": char.idf_,
        "vocab.c": np.frombuffer(terms(char), dtype=np.uint8),
        "coef": coef,
        "intercept": intercept,
    }
    model = model_from_parts(meta, arrays)
    probe = texts[100:] + make_texts(100, seed=99)
    ref = sparse.hstack([word.transform(probe), char.transform(probe)], format="csr")
    assert abs(_ours(model, probe, [""] * len(probe)) - ref).max() < 1e-12
    expected = ref @ coef + intercept
    assert np.max(np.abs(model.decision_function(probe) - expected)) < 1e-9
    # scoring again hits the per-word cache and must not change anything
    assert np.max(np.abs(model.decision_function(probe) - expected)) < 1e-9


def test_first_sentence_analyzer() -> None:
    from reattune.learned.analyzers import first_sentence

    assert first_sentence("") == []
    assert first_sentence("   ") == []
    assert first_sentence("I'm SO sorry. That sounds hard!") == [
        "FS_so",
        "FS_sorry",
        "FS2_so_sorry",
        "FIRST_so",
        "FIRST2_so_sorry",
    ]
    # one word: no pair; a sentence ends at . ? or ! followed by white space
    assert first_sentence("Hugs! x") == ["FS_hugs", "FIRST_hugs"]
    # tokens as scikit-learn finds them: one-letter words are not tokens
    assert first_sentence("e.g. this") == []
