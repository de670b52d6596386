"""Engine speed: analyse a 700-turn session and a 20,000-message chat (every code, episode and
metric) and, in the same run, score the same turns with VADER (one valence score per turn),
the named baseline.

    python bench/engine.py [--repeat 3] [--cpu]

Prints JSON: turns per second for reattune and for VADER, their ratio (target ≥ 1.0: the
whole analysis at least as fast as VADER alone), and the time for a one-hour session
(target < 100 ms). ``models_share`` is the part of the analysis time that the learned models
take: one minus the time with ``use_models=False`` over the time with them. ``--cpu`` times
both sides in process CPU time instead of wall-clock time: steadier on a shared machine,
where other jobs stretch the wall clock (a one-process, one-thread benchmark spends its wall
time on the CPU when the machine is quiet, so the two agree there).

Every run does the whole work: the caches of text readings that outlive an ``analyze`` call
(the models' n-grams per word, the tokens of short texts) are cleared before each run, outside
the timing (``clear_text_caches``) — a user analyses a conversation once, so a best-of
loop must not reuse what the previous run read.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import corpus  # bench/corpus.py, beside this script
from reattune import analyze
from reattune.analysis import clear_text_caches
from reattune.model import Conversation
from reattune.settings import AnalysisSettings

Clock = Callable[[], float]


def best_of(
    repeat: int,
    fn: Callable[[], Any],
    clock: Clock = time.perf_counter,
    setup: Callable[[], None] = clear_text_caches,
) -> float:
    """The fastest of ``repeat`` runs of ``fn``, each after ``setup`` (not timed)."""
    best = float("inf")
    for _ in range(repeat):
        setup()
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def measure(conversation: Conversation, repeat: int, clock: Clock) -> dict[str, Any]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    texts = [t.text for t in conversation.turns]
    ours = best_of(repeat, lambda: analyze(conversation), clock)
    theirs = best_of(repeat, lambda: [vader.polarity_scores(t)["compound"] for t in texts], clock)
    rules = AnalysisSettings(use_models=False)
    without_models = best_of(repeat, lambda: analyze(conversation, rules), clock)
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
    parser.add_argument("--cpu", action="store_true", help="time in process CPU time")
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    session = corpus.session(700)
    # a one-hour session: as many turns as fit in 3,600 s of the generator's pacing
    per_turn = (session.turns[-1].end or 1.0) / len(session.turns)
    hour = corpus.session(int(3600 / per_turn))
    report = {
        "benchmark": "engine",
        "baseline": "vaderSentiment polarity_scores, one call per turn",
        "target_ratio": 1.0,
        "clock": "process CPU time" if args.cpu else "wall clock",
        "session_700_turns": measure(session, args.repeat, clock),
        "chat_20000_messages": measure(corpus.chat(20_000), args.repeat, clock),
        "one_hour_session": {
            "turns": len(hour.turns),
            "seconds": round(best_of(args.repeat, lambda: analyze(hour), clock), 4),
            "target_seconds": 0.1,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
