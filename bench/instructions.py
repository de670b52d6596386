"""Instruction counts (valgrind's callgrind) of the engine against VADER and of the WhatsApp
parser against its floor: the same comparisons as ``bench/engine.py`` and
``bench/ingest.py``, counted in CPU instructions, which do not move with the machine's load.

    python bench/instructions.py engine [--messages 2000]
    python bench/instructions.py ingest [--messages 100000]

Prints JSON with the instructions of each side (millions) and their ratio. Each figure is
the difference of two valgrind runs of a child process that differ only in the work counted
(``analyze`` once vs not at all after the same warm-up; the parse or the floor twice vs
once), so start-up, imports and warm-up cancel out. The child ends with ``os._exit`` so no
teardown is counted. Instruction counts are steady but not time: they understate work that
costs memory traffic (the garbage collector) and overstate work the CPU has special
instructions for (sha256 of the file: ~215M instructions under valgrind, ~7 ms natively).
Needs ``valgrind`` on the PATH (Debian package ``valgrind``); takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(task: str, side: str, runs: int, messages: int, workdir: Path) -> None:
    """The work valgrind counts (run in the child process)."""

    sys.path.insert(0, str(HERE))
    if task == "engine":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        import corpus
        from reattune import analyze
        from reattune.analysis import clear_text_caches

        conversation = corpus.chat(messages)
        analyze(corpus.chat(30))  # load the lexicons and models
        vader = SentimentIntensityAnalyzer()
        vader.polarity_scores("warm up")
        texts = [t.text for t in conversation.turns]
        for _ in range(runs):
            clear_text_caches()
            if side == "reattune":
                analyze(conversation)
            else:
                [vader.polarity_scores(t)["compound"] for t in texts]
    else:
        import ingest as bench
        from reattune.ingest import ParseOptions, load

        path = workdir / "WhatsApp Chat with Maya.txt"
        keep = []  # results stay alive: their deallocation is not counted
        for _ in range(runs):
            if side == "parse":
                keep.append(load(path, ParseOptions()))
            else:
                keep.append(bench.floor(path, bench.FLOOR_PATTERNS["whatsapp"]))
    sys.stdout.flush()
    os._exit(0)


def count(task: str, side: str, runs: int, messages: int, workdir: Path) -> int:
    out = workdir / f"callgrind.{task}.{side}.{runs}"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        __file__,
        "--child",
        task,
        side,
        str(runs),
        "--messages",
        str(messages),
        "--workdir",
        str(workdir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", nargs="?", choices=("engine", "ingest"))
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--child", nargs=3, metavar=("TASK", "SIDE", "RUNS"))
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.child:
        task, side, runs = args.child
        child(task, side, int(runs), args.messages, args.workdir)
    if args.task is None:
        parser.error("name a task: engine or ingest")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not on the PATH (Debian: apt-get install valgrind)")
    task = args.task
    messages = args.messages or (2000 if task == "engine" else 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if task == "engine":
            base = count(task, "none", 0, messages, workdir)
            ours = count(task, "reattune", 1, messages, workdir) - base
            theirs = count(task, "vader", 1, messages, workdir) - base
            names = ("reattune", "vader")
        else:
            sys.path.insert(0, str(HERE))
            import ingest as bench

            bench.whatsapp_export(workdir / "WhatsApp Chat with Maya.txt", messages)
            ours = count(task, "parse", 2, messages, workdir) - count(
                task, "parse", 1, messages, workdir
            )
            theirs = count(task, "floor", 2, messages, workdir) - count(
                task, "floor", 1, messages, workdir
            )
            names = ("parse", "floor")
    print(
        json.dumps(
            {
                "task": task,
                "messages": messages,
                f"{names[0]}_instructions_millions": round(ours / 1e6),
                f"{names[1]}_instructions_millions": round(theirs / 1e6),
                "ratio": round(theirs / ours, 3) if task == "engine" else round(ours / theirs, 2),
                "ratio_means": (
                    "VADER / reattune (>= 1.0: the analysis as cheap as VADER)"
                    if task == "engine"
                    else "parse / floor (target <= 5)"
                ),
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
