"""Per-partner and per-conversation measures, in a form that feeds trends across sessions."""

from reattune.metrics.measures import conversation_metrics, partner_metrics

__all__ = ["conversation_metrics", "partner_metrics"]
