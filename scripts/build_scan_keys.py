"""Write the table of lexicon start keys shipped with reattune.

    python scripts/build_scan_keys.py [--check]

Builds every shipped lexicon (the coding lexicon, and the safety rule sets ``crisis``,
``violence`` and ``risk_indicators``), computes the start keys of each of their branches
afresh (``reattune.coding.scan.key_table``) and writes them to
``src/reattune/data/lexicons/scan_keys.json``. Run it after editing a lexicon; until then the
edited branches are read at run time, which is correct but slower to start
(``tests/coding/test_scan_keys.py`` fails to remind you). ``--check`` writes nothing and
exits 1 when the table is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from reattune.coding import scan
from reattune.coding.lexicon import default_lexicon
from reattune.safety.rules import load_rules

SAFETY_RULE_SETS = ("crisis", "violence", "risk_indicators")
TABLE = Path(__file__).resolve().parents[1] / "src" / "reattune" / "data" / "lexicons"


def shipped_patterns() -> list[str]:
    """Every branch pattern of the shipped lexicons, as their scanners see them (built
    afresh, so that scanners built earlier in the process for other patterns don't count)."""
    default_lexicon.cache_clear()
    load_rules.cache_clear()
    with scan.recording_patterns() as patterns:
        default_lexicon()
        for name in SAFETY_RULE_SETS:
            load_rules(name)
    return patterns


def table() -> dict[str, Any]:
    return scan.key_table(shipped_patterns())


def _dumps(data: dict[str, Any]) -> str:
    """The table as JSON, one pattern a line (a lexicon edit shows as the lines it changes)."""
    rows = [
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
        for k, v in data["keys"].items()
    ]
    return (
        "{\n"
        + f'"schema": {json.dumps(data["schema"])},\n"keys": {{\n'
        + ",\n".join(rows)
        + "\n}}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; write nothing")
    args = parser.parse_args()
    fresh = _dumps(table())
    path = TABLE / scan.KEY_TABLE
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if args.check:
        print("up to date" if current == fresh else f"out of date: {path}")
        return 0 if current == fresh else 1
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path} ({len(json.loads(fresh)['keys'])} patterns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
