"""Shared by the report tests: the bundled examples as reports, and a small HTML reader."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import reattune
from reattune.examples import examples
from reattune.ingest import ParseOptions
from reattune.model.analysis import Analysis
from reattune.model.conversation import Conversation
from reattune.report import render_html

EXAMPLE_FILES = [e.file for e in examples()]


@cache
def example(file: str) -> tuple[Conversation, Analysis]:
    item = next(e for e in examples() if e.file == file)
    with resources.as_file(resources.files("reattune.data.examples").joinpath(file)) as path:
        conversation = reattune.load(path, item.options)
    return conversation, reattune.analyze(conversation)


@cache
def example_report(file: str, redact: bool = False) -> str:
    conversation, analysis = example(file)
    return render_html(conversation, analysis, redact=redact)


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    """Every element with its attributes; headings, links and svg titles with their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "title", "desc", "a", "section"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            if element.tag != "section":
                element.text += data

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def by_id(self) -> dict[str, Element]:
        return {e.attrs["id"]: e for e in self.elements if "id" in e.attrs}


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


UTTERANCES = (
    "Why do you always do this? Why can't you just talk to me? Do you even care?",
    "You NEVER make time for us. It's always work, work, work!!!",
    "I don't want to talk about this now.",
    "I'm fine, just tired.",
    "fine",
    "Hello?? Are you even listening to me?",
    "I'm sorry, I was overwhelmed and I shut down.",
    "That makes sense. I hear you, I should have told you earlier.",
    "Thank you for saying that.",
    "I think we're in our loop again. I push and you pull away.",
    "My heart is pounding and I can't think straight right now.",
    "Yeah but you do it too, what about last weekend?",
    "Tell me more about what happened at work today.",
    "I feel lonely when you stay late and I need to know you'll be home.",
    "Can we slow down for a moment? Let's start over.",
    "Let's look at the calendar together on Sunday and plan one evening for us.",
    "What do you notice in your body right now, when you hear that?",
    "So the quiet is your way of protecting yourself when you feel flooded.",
)


def write_session(path: Path, hours: float = 1.0, seed: int = 11) -> None:
    """A WebVTT couples session of realistic turns, ``hours`` long."""
    rng = random.Random(seed)
    speakers = ("Dr. Lena Ortiz", "Maya", "Daniel")
    out = ["WEBVTT", ""]
    t, n, last = 0.0, 0, ""
    while t < hours * 3600:
        n += 1
        who = rng.choice([s for s in speakers if s != last])
        last = who
        text = " ".join(rng.choice(UTTERANCES) for _ in range(rng.randint(1, 2)))
        length = max(1.5, len(text.split()) / 2.6)
        out += [str(n), f"{_vtt(t)} --> {_vtt(t + length)}", f"{who}: {text}", ""]
        t += length + rng.uniform(0.3, 6.0 if who == "Daniel" else 2.5)
    path.write_text("\n".join(out), encoding="utf-8")


def _vtt(seconds: float) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


SESSION_OPTIONS = ParseOptions(partner_a="Maya", partner_b="Daniel", therapists=("Dr. Lena Ortiz",))
