"""The public API is pinned: what `import reattune` offers, and the analysis JSON schema."""

from __future__ import annotations

import json

import reattune
from reattune.model.analysis import SCHEMA
from reattune.settings import AnalysisSettings
from tests.engine.builders import chat


def test_exported_members() -> None:
    assert sorted(reattune.__all__) == ["AnalysisSettings", "__version__", "analyze", "load"]
    for name in reattune.__all__:
        assert hasattr(reattune, name)


def test_analysis_is_json_with_a_versioned_schema() -> None:
    conv = chat(
        [
            ("Ana", "20:00", "Why do you always do this? Do you even care?"),
            ("Ben", "20:10", "k"),
            ("Ana", "20:11", "Hello??"),
        ]
    )
    analysis = reattune.analyze(conv)
    data = json.loads(json.dumps(analysis.to_dict()))
    assert data["schema"] == SCHEMA
    assert data["codebook_version"] and data["lexicon_version"]
    assert data["settings"]["stonewall_latency_factor"] == 3.0
    for code in data["codes"]:
        assert {"code", "turn", "start", "end", "score", "explanation", "kind", "ref"} <= set(code)


def test_settings_are_named_documented_and_overridable() -> None:
    docs = AnalysisSettings.documentation()
    assert set(docs) == set(AnalysisSettings.__dataclass_fields__)
    assert all(docs.values())
    changed = AnalysisSettings().with_overrides({"stonewall_latency_factor": "4"})
    assert changed.stonewall_latency_factor == 4.0


def test_unknown_or_bad_setting_is_a_catalogued_error() -> None:
    import pytest

    from reattune.errors import SettingsError

    with pytest.raises(SettingsError, match="no setting"):
        AnalysisSettings().with_overrides({"nope": "1"})
    with pytest.raises(SettingsError, match="takes a float"):
        AnalysisSettings().with_overrides({"block_seconds": "three"})
