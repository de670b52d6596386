"""Pausing Python's cyclic garbage collector around work that makes many objects and no
cycles (an analysis, a parse)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator


class _Pauses:
    """How many paused blocks are running, and whether the collector was on before them."""

    lock = threading.Lock()
    depth = 0
    restores = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the block runs, as ``timeit`` does.

    An analysis or a parse allocates tens of thousands of long-lived objects (spans,
    facts, messages, turns) and no reference cycles; the collector would walk them again
    and again for nothing (about a tenth of an analysis's time on a 20,000-message chat,
    measured with gc callbacks; a third of a 100,000-message WhatsApp parse).
    Reference counting still frees everything as usual. The collector is switched back on
    when the last paused block in the process ends (blocks may nest or run in several
    threads at once), and only if it was on when the first one began."""

    with _Pauses.lock:
        if _Pauses.depth == 0:
            _Pauses.restores = gc.isenabled()
            gc.disable()
        _Pauses.depth += 1
    try:
        yield
    finally:
        with _Pauses.lock:
            _Pauses.depth -= 1
            if _Pauses.depth == 0 and _Pauses.restores:
                gc.enable()
