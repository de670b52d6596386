"""The shipped table of lexicon start keys (``reattune/data/lexicons/scan_keys.json``):
current, used, and giving exactly what computing the keys gives; branches compiled when
first needed, except patterns the table does not vouch for."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from reattune.coding import scan
from reattune.coding.lexicon import default_lexicon
from reattune.safety.rules import RuleSet, load_rules

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def _script() -> ModuleType:
    path = ROOT / "scripts" / "build_scan_keys.py"
    spec = importlib.util.spec_from_file_location("build_scan_keys", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped_file() -> dict[str, object]:
    path = ROOT / "src" / "reattune" / "data" / "lexicons" / scan.KEY_TABLE
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_shipped_table_is_current() -> None:
    shipped = _shipped_file()
    if shipped["schema"] != scan.KEY_SCHEMA:
        pytest.skip(f"the table was written for {shipped['schema']}, this is {scan.KEY_SCHEMA}")
    fresh = _script().table()
    assert fresh == shipped, (
        "a lexicon changed: run `python scripts/build_scan_keys.py` and commit the table"
    )


def test_every_shipped_branch_is_read_from_the_table() -> None:
    if not scan._shipped():
        pytest.skip("no table for this Python version")
    patterns = _script().shipped_patterns()
    assert len(patterns) > 150
    assert all(scan._keys_of(p)[0] for p in patterns)


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in FIXTURES.rglob("*.txt")]
    texts += [
        "i want to kill myself tonight",
        "he choked me and took my phone, i'm scared of him",
        "why do you always do this?? whatever. fine.",
    ]
    return [t.lower() for t in texts]


@pytest.mark.parametrize("name", ["crisis", "violence"])
def test_a_scanner_from_the_table_finds_what_computed_keys_find(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_table = load_rules(name).scanner
    load_rules.cache_clear()
    monkeypatch.setattr(scan, "_shipped", dict)  # an empty table: keys computed, as before
    try:
        computed = load_rules(name).scanner
    finally:
        load_rules.cache_clear()
    for text in _texts():
        got = sorted((g, j, m.span()) for g, j, m in from_table.scan(text))
        want = sorted((g, j, m.span()) for g, j, m in computed.scan(text))
        assert got == want


def test_branches_compile_when_first_needed_and_unvouched_patterns_at_once() -> None:
    lexicon = default_lexicon()
    entries = [e for table in (lexicon.scanner._words.edged,) for es in table.values() for e in es]
    if scan._shipped():
        assert entries and all(isinstance(e[2], scan._Branch) for e in entries)
    # a pattern no table holds is compiled when the scanner is built: errors come at load
    with pytest.raises(re.error):
        scan.GroupScanner([[("(?<=a+)b", True)]])
    fresh = scan.GroupScanner([[("hello there", True)]])
    (found,) = fresh.scan("oh hello there")
    assert found[2].group() == "hello there"


def test_a_rule_set_reports_a_broken_pattern_when_loaded() -> None:
    from reattune.errors import SettingsError

    bad = {
        "domain": "crisis",
        "version": "t",
        "rule": [
            {
                "id": "x",
                "category": "c",
                "pattern": "(?<=a+)b",
                "score": 0.5,
                "explanation": "e",
            }
        ],
    }
    with pytest.raises(SettingsError):
        RuleSet.from_data(bad, "test")
