"""Safety-screen speed: check 500-character messages (calm, heated, at-risk, violent — varied
so that no cache flatters the result) with the whole gate (crisis and partner-violence
detectors, context rules, resources) and, in the same run, score the same texts with VADER
(one valence score per text), the named baseline.

    python bench/safety.py [--messages 2000] [--repeat 3]

Prints JSON: mean, p50 and p99 milliseconds per message for the gate, the mean for VADER,
and their ratio (VADER time / gate time). Target: under 2 ms per 500-character message.
``history_ms_per_message``: the history screen (``safety.check_history``, every message as
the gate reads it plus the risk-indicator lexicon and the weighing) over the same texts in
histories of 20, per message — it runs on a person's history, not on each message.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from typing import Any

from reattune import safety

PIECES = (
    "can you pick up the kids at five, I'm stuck at work and the car is making that noise again",
    "why do you always do this, you never listen to me and I'm sick of talking to a wall",
    "I need a break, I'm flooded. Can we pick this up at nine? I promise I'll come back",
    "honestly I don't see the point anymore, everyone would be better off without me",
    "he grabbed my phone and read all my messages again, he says I can't see my sister",
    "I love you, I'm sorry I snapped earlier, can we start over tonight",
    "she threw a glass at the wall and told me I'd regret it if I ever left",
    "idk, wtv, fine. do what you want, I'm going to bed",
    "I've been thinking about ending it, I have the pills in the drawer",
    "my therapist said we should name the loop when we're in it, that felt good",
    "we laughed about the movie, the villain was so over the top lol",
    "he pinned me against the door by my throat and I couldn't breathe",
)


def message(rng: random.Random, length: int = 500) -> str:
    parts: list[str] = []
    while sum(len(p) + 2 for p in parts) < length:
        piece = rng.choice(PIECES)
        words = piece.split()
        head = words[: len(words) // 3]
        rng.shuffle(head)
        parts.append(" ".join(head + words[len(head) :]) + rng.choice([".", "!", "?", "..", ""]))
    return ". ".join(parts)[:length]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(11)
    texts = [message(rng) + f" #{i}" for i in range(args.messages)]
    safety.check(texts[0])  # load the lexicons once, outside the timing
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    per_message: list[float] = []
    best_total = float("inf")
    best_vader = float("inf")
    positives = 0
    for _ in range(args.repeat):
        times = []
        start = time.perf_counter()
        positives = 0
        for text in texts:
            t0 = time.perf_counter()
            positives += safety.check(text).positive
            times.append(time.perf_counter() - t0)
        total = time.perf_counter() - start
        if total < best_total:
            best_total, per_message = total, times
        start = time.perf_counter()
        for text in texts:
            vader.polarity_scores(text)
        best_vader = min(best_vader, time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, len(texts), 20):
        safety.check_history(texts[i : i + 20])
    history_ms = (time.perf_counter() - start) * 1000 / len(texts)
    per_message.sort()
    ms = [t * 1000 for t in per_message]
    out: dict[str, Any] = {
        "messages": len(texts),
        "chars_per_message": round(statistics.mean(len(t) for t in texts)),
        "flagged": positives,
        "gate_ms_mean": round(statistics.mean(ms), 3),
        "gate_ms_p50": round(ms[len(ms) // 2], 3),
        "gate_ms_p99": round(ms[int(len(ms) * 0.99)], 3),
        "vader_ms_mean": round(best_vader * 1000 / len(texts), 3),
        "ratio_vader_to_gate": round(best_vader / best_total, 3),
        "history_ms_per_message": round(history_ms, 3),
        "target_ms": 2.0,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
