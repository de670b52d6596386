"""Named thresholds of the analysis, with their defaults and where each comes from.

Thresholds the codebook marks *(proposed)* are ours, not a source's; a clinician can change
every one of them (``AnalysisSettings(stonewall_latency_factor=4.0)``, or ``--set`` on the
command line). The settings used travel with every ``Analysis``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields, replace
from typing import Any

from reattune.errors import SettingsError


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    # --- turn codes -----------------------------------------------------------------------
    minimal_max_tokens: int = 3
    """withdraw.minimal: a reply of at most this many tokens (codebook, proposed)."""
    minimal_ratio: float = 0.2
    """withdraw.minimal: or at most this share of the partner's preceding turn (proposed)."""
    minimal_partner_min_tokens: int = 15
    """…when the partner's turn had at least this many tokens."""
    question_stack_min: int = 2
    """pursue.question_stack: this many questions in one turn (codebook)."""
    conflict_window_turns: int = 4
    """A turn is in active conflict when a pursuit, horseman or withdrawal code fired in this
    many preceding turns (codebook: 'the last few turns')."""
    chat_silence_seconds: float = 600.0
    """Chats: a partner silent this long makes a bid a bid in silence (proposed)."""
    session_silence_seconds: float = 8.0
    """Sessions: the same for spoken turns (proposed)."""
    backchannel_max_seconds: float = 1.0
    """Sessions: a spoken backchannel ('mm-hm', 'yeah') this soon after the partner's turn,
    or overlapping it, is validation, not a minimal reply (proposed)."""
    use_models: bool = True
    """Use the learned coders (``docs/models.md``) alongside the rules."""
    model_threshold: float = 0.7
    """A learned coder adds a code when its probability reaches this (proposed)."""

    # --- episodes -------------------------------------------------------------------------
    stonewall_min_bids: int = 2
    """Stonewalling (a): unanswered consecutive bids (codebook)."""
    stonewall_min_withdrawals: int = 2
    """Stonewalling (b): consecutive minimal/deny/noncommittal replies (codebook)."""
    stonewall_latency_factor: float = 3.0
    """Stonewalling (c): latency above this multiple of the listener's own median (codebook,
    proposed: ≈ 3×)."""
    processing_min_tokens: int = 12
    """A delayed reply of at least this many tokens that takes up the partner's content is
    processing, never an episode."""
    loop_max_turn_lag: int = 2
    """Pursue-withdraw loop: the withdrawal follows the pursuit within this many turns."""
    cycle_window_exchanges: int = 10
    """A cycle: two or more loops with the same roles within this many exchanges…"""
    cycle_window_seconds: float = 15 * 60.0
    """…or within this many seconds (codebook, proposed)."""
    repair_window_turns: int = 3
    """Repair success: negativity in this many turns after versus before (codebook: k)."""
    break_min_seconds: float = 20 * 60.0
    """A break lasts at least 20 minutes (codebook)."""
    break_max_seconds: float = 24 * 3600.0
    """…and less than 24 hours (codebook)."""
    break_default_seconds: float = 20 * 60.0
    """Agreed duration assumed when a break request names none."""
    break_late_tolerance: float = 0.25
    """A return counts as on time up to this fraction past the agreed duration (proposed)."""
    block_seconds: float = 180.0
    """Sessions: the escalation/recovery balance is kept in blocks of 3 minutes (codebook)."""
    recovery_hold_blocks: int = 1
    """Recovery: the balance must stay at baseline for this many further blocks."""
    phase_seconds: float = 180.0
    """Repair timing: early = first 3 minutes, late = last 3 minutes (codebook)."""

    def with_overrides(self, overrides: dict[str, str]) -> AnalysisSettings:
        """A copy with named settings replaced; values are parsed to each field's type."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, raw in overrides.items():
            if name not in known:
                raise SettingsError(
                    f"no setting called {name!r}",
                    expected="one of: " + ", ".join(sorted(known)),
                )
            current = getattr(self, name)
            try:
                if isinstance(current, bool):
                    if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(raw)
                    changes[name] = raw.lower() in ("true", "1", "yes")
                else:
                    changes[name] = type(current)(raw)
            except ValueError as exc:
                raise SettingsError(
                    f"setting {name} takes a {type(current).__name__}, not {raw!r}"
                ) from exc
        return replace(self, **changes)

    @staticmethod
    def documentation() -> dict[str, str]:
        """Each setting's docstring, for ``reattune settings`` and the docs."""
        import ast
        import inspect

        source = inspect.getsource(AnalysisSettings)
        tree = ast.parse(source)
        docs: dict[str, str] = {}
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, nxt in itertools.pairwise(body):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
            ):
                docs[node.target.id] = " ".join(str(nxt.value.value).split())
        return docs
