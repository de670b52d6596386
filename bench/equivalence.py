"""Dump every analysis result the engine produces on known inputs, to prove that a change
meant only to make the engine faster changes no output.

    python bench/equivalence.py --out before.json            # on the old code
    python bench/equivalence.py --out after.json --against before.json

The dump holds ``Analysis.to_dict()`` (every code with its span, score and explanation; the
episodes; the metrics) for:

- the bench corpora (``bench/corpus.py``: the 700-turn session, the one-hour session, the
  20,000-message chat), with the learned models on and off;
- every file under ``tests/fixtures/`` that loads as a conversation;
- every conversation that the tests under ``tests/engine`` and ``tests/coding`` (and the other
  test folders named with ``--tests``) pass to ``reattune.analyze`` or to
  ``reattune.coding.code_turns``, recorded while they run.

``--against`` compares the new dump with an old one by JSON equality and lists the first
differences; the exit status is 1 when they differ.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402  (bench/corpus.py, beside this script)
import reattune  # noqa: E402
import reattune.analysis  # noqa: E402
import reattune.coding  # noqa: E402
import reattune.coding.pipeline  # noqa: E402
from reattune.errors import RoleMappingError  # noqa: E402
from reattune.model.codes import CodeSpan  # noqa: E402
from reattune.settings import AnalysisSettings  # noqa: E402


def _spans(per_turn: list[list[CodeSpan]]) -> list[list[dict[str, Any]]]:
    return [
        [
            {
                "code": s.code,
                "turn": s.turn,
                "start": s.start,
                "end": s.end,
                "score": s.score,
                "explanation": s.explanation,
                "kind": s.kind.value,
                "ref": s.ref,
                "tag": s.tag,
            }
            for s in spans
        ]
        for spans in per_turn
    ]


def bench_corpora() -> dict[str, Any]:
    out: dict[str, Any] = {}
    session = corpus.session(700)
    per_turn = (session.turns[-1].end or 1.0) / len(session.turns)
    inputs = {
        "session_700": session,
        "session_hour": corpus.session(int(3600 / per_turn)),
        "chat_20000": corpus.chat(20_000),
    }
    for name, conv in inputs.items():
        out[f"bench/{name}"] = reattune.analyze(conv).to_dict()
        off = AnalysisSettings(use_models=False)
        out[f"bench/{name}/no_models"] = reattune.analyze(conv, off).to_dict()
    return out


def fixtures() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*")):
        if not path.is_file():
            continue
        name = f"fixture/{path.relative_to(ROOT / 'tests' / 'fixtures')}"
        try:
            conv = reattune.load(path)
        except RoleMappingError:  # three speakers: take the roles as the loader guesses them
            conv = reattune.load(path, strict_roles=False)
        except Exception as exc:  # a fixture that is not a conversation
            out[name] = {"not_loaded": type(exc).__name__}
            continue
        out[name] = reattune.analyze(conv).to_dict()
    return out


class Recorder:
    """A pytest plugin that records every ``analyze`` and ``code_turns`` result of a test
    run, keyed by test id and call number."""

    def __init__(self) -> None:
        self.results: dict[str, Any] = {}
        self.test = "?"
        self.calls = 0

    def _key(self, what: str) -> str:
        self.calls += 1
        return f"test/{self.test}/{self.calls}/{what}"

    def _wrap_analyze(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = fn(*args, **kwargs)
            self.results[self._key("analyze")] = result.to_dict()
            return result

        return wrapper

    def _wrap_code_turns(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = fn(*args, **kwargs)
            self.results[self._key("code_turns")] = _spans(result)
            return result

        return wrapper

    def pytest_configure(self, config: Any) -> None:
        del config
        analyze = self._wrap_analyze(reattune.analysis.analyze)
        reattune.analyze = analyze  # type: ignore[assignment]
        reattune.analysis.analyze = analyze  # type: ignore[assignment]
        code_turns = self._wrap_code_turns(reattune.coding.pipeline.code_turns)
        reattune.coding.code_turns = code_turns  # type: ignore[assignment]
        reattune.coding.pipeline.code_turns = code_turns  # type: ignore[assignment]

    def pytest_runtest_setup(self, item: Any) -> None:
        self.test = item.nodeid
        self.calls = 0


def recorded(folders: list[str]) -> dict[str, Any]:
    import pytest

    recorder = Recorder()
    code = pytest.main(
        ["-q", "-p", "no:xdist", "-p", "no:cacheprovider", "-o", "addopts=", *folders],
        plugins=[recorder],
    )
    if code not in (0, pytest.ExitCode.OK):
        raise SystemExit(f"the recorded tests failed (exit {code})")
    return recorder.results


def differences(old: Any, new: Any, where: str = "", limit: int = 20) -> list[str]:
    out: list[str] = []

    def walk(a: Any, b: Any, at: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in a or k not in b:
                    out.append(f"{at}/{k}: only in {'new' if k not in a else 'old'}")
                else:
                    walk(a[k], b[k], f"{at}/{k}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{at}[{i}]")
        elif a != b:
            out.append(f"{at}: {str(a)[:120]!r} -> {str(b)[:120]!r}")

    walk(old, new, where)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--against", type=Path)
    parser.add_argument(
        "--tests",
        nargs="*",
        default=["tests/engine", "tests/coding"],
        help="test folders whose analyses are recorded",
    )
    args = parser.parse_args()
    dump: dict[str, Any] = {}
    dump.update(recorded([str(ROOT / t) for t in args.tests]))
    dump.update(fixtures())
    dump.update(bench_corpora())
    args.out.write_text(json.dumps(dump, sort_keys=True), encoding="utf-8")
    codes = sum(len(v.get("codes", ())) for v in dump.values() if isinstance(v, dict))
    print(f"{len(dump)} results, {codes} codes from analyze, written to {args.out}")
    if args.against is not None:
        old = json.loads(args.against.read_text(encoding="utf-8"))
        new = json.loads(args.out.read_text(encoding="utf-8"))
        if old == new:
            print(f"identical to {args.against}")
            return
        for line in differences(old, new):
            print(line)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
