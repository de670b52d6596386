"""Generated conversations for the benchmarks: realistic couple utterances (conflict, calm,
repair) in random order, seeded."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from reattune.ingest import ParseOptions, ParseResult
from reattune.ingest.build import build_conversation
from reattune.ingest.source import Source
from reattune.model import Conversation, ConversationKind, Message, SourceLocation

UTTERANCES = [
    "Hey, are you coming home for dinner? I made the soup you like",
    "Late meeting, back around 9",
    "Again? That's the third time this week",
    "Why do you always do this? Why can't you just talk to me? Do you even care?",
    "You NEVER make time for us. It's always work, work, work!!!",
    "k",
    "fine",
    "whatever",
    "I don't want to talk about this now",
    "I'm fine, just tired",
    "Hello?? Are you even reading these?",
    "Don't ignore me",
    "I'm going to bed",
    "I'm sorry about last night, I was overwhelmed and I shut down",
    "That makes sense. I hear you, I should have told you earlier",
    "Thank you for saying that",
    "I think we're in our loop again. I push and you pull away",
    "I need a break, can we pick this up in 30 minutes?",
    "Ok, 8:30 then, take your time",
    "I'm back, I'm calmer now. Can we continue?",
    "Can you grab milk on the way home?",
    "Sure, anything else?",
    "My heart is pounding and I can't think straight right now",
    "Yeah but you do it too, what about last weekend",
    "Great job, genius. Really mature",
    "Tell me more about what happened at work today",
    "I feel lonely when you stay late and I need to know you'll be home",
    "um I guess so, I don't know, it is what it is",
    "Could we look at the budget together on Sunday morning?",
    "Yes, Sunday at 10, I'll make coffee ❤️",
]


FILLERS = (
    "tonight",
    "again",
    "honestly",
    "really",
    "now",
    "at 7",
    "tomorrow",
    "please",
    "ok",
    "this week",
    "after work",
    "on Sunday",
    "with your mum",
    "about the kids",
    "for real",
)


def _vary(rng: random.Random, text: str) -> str:
    """Make most texts unique, so no cache of repeated texts flatters either side."""
    if rng.random() < 0.8:
        return f"{text} {rng.choice(FILLERS)} {rng.randint(1, 9999)}"
    return text


def chat(messages: int, seed: int = 3) -> Conversation:
    rng = random.Random(seed)
    t = datetime(2024, 1, 1, 8, tzinfo=UTC)
    msgs = []
    for i in range(messages):
        t += timedelta(seconds=rng.choice((10, 30, 90, 400, 3600)))
        msgs.append(
            Message(
                i,
                rng.choice(("Maya", "Daniel")),
                _vary(rng, rng.choice(UTTERANCES)),
                SourceLocation("bench", i + 1, i + 1),
                timestamp=t,
            )
        )
    return _build(msgs, ConversationKind.CHAT, ())


def session(turns: int, seed: int = 5) -> Conversation:
    """A spoken session whose speakers alternate, ``turns`` turns long."""
    rng = random.Random(seed)
    speakers = ("Maya", "Daniel", "Dr. Ortiz")
    t = 0.0
    msgs = []
    last = ""
    for i in range(turns):
        who = rng.choice([s for s in speakers if s != last])
        last = who
        text = " ".join(_vary(rng, rng.choice(UTTERANCES)) for _ in range(rng.randint(1, 2)))
        length = max(1.0, len(text.split()) / 2.6)
        msgs.append(
            Message(i, who, text, SourceLocation("bench", i + 1, i + 1), start=t, end=t + length)
        )
        t += length + rng.uniform(0.3, 2.5)
    return _build(msgs, ConversationKind.SESSION, ("Dr. Ortiz",))


def _build(
    msgs: list[Message], kind: ConversationKind, therapists: tuple[str, ...]
) -> Conversation:
    result = ParseResult(kind=kind, messages=msgs)
    options = ParseOptions(partner_a="Maya", partner_b="Daniel", therapists=therapists)
    return build_conversation(result, Source(name="bench", data=b"bench"), "bench", options)
