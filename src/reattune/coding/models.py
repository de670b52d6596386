"""Learned coders in the pipeline: trained models corroborate the rules and catch what they
miss.

The UCC model (Unhealthy Comment Corpus; see ``docs/models.md``) scores the turns of a fight
(those with a negative code, or right after one) for hostility, antagonism and condescension.
Where a rule already coded contempt or criticism, the model's agreement is added to the
explanation and can raise the score; where no rule fired and the model is confident
(``model_threshold``), it adds ``horseman.contempt`` over the turn, with the model named as
the evidence. The EPITOME and AnnoMI models were trained on other kinds of talk (Reddit
support threads, motivational interviews) and score couples' everyday chat poorly, so they
serve ``reattune eval`` and are not used here.
"""

from __future__ import annotations

from typing import ClassVar

from reattune.coding.base import CodingState
from reattune.model.codes import EvidenceKind, code_span

CONTEMPT_OUTPUTS = ("hostile", "antagonize", "condescending")
MIN_TOKENS = 3


class LearnedCoder:
    name: ClassVar[str] = "learned"
    assigns: ClassVar[tuple[str, ...]] = ("horseman.contempt",)
    requires: ClassVar[tuple[str, ...]] = ("lexicon", "structure", "context")

    def apply(self, state: CodingState) -> None:
        if not state.settings.use_models:
            return
        from reattune.learned import load_model

        model = load_model("ucc")
        ref = f"model.{model.name}/{model.version}"
        negative = [state.negative(i) for i in range(len(state.turns))]
        candidates = [
            i
            for i, toks in enumerate(state.tokens)
            if len(toks) >= MIN_TOKENS and (negative[i] or (i > 0 and negative[i - 1]))
        ]
        if not candidates:
            return
        # One row per distinct text: a row's scores depend on its text alone.
        rows: dict[str, int] = {}
        for i in candidates:
            rows.setdefault(state.texts[i], len(rows))
        proba = model.predict_proba(list(rows), outputs=CONTEMPT_OUTPUTS)
        # the most probable output of each row (the first of equals, as ``max`` picks it)
        best_of = [CONTEMPT_OUTPUTS[c] for c in proba.argmax(axis=1).tolist()]
        p_of = proba.max(axis=1).tolist()
        threshold = state.settings.model_threshold
        for i in candidates:
            row = rows[state.texts[i]]
            best, p = best_of[row], p_of[row]
            spans = state.spans[i]
            ruled = [s for s in spans if s.code in ("horseman.contempt", "horseman.criticism")]
            if ruled:
                if p >= threshold / 2:
                    spans[:] = [
                        code_span(
                            s.code,
                            s.turn,
                            s.start,
                            s.end,
                            round(max(s.score, p), 3),
                            f"{s.explanation} (the UCC model agrees: {best} {p:.2f})",
                            s.kind,
                            s.ref,
                            s.tag,
                        )
                        if s in ruled
                        else s
                        for s in spans
                    ]
            elif p >= threshold:
                text = state.turns[i].text
                spans.append(
                    code_span(
                        "horseman.contempt",
                        i,
                        0,
                        len(text),
                        round(p, 3),
                        f"the UCC model (trained on rated online comments) scores this turn "
                        f"{best} {p:.2f}",
                        EvidenceKind.MODEL,
                        ref,
                    )
                )
