"""reattune: see, pause and repair the pursue-withdraw cycle.

``analyze``, ``load`` and ``AnalysisSettings`` are imported on first use (PEP 562), so that
``import reattune`` — and every command line call, which imports it first — does not pay for
the analysis engine until it is needed.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("reattune")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from reattune.analysis import analyze
    from reattune.ingest import load
    from reattune.settings import AnalysisSettings

__all__ = ["AnalysisSettings", "__version__", "analyze", "load"]

_LAZY = {
    "analyze": "reattune.analysis",
    "load": "reattune.ingest",
    "AnalysisSettings": "reattune.settings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reattune' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
