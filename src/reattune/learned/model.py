"""Linear text models: the shipped file format, loading, and fast batch scoring.

A model is a JSON file (metadata, feature blocks, training provenance, cross-validated
figures) next to an ``.npz`` file of plain numeric arrays (weights, IDF values, vocabularies
stored as UTF-8 bytes). Nothing is pickled: arrays are read with ``allow_pickle=False``.

Scoring a batch builds one sparse feature matrix in coordinate form for all texts and
multiplies it with the weight matrix once, so every output of a model (for example all seven
UCC attributes) costs a single pass. Character n-grams are cached per word, which makes
scoring a conversation (where the same words recur) much cheaper than re-analysing it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import threading
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from reattune.learned.analyzers import (
    ANALYZERS,
    char_wb_word_ngrams,
    word_ngrams,
    word_tokens,
)
from reattune.learned.features import FEATURE_SETS, FeatureSet

__all__ = [
    "EXTRA_SOURCES",
    "FORMAT",
    "FORMAT_VERSION",
    "SOURCES",
    "DecisionRule",
    "DenseBlock",
    "FeatureMatrix",
    "LinearTextModel",
    "ModelFormatError",
    "ModelNotFoundError",
    "TfidfBlock",
    "available_models",
    "clear_caches",
    "load_model",
    "load_model_file",
    "save_model",
]

FORMAT = "reattune.linear-text-model"
FORMAT_VERSION = 1
MODELS_PACKAGE = "reattune.data.models"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CACHE_LIMIT = 200_000
_FUSED_MAX_DOCS = 8
"""Up to this many texts, all TF-IDF blocks are computed in one pass of numpy calls (a turn
costs one fixed overhead instead of one per block); larger batches go block by block, where
sorting each block's smaller key array is faster."""

Source = Literal["text", "context", "previous_own"]
SOURCES: tuple[str, ...] = ("text", "context", "previous_own")
"""Texts a TF-IDF block can read: the text itself, its context (the other speaker's turn,
or the post answered), or ``previous_own``: the same speaker's previous turn (an extra
context, passed by name in ``extra``)."""
EXTRA_SOURCES: tuple[str, ...] = ("previous_own",)
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class ModelNotFoundError(LookupError):
    """No shipped model has this name."""


class ModelFormatError(ValueError):
    """A model file is missing, inconsistent, or written by an unknown version."""


@dataclass(frozen=True)
class FeatureMatrix:
    """A sparse matrix in coordinate form: ``value`` at (``row``, ``col``).

    Entries are sorted by row; a (row, col) pair occurs at most once.
    """

    n_rows: int
    n_cols: int
    rows: IntArray
    cols: IntArray
    values: FloatArray

    def toarray(self) -> FloatArray:
        """The dense matrix (for tests and small inputs only)."""

        out = np.zeros((self.n_rows, self.n_cols), dtype=np.float64)
        out[self.rows, self.cols] = self.values
        return out


@dataclass(frozen=True, eq=False)
class TfidfBlock:
    """TF-IDF features of one text source, as scikit-learn's ``TfidfVectorizer`` makes them.

    ``analyzer`` is ``word`` (default token pattern, lower-cased, word n-grams), ``char_wb``
    (character n-grams inside word boundaries) or the name of a custom analyzer in
    :data:`reattune.learned.analyzers.ANALYZERS`. Rows are L2-normalised, then multiplied
    by ``weight``.
    """

    name: str
    source: Source
    analyzer: str
    ngram_range: tuple[int, int]
    sublinear_tf: bool
    weight: float
    vocabulary: Mapping[str, int]
    idf: FloatArray
    offset: int
    _word_cache: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def term_ids(self, doc: str) -> list[int]:
        """Local column ids of every in-vocabulary term occurrence in ``doc``."""

        get = self.vocabulary.get
        if self.analyzer == "word":
            terms = word_ngrams(word_tokens(doc), *self.ngram_range)
            return [i for i in map(get, terms) if i is not None]
        if self.analyzer == "char_wb":
            return list(chain.from_iterable(self._word_ids(doc.lower().split())))
        analyzer = ANALYZERS[self.analyzer]
        return [i for i in map(get, analyzer(doc)) if i is not None]

    def clear_cache(self) -> None:
        """Forget the words read so far (the next texts are read from scratch)."""

        with self._lock:
            self._word_cache.clear()

    def _word_ids(self, words: Sequence[str]) -> list[list[int]]:
        """``char_wb``: the local column ids of each word's n-grams (cached per word)."""

        get = self.vocabulary.get
        cache = self._word_cache
        lo, hi = self.ngram_range
        out = []
        for word in words:
            ids = cache.get(word)
            if ids is None:
                ids = [i for i in map(get, char_wb_word_ngrams(word, lo, hi)) if i is not None]
                with self._lock:
                    if len(cache) >= _CACHE_LIMIT:
                        cache.clear()
                    cache[word] = ids
            out.append(ids)
        return out

    def _doc_ids(self, docs: Sequence[str]) -> tuple[IntArray, IntArray]:
        """For every doc, the row of each of its term occurrences, and their local column
        ids: ``term_ids`` of every doc, one after the other."""

        if self.analyzer != "char_wb":
            found = list(map(self.term_ids, docs))
            lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
            rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
            ids = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=len(rows))
            return rows, ids
        # char_wb: a doc's terms are its words' n-grams, word after word. Each distinct word
        # is read once; the docs' ids are then gathered from the words' with array indexing.
        words_of = [doc.lower().split() for doc in docs]
        words = list(chain.from_iterable(words_of))
        distinct = dict.fromkeys(words)
        per_word = self._word_ids(list(distinct))
        position = {w: k for k, w in enumerate(distinct)}
        word_len = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
        word_start = np.zeros(len(per_word) + 1, dtype=np.int64)
        np.cumsum(word_len, out=word_start[1:])
        word_ids = np.fromiter(
            chain.from_iterable(per_word), dtype=np.int64, count=int(word_start[-1])
        )
        at = np.fromiter(map(position.__getitem__, words), dtype=np.int64, count=len(words))
        n_ids = word_len[at]  # per word occurrence
        first = np.cumsum(n_ids) - n_ids  # where each occurrence's ids go
        gather = np.arange(int(n_ids.sum()), dtype=np.int64) + np.repeat(
            word_start[at] - first, n_ids
        )
        n_words = np.fromiter(map(len, words_of), dtype=np.int64, count=len(words_of))
        rows = np.repeat(np.repeat(np.arange(len(docs), dtype=np.int64), n_words), n_ids)
        return rows, word_ids[gather]

    def transform(self, docs: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
        """(row, global column, value) triplets for ``docs``, sorted by row then column."""

        doc_of, ids = self._doc_ids(docs)
        if not ids.size:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0, dtype=np.float64)
        n_local = self.n_features
        keys = doc_of * n_local + ids
        unique, counts = _unique_counts(keys)
        rows = unique // n_local
        cols = unique % n_local
        tf = counts.astype(np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        values = tf * self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(docs)))
        norms[norms == 0.0] = 1.0
        values = values / norms[rows]
        if self.weight != 1.0:
            values = values * self.weight
        return rows, cols + self.offset, values


@dataclass(frozen=True, eq=False)
class DenseBlock:
    """Hand-made features, standardised with the training mean and scale, times ``weight``."""

    name: str
    feature_set: FeatureSet
    mean: FloatArray
    scale: FloatArray
    weight: float
    offset: int

    @property
    def n_features(self) -> int:
        return len(self.mean)

    def raw(self, texts: Sequence[str], contexts: Sequence[str]) -> FloatArray:
        """Unstandardised feature values, one row per text."""

        compute = self.feature_set.compute
        values = [compute(t, c) for t, c in zip(texts, contexts, strict=True)]
        return np.asarray(values, dtype=np.float64).reshape(len(texts), self.n_features)

    def values(self, texts: Sequence[str], contexts: Sequence[str]) -> FloatArray:
        """The standardised, weighted features, one row per text."""

        return np.asarray((self.raw(texts, contexts) - self.mean) / self.scale * self.weight)

    def transform(
        self, texts: Sequence[str], contexts: Sequence[str]
    ) -> tuple[IntArray, IntArray, FloatArray]:
        matrix = self.values(texts, contexts)
        n, d = matrix.shape
        rows = np.repeat(np.arange(n, dtype=np.int64), d)
        cols = np.tile(np.arange(d, dtype=np.int64), n) + self.offset
        return rows, cols, matrix.reshape(-1)


Block = TfidfBlock | DenseBlock

ARG_MAX = "arg-max"
CUT_OFFS = "cut-offs"
_LEGACY_ARG_MAX = ("arg-max class",)
"""What models written before decision rules existed say in ``decision`` (or nothing)."""


@dataclass(frozen=True)
class DecisionRule:
    """How a softmax model's probabilities become one class per text.

    ``cut_offs`` (class -> minimum probability): a class with a cut-off is chosen where its
    probability reaches the cut-off (of several such classes, the most probable one), and
    only then. Every other text gets the arg-max, over the classes without a cut-off, of
    the log-probability plus the class's ``offsets`` entry (0 when absent). With neither,
    the rule is the plain arg-max: the default, and what a model file without a
    ``decision`` object (written before rules existed) means.

    In a model file: ``"decision": {"rule": "arg-max"}`` or ``{"rule": "cut-offs",
    "cut_offs": {"weak": 0.31}, "offsets": {"strong": 0.25}}``; ``offsets`` may also go
    with ``arg-max``.
    """

    cut_offs: Mapping[str, float] = field(default_factory=dict)
    offsets: Mapping[str, float] = field(default_factory=dict)

    @property
    def is_arg_max(self) -> bool:
        return not self.cut_offs and not any(self.offsets.values())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": CUT_OFFS if self.cut_offs else ARG_MAX}
        if self.cut_offs:
            out["cut_offs"] = dict(self.cut_offs)
        if self.offsets:
            out["offsets"] = dict(self.offsets)
        return out

    @classmethod
    def from_json(cls, spec: Any, outputs: Sequence[str], kind: str = "softmax") -> DecisionRule:
        """The rule a model file describes (``spec`` is its ``decision`` entry), checked
        against the model's ``outputs``; raises :class:`ModelFormatError`."""

        if spec is None or (isinstance(spec, str) and spec in _LEGACY_ARG_MAX):
            return cls()
        if isinstance(spec, str):
            raise ModelFormatError(f"unknown decision {spec!r}")
        if not isinstance(spec, Mapping):
            raise ModelFormatError(f"decision must be an object, not {type(spec).__name__}")
        rule = spec.get("rule")
        unknown = set(spec) - {"rule", "cut_offs", "offsets"}
        if rule not in (ARG_MAX, CUT_OFFS) or unknown:
            raise ModelFormatError(f"unknown decision rule {rule!r} or keys {sorted(unknown)}")
        cut_offs = cls._numbers(spec.get("cut_offs", {}), outputs, "cut-off")
        offsets = cls._numbers(spec.get("offsets", {}), outputs, "offset")
        if (rule == CUT_OFFS) != bool(cut_offs):
            raise ModelFormatError(f"decision rule {rule!r} does not match its cut-offs")
        if (cut_offs or any(offsets.values())) and kind != "softmax":
            raise ModelFormatError("cut-offs and offsets need a softmax model")
        for name, value in cut_offs.items():
            if not 0.0 < value <= 1.0:
                raise ModelFormatError(f"cut-off of {name!r} not in (0, 1]: {value!r}")
        if len(cut_offs) >= len(outputs):
            raise ModelFormatError("every class has a cut-off: nothing left for the arg-max")
        return cls(cut_offs=cut_offs, offsets=offsets)

    @staticmethod
    def _numbers(values: Any, outputs: Sequence[str], what: str) -> dict[str, float]:
        if not isinstance(values, Mapping):
            raise ModelFormatError(f"decision {what}s must be an object")
        out: dict[str, float] = {}
        for key, value in values.items():
            if key not in outputs:
                raise ModelFormatError(f"decision {what} for unknown class {key!r}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ModelFormatError(f"decision {what} of {key!r} is not a number")
            if not math.isfinite(value):
                raise ModelFormatError(f"decision {what} of {key!r} is not finite")
            out[str(key)] = float(value)
        return out

    def apply(self, proba: FloatArray, outputs: Sequence[str]) -> IntArray:
        """The chosen class (column index into ``outputs``) of every row of ``proba``."""

        proba = np.asarray(proba, dtype=np.float64)
        if proba.ndim != 2 or proba.shape[1] != len(outputs):
            raise ValueError(f"probabilities of shape {proba.shape} for {len(outputs)} classes")
        if self.is_arg_max:
            return np.asarray(np.argmax(proba, axis=1), dtype=np.int64)
        with np.errstate(divide="ignore"):
            score = np.log(proba)
        for name, value in self.offsets.items():
            score[:, outputs.index(name)] += value
        cut_columns = [outputs.index(name) for name in self.cut_offs]
        score[:, cut_columns] = -np.inf
        pred = np.asarray(np.argmax(score, axis=1), dtype=np.int64)
        if cut_columns:
            cuts = np.asarray(list(self.cut_offs.values()), dtype=np.float64)
            reached = proba[:, cut_columns] >= cuts
            masked = np.where(reached, proba[:, cut_columns], -1.0)
            best = np.argmax(masked, axis=1)
            hit = reached.any(axis=1)
            pred[hit] = np.asarray(cut_columns, dtype=np.int64)[best[hit]]
        return pred


def _unique_counts(keys: IntArray) -> tuple[IntArray, IntArray]:
    """``np.unique(keys, return_counts=True)``, faster on keys that are already sorted in
    runs (a batch's keys are ordered by document): a stable sort (timsort) merges the runs
    where ``np.unique``'s quicksort sorts everything again."""

    ordered = np.sort(keys, kind="stable")
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=ordered.size)
    return ordered[starts], counts


@dataclass(frozen=True, eq=False)
class LinearTextModel:
    """A linear model over TF-IDF and dense features of a text (and optionally its context).

    ``kind`` is ``binary`` (one independent sigmoid per output) or ``softmax`` (one
    probability distribution over the outputs, which are then the classes). ``context`` is
    whatever the model was trained with as the second text: the previous utterance of the
    other speaker (AnnoMI models) or the help-seeking post (EPITOME models); models without
    context blocks ignore it, and missing context counts as an empty string. A model may also
    read named extra contexts (``extra``, see :data:`EXTRA_SOURCES`), listed in
    :attr:`extra_sources`; a missing one counts as empty strings.
    """

    name: str
    version: str
    kind: Literal["binary", "softmax"]
    outputs: tuple[str, ...]
    blocks: tuple[Block, ...]
    coef: FloatArray
    intercept: FloatArray
    thresholds: Mapping[str, float]
    metadata: Mapping[str, Any]
    decision: DecisionRule = field(default_factory=DecisionRule)

    @property
    def n_features(self) -> int:
        return int(self.coef.shape[0])

    @property
    def uses_context(self) -> bool:
        """Whether the model was trained with a context text (see ``metadata["input"]``)."""

        described = self.metadata.get("input", {}).get("context")
        return described is not None or any(
            isinstance(b, TfidfBlock) and b.source == "context" for b in self.blocks
        )

    @cached_property
    def extra_sources(self) -> tuple[str, ...]:
        """The named extra contexts (``extra=``) this model reads, in block order."""

        named = [
            b.source for b in self.blocks if isinstance(b, TfidfBlock) and b.source in EXTRA_SOURCES
        ]
        return tuple(dict.fromkeys(named))

    def clear_caches(self) -> None:
        """Forget what was cached about the texts scored so far (the words' n-grams)."""

        for block in self.blocks:
            if isinstance(block, TfidfBlock):
                block.clear_cache()

    def output_index(self, output: str) -> int:
        try:
            return self.outputs.index(output)
        except ValueError:
            raise KeyError(f"model {self.name!r} has no output {output!r}") from None

    def _contexts(self, texts: Sequence[str], context: Sequence[str | None] | None) -> list[str]:
        if context is None:
            return [""] * len(texts)
        if len(context) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(context)} contexts")
        return ["" if c is None else c for c in context]

    def _sources(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None,
        extra: Mapping[str, Sequence[str | None]] | None,
    ) -> dict[str, Sequence[str]]:
        """The texts each block reads, by source name."""

        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        sources: dict[str, Sequence[str]] = {
            "text": texts,
            "context": self._contexts(texts, context),
        }
        for name in self.extra_sources:
            sources[name] = self._contexts(texts, (extra or {}).get(name))
        return sources

    def features(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None = None,
        extra: Mapping[str, Sequence[str | None]] | None = None,
    ) -> FeatureMatrix:
        """The feature matrix (all blocks side by side) that the weights multiply."""

        sources = self._sources(texts, context, extra)
        contexts = sources["context"]
        parts: list[tuple[IntArray, IntArray, FloatArray]]
        if len(texts) <= _FUSED_MAX_DOCS:
            parts = [self._tfidf(sources, len(texts))]
        else:
            parts = [
                block.transform(sources[block.source])
                for block in self.blocks
                if isinstance(block, TfidfBlock)
            ]
        for block in self.blocks:
            if isinstance(block, DenseBlock):
                parts.append(block.transform(texts, contexts))
        rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        cols = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        values = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.float64)
        if len(texts) <= 1 or len(parts) == 1:  # already sorted by row
            return FeatureMatrix(len(texts), self.n_features, rows, cols, values)
        # Each part's entries are sorted by row, then column, and the parts' columns follow
        # one another except the dense blocks', which come last: a stable sort by row alone
        # puts, within a row, the TF-IDF entries (by column) before the dense ones, in the
        # same order as for one text alone (so a batch scores each text as if alone).
        order = np.argsort(rows, kind="stable")
        return FeatureMatrix(len(texts), self.n_features, rows[order], cols[order], values[order])

    @cached_property
    def _tfidf_layout(self) -> tuple[tuple[TfidfBlock, ...], FloatArray, IntArray, FloatArray]:
        """The TF-IDF blocks; the IDF of every model column (0 for dense ones); the index
        (among the TF-IDF blocks) of the block owning each column; each block's weight."""

        tfidf = tuple(b for b in self.blocks if isinstance(b, TfidfBlock))
        idf = np.zeros(self.n_features, dtype=np.float64)
        owner = np.zeros(self.n_features, dtype=np.int64)
        for k, block in enumerate(tfidf):
            idf[block.offset : block.offset + block.n_features] = block.idf
            owner[block.offset : block.offset + block.n_features] = k
        weights = np.asarray([b.weight for b in tfidf], dtype=np.float64)
        return tfidf, idf, owner, weights

    @cached_property
    def _tfidf_offsets(self) -> IntArray:
        """The first model column of each TF-IDF block."""

        return np.asarray(
            [b.offset for b in self.blocks if isinstance(b, TfidfBlock)], dtype=np.int64
        )

    def _tfidf(
        self, sources: Mapping[str, Sequence[str]], n_docs: int
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """(row, column, value) of every TF-IDF block at once, sorted by row then column.

        The same arithmetic as :meth:`TfidfBlock.transform` block by block (so the values
        are bit for bit the same), but one pass of numpy calls for all blocks: a turn costs
        one set of array operations, not one per block.
        """

        tfidf, idf, owner, weights = self._tfidf_layout
        n_blocks = len(tfidf)
        lengths: list[int] = []
        ids: list[int] = []
        docs = [sources[block.source] for block in tfidf]
        term_ids = [block.term_ids for block in tfidf]
        for d in range(n_docs):  # doc by doc, block by block: the order of ``lengths``
            for k in range(n_blocks):
                found = term_ids[k](docs[k][d])
                lengths.append(len(found))
                ids.extend(found)
        if not ids:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0, dtype=np.float64)
        n_cols = self.n_features
        counts_of = np.asarray(lengths, dtype=np.int64)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64).repeat(n_blocks), counts_of)
        offsets = np.repeat(np.tile(self._tfidf_offsets, n_docs), counts_of)
        keys = doc_of * n_cols + (np.asarray(ids, dtype=np.int64) + offsets)
        unique, counts = _unique_counts(keys)
        rows = unique // n_cols
        cols = unique % n_cols
        blocks = owner[cols]
        tf = counts.astype(np.float64)
        if all(b.sublinear_tf for b in tfidf):
            tf = np.log(tf) + 1.0
        elif any(b.sublinear_tf for b in tfidf):
            sublinear = np.asarray([b.sublinear_tf for b in tfidf])[blocks]
            tf = np.where(sublinear, np.log(tf) + 1.0, tf)
        values = tf * idf[cols]
        row_block = rows * n_blocks + blocks
        norms = np.sqrt(
            np.bincount(row_block, weights=values * values, minlength=n_docs * n_blocks)
        )
        norms[norms == 0.0] = 1.0
        values = values / norms[row_block]
        if np.any(weights != 1.0):
            values = values * weights[blocks]
        return rows, cols, values

    def decision_function(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None = None,
        outputs: Sequence[str] | None = None,
        extra: Mapping[str, Sequence[str | None]] | None = None,
    ) -> FloatArray:
        """Linear scores, shape ``(len(texts), len(outputs))``; ``outputs`` (by default all
        of the model's) names the columns, in order; ``extra`` holds the named extra
        contexts the model reads (:attr:`extra_sources`), one string or ``None`` per text."""

        wanted = (
            list(range(len(self.outputs)))
            if outputs is None
            else [self.output_index(o) for o in outputs]
        )
        if len(texts) > _FUSED_MAX_DOCS:
            scores = self._batch_scores(texts, context, extra, wanted)
        else:
            matrix = self.features(texts, context, extra)
            n = matrix.n_rows
            scores = np.empty((n, len(wanted)), dtype=np.float64)
            if matrix.values.size:
                for k, j in enumerate(wanted):
                    contributions = self.coef[:, j][matrix.cols] * matrix.values
                    scores[:, k] = np.bincount(matrix.rows, weights=contributions, minlength=n)
            else:
                scores[:] = 0.0
        scores += self.intercept[wanted]
        return scores

    def _batch_scores(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None,
        extra: Mapping[str, Sequence[str | None]] | None,
        wanted: list[int],
    ) -> FloatArray:
        """The linear scores (without the intercept) of ``features`` times the weights,
        summed in the same order — so to the same bits — without building the matrix: each
        row's TF-IDF entries in column order (``bincount`` adds a row's entries in the order
        they come, and the blocks' entries come block after block), then its dense features
        one by one."""

        sources = self._sources(texts, context, extra)
        n = len(texts)
        parts = [
            block.transform(sources[block.source])
            for block in self.blocks
            if isinstance(block, TfidfBlock)
        ]
        rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        cols = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        values = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.float64)
        scores = np.empty((n, len(wanted)), dtype=np.float64)
        for k, j in enumerate(wanted):
            contributions = self.coef[:, j][cols] * values
            scores[:, k] = np.bincount(rows, weights=contributions, minlength=n)
        for block in self.blocks:
            if isinstance(block, DenseBlock):
                dense = block.values(texts, sources["context"])
                for f in range(block.n_features):
                    weights = self.coef[block.offset + f, wanted]
                    for k in range(len(wanted)):
                        scores[:, k] += weights[k] * dense[:, f]
        return scores

    def predict_proba(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None = None,
        outputs: Sequence[str] | None = None,
        extra: Mapping[str, Sequence[str | None]] | None = None,
    ) -> FloatArray:
        """Probabilities, shape ``(len(texts), len(outputs))``, every value in [0, 1];
        ``outputs`` (by default all of the model's) names the columns, in order; ``extra``
        as in :meth:`decision_function`."""

        if outputs is not None and self.kind == "softmax":
            every = self.predict_proba(texts, context, extra=extra)
            return np.asarray(every[:, [self.output_index(o) for o in outputs]])
        scores = self.decision_function(texts, context, outputs, extra)
        if self.kind == "softmax":
            scores = scores - scores.max(axis=1, keepdims=True)
            exp = np.exp(scores)
            return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)
        return np.asarray(0.5 * (1.0 + np.tanh(0.5 * scores)), dtype=np.float64)

    def predict(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None = None,
        extra: Mapping[str, Sequence[str | None]] | None = None,
    ) -> IntArray:
        """A softmax model's class of every text (index into :attr:`outputs`), by the
        model's :attr:`decision` rule (the arg-max unless the model file gives one)."""

        if self.kind != "softmax":
            raise TypeError(f"model {self.name!r} is {self.kind}: use flags() instead")
        return self.decide(self.predict_proba(texts, context, extra=extra))

    def decide(self, proba: FloatArray) -> IntArray:
        """The class of every row of this model's probabilities (``predict_proba`` with
        all outputs), by the model's decision rule."""

        return self.decision.apply(proba, self.outputs)

    def flags(
        self,
        texts: Sequence[str],
        context: Sequence[str | None] | None = None,
        extra: Mapping[str, Sequence[str | None]] | None = None,
    ) -> dict[str, NDArray[np.bool_]]:
        """For each output that has a decision threshold: probability >= threshold."""

        proba = self.predict_proba(texts, context, extra=extra)
        return {
            name: proba[:, self.output_index(name)] >= threshold
            for name, threshold in self.thresholds.items()
        }


# ---------------------------------------------------------------------------------------
# reading and writing


def _encode_vocabulary(terms: Sequence[str]) -> NDArray[np.uint8]:
    for term in terms:
        if "\n" in term:
            raise ModelFormatError(f"vocabulary term contains a newline: {term!r}")
    data = "\n".join(terms).encode("utf-8")
    return np.frombuffer(data, dtype=np.uint8).copy()


def _decode_vocabulary(data: NDArray[np.uint8], expected: int) -> dict[str, int]:
    text = data.tobytes().decode("utf-8")
    terms = text.split("\n") if expected else []
    if len(terms) != expected:
        raise ModelFormatError(f"vocabulary has {len(terms)} terms, expected {expected}")
    vocabulary = {term: i for i, term in enumerate(terms)}
    if len(vocabulary) != expected:
        raise ModelFormatError("vocabulary has duplicate terms")
    return vocabulary


def arrays_digest(arrays: Mapping[str, NDArray[Any]]) -> str:
    """sha256 over the names, dtypes, shapes and bytes of ``arrays`` (in name order)."""

    digest = hashlib.sha256()
    for key in sorted(arrays):
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}|{array.dtype.str}|{array.shape}\n".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _write_npz(path: Path, arrays: Mapping[str, NDArray[Any]]) -> None:
    """A deterministic ``.npz`` (fixed timestamps, sorted names) that ``np.load`` reads."""

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def save_model(
    directory: Path, meta: Mapping[str, Any], arrays: Mapping[str, NDArray[Any]]
) -> tuple[Path, Path]:
    """Write ``NAME.json`` and ``NAME.npz`` into ``directory``; returns both paths.

    ``meta`` must already describe the blocks (see :func:`model_from_parts`); this adds the
    format tag and the digest of the arrays.
    """

    name = str(meta["name"])
    if not _NAME.match(name):
        raise ModelFormatError(f"invalid model name {name!r}")
    document = dict(meta)
    document["format"] = FORMAT
    document["format_version"] = FORMAT_VERSION
    document["arrays"] = f"{name}.npz"
    document["arrays_sha256"] = arrays_digest(arrays)
    model_from_parts(document, arrays)  # validate before writing
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{name}.json"
    npz_path = directory / f"{name}.npz"
    _write_npz(npz_path, arrays)
    json_path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", "utf-8")
    return json_path, npz_path


def _require(meta: Mapping[str, Any], key: str) -> Any:
    if key not in meta:
        raise ModelFormatError(f"model metadata has no {key!r}")
    return meta[key]


def _array(arrays: Mapping[str, NDArray[Any]], key: str) -> NDArray[Any]:
    if key not in arrays:
        raise ModelFormatError(f"model arrays have no {key!r}")
    return arrays[key]


def model_from_parts(
    meta: Mapping[str, Any], arrays: Mapping[str, NDArray[Any]]
) -> LinearTextModel:
    """Build a model from its metadata and arrays, checking that they agree."""

    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"not a {FORMAT} v{FORMAT_VERSION} file "
            f"(format={meta.get('format')!r}, version={meta.get('format_version')!r})"
        )
    kind = _require(meta, "kind")
    if kind not in ("binary", "softmax"):
        raise ModelFormatError(f"unknown model kind {kind!r}")
    outputs = tuple(str(o) for o in _require(meta, "outputs"))
    blocks: list[Block] = []
    offset = 0
    for spec in _require(meta, "blocks"):
        block_type = _require(spec, "type")
        block_name = str(_require(spec, "name"))
        weight = float(spec.get("weight", 1.0))
        if block_type == "tfidf":
            analyzer = str(_require(spec, "analyzer"))
            if analyzer not in ("word", "char_wb") and analyzer not in ANALYZERS:
                raise ModelFormatError(f"unknown analyzer {analyzer!r}")
            source = _require(spec, "source")
            if source not in SOURCES:
                raise ModelFormatError(f"unknown block source {source!r}")
            n = int(_require(spec, "n_features"))
            idf = np.asarray(_array(arrays, f"idf.{block_name}"), dtype=np.float64)
            if idf.shape != (n,):
                raise ModelFormatError(f"block {block_name!r}: idf shape {idf.shape} != ({n},)")
            vocabulary = _decode_vocabulary(_array(arrays, f"vocab.{block_name}"), n)
            lo, hi = (int(x) for x in _require(spec, "ngram_range"))
            blocks.append(
                TfidfBlock(
                    name=block_name,
                    source=source,
                    analyzer=analyzer,
                    ngram_range=(lo, hi),
                    sublinear_tf=bool(_require(spec, "sublinear_tf")),
                    weight=weight,
                    vocabulary=vocabulary,
                    idf=idf,
                    offset=offset,
                )
            )
            offset += n
        elif block_type == "dense":
            set_name = str(_require(spec, "feature_set"))
            if set_name not in FEATURE_SETS:
                raise ModelFormatError(f"unknown feature set {set_name!r}")
            feature_set = FEATURE_SETS[set_name]
            names = tuple(str(x) for x in _require(spec, "features"))
            if names != feature_set.names:
                raise ModelFormatError(
                    f"feature set {set_name!r} differs from the one the model was trained with"
                )
            mean = np.asarray(_require(spec, "mean"), dtype=np.float64)
            scale = np.asarray(_require(spec, "scale"), dtype=np.float64)
            if mean.shape != (len(names),) or scale.shape != (len(names),):
                raise ModelFormatError(f"block {block_name!r}: mean/scale length mismatch")
            if np.any(scale <= 0) or not np.all(np.isfinite(scale)):
                raise ModelFormatError(f"block {block_name!r}: scale must be positive")
            blocks.append(DenseBlock(block_name, feature_set, mean, scale, weight, offset))
            offset += len(names)
        else:
            raise ModelFormatError(f"unknown block type {block_type!r}")
    coef = np.asarray(_array(arrays, "coef"), dtype=np.float64)
    intercept = np.asarray(_array(arrays, "intercept"), dtype=np.float64)
    if coef.shape != (offset, len(outputs)):
        raise ModelFormatError(f"coef shape {coef.shape} != ({offset}, {len(outputs)})")
    if intercept.shape != (len(outputs),):
        raise ModelFormatError(f"intercept shape {intercept.shape} != ({len(outputs)},)")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ModelFormatError("weights are not all finite")
    thresholds = {str(k): float(v) for k, v in dict(meta.get("thresholds", {})).items()}
    for key, value in thresholds.items():
        if key not in outputs or not (0.0 <= value <= 1.0) or math.isnan(value):
            raise ModelFormatError(f"invalid threshold {key!r}: {value!r}")
    decision = DecisionRule.from_json(meta.get("decision"), outputs, kind)
    return LinearTextModel(
        name=str(_require(meta, "name")),
        version=str(_require(meta, "version")),
        kind=kind,
        outputs=outputs,
        blocks=tuple(blocks),
        coef=coef,
        intercept=intercept,
        thresholds=thresholds,
        metadata=dict(meta),
        decision=decision,
    )


def _read_npz(data: bytes) -> dict[str, NDArray[Any]]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _check_digest(meta: Mapping[str, Any], arrays: Mapping[str, NDArray[Any]]) -> None:
    expected = meta.get("arrays_sha256")
    if expected is not None and arrays_digest(arrays) != expected:
        raise ModelFormatError(f"model {meta.get('name')!r}: arrays do not match their digest")


def load_model_file(json_path: Path) -> LinearTextModel:
    """Load a model from a JSON file and the ``.npz`` it names, beside it (not cached)."""

    meta = json.loads(json_path.read_text("utf-8"))
    arrays_name = str(_require(meta, "arrays"))
    if Path(arrays_name).name != arrays_name:
        raise ModelFormatError(f"arrays file must sit beside the model: {arrays_name!r}")
    arrays = _read_npz((json_path.parent / arrays_name).read_bytes())
    _check_digest(meta, arrays)
    return model_from_parts(meta, arrays)


def available_models() -> list[str]:
    """Names of the models shipped with this package."""

    root = resources.files(MODELS_PACKAGE)
    return sorted(
        entry.name[: -len(".json")]
        for entry in root.iterdir()
        if entry.name.endswith(".json") and _NAME.match(entry.name[: -len(".json")])
    )


_LOADED: list[LinearTextModel] = []
"""Every model ``load_model`` has loaded (for ``clear_caches``)."""


def clear_caches() -> None:
    """Forget what every loaded model cached about the texts it scored: the next analysis
    reads its texts from scratch, as in a new process (for benchmarks)."""

    for model in _LOADED:
        model.clear_caches()


@cache
def load_model(name: str) -> LinearTextModel:
    """The shipped model ``name`` (for example ``"ucc"``), loaded once and cached."""

    if not _NAME.match(name):
        raise ModelNotFoundError(f"no model named {name!r}")
    root = resources.files(MODELS_PACKAGE)
    meta_file = root.joinpath(f"{name}.json")
    if not meta_file.is_file():
        raise ModelNotFoundError(
            f"no model named {name!r} (shipped: {', '.join(available_models()) or 'none'})"
        )
    meta = json.loads(meta_file.read_text("utf-8"))
    arrays_name = str(_require(meta, "arrays"))
    if Path(arrays_name).name != arrays_name:
        raise ModelFormatError(f"arrays file must sit beside the model: {arrays_name!r}")
    arrays = _read_npz(root.joinpath(arrays_name).read_bytes())
    _check_digest(meta, arrays)
    model = model_from_parts(meta, arrays)
    _LOADED.append(model)
    return model
