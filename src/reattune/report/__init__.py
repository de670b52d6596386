"""Reports people would rather look at than read: the self-contained HTML report and the
redaction used when a report is shared."""

from reattune.report.html import SECTION_IDS, render_html
from reattune.report.redact import find_identifiers, redact_text, speaker_labels

__all__ = ["SECTION_IDS", "find_identifiers", "redact_text", "render_html", "speaker_labels"]
