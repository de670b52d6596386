"""``analyze`` and ``load`` pause the cyclic garbage collector while they run and restore it
after (``reattune.collector.collector_paused``)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import reattune.analysis as analysis_module
import reattune.ingest as ingest_module
from reattune import analyze
from reattune.collector import collector_paused
from tests.engine.builders import chat

ROWS = [
    ("Maya", "21:02", "you said you'd be home by 7. you always do this"),
    ("Tom", "21:06", "k"),
    ("Maya", "21:07", "k?? thats it?? do you even care"),
]


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def collector_states(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[bool]:
    """Whether the collector was on at each call of ``module.name`` (wrapped to record it)."""
    seen: list[bool] = []
    real = getattr(module, name)

    def spying(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spying)
    return seen


def test_paused_during_analysis_and_back_on_after(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = collector_states(monkeypatch, analysis_module, "code_state")
    conversation = chat(ROWS, partner_a="Maya", partner_b="Tom")
    analyze(conversation)
    assert seen == [False]
    assert gc.isenabled()


def test_paused_during_a_parse_and_back_on_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen = collector_states(monkeypatch, ingest_module, "build_conversation")
    path = tmp_path / "chat.txt"
    path.write_text(
        "14/01/2023, 21:02 - Maya: are you there\n14/01/2023, 21:06 - Tom: k\n",
        encoding="utf-8",
    )
    conversation = ingest_module.load(path)
    assert seen == [False]
    assert len(conversation.messages) == 2
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    conversation = chat(ROWS, partner_a="Maya", partner_b="Tom")
    analyze(conversation)
    assert not gc.isenabled()


def test_back_on_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), collector_paused():
        assert not gc.isenabled()
        _ = 1 / 0
    assert gc.isenabled()


def test_nested_blocks_keep_it_off_until_the_outer_one_ends() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_threads_switch_it_on_once_the_last_ends() -> None:
    inside = threading.Event()
    release = threading.Event()

    def worker() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the worker's block is still running
    release.set()
    thread.join(5)
    assert gc.isenabled()
