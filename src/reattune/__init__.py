"""reattune: see, pause and repair the pursue-withdraw cycle."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reattune")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from reattune.analysis import analyze
from reattune.ingest import load
from reattune.settings import AnalysisSettings

__all__ = ["AnalysisSettings", "__version__", "analyze", "load"]
