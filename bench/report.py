"""End-to-end speed for the clinician's main job: a one-hour session transcript parsed,
analysed and written as the HTML report — in process, and as the command a user runs.

    python bench/report.py [--repeat 3]

Prints JSON: seconds for parse + analyse + render + write (target < 2 s), the same for the
whole `reattune analyze FILE --out report.html` command in a fresh process (Python start-up
and imports included), and the ratio to the named baseline measured in the same run:
parsing the same file alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest import vtt_transcript  # bench/ingest.py, beside this script
from reattune import analyze
from reattune.ingest import ParseOptions, load
from reattune.report import render_html

THERAPIST = "Dr. Lena Ortiz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    options = ParseOptions(therapists=(THERAPIST,))
    with tempfile.TemporaryDirectory() as tmp:
        vtt = Path(tmp) / "session.vtt"
        cues = vtt_transcript(vtt, 1.0)
        out = Path(tmp) / "report.html"
        best_parse = best_total = float("inf")
        turns = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            conversation = load(vtt, options)
            t1 = time.perf_counter()
            analysis = analyze(conversation)
            out.write_text(render_html(conversation, analysis), encoding="utf-8")
            t2 = time.perf_counter()
            best_parse = min(best_parse, t1 - t0)
            best_total = min(best_total, t2 - t0)
            turns = len(conversation.turns)
        command = [
            sys.executable,
            "-m",
            "reattune",
            "analyze",
            str(vtt),
            "--therapist",
            THERAPIST,
            "--out",
            str(out),
        ]
        best_cli = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            best_cli = min(best_cli, time.perf_counter() - t0)
        report = {
            "benchmark": "report",
            "baseline": "parsing the same one-hour WebVTT file alone",
            "cues": cues,
            "turns": turns,
            "parse_seconds": round(best_parse, 4),
            "end_to_end_seconds": round(best_total, 4),
            "ratio_to_parse": round(best_total / best_parse, 1),
            "cli_seconds": round(best_cli, 3),
            "html_bytes": out.stat().st_size,
            "target_seconds": 2.0,
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
