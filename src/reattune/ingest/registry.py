"""The named registry of parsers, and choosing one by sniffing the content."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from reattune.errors import UnknownFormatError
from reattune.ingest import formats
from reattune.ingest.base import Parser
from reattune.ingest.source import Source

SNIFF_THRESHOLD = 0.5
"""A parser must be at least this confident to be chosen without ``--format``."""


@cache
def parsers() -> dict[str, Parser]:
    """Every built-in parser by name (modules of ``reattune.ingest.formats``)."""
    found: dict[str, Parser] = {}
    for info in sorted(pkgutil.iter_modules(formats.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{formats.__name__}.{info.name}")
        for parser in getattr(module, "PARSERS", ()):
            if parser.name in found:
                raise RuntimeError(f"two parsers are named {parser.name!r}")
            found[parser.name] = parser
    return found


def get(name: str) -> Parser:
    try:
        return parsers()[name]
    except KeyError:
        names = ", ".join(sorted(parsers()))
        raise UnknownFormatError(
            f"no format called {name!r}", expected=f"one of: {names}"
        ) from None


@cache
def _by_ceiling() -> tuple[tuple[str, Parser], ...]:
    return tuple(sorted(parsers().items(), key=lambda kv: kv[1].sniff_ceiling, reverse=True))


def sniff(source: Source) -> Parser:
    """The parser most confident about ``source``; an error listing the formats if none is.
    Of equally confident parsers, the one whose name sorts last.

    Parsers are asked in order of their ``sniff_ceiling``, highest first, until one is more
    confident than the rest could be (a WebVTT file is known by its first line)."""
    best: tuple[float, str] = (-1.0, "")
    for name, parser in _by_ceiling():
        if best[0] > parser.sniff_ceiling:
            break
        score = parser.sniff(source)
        if score > parser.sniff_ceiling:
            raise RuntimeError(f"{name} sniffed {score}, over its ceiling")
        best = max(best, (score, name))
    if best[0] >= SNIFF_THRESHOLD:
        return parsers()[best[1]]
    names = ", ".join(sorted(parsers()))
    raise UnknownFormatError(
        "the content is not a chat export or transcript that reattune knows",
        file=source.name,
        line=1,
        expected=f"one of: {names} (or name one with --format)",
    )
