"""Reports people would rather look at than read: the self-contained HTML report and the
redaction used when a report is shared.

The HTML report pulls in matplotlib (half a second to import), so it is loaded on first use:
``reattune --help`` and the terminal summary do not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reattune.report.redact import find_identifiers, redact_text, speaker_labels

if TYPE_CHECKING:
    from reattune.report.html import SECTION_IDS, render_html

__all__ = ["SECTION_IDS", "find_identifiers", "redact_text", "render_html", "speaker_labels"]


def __getattr__(name: str) -> Any:
    if name in ("SECTION_IDS", "render_html"):
        from reattune.report import html

        return getattr(html, name)
    raise AttributeError(name)
