"""``analyze``: the one entry point from a conversation to its analysis (pure: no I/O)."""

from __future__ import annotations

import dataclasses

from reattune.coding import default_codebook, default_lexicon
from reattune.coding.pipeline import code_state
from reattune.collector import collector_paused
from reattune.episodes.breaks import find_breaks
from reattune.episodes.loops import cycle_strength, find_cycles, find_loops
from reattune.episodes.recovery import balance_blocks, recovery
from reattune.episodes.repair import repair_attempts
from reattune.episodes.stonewalling import delayed_replies, stonewalling_episodes
from reattune.episodes.timeline import Timeline
from reattune.metrics import conversation_metrics, partner_metrics
from reattune.model import Conversation, PartnerLabel
from reattune.model.analysis import SCHEMA, Analysis, StonewallingEpisode
from reattune.model.codes import CodeSpan, EvidenceKind, code_span
from reattune.settings import AnalysisSettings


def _stonewalling_spans(
    spans: list[list[CodeSpan]],
    conversation: Conversation,
    episodes: list[StonewallingEpisode],
) -> set[int]:
    """Mark the listener's turns inside each episode with ``horseman.stonewalling``; returns
    the turns marked."""
    marked: set[int] = set()
    for ep in episodes:
        for t in ep.turns:
            turn = conversation.turns[t]
            if turn.speaker == ep.listener:
                marked.add(t)
                spans[t].append(
                    code_span(
                        "horseman.stonewalling",
                        t,
                        0,
                        len(turn.text),
                        0.8,
                        f"inside a stonewalling episode ({ep.criterion.value})",
                        EvidenceKind.CONTEXT,
                        "episode.stonewalling",
                    )
                )
    return marked


def clear_text_caches() -> None:
    """Forget every reading of a text that outlives an ``analyze`` call (the learned models'
    n-grams per word, the cached tokens of short texts), so that the next call reads its
    texts from scratch as in a new process. Results never depend on these caches; a
    benchmark clears them so that each run does the whole work."""
    from reattune.coding import text as tx
    from reattune.learned.model import clear_caches

    tx.tokens.cache_clear()
    clear_caches()


def _models_used(settings: AnalysisSettings) -> tuple[str, ...]:
    if not settings.use_models:
        return ()
    from reattune.learned import load_model

    model = load_model("ucc")
    return (f"{model.name}/{model.version}",)


def analyze(conversation: Conversation, settings: AnalysisSettings | None = None) -> Analysis:
    """Code every turn, find the episodes, and measure the conversation."""
    with collector_paused():
        return _analyze(conversation, settings or AnalysisSettings())


def _analyze(conversation: Conversation, settings: AnalysisSettings) -> Analysis:
    turns = conversation.turns
    state = code_state(turns, conversation.kind, settings)
    spans = state.spans
    partners = tuple(
        p.id
        for label in (PartnerLabel.A, PartnerLabel.B)
        if (p := conversation.partner(label)) is not None
    )
    tl = Timeline(turns, spans, conversation.kind, partners, settings, tokens=state.tokens)
    episodes = stonewalling_episodes(tl)
    tl.recode(_stonewalling_spans(spans, conversation, episodes))
    loops = find_loops(tl)
    cycles = find_cycles(tl, loops)
    repairs = repair_attempts(tl)
    breaks = find_breaks(tl)
    blocks = balance_blocks(tl)
    rec = recovery(tl, blocks)
    codebook = default_codebook()
    return Analysis(
        schema=SCHEMA,
        codebook_version=codebook.version,
        lexicon_version=default_lexicon().version,
        models=_models_used(settings),
        settings=dataclasses.asdict(settings),
        source={
            "path": conversation.source.path,
            "format": conversation.source.format,
            "sha256": conversation.source.sha256,
        },
        kind=conversation.kind.value,
        participants=tuple(
            {
                "id": p.id,
                "name": p.display_name,
                "role": p.role.value,
                "partner": None if p.partner is None else p.partner.value,
            }
            for p in conversation.participants
        ),
        codes=tuple(s for per_turn in spans for s in per_turn),
        stonewalling=tuple(episodes),
        loops=tuple(loops),
        cycles=tuple(cycles),
        cycle_strength=cycle_strength(tl, loops),
        repairs=tuple(repairs),
        breaks=tuple(breaks),
        delays=tuple(delayed_replies(tl)),
        blocks=tuple(blocks),
        recovery=rec,
        partners=tuple(partner_metrics(conversation, tl, episodes, repairs)),
        metrics=conversation_metrics(
            conversation, tl, episodes, loops, cycles, repairs, breaks, rec
        ),
    )
