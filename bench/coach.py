"""Draft review speed: ``coach.review`` (engine coding, findings, the deterministic rewriter
with every candidate re-scored by the engine, and the safety gate on the draft and on each
rewrite) on 500-character drafts built from the written draft corpus.

    python bench/coach.py [--drafts 400] [--seed 7] [--alternatives 3]

Prints JSON: p50, p90, p99 and max latency in milliseconds — wall-clock, and the CPU time of
this process (the honest figure on a shared, loaded machine) — against the target p99 < 10 ms,
with the load average at the start, and how many drafts had findings and rewrites. Every
draft is distinct and the coding cache is cleared before each call, so no result is served
from memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

from reattune.coach import Feedback, review
from reattune.coach.data import draft_corpus
from reattune.coach.draft import _code

LENGTH = 500


def drafts(n: int, seed: int) -> list[str]:
    """``n`` distinct drafts of exactly ``LENGTH`` characters: corpus drafts in a shuffled
    order, joined with spaces, cut at the length."""
    rng = random.Random(seed)
    corpus = list(draft_corpus())
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        rng.shuffle(corpus)
        text = ""
        for d in corpus:
            text += (" " if text else "") + d
            if len(text) >= LENGTH:
                break
        text = text[:LENGTH]
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--alternatives", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    warm = drafts(20, args.seed + 1)
    for d in warm:  # load lexicons, rules and the learned model once
        review(d)
    timings: list[float] = []
    cpu: list[float] = []
    with_findings = with_rewrites = 0
    for d in drafts(args.drafts, args.seed):
        _code.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = review(d, alternatives=args.alternatives)
        cpu.append((time.process_time() - start_cpu) * 1000)
        timings.append((time.perf_counter() - start) * 1000)
        if isinstance(result, Feedback):
            with_findings += bool(result.findings)
            with_rewrites += bool(result.rewrites)
    print(
        json.dumps(
            {
                "drafts": len(timings),
                "chars": LENGTH,
                "alternatives": args.alternatives,
                "load_average": None if load is None else round(load, 2),
                "wall_p50_ms": round(statistics.median(timings), 2),
                "wall_p90_ms": round(percentile(timings, 90), 2),
                "wall_p99_ms": round(percentile(timings, 99), 2),
                "wall_max_ms": round(max(timings), 2),
                "cpu_p50_ms": round(statistics.median(cpu), 2),
                "cpu_p90_ms": round(percentile(cpu, 90), 2),
                "cpu_p99_ms": round(percentile(cpu, 99), 2),
                "target_p99_ms": 10,
                "drafts_with_findings": with_findings,
                "drafts_with_rewrites": with_rewrites,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
