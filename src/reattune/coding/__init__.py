"""Turn coding: every code of the codebook as a span with a score and an explanation."""

from reattune.coding.lexicon import default_codebook, default_lexicon
from reattune.coding.pipeline import code_turns, default_coders

__all__ = ["code_turns", "default_codebook", "default_coders", "default_lexicon"]
