"""Would compiling the engine close its gap to VADER? A trial, not a build option.

    python bench/compiled.py [--rounds 3] [--keep DIR]

Copies ``src/reattune`` to a temporary folder, compiles the engine's pure-Python steps
there with mypyc (the compiler that ships with mypy, ``pip install -e '.[dev]'``; needs a C
compiler) — ``coding/``, ``learned/``, ``episodes/`` and ``metrics/``, every module the
analysis spends its time in but for the model's dataclasses (``model/``, built by
``model._construct``'s slot tricks, which compiled classes do not allow) — and then runs
``bench/engine.py --cpu --repeat 3`` alternately against the plain and the compiled copy,
``--rounds`` times each, each run in its own process. Prints JSON: each build's chat and
session ratios to VADER (median over the rounds) and the compiled build's speed-up over
the plain one.

Nothing here changes how reattune is installed: the package stays pure Python.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMPILED = ("coding", "learned", "episodes", "metrics")
"""The sub-packages compiled (every ``.py`` in each)."""


def compile_copy(target: Path) -> None:
    """``src/reattune`` copied under ``target`` and its engine steps compiled in place."""
    shutil.copytree(ROOT / "src" / "reattune", target / "reattune")
    files = sorted(
        str(p.relative_to(target))
        for sub in COMPILED
        for p in (target / "reattune" / sub).glob("*.py")
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypyc", *files],
        cwd=target,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-20:])
        raise SystemExit(f"mypyc failed (exit {done.returncode}):\n{tail}")


def engine_run(src: Path) -> dict[str, Any]:
    """One ``bench/engine.py --cpu`` run importing reattune from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine.py"), "--cpu", "--repeat", "3"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="compile into this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="reattune-mypyc-"))
    try:
        compile_copy(folder)
        probe = subprocess.run(
            [sys.executable, "-c", "import reattune.coding.scan as m; print(m.__file__)"],
            env={**os.environ, "PYTHONPATH": str(folder)},
            capture_output=True,
            text=True,
            check=True,
        )
        if not probe.stdout.strip().endswith(".so"):
            raise SystemExit("the compiled copy did not load its extension modules")
        builds = {"plain": ROOT / "src", "compiled": folder}
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in builds}
        for _ in range(args.rounds):
            for name, src in builds.items():
                runs[name].append(engine_run(src))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    def median(name: str, part: str, key: str) -> float:
        return statistics.median(r[part][key] for r in runs[name])

    report: dict[str, Any] = {"benchmark": "engine, plain vs mypyc-compiled", "rounds": args.rounds}
    for name in builds:
        report[name] = {
            "chat_ratio_to_vader": median(name, "chat_20000_messages", "ratio"),
            "session_ratio_to_vader": median(name, "session_700_turns", "ratio"),
            "chat_seconds": median(name, "chat_20000_messages", "reattune_seconds"),
        }
    report["compiled_speedup_chat"] = round(
        report["plain"]["chat_seconds"] / report["compiled"]["chat_seconds"], 3
    )
    report["compiled_speedup_session"] = round(
        report["compiled"]["session_ratio_to_vader"] / report["plain"]["session_ratio_to_vader"], 3
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
