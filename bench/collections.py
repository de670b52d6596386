"""Cyclic garbage collections around ``load``: how many run inside the timed span of a
``bench/ingest.py``-style loop, and how long each takes.

    python bench/collections.py [--messages 100000] [--runs 4]

``load`` pauses the collector while it parses. When it comes back on, one young-generation
collection walks every object the parse made (messages, locations, turns, tuples): this
script shows whether that collection falls inside the timed call (it does since
2026-11-22; before, it fell after ``load`` returned and the bench never counted it) and
what it costs. Prints JSON: per run, the time of ``load``, the collections that ran inside
it and those that ran after it returned, before the next run (generation, seconds).
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest import whatsapp_export  # bench/ingest.py, beside this script
from reattune.ingest import ParseOptions, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    events: list[tuple[int, float]] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            events.append((int(info["generation"]), time.perf_counter() - started.pop()))

    with tempfile.TemporaryDirectory() as tmp:
        chat = Path(tmp) / "WhatsApp Chat with Maya.txt"
        whatsapp_export(chat, args.messages)
        options = ParseOptions()
        result = load(chat, options)  # imports and caches warmed, as in the bench
        gc.callbacks.append(watch)
        runs: list[dict[str, Any]] = []
        inside = 0
        try:
            for _ in range(args.runs + 1):
                # what ran after the previous call returned (nothing is allocated between the
                # clock stopping and this point but the numbers: no collection is triggered
                # by this script itself before ``len(events)`` is read)
                if runs:
                    runs[-1]["collections_after"] = pairs(events[inside:])
                if len(runs) == args.runs:
                    break
                result = None  # the bench frees the previous result before the clock starts
                events.clear()
                start = time.process_time()
                result = load(chat, options)
                seconds = time.process_time() - start
                inside = len(events)  # an int: reading it allocates nothing the collector sees
                runs.append(
                    {
                        "load_seconds": round(seconds, 4),
                        "collections_inside": pairs(events[:inside]),
                    }
                )
        finally:
            gc.callbacks.remove(watch)
        del result
    print(json.dumps({"messages": args.messages, "runs": runs}, indent=2))


def pairs(found: list[tuple[int, float]]) -> list[dict[str, float]]:
    return [{"generation": g, "seconds": round(s, 4)} for g, s in found]


if __name__ == "__main__":
    main()
