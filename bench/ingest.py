"""Ingest speed: parse a generated 100,000-message WhatsApp export and a 2-hour WebVTT
transcript, and compare each parse with the floor measured in the same run — reading the
file, ``splitlines()`` and one compiled regex ``match`` per line.

    python bench/ingest.py [--messages 100000] [--hours 2] [--repeat 5] [--min-seconds 1]
                           [--cpu]

Prints one JSON object: for each input, messages per second and ``ratio_to_floor``
(parse time / floor time, best of the runs each). Target: ratio ≤ 5.

Each time is measured over at least ``--repeat`` runs and at least ``--min-seconds`` of
runs (so the 2-hour transcript, parsed in milliseconds, gets many runs: one preempted run on
a busy machine does not decide its figure); ``ratio_median`` is the ratio of the median
times, for the spread. ``--cpu`` times with the process's CPU clock instead of the wall
clock (time the machine spent on other processes is not counted).

``load`` pauses the cyclic garbage collector while it parses; the one young-generation
collection that follows over the new objects (about 0.1 s for 100,000 messages: 400,000
messages, locations, turns and tuples) runs inside ``load`` and is counted here. Until
2026-11-22 (session 6) it ran just after ``load`` returned, at the caller's next allocation,
outside the timed span: earlier WhatsApp figures are about 0.1 s (1.5 floors) too low.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reattune.ingest import ParseOptions, load

WORDS = (
    "why are you not answering me I just need to know where we stand okay fine whatever "
    "later tired can we talk please I feel alone when you go quiet sorry love you home soon"
).split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 18)))


def whatsapp_export(path: Path, messages: int, seed: int = 7) -> None:
    """An Android export (24 h, day-first) with multi-line messages, media and notices."""
    rng = random.Random(seed)
    t = datetime(2023, 1, 14, 8, 0)
    lines = [
        f"{t:%d/%m/%Y, %H:%M} - Messages and calls are end-to-end encrypted. No one outside "
        "of this chat, not even WhatsApp, can read or listen to them. Tap to learn more."
    ]
    for _ in range(messages - 1):
        t += timedelta(seconds=rng.choice((5, 20, 60, 300, 3600)))
        who = rng.choice(("Maya", "Daniel Okafor"))
        roll = rng.random()
        if roll < 0.03:
            body = "<Media omitted>"
        elif roll < 0.10:
            body = _sentence(rng) + "\n" + _sentence(rng)
        else:
            body = _sentence(rng)
        lines.append(f"{t:%d/%m/%Y, %H:%M} - {who}: {body}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _vtt_time(seconds: float) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def vtt_transcript(path: Path, hours: float, seed: int = 11) -> int:
    """A Zoom-style WebVTT session: numbered cues with ``Name: text``."""
    rng = random.Random(seed)
    out = ["WEBVTT", ""]
    t, n = 0.0, 0
    speakers = ("Dr. Lena Ortiz", "Maya", "Daniel Okafor")
    while t < hours * 3600:
        n += 1
        length = rng.uniform(1.5, 8.0)
        out += [
            str(n),
            f"{_vtt_time(t)} --> {_vtt_time(t + length)}",
            f"{rng.choice(speakers)}: {_sentence(rng)}",
            "",
        ]
        t += length + rng.uniform(0.1, 3.0)
    path.write_text("\n".join(out), encoding="utf-8")
    return n


FLOOR_PATTERNS = {
    # a WhatsApp Android message header: date, time, sender
    "whatsapp": re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4}), (\d{1,2}):(\d{2}) - ([^:]+): "),
    # a WebVTT cue timing line: start and end
    "webvtt": re.compile(
        r"^(?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3}) --> (?:(\d{2,}):)?(\d{2}):(\d{2})\.(\d{3})"
    ),
}
"""The floor's one regex per line: the line shape that carries each format's messages."""


def floor(path: Path, pattern: re.Pattern[str]) -> int:
    """The floor: read, split into lines, one compiled regex match per line."""
    hits = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if pattern.match(line):
            hits += 1
    return hits


MAX_RUNS = 500
"""At most this many runs per measurement, whatever ``--min-seconds`` asks."""


def timed_runs(
    fn: Callable[[], Any], repeat: int, min_seconds: float, clock: Callable[[], float]
) -> tuple[list[float], Any]:
    """The times of at least ``repeat`` runs of ``fn`` and at least ``min_seconds`` of runs
    (at most ``MAX_RUNS``), and the last run's result."""
    times: list[float] = []
    result = None
    while len(times) < repeat or (sum(times) < min_seconds and len(times) < MAX_RUNS):
        # Free the previous run's result before the clock starts: rebinding ``result`` to the
        # new one would free it inside the timed span, counting the deallocation of 100,000
        # messages and their turns as parse time.
        result = None
        start = clock()
        result = fn()
        times.append(clock() - start)
    return times, result


def measure(
    path: Path,
    fmt: str,
    options: ParseOptions,
    repeat: int,
    min_seconds: float,
    clock: Callable[[], float],
) -> dict[str, Any]:
    pattern = FLOOR_PATTERNS[fmt]
    floor_times, hits = timed_runs(lambda: floor(path, pattern), repeat, min_seconds, clock)
    parse_times, conv = timed_runs(lambda: load(path, options), repeat, min_seconds, clock)
    n = len(conv.messages)
    assert hits, "the floor's pattern must match the file's message lines"
    floor_s, parse_s = min(floor_times), min(parse_times)
    return {
        "messages": n,
        "turns": len(conv.turns),
        "bytes": path.stat().st_size,
        "parse_seconds": round(parse_s, 4),
        "floor_seconds": round(floor_s, 4),
        "messages_per_second": round(n / parse_s),
        "ratio_to_floor": round(parse_s / floor_s, 2),
        "runs": {"floor": len(floor_times), "parse": len(parse_times)},
        "ratio_median": round(statistics.median(parse_times) / statistics.median(floor_times), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=5, help="at least this many runs")
    parser.add_argument(
        "--min-seconds", type=float, default=1.0, help="and at least this long a series"
    )
    parser.add_argument("--cpu", action="store_true", help="time with the process CPU clock")
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    runs = (args.repeat, args.min_seconds, clock)
    with tempfile.TemporaryDirectory() as tmp:
        chat = Path(tmp) / "WhatsApp Chat with Maya.txt"
        whatsapp_export(chat, args.messages)
        vtt = Path(tmp) / "session.vtt"
        vtt_transcript(vtt, args.hours)
        therapist = ParseOptions(therapists=("Dr. Lena Ortiz",))
        report = {
            "benchmark": "ingest",
            "baseline": "floor = read file + splitlines() + one compiled regex match per line "
            "(the format's message line: WhatsApp header, WebVTT cue timing)",
            "target_ratio": 5.0,
            "clock": "cpu" if args.cpu else "wall",
            "whatsapp": measure(chat, "whatsapp", ParseOptions(), *runs),
            "webvtt": measure(vtt, "webvtt", therapist, *runs),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
