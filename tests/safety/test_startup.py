"""Start-up cost of the safety screen: numpy (the text model) is imported only when a long
text is checked, and the lexicons' shorter gaps match exactly what the general gap matched."""

from __future__ import annotations

import importlib.util
import os
import random
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from reattune.coding.lexicon import expand_pattern
from reattune.evaluation.safety import read_labelled_texts
from reattune.safety import rules

ROOT = Path(__file__).resolve().parents[2]
SAFETY_DATA = ROOT / "src" / "reattune" / "data" / "safety"
LEXICONS = ("crisis", "violence", "risk_indicators")


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    return done.stdout.strip()


def test_help_and_a_short_check_do_not_import_numpy() -> None:
    code = (
        "import sys, reattune.cli.main; a = 'numpy' in sys.modules; "
        "from reattune import safety; safety.check('You never listen to me'); "
        "print(a, 'numpy' in sys.modules)"
    )
    assert _run(code) == "False False"


def test_a_long_account_loads_the_text_model() -> None:
    text = (
        "Work is the only thing that keeps me busy these days and when I come home he asks "
        "where I was and who I talked to all day long"
    )
    code = (
        f"import sys; from reattune import safety; safety.check({text!r}); "
        "print('numpy' in sys.modules)"
    )
    assert _run(code) == "True"


@pytest.mark.parametrize(
    ("pattern", "marked"),
    [
        ("kill myself", "kill\ue000myself"),
        ("(?:single )? mother", "(?:single\ue000)? mother"),
        ("any ?more", "any ?more"),
        (r"\b \w", r"\b \w"),
        ("[a ]b c", "[a ]b\ue000c"),
        ("[]a ] b", "[]a ] b"),
        ("kills? me", "kills? me"),
        (r"\x20 x", r"\x20 x"),
    ],
)
def test_only_gaps_after_a_letter_are_shortened(pattern: str, marked: str) -> None:
    assert rules._mark_gaps_after_letters(pattern) == marked


def _texts() -> list[str]:
    """Every lexicon example, the three labelled partner-violence sets, every fixture and 300 of
    the benchmark's mixed messages."""
    texts: list[str] = []
    for name in LEXICONS:
        data = tomllib.loads((SAFETY_DATA / f"{name}.toml").read_text("utf-8"))
        texts += [str(x) for r in data["rule"] for x in r.get("examples", ())]
    for path in (
        SAFETY_DATA / "ipv_eval.csv",
        SAFETY_DATA / "ipv_accounts.csv",
        ROOT / "tests/safety/data/ipv_forum_posts.csv",
    ):
        texts += [t for t, _ in read_labelled_texts(path)]
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".json", ".csv", ".vtt", ".srt"}:
            texts.append(path.read_text("utf-8", errors="replace"))
    spec = importlib.util.spec_from_file_location("bench_safety", ROOT / "bench" / "safety.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rng = random.Random(3)
    texts += [bench.message(rng) for _ in range(300)]
    return texts


@pytest.mark.parametrize("name", LEXICONS)
def test_shorter_gaps_match_exactly_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = resources.files("reattune.data.safety").joinpath(f"{name}.toml").read_text("utf-8")
    data = tomllib.loads(text)
    shorter = rules.RuleSet.from_data(data, name)
    monkeypatch.setattr(rules, "_expand", lambda p: expand_pattern(p, rules._GAP))
    general = rules.RuleSet.from_data(data, name)
    texts = _texts()
    assert len(texts) > 1000
    for t in texts:
        low = t.lower()
        found = [(r.id, a, b) for r, a, b in shorter.raw_matches(low)]
        assert found == [(r.id, a, b) for r, a, b in general.raw_matches(low)], t[:80]
