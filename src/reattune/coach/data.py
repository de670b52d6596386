"""The coach's data files (``reattune/data/coach``), read once."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """One TOML file of ``reattune.data.coach`` (``rewrite``, ``findings``, ``protocol``,
    ``terms``)."""
    text = resources.files("reattune.data.coach").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def draft_corpus() -> tuple[str, ...]:
    """The written draft corpus (``drafts.txt``): one draft a line, ``\\n`` for a break."""
    text = resources.files("reattune.data.coach").joinpath("drafts.txt").read_text("utf-8")
    return tuple(
        line.replace("\\n", "\n")
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )
