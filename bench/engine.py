"""Engine speed: analyse a 700-turn session and a 20,000-message chat (every code, episode and
metric) and, in the same run, score the same turns with VADER (one valence score per turn),
the named baseline.

    python bench/engine.py [--repeat 3]

Prints JSON: turns per second for reattune and for VADER, their ratio (target ≥ 1.0: the
whole analysis at least as fast as VADER alone), and the time for a one-hour session
(target < 100 ms). ``models_share`` is the part of the analysis time that the learned models
take: one minus the time with ``use_models=False`` over the time with them.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import corpus  # bench/corpus.py, beside this script
from reattune import analyze
from reattune.model import Conversation
from reattune.settings import AnalysisSettings


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure(conversation: Conversation, repeat: int) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    texts = [t.text for t in conversation.turns]
    ours = best_of(repeat, lambda: analyze(conversation))
    theirs = best_of(repeat, lambda: [vader.polarity_scores(t)["compound"] for t in texts])
    rules = AnalysisSettings(use_models=False)
    without_models = best_of(repeat, lambda: analyze(conversation, rules))
    n = len(texts)
    return {
        "turns": n,
        "messages": len(conversation.messages),
        "reattune_seconds": round(ours, 4),
        "vader_seconds": round(theirs, 4),
        "reattune_turns_per_second": round(n / ours),
        "vader_turns_per_second": round(n / theirs),
        "ratio": round(theirs / ours, 3),
        "reattune_seconds_without_models": round(without_models, 4),
        "models_share": round(max(0.0, 1.0 - without_models / ours), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    session = corpus.session(700)
    # a one-hour session: as many turns as fit in 3,600 s of the generator's pacing
    per_turn = (session.turns[-1].end or 1.0) / len(session.turns)
    hour = corpus.session(int(3600 / per_turn))
    report = {
        "benchmark": "engine",
        "baseline": "vaderSentiment polarity_scores, one call per turn",
        "target_ratio": 1.0,
        "session_700_turns": measure(session, args.repeat),
        "chat_20000_messages": measure(corpus.chat(20_000), args.repeat),
        "one_hour_session": {
            "turns": len(hour.turns),
            "seconds": round(best_of(args.repeat, lambda: analyze(hour)), 4),
            "target_seconds": 0.1,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
