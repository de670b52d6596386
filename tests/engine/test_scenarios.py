"""Hand-built couple conversations, written from the codebook, with the exact episodes and the
key codes each one must produce.

Every scenario is a small story of how couples really text or talk (typos, shorthand, emoji,
fillers). Expected values come from ``docs/codebook.md``: which codes fire on which turns,
which stonewalling episodes open (criterion, first and ending turn, censoring), the
pursue-withdraw loops and cycles, repair outcomes and timing, break adherence and the
processing / freeze / shutdown reading of slow replies.
"""

from __future__ import annotations

import pytest

from reattune import analyze
from reattune.model import Conversation
from reattune.model.analysis import (
    Analysis,
    BreakStatus,
    DelayKind,
    EpisodeEnd,
    Phase,
    RepairOutcome,
    StonewallCriterion,
)
from tests.engine.builders import chat, session

NEGATIVE_PREFIXES = ("pursue.", "withdraw.", "horseman.")


# ------------------------------------------------------------------------------- helpers
def codes(a: Analysis, turn: int) -> set[str]:
    return a.code_set(turn)


def spans(a: Analysis, conv: Conversation, turn: int, code: str) -> list[str]:
    """The text each span of ``code`` covers on ``turn``."""
    text = conv.turns[turn].text
    return [text[c.start : c.end] for c in a.codes_for(turn) if c.code == code]


def negative_codes(a: Analysis) -> list[tuple[int, str]]:
    return sorted({(c.turn, c.code) for c in a.codes if c.code.startswith(NEGATIVE_PREFIXES)})


def episodes(a: Analysis) -> list[tuple[str, StonewallCriterion, int, int | None, EpisodeEnd]]:
    """(listener, criterion, start turn, ending turn, how it ended) per episode."""
    return [(e.listener, e.criterion, e.start_turn, e.end_turn, e.ended_by) for e in a.stonewalling]


def loops(a: Analysis) -> list[tuple[str, int, int, int]]:
    return [(x.pursuer, x.pursue_turn, x.withdraw_turn, x.repursue_turn) for x in a.loops]


def cycles(a: Analysis) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(c.pursuer, c.withdrawer, c.loops) for c in a.cycles]


def repairs(a: Analysis) -> list[tuple[int, tuple[str, ...], RepairOutcome]]:
    return [(r.turn, r.types, r.outcome) for r in a.repairs]


def delays(a: Analysis) -> list[tuple[int, DelayKind]]:
    return [(d.turn, d.kind) for d in a.delays]


def swap(rows: list[tuple[str, str, str]], x: str, y: str) -> list[tuple[str, str, str]]:
    """The same chat with the two speakers' names exchanged (roles reversed)."""
    other = {x: y, y: x}
    return [(other.get(who, who), when, text) for who, when, text in rows]


# ------------------------------------------------------------- the classic cycle
CLASSIC = [
    ("Maya", "21:02", "u said you'd be home by 7. you always do this"),
    ("Tom", "21:06", "k"),
    ("Maya", "21:07", "k?? thats it?? why do you never tell me anything. do you even care"),
    ("Tom", "21:12", "idk"),
    ("Maya", "21:13", "you need to actually talk to me instead of disappearing every night"),
    ("Tom", "21:20", "not now"),
    ("Maya", "21:21", "WHY NOT NOW. you never want to talk!!"),
]


@pytest.mark.parametrize(
    ("pursuer", "withdrawer"),
    [("Maya", "Tom"), ("Tom", "Maya")],
    ids=["she-pursues", "he-pursues"],
)
def test_classic_cycle_of_three_loops_either_way_round(pursuer: str, withdrawer: str) -> None:
    rows = CLASSIC if pursuer == "Maya" else swap(CLASSIC, "Maya", "Tom")
    conv = chat(rows, partner_a="Maya", partner_b="Tom")
    a = analyze(conv)

    assert codes(a, 0) >= {"pursue.blame", "horseman.criticism"}
    assert {c for c in codes(a, 1) if c.startswith("withdraw.")} == {"withdraw.minimal"}
    assert codes(a, 2) >= {"pursue.question_stack", "pursue.pressure", "pursue.blame"}
    assert codes(a, 3) >= {"withdraw.deny", "withdraw.minimal"}
    assert spans(a, conv, 4, "pursue.pressure") == ["you need to"]
    assert spans(a, conv, 5, "withdraw.avoid") == ["not now"]
    # "WHY NOT NOW" throws the partner's words back: escalation, not the pursuer's avoidance
    assert "withdraw.avoid" not in codes(a, 6)
    assert spans(a, conv, 6, "pursue.escalation") == ["WHY NOT NOW", "!!"]

    assert loops(a) == [(pursuer, 0, 1, 2), (pursuer, 2, 3, 4), (pursuer, 4, 5, 6)]
    assert cycles(a) == [(pursuer, withdrawer, (0, 1, 2))]
    # "k" then "idk" in active conflict: criterion (b); the data ends inside it
    assert episodes(a) == [
        (withdrawer, StonewallCriterion.WITHDRAWAL_REPLIES, 1, None, EpisodeEnd.END_OF_DATA)
    ]
    ep = a.stonewalling[0]
    assert ep.censored is True
    assert ep.pursuer == pursuer
    assert ep.turns == (1, 2, 3, 4, 5, 6)
    assert ep.unanswered_bids == 3
    assert ep.trigger_turn == 0
    assert ep.duration_seconds == 15 * 60  # 21:06 → 21:21, the last message
    for t in (1, 3, 5):
        assert "horseman.stonewalling" in codes(a, t)
    cs = a.cycle_strength
    assert (cs.pursuer, cs.withdrawer) == (pursuer, withdrawer)
    assert cs.demand == {pursuer: 1.0, withdrawer: 0.0}
    assert cs.withdraw == {pursuer: 0.0, withdrawer: 1.0}
    assert cs.role_asymmetry == 2.0
    assert cs.loops_per_hour == round(3 / (19 / 60), 3)  # 21:02 → 21:21


# ---------------------------------------------------- processing is never an episode
def test_processing_delay_with_an_elaborated_reply() -> None:
    conv = chat(
        [
            ("Priya", "18:00", "hey are you still at the gym?"),
            ("Sam", "18:02", "yep leaving in 10"),
            ("Priya", "18:03", "can you grab oat milk on the way"),
            ("Sam", "18:04", "sure thing"),
            ("Priya", "18:06", "thx. also what time is your mum coming sat"),
            ("Sam", "18:07", "11ish I think"),
            (
                "Priya",
                "18:30",
                "ok can we talk about last night. why would you make that joke about my job "
                "in front of your brother?? you always do this when Dev is around",
            ),
            (
                "Sam",
                "19:20",
                "I've been thinking about it on the drive. That joke was unfair to you and I "
                "think I was trying to look cool in front of Dev. I'm sorry it hurt, your job "
                "matters to me",
            ),
            ("Priya", "19:22", "thank you. that means a lot"),
        ],
        partner_a="Priya",
        partner_b="Sam",
    )
    a = analyze(conv)
    assert codes(a, 6) >= {"pursue.blame", "pursue.question_stack"}
    assert a.stonewalling == ()
    sam = [d for d in a.delays if d.speaker == "Sam"]
    assert [(d.turn, d.kind) for d in sam] == [(7, DelayKind.PROCESSING)]
    assert sam[0].latency == 50 * 60
    assert sam[0].factor == 50.0  # Sam's calm median latency is one minute
    assert repairs(a) == [(7, ("apology",), RepairOutcome.SUCCESS)]
    # starting the talk after a pause is not a delayed reply to anything: a pause
    assert (6, DelayKind.PAUSE) in delays(a)


# -------------------------------------------------- freeze, flooding, then a break
def test_freeze_with_flooding_words_routes_to_a_break_not_stonewalling() -> None:
    conv = chat(
        [
            ("Jordan", "20:00", "so are we going to talk about the credit card bill or not"),
            ("Alex", "20:01", "yeah give me a sec"),
            ("Jordan", "20:02", "ok"),
            ("Alex", "20:03", "ok so what did you want to ask"),
            (
                "Jordan",
                "20:05",
                "why is there $900 on it?? who did you even buy this stuff for?? you always "
                "hide things from me",
            ),
            (
                "Alex",
                "20:40",
                "sorry my mind just went blank. i can't think straight rn, my heart is pounding",
            ),
            ("Jordan", "20:41", "you ALWAYS do this. just answer the question"),
            ("Alex", "20:43", "I need a break. can we talk at 9:30 when I've calmed down?"),
            ("Jordan", "20:44", "fine. 9:30 then"),
            (
                "Alex",
                "21:31",
                "ok I'm back. I'm calmer. It was the tickets for your birthday, I wanted it to "
                "be a surprise",
            ),
        ],
        partner_a="Jordan",
        partner_b="Alex",
    )
    a = analyze(conv)
    # "give me a sec" about a bill, before any conflict, only means "wait"
    assert "antidote.self_soothing" not in codes(a, 1)
    assert spans(a, conv, 5, "flooding") == [
        "my mind just went blank",
        "i can't think straight",
        "my heart is pounding",
    ]
    assert not any(c.startswith("withdraw.") for c in codes(a, 5))
    assert delays(a) == [(5, DelayKind.FREEZE)]  # the return after the break is no delay
    assert a.stonewalling == ()
    assert [(b.request_turn, b.agree_turn, b.return_turn, b.status) for b in a.breaks] == [
        (7, 8, 9, BreakStatus.HONOURED)
    ]
    brk = a.breaks[0]
    assert brk.agreed_seconds == 47 * 60  # 20:43 → "9:30"
    assert brk.actual_seconds == 48 * 60
    assert brk.within_bounds is True


# ------------------------------------------------------------------ the time-out
BREAK_OPENING = [
    ("Lena", "19:00", "you're so dramatic about the dishes omg"),
    ("Chris", "19:01", "I'm getting overwhelmed, I need a break. 30 min?"),
    ("Lena", "19:02", "ok. 7:30"),
]


def test_break_agreed_and_honoured() -> None:
    conv = chat(
        [
            *BREAK_OPENING,
            ("Chris", "19:31", "I'm back, I'm calmer now. can we try again?"),
            ("Lena", "19:33", "yes. thanks for coming back ❤️ and sorry for the omg"),
        ],
        partner_a="Lena",
        partner_b="Chris",
    )
    a = analyze(conv)
    assert codes(a, 1) >= {"flooding", "break.request"}
    assert "break.agree" in codes(a, 2)
    assert "withdraw.minimal" not in codes(a, 2)
    assert "break.return" in codes(a, 3)
    assert len(a.breaks) == 1
    b = a.breaks[0]
    assert (b.requester, b.request_turn, b.agree_turn, b.return_turn) == ("Chris", 1, 2, 3)
    assert b.status is BreakStatus.HONOURED
    assert b.agreed_seconds == 30 * 60
    assert b.actual_seconds == 30 * 60
    assert b.within_bounds is True
    assert b.negativity_after == 0.0 < b.negativity_before
    assert a.metrics.breaks_honoured == 1
    assert a.stonewalling == ()


def test_break_agreed_but_never_returned_is_not_stonewalling() -> None:
    conv = chat(
        [
            *BREAK_OPENING,
            ("Lena", "20:45", "so you're just not coming back?"),
            ("Lena", "22:10", "unbelievable"),
        ],
        partner_a="Lena",
        partner_b="Chris",
    )
    a = analyze(conv)
    assert [(b.request_turn, b.agree_turn, b.return_turn, b.status) for b in a.breaks] == [
        (1, 2, None, BreakStatus.NOT_RETURNED)
    ]
    assert a.breaks[0].actual_seconds is None
    # a break request is a break, not stonewalling, even when the return never comes
    assert a.stonewalling == ()
    assert "pursue.bid_in_silence" in codes(a, 3)


def test_break_agreed_but_returned_late() -> None:
    conv = chat(
        [
            *BREAK_OPENING,
            ("Chris", "20:40", "hey I'm back, sorry that took way longer than I said"),
            ("Lena", "20:41", "it's fine. thanks for coming back"),
        ],
        partner_a="Lena",
        partner_b="Chris",
    )
    a = analyze(conv)
    b = a.breaks[0]
    assert b.status is BreakStatus.RETURNED_LATE
    assert b.return_turn == 3
    assert b.actual_seconds == 99 * 60
    # "it's fine" after an apology accepts it: no denial, and the repair worked
    assert "withdraw.deny" not in codes(a, 4)
    assert repairs(a) == [(3, ("apology",), RepairOutcome.SUCCESS)]


def test_break_agreed_but_returned_after_five_minutes_is_early() -> None:
    conv = chat(
        [
            *BREAK_OPENING,
            ("Chris", "19:06", "actually no I'm back, I want to finish this now"),
            ("Lena", "19:07", "wow ok"),
        ],
        partner_a="Lena",
        partner_b="Chris",
    )
    a = analyze(conv)
    b = a.breaks[0]
    assert b.status is BreakStatus.RETURNED_EARLY
    assert b.actual_seconds == 5 * 60
    assert b.agreed_seconds == 30 * 60
    assert b.within_bounds is True  # what was agreed was fine; the return came too soon
    assert a.metrics.breaks_honoured == 0


# ------------------------------------------------------------------- repair
def _late_text(reply: str, answer: str) -> Conversation:
    return chat(
        [
            ("Dana", "18:10", "you didn't even text that you'd be late. you're so inconsiderate"),
            ("Eli", "18:11", "well you were late on friday too"),
            ("Dana", "18:12", "seriously? that's not the point"),
            ("Eli", "18:14", reply),
            ("Dana", "18:15", answer),
        ],
        partner_a="Dana",
        partner_b="Eli",
    )


def test_repair_that_works() -> None:
    conv = _late_text(
        "ok you're right, I'm sorry. I should have texted",
        "thank you. I just get worried when I don't hear from you",
    )
    a = analyze(conv)
    assert "pursue.blame" in codes(a, 0)
    assert spans(a, conv, 1, "horseman.defensiveness") == ["well you"]
    assert codes(a, 3) >= {"repair.attempt", "antidote.responsibility"}
    assert repairs(a) == [(3, ("apology", "responsibility"), RepairOutcome.SUCCESS)]
    r = a.repairs[0]
    assert r.response_turn == 4
    assert r.negativity_after == 0.0
    assert a.metrics.repair_success_rate == 1.0
    assert negative_codes(a)[-1][0] == 2  # nothing negative after the repair


def test_repair_that_is_rejected() -> None:
    conv = _late_text(
        "I'm sorry ok? can we start over",
        "sorry doesn't fix anything. you always say sorry and then do it again",
    )
    a = analyze(conv)
    # a tag question and a plea to start over are not a stack of hostile questions
    assert "pursue.question_stack" not in codes(a, 3)
    assert repairs(a) == [(3, ("apology", "de-escalation"), RepairOutcome.FAILURE)]
    assert codes(a, 4) >= {"pursue.blame", "horseman.criticism"}
    assert "repair.attempt" not in codes(a, 4)  # "sorry doesn't fix anything" is no apology
    assert a.metrics.repair_success_rate == 0.0


# ------------------------------------------------------------ naming the cycle
def test_cycle_naming_deescalates() -> None:
    conv = chat(
        [
            ("Noor", "22:00", "are you ever going to answer my question about the trip or not"),
            ("Ravi", "22:03", "idk"),
            ("Noor", "22:04", "you always say idk. you need to actually decide something for once"),
            ("Ravi", "22:06", "fine"),
            ("Noor", "22:07", "FINE?? what is wrong with you"),
            (
                "Ravi",
                "22:10",
                "hey. I think we're in our loop again. I'm shutting down and you're chasing me "
                "and neither of us wants that",
            ),
            (
                "Noor",
                "22:11",
                "yeah... you're right. I'm pushing. I'm sorry. I just want us to plan something "
                "together",
            ),
            ("Ravi", "22:12", "me too. how about we look at dates together on saturday morning"),
            ("Noor", "22:14", "deal ❤️"),
        ],
        partner_a="Noor",
        partner_b="Ravi",
    )
    a = analyze(conv)
    assert spans(a, conv, 0, "pursue.pressure") == ["are you ever going to"]
    assert "withdraw.deny" not in codes(a, 2)  # "you always say idk" reports Ravi's words
    assert codes(a, 4) >= {"pursue.blame", "pursue.escalation"}
    assert spans(a, conv, 5, "cycle.naming") == ["we're in our loop again"]
    assert loops(a) == [("Noor", 0, 1, 2), ("Noor", 2, 3, 4)]
    assert cycles(a) == [("Noor", "Ravi", (0, 1))]
    # "idk", "fine": criterion (b); naming the cycle takes up the partner again and ends it
    assert episodes(a) == [
        ("Ravi", StonewallCriterion.WITHDRAWAL_REPLIES, 1, 5, EpisodeEnd.CONTENT)
    ]
    assert a.stonewalling[0].duration_seconds == 7 * 60
    assert repairs(a)[:3] == [
        (5, ("cycle naming",), RepairOutcome.SUCCESS),
        (6, ("apology", "responsibility"), RepairOutcome.SUCCESS),
        (7, ("problem-solving",), RepairOutcome.SUCCESS),
    ]
    assert all(not c.startswith(NEGATIVE_PREFIXES) for t in (5, 6, 7, 8) for c in codes(a, t))
    assert a.metrics.cycle_namings == 1
    assert a.recovery.recovered is True


# ------------------------------------------------------------- calm logistics
def test_calm_logistics_chat_has_no_negative_code_and_no_episode() -> None:
    conv = chat(
        [
            ("Kim", "08:12", "morning! did you book the vet for Luna?"),
            ("Jess", "08:20", "yes thurs 5:30, can you do drop off?"),
            ("Kim", "08:21", "yep I can leave work early"),
            ("Kim", "08:21:40", "also we're out of coffee ☕"),
            ("Jess", "08:45", "ok I'll grab some after work"),
            ("Kim", "08:46", "ty!! you're the best 😘"),
            (
                "Jess",
                "12:03",
                "what do you want for dinner? I was thinking tacos. or the thai place?",
            ),
            ("Kim", "12:30", "tacos 100%"),
            ("Jess", "12:31", "k"),
            ("Jess", "16:58", "can you grab milk on the way?"),
            ("Kim", "17:01", "ok"),
            ("Kim", "17:50", "running 10 min late, traffic is insane 🙃"),
            ("Jess", "17:52", "no worries, drive safe"),
            ("Kim", "18:05", "Perfect! see you soon"),
            ("Jess", "18:06", "OMG the dog just stole a whole taco!!! 😂"),
        ],
        partner_a="Kim",
        partner_b="Jess",
    )
    a = analyze(conv)
    assert negative_codes(a) == []
    assert len(conv.turns[2].messages) == 2  # 40 s apart: one turn
    assert codes(a, 8) == set()  # "ok" answers a yes/no request: not a minimal reply
    assert "antidote.appreciation" in codes(a, 4)
    assert a.stonewalling == ()
    assert a.loops == () and a.cycles == () and a.repairs == () and a.breaks == ()
    assert all(d.kind is DelayKind.PAUSE for d in a.delays)
    assert a.metrics.negative_codes == 0
    assert a.recovery.peak_block is None


def test_a_happy_day_with_swearing_jokes_and_goodbyes_has_no_negative_code() -> None:
    conv = chat(
        [
            ("Noa", "07:45", "how did you sleep?"),
            ("Eli", "07:50", "good! you?"),
            ("Noa", "07:51", "I'm good, the cat woke me up at 5 lol"),
            ("Eli", "07:53", "omg she's a menace 😂 you have to see what she did to the plant"),
            ("Noa", "12:10", "holy shit the dog just stole a whole taco off the counter!!!"),
            ("Eli", "12:12", "NO WAY 😂😂"),
            (
                "Noa",
                "17:30",
                "I'm done with work, heading home. you need to try the new ramen place by the "
                "station btw",
            ),
            ("Eli", "17:31", "ok but what time? I'm out till 7"),
            ("Noa", "17:33", "7:30 works. I was busy all day so I'm starving"),
            ("Eli", "17:34", "perfect. see you there, bye!"),
            ("Noa", "17:36", "damn I forgot my umbrella 🙃"),
            ("Eli", "22:40", "night, love you ❤️"),
            ("Noa", "22:41", "love you too. I'm going to bed too, gonna sleep like a rock"),
        ],
        partner_a="Noa",
        partner_b="Eli",
    )
    a = analyze(conv)
    # "I'm good" to "how did you sleep?" answers; "you have to see…" recommends; swearing,
    # capitals and "!!!" in joy; "ok but what time?", "I was busy" with nothing to defend
    # against; "perfect." and "bye!" as a closing; "I'm going to bed" to "night, love you"
    assert negative_codes(a) == []
    assert a.stonewalling == () and a.loops == () and a.breaks == ()
    assert "antidote.appreciation" in codes(a, 11)


def test_fine_to_a_concern_is_withdrawal_but_not_to_small_talk() -> None:
    conv = chat(
        [
            ("Jo", "18:00", "how was your day?"),
            ("Max", "18:20", "I'm good. long meeting"),
            ("Jo", "18:21", "coming to bed soon?"),
            ("Max", "18:22", "I'm going to bed in 10"),
            ("Jo", "21:00", "you seem really quiet tonight. are you ok?"),
            ("Max", "21:05", "fine"),
            ("Jo", "21:06", "what's wrong? you can tell me"),
            ("Max", "21:10", "I'm fine. just tired"),
        ],
        partner_a="Jo",
        partner_b="Max",
    )
    a = analyze(conv)
    # small talk: "I'm good" answers, "I'm going to bed" answers a question about bed
    assert negative_codes(a)[:1] == [(5, "withdraw.minimal")]
    # a concern raised: a bare "fine" is minimal, "I'm fine. just tired" denies
    assert spans(a, conv, 7, "withdraw.deny") == ["I'm fine", "just tired"]
    # no pursuit, no horseman: care is not conflict, so no stonewalling episode
    assert a.stonewalling == ()


# ---------------------------------------------------------- a therapy session
SESSION = [
    # block 0 (0-179 s)
    (
        "Dr. Rivera",
        0,
        10,
        "So last week you both said weekends were hard. Where would you like to start?",
    ),
    (
        "Hannah",
        12,
        30,
        "Um, Saturday I guess. He was on his phone the whole time and I felt really alone when "
        "we were out with the kids.",
    ),
    ("Marcus", 32, 42, "I was answering work stuff. It wasn't my fault the client called."),
    ("Hannah", 44, 54, "You always have an excuse. You never put the phone down for us."),
    ("Marcus", 56, 70, "Okay, that's fair. I'm sorry, I get why that felt lonely."),
    ("Hannah", 72, 84, "Thank you. I just miss you on the weekends."),
    ("Dr. Rivera", 90, 120, "Can you each say what happens in you when the phone comes out?"),
    (
        "Marcus",
        124,
        150,
        "Uh, I feel like whatever I do is wrong, so I kind of go quiet and wait for it to pass.",
    ),
    ("Hannah", 152, 168, "I didn't know you felt that way. That must be hard."),
    ("Marcus", 170, 186, "Yeah. It is. Thanks for hearing that."),
    # block 1 (180-359)
    ("Dr. Rivera", 200, 230, "What would you like him to know about the weekends, Hannah?"),
    ("Hannah", 232, 250, "Honestly you don't even care what I think. You're so distant lately."),
    ("Marcus", 252, 260, "That's not fair. I was just trying to help."),
    ("Hannah", 262, 272, "Whatever. You always say that."),
    ("Dr. Rivera", 280, 300, "Let me pause you both here. What just happened?"),
    (
        "Marcus",
        305,
        330,
        "Can we slow down? I don't want us to fight. I think we're in our loop again.",
    ),
    ("Hannah", 332, 345, "Yeah. You're right, I'm pushing. I'm sorry."),
    # block 2 (360-539)
    (
        "Dr. Rivera",
        365,
        400,
        "Notice what just happened between you. That was a repair, and it landed.",
    ),
    ("Hannah", 405, 425, "I want to try naming it earlier, when I notice I'm getting loud."),
    ("Marcus", 428, 446, "And I want to tell you when I need a minute instead of going quiet."),
    ("Dr. Rivera", 450, 480, "Those are two good practices for this week."),
    ("Hannah", 485, 500, "It helps to hear that we both want to change it."),
    # block 3 (540-719)
    ("Dr. Rivera", 545, 575, "Let's talk about the weekend plans themselves."),
    ("Marcus", 578, 600, "I could leave my phone in the car when we go out with the kids."),
    ("Hannah", 603, 620, "That would mean a lot to me."),
    ("Dr. Rivera", 690, 720, "Good. Anything else about the weekends?"),
    # block 4 (720-899)
    ("Hannah", 725, 740, "I still wish you'd put the phone away at dinner, you're always on it."),
    ("Marcus", 742, 750, "Fair. I'll work on it."),
    ("Dr. Rivera", 880, 900, "We're nearly at time."),
    # block 5 (900-)
    ("Marcus", 905, 920, "You're right. I'm sorry I tuned out on Saturday."),
    ("Hannah", 922, 935, "Thank you. That means a lot."),
]


def test_therapy_session_blocks_repair_timing_and_speaking_rate() -> None:
    conv = session(SESSION, therapists=("Dr. Rivera",), partner_a="Hannah", partner_b="Marcus")
    a = analyze(conv)
    # a hedge inside an elaborated answer is not a noncommittal dodge
    assert "withdraw.noncommittal" not in codes(a, 1)
    assert "antidote.gentle_startup" in codes(a, 1)
    assert spans(a, conv, 2, "horseman.defensiveness") == ["It wasn't my fault"]
    assert codes(a, 3) >= {"pursue.blame", "horseman.criticism"}
    assert "interest" in codes(a, 6)
    assert codes(a, 11) >= {"pursue.blame", "horseman.criticism"}
    assert codes(a, 15) >= {"repair.attempt", "cycle.naming"}
    assert "cycle.naming" in codes(a, 18)  # "when I notice I'm getting loud"
    # "I need a minute" in a calm stretch is a plan, not self-soothing in the moment
    assert "antidote.self_soothing" not in codes(a, 19)

    # blocks of 180 s from the first turn
    assert [(b.index, b.first_turn, b.last_turn) for b in a.blocks] == [
        (0, 0, 9),
        (1, 10, 16),
        (2, 17, 21),
        (3, 22, 25),
        (4, 26, 28),
        (5, 29, 30),
    ]
    assert [b.start for b in a.blocks] == [0, 200, 365, 545, 725, 905]
    assert a.blocks[1].negatives > a.blocks[1].positives
    assert a.blocks[2].negatives == 0

    assert [(r.turn, r.phase, r.outcome) for r in a.repairs] == [
        (4, Phase.EARLY, RepairOutcome.SUCCESS),  # 56 s in
        (8, Phase.EARLY, RepairOutcome.SUCCESS),  # 152 s in
        (15, Phase.MIDDLE, RepairOutcome.SUCCESS),  # 305 s in
        (16, Phase.MIDDLE, RepairOutcome.SUCCESS),
        (18, Phase.MIDDLE, RepairOutcome.SUCCESS),  # naming the cycle
        (29, Phase.LATE, RepairOutcome.SUCCESS),  # 905 s, within the last 3 minutes of 935
    ]
    assert a.repairs[1].types == ("empathy",)
    assert a.repairs[2].types == ("cycle naming", "de-escalation")
    assert a.metrics.repair_success_rate == 1.0

    # words per minute (fillers are speech too): 24 words in 18 s; 12 words in 10 s
    assert conv.turns[1].words_per_minute == pytest.approx(24 * 60 / 18)
    assert conv.turns[2].words_per_minute == pytest.approx(12 * 60 / 10)
    hannah = next(p for p in a.partners if p.speaker == "Hannah")
    rates = sorted(t.words_per_minute or 0.0 for t in conv.turns if t.speaker == "Hannah")
    assert len(rates) == hannah.turns == 12
    assert hannah.median_words_per_minute == pytest.approx((rates[5] + rates[6]) / 2, abs=1e-3)
    assert a.metrics.duration_seconds == 935
    assert a.stonewalling == ()
    assert a.metrics.cycle_namings == 2
    # the rolling balance (this block and the two before) is lowest at the late complaint,
    # and the session ends before it is back at the couple's baseline
    assert (a.recovery.peak_block, a.recovery.peak_turn) == (4, 26)
    assert a.recovery.recovered is False


# --------------------------------------------- stonewalling by each criterion
SOFIA = [
    ("Sofia", "23:05", "I can't believe you left the party without me. you're so selfish"),
    ("Mateo", "23:06", "i was tired"),
    ("Sofia", "23:07", "that's not an excuse, you need to tell me when you leave"),
    ("Sofia", "23:25", "hello??"),
    ("Sofia", "23:40", "are you seriously ignoring me right now"),
]


def test_stonewalling_a_unanswered_bids_censored_at_the_end_of_data() -> None:
    conv = chat(SOFIA, partner_a="Sofia", partner_b="Mateo")
    a = analyze(conv)
    assert "pursue.bid_in_silence" in codes(a, 3)
    assert "pursue.bid_in_silence" in codes(a, 4)
    assert episodes(a) == [
        ("Mateo", StonewallCriterion.UNANSWERED_BIDS, 2, None, EpisodeEnd.END_OF_DATA)
    ]
    ep = a.stonewalling[0]
    assert ep.censored is True
    assert ep.unanswered_bids == 3
    assert ep.pursuer_bids == 3
    assert ep.duration_seconds == 33 * 60  # 23:07 → 23:40
    assert ep.pursuer_bid_rate_per_hour == pytest.approx(3 / (33 / 60), abs=0.01)
    assert ep.trigger_turn == 2
    assert "excuse" in ep.trigger_words


def test_stonewalling_a_ends_when_the_listener_takes_up_content_next_morning() -> None:
    conv = chat(
        [
            *SOFIA,
            (
                "Mateo",
                "31:12",
                "sorry, I fell asleep. you're right, I should have told you I was leaving",
            ),
        ],
        partner_a="Sofia",
        partner_b="Mateo",
    )
    a = analyze(conv)
    assert episodes(a) == [("Mateo", StonewallCriterion.UNANSWERED_BIDS, 2, 5, EpisodeEnd.CONTENT)]
    ep = a.stonewalling[0]
    assert ep.censored is False
    assert ep.duration_seconds == (8 * 60 + 5) * 60  # 23:07 → 07:12
    assert "horseman.stonewalling" not in codes(a, 5)


def test_double_text_answered_at_once_is_not_stonewalling() -> None:
    conv = chat(
        [
            ("Sofia", "23:05", "you left without me. you're so selfish"),
            ("Sofia", "23:09", "why would you do that??"),
            (
                "Mateo",
                "23:10",
                "I'm sorry, I was exhausted and didn't want to pull you away from your friends",
            ),
        ],
        partner_a="Sofia",
        partner_b="Mateo",
    )
    a = analyze(conv)
    assert "pursue.blame" in codes(a, 0)
    assert a.stonewalling == ()


def test_stonewalling_b_denying_replies() -> None:
    conv = chat(
        [
            ("Lucy", "20:00", "you're being so cold all night. what's your problem"),
            ("Max", "20:03", "I'm fine"),
            ("Lucy", "20:04", "you're clearly not fine. talk to me"),
            ("Max", "20:10", "nothing's wrong, just tired"),
        ],
        partner_a="Lucy",
        partner_b="Max",
    )
    a = analyze(conv)
    assert codes(a, 0) >= {"pursue.blame", "horseman.criticism"}
    assert spans(a, conv, 1, "withdraw.deny") == ["I'm fine"]
    assert spans(a, conv, 2, "pursue.pressure") == ["talk to me"]
    assert "withdraw.deny" in codes(a, 3)
    assert episodes(a) == [
        ("Max", StonewallCriterion.WITHDRAWAL_REPLIES, 1, None, EpisodeEnd.END_OF_DATA)
    ]
    assert a.stonewalling[0].turns == (1, 2, 3)
    assert a.stonewalling[0].censored is True


def test_stonewalling_c_slow_and_minimal() -> None:
    conv = chat(
        [
            ("Ade", "17:00", "what time does the game start"),
            ("Bo", "17:01", "7"),
            ("Ade", "17:02", "cool want to watch at ours?"),
            ("Bo", "17:03", "sure, I'll get snacks"),
            ("Ade", "17:04", "nice"),
            ("Bo", "17:05", "oh and remind me to call my sister"),
            ("Ade", "17:06", "will do"),
            ("Bo", "17:07", "thanks"),
            (
                "Ade",
                "19:30",
                "you invited your brother without asking me again. you never ask me first",
            ),
            ("Bo", "20:15", "ok"),
            ("Ade", "20:16", "ok? that's all you have to say?"),
            (
                "Bo",
                "20:20",
                "I didn't think it would matter, he was alone tonight. I should have asked you "
                "first",
            ),
        ],
        partner_a="Ade",
        partner_b="Bo",
    )
    a = analyze(conv)
    assert codes(a, 8) >= {"pursue.blame"}
    assert "withdraw.minimal" in codes(a, 9)
    assert spans(a, conv, 10, "pursue.pressure") == ["that's all you have to say?"]
    assert episodes(a) == [("Bo", StonewallCriterion.SLOW_MINIMAL, 8, 11, EpisodeEnd.CONTENT)]
    ep = a.stonewalling[0]
    assert ep.turns == (8, 9, 10)
    assert ep.duration_seconds == 50 * 60  # 19:30 → 20:20
    assert (9, DelayKind.SHUTDOWN) in delays(a)
    assert next(d for d in a.delays if d.turn == 9).factor == 45.0
    assert loops(a) == [("Ade", 8, 9, 10)]
    assert a.cycles == ()  # one loop is not a cycle


def test_episode_ended_by_a_break_request() -> None:
    conv = chat(
        [
            (
                "Vic",
                "21:00",
                "why didn't you tell me your ex texted you? why do I have to find out from your "
                "phone?",
            ),
            ("Sam", "21:02", "idk"),
            ("Vic", "21:03", "you need to be honest with me. are you hiding something else?"),
            ("Sam", "21:06", "..."),
            ("Vic", "21:07", "hello?? answer me"),
            ("Sam", "21:09", "I'm getting overwhelmed. I need a break, can we talk in 30 min?"),
            ("Vic", "21:10", "ok. 30 min"),
            (
                "Sam",
                "21:40",
                "I'm back. She texted about returning my books, that's all. I should have told you",
            ),
        ],
        partner_a="Vic",
        partner_b="Sam",
    )
    a = analyze(conv)
    assert "pursue.question_stack" in codes(a, 0)
    assert "withdraw.minimal" in codes(a, 3)
    assert episodes(a) == [("Sam", StonewallCriterion.WITHDRAWAL_REPLIES, 1, 5, EpisodeEnd.BREAK)]
    assert a.stonewalling[0].censored is False
    assert a.stonewalling[0].duration_seconds == 7 * 60
    assert [(b.request_turn, b.agree_turn, b.return_turn, b.status) for b in a.breaks] == [
        (5, 6, 7, BreakStatus.HONOURED)
    ]
    assert codes(a, 7) >= {"break.return", "antidote.responsibility"}


# ------------------------------------------------------- roles flip by topic
def test_roles_flip_by_topic_in_one_conversation() -> None:
    conv = chat(
        [
            ("Ana", "19:00", "the trash is overflowing again. you never take it out unless I ask"),
            ("Ben", "19:04", "ok"),
            ("Ana", "19:05", "ok?? that's it? you need to actually do your share"),
            ("Ben", "19:09", "whatever"),
            ("Ana", "19:10", "see, this is what you always do"),
            ("Ben", "19:20", "fine I'll take it out now. can we talk about the money thing though"),
            ("Ana", "19:22", "not now"),
            (
                "Ben",
                "19:23",
                "you always say not now. you spent 400 on clothes and didn't even tell me",
            ),
            ("Ana", "19:30", "idk"),
            (
                "Ben",
                "19:31",
                "you need to tell me before you spend that much. why do you keep hiding it?",
            ),
            ("Ana", "19:37", "it's fine, I'll sort it"),
            ("Ben", "19:38", "it's NOT fine!!"),
        ],
        partner_a="Ana",
        partner_b="Ben",
    )
    a = analyze(conv)
    assert "withdraw.avoid" in codes(a, 6)
    assert "withdraw.avoid" not in codes(a, 7)  # Ana's words reported back
    assert loops(a) == [
        ("Ana", 0, 1, 2),
        ("Ana", 2, 3, 4),
        ("Ben", 7, 8, 9),
        ("Ben", 9, 10, 11),
    ]
    assert cycles(a) == [("Ana", "Ben", (0, 1)), ("Ben", "Ana", (2, 3))]
    # Ben: "ok", "whatever" (b); Ana's "idk" comes 7× slower than her usual minute (c)
    assert episodes(a) == [
        ("Ben", StonewallCriterion.WITHDRAWAL_REPLIES, 1, 5, EpisodeEnd.CONTENT),
        ("Ana", StonewallCriterion.SLOW_MINIMAL, 7, None, EpisodeEnd.END_OF_DATA),
    ]
    assert a.stonewalling[1].censored is True


# --------------------------------------------------------- over several days
def test_chat_over_several_days_with_an_overnight_break() -> None:
    conv = chat(
        [
            (
                "Rosa",
                "22:40",
                "you promised you'd call your mom about christmas and you still haven't. you never "
                "follow through",
            ),
            (
                "Eun",
                "22:45",
                "I know. I'm exhausted and I'll say something I regret. can we pick this up "
                "tomorrow at 10am?",
            ),
            ("Rosa", "22:47", "ok. 10am then. night"),
            (
                "Eun",
                "34:02",
                "morning. I'm ready to talk now. you're right that I keep putting it off, I'll "
                "call her tonight",
            ),
            ("Rosa", "34:05", "thank you. that means a lot ❤️"),
            ("Eun", "57:15", "called her!! she's bringing the pie 🥧"),
            ("Rosa", "57:20", "yay thank you for doing that"),
        ],
        partner_a="Rosa",
        partner_b="Eun",
    )
    a = analyze(conv)
    assert codes(a, 1) >= {"flooding", "break.request"}
    assert [(b.request_turn, b.agree_turn, b.return_turn, b.status) for b in a.breaks] == [
        (1, 2, 3, BreakStatus.HONOURED)
    ]
    b = a.breaks[0]
    assert b.agreed_seconds == (11 * 60 + 15) * 60  # 22:45 → 10:00 next day
    assert b.actual_seconds == (11 * 60 + 17) * 60
    assert b.within_bounds is True
    assert codes(a, 3) >= {"break.return", "antidote.responsibility"}
    assert a.stonewalling == ()
    assert a.delays == ()  # the night was an agreed time-out; day 3 is a calm message
    assert "pursue.escalation" not in codes(a, 5)
    assert a.metrics.duration_seconds == (57 * 60 + 20 - (22 * 60 + 40)) * 60


# ----------------------------------------------------- contempt and defensiveness
def test_contempt_and_defensiveness_exchange() -> None:
    conv = chat(
        [
            ("Zoe", "20:10", "you forgot to pay the electric bill. again. great job 🙄"),
            ("Liam", "20:12", "well you forgot the car insurance last month so"),
            ("Zoe", "20:13", "oh please. at least I don't lie about it"),
            ("Liam", "20:14", "I didn't lie, I just forgot. it's not like I did it on purpose"),
            ("Zoe", "20:15", "wow. real mature. you're pathetic"),
            ("Liam", "20:20", "whatever"),
        ],
        partner_a="Zoe",
        partner_b="Liam",
    )
    a = analyze(conv)
    assert spans(a, conv, 0, "horseman.contempt") == ["great job", "🙄"]
    assert spans(a, conv, 1, "horseman.defensiveness") == ["well you"]
    assert spans(a, conv, 2, "horseman.contempt") == ["oh please", "at least I don't"]
    assert spans(a, conv, 3, "horseman.defensiveness") == ["it's not like I"]
    assert spans(a, conv, 4, "horseman.contempt") == ["real mature", "pathetic"]
    assert "withdraw.minimal" in codes(a, 5)
    zoe = next(p for p in a.partners if p.speaker == "Zoe")
    liam = next(p for p in a.partners if p.speaker == "Liam")
    assert zoe.horsemen["horseman.contempt"] == 3
    assert liam.horsemen["horseman.defensiveness"] == 2
    # the defence right after contempt scores higher than the one without it
    d1 = next(c for c in a.codes_for(1) if c.code == "horseman.defensiveness")
    assert "right after the partner's criticism" in d1.explanation
    assert a.loops == ()  # defending is engaging, not withdrawing
    assert a.stonewalling == ()


# ---------------------------------------------------- validation and interest
def test_validation_and_interest_after_a_gentle_startup() -> None:
    conv = chat(
        [
            (
                "Ife",
                "18:30",
                "I felt really left out when you made plans with Sam without asking me",
            ),
            (
                "Chidi",
                "18:33",
                "that makes sense, I'd feel the same. tell me more about what it was like for you",
            ),
            ("Ife", "18:36", "I just felt like an afterthought, like I'm not a priority"),
            (
                "Chidi",
                "18:38",
                "I hear you. you're not an afterthought to me. how did it feel when I told you?",
            ),
        ],
        partner_a="Ife",
        partner_b="Chidi",
    )
    a = analyze(conv)
    assert spans(a, conv, 0, "antidote.gentle_startup") == ["I felt really left out when"]
    assert "validation" in codes(a, 1) and "interest" in codes(a, 1)
    assert spans(a, conv, 3, "validation") == ["I hear you"]
    assert "interest" in codes(a, 3)
    assert negative_codes(a) == []
    assert a.repairs == ()  # nothing negative to repair
    assert a.metrics.positive_negative_ratio is None
    assert a.metrics.positive_codes >= 4


# ----------------------------------------- negation and quoted speech in a fight
def test_negation_and_quoted_speech_inside_conflict() -> None:
    conv = chat(
        [
            ("Omar", "21:00", "why are you still mad about the dinner thing. you're so dramatic"),
            (
                "Beth",
                "21:02",
                "I'm not saying you always forget our plans. but tonight really hurt",
            ),
            (
                "Omar",
                "21:05",
                'my mom literally said "you always make everything about you" to me and now '
                "you're doing it too",
            ),
            (
                "Beth",
                "21:06",
                "I didn't say “you're so selfish”, I said it hurt. can we slow down?",
            ),
        ],
        partner_a="Omar",
        partner_b="Beth",
    )
    a = analyze(conv)
    assert spans(a, conv, 0, "pursue.blame") == ["you're so dramatic"]
    assert "pursue.blame" not in codes(a, 1)  # negated
    assert "pursue.blame" not in codes(a, 2)  # quoted speech
    assert "pursue.blame" not in codes(a, 3)  # quoted, typographic quotes
    assert repairs(a) == [(3, ("de-escalation",), RepairOutcome.UNDETERMINED)]


# ------------------------------------------------- a slow reply outside conflict
def test_slow_reply_outside_conflict_is_a_pause() -> None:
    conv = chat(
        [
            ("Theo", "09:00", "coffee before work?"),
            ("Nadia", "09:02", "yes pls"),
            ("Theo", "09:03", "oat or regular"),
            ("Nadia", "09:04", "oat 🙏"),
            ("Theo", "09:05", "done. thai tonight?"),
            ("Nadia", "12:20", "sorry was in back to back meetings! yes thai sounds good"),
            ("Theo", "12:21", "booked for 7"),
        ],
        partner_a="Theo",
        partner_b="Nadia",
    )
    a = analyze(conv)
    assert delays(a) == [(5, DelayKind.PAUSE)]
    # Nadia's median reply takes 2 minutes (09:02, 09:04 and this one)
    assert a.delays[0].factor == 11700 / 120
    assert a.stonewalling == ()
    assert negative_codes(a) == []


# ------------------------------------------------------- cycle strength figures
def test_cycle_strength_figures_for_a_clear_cycle() -> None:
    conv = chat(
        [
            ("Gabe", "09:00", "morning, did you sleep ok?"),
            ("Ines", "09:02", "yeah finally, thanks for asking"),
            (
                "Gabe",
                "09:03",
                "you never text me back during the day. you need to be more responsive",
            ),
            ("Ines", "09:08", "ok"),
            ("Gabe", "09:09", "ok? that's all you have to say?"),
            ("Ines", "09:15", "idk"),
            ("Gabe", "09:16", "this is exactly what I mean. you always shut me out"),
            ("Ines", "09:25", "fine"),
            ("Gabe", "09:30", "what time is your dentist appointment"),
            ("Ines", "09:31", "2:30, I'll be back by 4"),
            ("Gabe", "09:40", "you should have told me about it earlier"),
            ("Ines", "09:42", "sorry, I thought I did. it's on the fridge calendar"),
            ("Gabe", "09:43", "ok thanks"),
        ],
        partner_a="Gabe",
        partner_b="Ines",
    )
    a = analyze(conv)
    assert loops(a) == [("Gabe", 2, 3, 4), ("Gabe", 4, 5, 6)]
    assert cycles(a) == [("Gabe", "Ines", (0, 1))]
    cs = a.cycle_strength
    assert (cs.pursuer, cs.withdrawer) == ("Gabe", "Ines")
    # pairs (Gabe turn, Ines reply): pursued→withdrew 3, pursued→engaged 1, calm→engaged 2
    assert cs.p_withdraw_after_pursuit == 0.75
    assert cs.withdraw_base_rate == round(3 / 6, 4)
    # Yule's Q with the 0.5 correction for the empty cell: (3.5·2.5 − 1.5·0.5) / (… + …)
    assert cs.yules_q == round((3.5 * 2.5 - 1.5 * 0.5) / (3.5 * 2.5 + 1.5 * 0.5), 4)
    assert cs.yules_q is not None and cs.yules_q > 0
    assert cs.demand == {"Gabe": round(4 / 7, 4), "Ines": 0.0}
    assert cs.withdraw == {"Gabe": 0.0, "Ines": 0.5}
    assert cs.role_asymmetry == round(4 / 7 + 0.5, 4)
    assert cs.role_asymmetry > 0
    assert cs.loops_per_hour == round(2 / (43 / 60), 3)
    assert a.metrics.loops_per_hour == cs.loops_per_hour
    # the pursuer's negativity at each loop's pursuit: 3 codes, then 1 ("that's all…?")
    assert cs.escalation_slope == -2.0


# ------------------------------------------------------------------- more stories
def test_bids_outside_conflict_are_not_stonewalling() -> None:
    conv = chat(
        [
            ("Jess", "11:40", "back to back calls today ugh"),
            ("Kim", "12:00", "hey"),
            ("Kim", "12:30", "you there?"),
            ("Kim", "13:10", "hello??"),
            ("Jess", "13:25", "sorry!! was in a meeting, what's up"),
        ],
        partner_a="Kim",
        partner_b="Jess",
    )
    a = analyze(conv)
    assert "pursue.bid_in_silence" in codes(a, 2)
    assert "pursue.bid_in_silence" in codes(a, 3)
    assert "pursue.escalation" not in codes(a, 4)
    assert a.stonewalling == ()


def test_bids_rising_while_the_partner_is_silent() -> None:
    conv = chat(
        [
            ("Dan", "17:30", "leaving work at 6, will call after"),
            ("Jen", "21:00", "you promised you'd call after work. you never keep your word"),
            ("Jen", "21:30", "hello??"),
            ("Jen", "21:45", "??"),
            ("Jen", "21:50", "answer me"),
            ("Jen", "21:52", "are you seriously ignoring me"),
        ],
        partner_a="Jen",
        partner_b="Dan",
    )
    a = analyze(conv)
    for t in (2, 3, 4, 5):
        assert "pursue.bid_in_silence" in codes(a, t)
    assert episodes(a) == [
        ("Dan", StonewallCriterion.UNANSWERED_BIDS, 1, None, EpisodeEnd.END_OF_DATA)
    ]
    ep = a.stonewalling[0]
    assert ep.pursuer_bids == 5
    assert ep.unanswered_bids == 5
    assert ep.duration_seconds == 52 * 60
    assert ep.pursuer_bid_rate_per_hour == round(5 / (52 / 60), 2)
    jen = next(p for p in a.partners if p.speaker == "Jen")
    assert jen.bids == 4


def test_break_request_mocked_is_not_agreed() -> None:
    conv = chat(
        [
            ("Ola", "20:00", "you never help with the kids homework"),
            ("Ken", "20:01", "I'm overwhelmed. I need a break"),
            ("Ola", "20:02", "of course you need a break. you always run away when it's hard"),
        ],
        partner_a="Ola",
        partner_b="Ken",
    )
    a = analyze(conv)
    assert "break.agree" not in codes(a, 2)
    assert [(b.request_turn, b.agree_turn, b.status) for b in a.breaks] == [
        (1, None, BreakStatus.NOT_AGREED)
    ]
    assert a.breaks[0].agreed_seconds is None
    assert a.breaks[0].within_bounds is None
    assert a.stonewalling == ()


def test_break_too_short_to_calm_down() -> None:
    conv = chat(
        [
            ("Ola", "20:00", "you never help with the kids homework"),
            ("Ken", "20:01", "I need a break, 5 minutes"),
            ("Ola", "20:02", "ok, 5 min"),
            ("Ken", "20:07", "ok I'm back"),
        ],
        partner_a="Ola",
        partner_b="Ken",
    )
    a = analyze(conv)
    b = a.breaks[0]
    assert b.agreed_seconds == 5 * 60
    assert b.within_bounds is False
    assert b.status is BreakStatus.RETURNED_EARLY


def test_catching_the_shutdown_urge_before_acting_on_it() -> None:
    conv = chat(
        [
            ("Ola", "20:00", "you never listen to me, I have to repeat everything three times"),
            (
                "Ken",
                "20:02",
                "I'm starting to shut down. I need a break, can we talk in 30 minutes?",
            ),
            ("Ola", "20:03", "ok, 30 min. thank you for telling me"),
            (
                "Ken",
                "20:35",
                "ok I'm back and calmer. you're right that I zone out when you're talking, I want "
                "to work on that",
            ),
        ],
        partner_a="Ola",
        partner_b="Ken",
    )
    a = analyze(conv)
    assert spans(a, conv, 1, "cycle.naming") == ["I'm starting to shut down"]
    assert "break.request" in codes(a, 1)
    assert repairs(a)[0] == (1, ("cycle naming",), RepairOutcome.SUCCESS)
    assert a.breaks[0].status is BreakStatus.HONOURED
    assert a.breaks[0].actual_seconds == 33 * 60
    assert a.stonewalling == ()
    ken = next(p for p in a.partners if p.speaker == "Ken")
    assert ken.cycle_namings == 1


def test_exit_then_unanswered_bids() -> None:
    conv = chat(
        [
            (
                "Nadia",
                "23:30",
                "you're unbelievable. you promised you'd talk to your sister and you didn't",
            ),
            ("Theo", "23:32", "I'm going to bed"),
            ("Nadia", "23:33", "seriously? you're just going to walk away mid conversation?"),
            ("Nadia", "23:50", "typical. you always run away when it gets hard"),
        ],
        partner_a="Nadia",
        partner_b="Theo",
    )
    a = analyze(conv)
    assert spans(a, conv, 0, "horseman.contempt") == ["you're unbelievable"]
    assert spans(a, conv, 1, "withdraw.exit") == ["I'm going to bed"]
    assert codes(a, 3) >= {"pursue.blame", "horseman.contempt"}
    assert loops(a) == [("Nadia", 0, 1, 2)]
    assert a.cycles == ()
    assert episodes(a) == [
        ("Theo", StonewallCriterion.UNANSWERED_BIDS, 2, None, EpisodeEnd.END_OF_DATA)
    ]


def test_escalation_with_swearing_capitals_and_threats() -> None:
    conv = chat(
        [
            ("Jay", "22:00", "you're so selfish, you didn't even ask before inviting them"),
            ("Mo", "22:01", "I didn't think it mattered"),
            ("Jay", "22:02", "wtf. it MATTERS to me!!! I'm so done with you"),
            ("Mo", "22:03", "ok, let's both calm down. I'm not going anywhere"),
            ("Jay", "22:05", "ok. I'm sorry I swore"),
        ],
        partner_a="Jay",
        partner_b="Mo",
    )
    a = analyze(conv)
    assert spans(a, conv, 2, "pursue.escalation") == [
        "wtf",
        "MATTERS",
        "!!!",
        "I'm so done with you",
    ]
    assert repairs(a)[0][:2] == (3, ("de-escalation", "we're okay"))
    assert repairs(a)[0][2] is RepairOutcome.SUCCESS


def test_the_same_words_in_a_fight_do_count() -> None:
    conv = chat(
        [
            ("Kai", "17:40", "you forgot to pick up the kids. AGAIN. what is wrong with you"),
            ("Lu", "17:42", "yeah but I was busy, I told you that this morning"),
            ("Kai", "17:43", "you're always busy. I'm done. seriously?"),
            ("Lu", "17:45", "whatever. bye."),
        ],
        partner_a="Kai",
        partner_b="Lu",
    )
    a = analyze(conv)
    assert codes(a, 0) >= {"pursue.blame", "pursue.escalation"}
    assert spans(a, conv, 1, "horseman.defensiveness") == ["yeah but", "I was busy"]
    assert spans(a, conv, 2, "pursue.escalation") == ["I'm done", "seriously?"]
    assert spans(a, conv, 3, "withdraw.exit") == ["bye."]
    assert a.loops == ()  # no pursuit after the exit: no loop closes
    assert a.stonewalling == ()  # one exit is not (b), and nothing went unanswered


def test_humour_that_repairs() -> None:
    conv = chat(
        [
            ("Ana", "08:00", "you left the milk out AGAIN. seriously what is wrong with you"),
            ("Ben", "08:02", "guilty 😅 I'm a menace. I'll buy more on the way home"),
            ("Ana", "08:03", "haha ok fine. thank you"),
        ],
        partner_a="Ana",
        partner_b="Ben",
    )
    a = analyze(conv)
    assert codes(a, 0) >= {"pursue.blame", "pursue.escalation"}
    assert repairs(a) == [
        (1, ("humour",), RepairOutcome.SUCCESS),
        (2, ("humour",), RepairOutcome.UNDETERMINED),
    ]
    assert not any(c.startswith(NEGATIVE_PREFIXES) for c in codes(a, 2))


def test_apology_accepted_with_its_fine() -> None:
    conv = chat(
        [
            ("Eve", "19:00", "you were 40 min late and didn't even text. you always do this"),
            ("Raj", "19:02", "I'm really sorry, I should have texted. that's on me"),
            ("Eve", "19:03", "it's fine. just text next time pls"),
        ],
        partner_a="Eve",
        partner_b="Raj",
    )
    a = analyze(conv)
    assert "withdraw.deny" not in codes(a, 2)
    assert repairs(a) == [(1, ("apology", "responsibility"), RepairOutcome.SUCCESS)]


def test_words_thrown_back_are_not_the_speakers_withdrawal() -> None:
    conv = chat(
        [
            ("Tara", "18:00", "can we talk about your mom's visit"),
            ("Dev", "18:05", "not now"),
            ("Tara", "18:06", "not now?? then when. you always say later"),
        ],
        partner_a="Tara",
        partner_b="Dev",
    )
    a = analyze(conv)
    assert "withdraw.avoid" in codes(a, 1)
    assert not any(c.startswith("withdraw.") for c in codes(a, 2))
    assert "pursue.blame" in codes(a, 2)


def test_session_stonewalling_by_withdrawal_replies_with_the_therapist_present() -> None:
    conv = session(
        [
            ("Dr. Lee", 0, 8, "Sara, can you say what you need from Tom this week?"),
            (
                "Sara",
                10,
                25,
                "I need him to actually talk to me. You never tell me what's going on with you.",
            ),
            ("Tom", 27, 28, "I don't know."),
            ("Dr. Lee", 30, 36, "Tom, what comes up for you when Sara says that?"),
            ("Tom", 40, 41, "I'm fine."),
            ("Sara", 43, 50, "See? This is what he does. He just shuts down."),
            ("Tom", 58, 59, "Whatever."),
            (
                "Dr. Lee",
                61,
                75,
                "Let's slow down. Tom, I noticed you went quiet just now. What's happening inside "
                "you?",
            ),
            (
                "Tom",
                80,
                98,
                "Honestly, um, my heart is pounding and I can't think straight when she says "
                "never. I just freeze.",
            ),
        ],
        therapists=("Dr. Lee",),
        partner_a="Sara",
        partner_b="Tom",
    )
    a = analyze(conv)
    assert "pursue.blame" in codes(a, 1)
    assert codes(a, 2) >= {"withdraw.deny", "withdraw.minimal"}
    assert "withdraw.deny" in codes(a, 4)
    assert "withdraw.minimal" in codes(a, 6)
    assert "interest" in codes(a, 7)
    assert "flooding" in codes(a, 8)
    assert episodes(a) == [("Tom", StonewallCriterion.WITHDRAWAL_REPLIES, 2, 8, EpisodeEnd.CONTENT)]
    ep = a.stonewalling[0]
    assert ep.turns == (2, 4, 5, 6)
    assert ep.duration_seconds == 80 - 27
    assert ep.flooding_before is False
    assert all(r.speaker in ("Sara", "Tom") for r in a.repairs)


def test_session_bids_left_unanswered_while_the_therapist_prompts() -> None:
    conv = session(
        [
            ("Dr. Moss", 0, 6, "Priya, what do you need from Arjun about the move?"),
            ("Priya", 8, 18, "I need an answer. You never tell me what you actually want."),
            ("Dr. Moss", 19, 24, "Arjun, can you respond to that?"),
            ("Priya", 34, 40, "See? Nothing. Are you even listening to me?"),
            ("Arjun", 48, 50, "I don't know."),
            ("Dr. Moss", 52, 60, "Arjun, what's happening for you right now?"),
            (
                "Arjun",
                63,
                80,
                "Honestly I'm scared that if I say I don't want to move she'll be crushed, so I "
                "say nothing.",
            ),
        ],
        therapists=("Dr. Moss",),
        partner_a="Priya",
        partner_b="Arjun",
    )
    a = analyze(conv)
    assert "pursue.blame" in codes(a, 1)
    assert spans(a, conv, 3, "pursue.bid_in_silence") == ["Are you even listening to me"]
    assert "interest" in codes(a, 5)
    # two bids, the therapist's prompt between them, then 8 s of silence: criterion (a);
    # the therapist's question neither answers the bids nor ends the episode
    assert episodes(a) == [("Arjun", StonewallCriterion.UNANSWERED_BIDS, 1, 6, EpisodeEnd.CONTENT)]
    ep = a.stonewalling[0]
    assert ep.turns == (1, 3, 4)
    assert ep.unanswered_bids == 2
    assert ep.duration_seconds == 63 - 8


def test_rapid_messages_form_one_turn() -> None:
    conv = chat(
        [
            ("Pat", "19:00:00", "where are you"),
            ("Pat", "19:00:20", "you said 6"),
            ("Pat", "19:00:45", "this is the third time this week!!"),
            ("Ren", "19:40", "stuck on the train, phone died. so sorry"),
        ],
        partner_a="Pat",
        partner_b="Ren",
    )
    a = analyze(conv)
    assert len(conv.turns) == 2
    assert len(conv.turns[0].messages) == 3
    assert codes(a, 0) >= {"pursue.pressure", "pursue.escalation"}
    pressure = next(c for c in a.codes_for(0) if c.code == "pursue.pressure")
    assert conv.turns[0].message_at(pressure.start).text == "this is the third time this week!!"
    assert a.stonewalling == ()  # one bid, answered
    assert repairs(a) == [(1, ("apology",), RepairOutcome.UNDETERMINED)]


def test_giving_in_to_end_it_is_shutdown() -> None:
    conv = chat(
        [
            (
                "Ana",
                "20:00",
                "we're going to my parents for christmas this year, you need to tell your mom",
            ),
            ("Ben", "20:03", "do whatever you want"),
            ("Ana", "20:04", "that's not an answer. I'd like us to decide together"),
            ("Ben", "20:06", "fine, whatever you say"),
        ],
        partner_a="Ana",
        partner_b="Ben",
    )
    a = analyze(conv)
    assert spans(a, conv, 1, "withdraw.shutdown") == ["do whatever you want"]
    assert spans(a, conv, 3, "withdraw.shutdown") == ["fine, whatever you say"]
    assert "antidote.gentle_startup" in codes(a, 2)
    # criterion (b) counts minimal, denying and noncommittal replies, not giving in
    assert a.stonewalling == ()
    ben = next(p for p in a.partners if p.speaker == "Ben")
    assert ben.withdraw == 1.0


def test_noncommittal_dodges() -> None:
    conv = chat(
        [
            (
                "Mia",
                "21:00",
                "are you ever going to look for a new job or are you just going to keep "
                "complaining about this one",
            ),
            ("Leo", "21:05", "we'll see"),
            ("Mia", "21:06", "that's not an answer, you need to decide something"),
            ("Leo", "21:10", "it is what it is"),
            ("Mia", "21:11", "wow ok"),
        ],
        partner_a="Mia",
        partner_b="Leo",
    )
    a = analyze(conv)
    assert spans(a, conv, 1, "withdraw.noncommittal") == ["we'll see"]
    assert spans(a, conv, 3, "withdraw.noncommittal") == ["it is what it is"]
    assert loops(a) == [("Mia", 0, 1, 2)]
    assert episodes(a) == [
        ("Leo", StonewallCriterion.WITHDRAWAL_REPLIES, 1, None, EpisodeEnd.END_OF_DATA)
    ]
    assert a.stonewalling[0].turns == (1, 2, 3, 4)


def test_flooding_just_before_an_episode_is_flagged() -> None:
    conv = chat(
        [
            (
                "Rob",
                "20:00",
                "why are you always on your phone when I'm talking to you? do you even care what "
                "I'm saying?",
            ),
            ("Uma", "20:01", "I'm getting overwhelmed"),
            ("Rob", "20:02", "you're overwhelmed? you need to stop making everything about you"),
            ("Uma", "20:04", "ok"),
            ("Rob", "20:05", "OK?? seriously??"),
            ("Uma", "20:08", "k"),
        ],
        partner_a="Rob",
        partner_b="Uma",
    )
    a = analyze(conv)
    assert "flooding" in codes(a, 1)
    assert "withdraw.minimal" not in codes(a, 1)
    assert episodes(a) == [
        ("Uma", StonewallCriterion.WITHDRAWAL_REPLIES, 3, None, EpisodeEnd.END_OF_DATA)
    ]
    assert a.stonewalling[0].flooding_before is True
    assert a.stonewalling[0].trigger_turn == 2


def test_a_single_draft_message() -> None:
    conv = chat(
        [("Maya", "21:00", "Why can't you ever listen? Do you even care? WHAT IS WRONG WITH YOU")]
    )
    a = analyze(conv)
    assert codes(a, 0) >= {"pursue.question_stack", "pursue.blame", "pursue.escalation"}
    assert a.stonewalling == () and a.loops == () and a.repairs == ()


def test_processing_in_a_session_is_not_an_episode() -> None:
    conv = session(
        [
            ("Riley", 0, 5, "We had a nice week actually, mostly."),
            ("Jamie", 7, 10, "Yeah, the hike on Sunday was great."),
            ("Riley", 12, 16, "And your mum's birthday dinner."),
            ("Jamie", 18, 22, "That was fun, she loved the cake."),
            ("Dr. Okafor", 24, 30, "Jamie, what did you hear Riley say just now?"),
            (
                "Riley",
                32,
                44,
                "I asked why you never tell me when plans change. You always do this.",
            ),
            ("Jamie", 46, 52, "I heard that you were upset about Friday."),
            ("Riley", 54, 62, "Why didn't you just text me? Do you even think about me?"),
            (
                "Jamie",
                90,
                120,
                "I, um, I needed a moment to find the words. When plans change I get anxious and "
                "I freeze up about telling you, because I'm scared you'll be upset with me. I do "
                "think about you. I should have texted on Friday.",
            ),
            ("Riley", 122, 130, "Thank you for telling me that. I didn't know you got anxious."),
        ],
        therapists=("Dr. Okafor",),
        partner_a="Riley",
        partner_b="Jamie",
    )
    a = analyze(conv)
    assert codes(a, 5) >= {"pursue.blame"}
    assert codes(a, 7) >= {"pursue.question_stack"}
    # 28 s of silence against Jamie's usual 2 s, then an elaborated, on-topic answer
    assert delays(a) == [(8, DelayKind.PROCESSING)]
    assert "flooding" not in codes(a, 8)  # "I freeze up about telling you" is no freeze now
    assert a.stonewalling == ()
    assert repairs(a) == [
        (8, ("responsibility",), RepairOutcome.SUCCESS),
        (9, ("empathy",), RepairOutcome.UNDETERMINED),  # the data ends before a reply
    ]


def test_morning_after_apology_recalls_flooding_and_quotes_old_blame() -> None:
    conv = chat(
        [
            ("Ivy", "22:00", "you never listen to me. what is wrong with you"),
            ("Sol", "22:02", "idk"),
            ("Ivy", "22:03", "you need to answer me properly"),
            ("Sol", "22:05", "I'm going to bed"),
            ("Ivy", "22:06", "wow. ok. goodnight then"),
            (
                "Sol",
                "31:40",
                "I'm sorry about last night. I was completely overwhelmed and I couldn't think "
                "straight. I'm also sorry I said you never listen to me when I'm stressed, that "
                "wasn't fair",
            ),
            ("Ivy", "31:42", "thank you for saying that. I was hurt but I get it"),
        ],
        partner_a="Ivy",
        partner_b="Sol",
    )
    a = analyze(conv)
    assert spans(a, conv, 5, "flooding") == [
        "I was completely overwhelmed",
        "I couldn't think straight",
    ]
    assert {c.tag for c in a.codes_for(5) if c.code == "flooding"} == {"recalled"}
    assert "pursue.blame" not in codes(a, 5)  # "I said you never listen" reports old words
    # last night's flooding told the morning after: an elaborated reply, not a freeze now
    assert delays(a) == [(5, DelayKind.PROCESSING)]
    assert repairs(a)[0] == (5, ("apology",), RepairOutcome.SUCCESS)
    # "idk", then leaving: one withdrawal reply of (b) and an exit, so no episode by (b);
    # the bids were answered within minutes, so none by (a)
    assert a.stonewalling == ()
    assert loops(a) == [("Ivy", 0, 1, 2)]


def test_a_planned_break_in_a_session_is_not_a_break_request() -> None:
    conv = session(
        [
            ("Dr. Kaur", 0, 8, "What could you each do differently next time?"),
            (
                "Ben",
                10,
                24,
                "If I notice I'm flooding, I could say I need twenty minutes and that I'll come "
                "back, instead of just going silent.",
            ),
            ("Mel", 26, 34, "And I could ask one question instead of five."),
        ],
        therapists=("Dr. Kaur",),
        partner_a="Mel",
        partner_b="Ben",
    )
    a = analyze(conv)
    assert "break.request" not in codes(a, 1)
    assert a.breaks == ()
    assert negative_codes(a) == []


def test_backchannels_in_speech_are_listening_not_withdrawal() -> None:
    conv = session(
        [
            (
                "Ruth",
                0,
                20,
                "So on Tuesday my sister called and she was really upset about the house, and I "
                "just didn't know what to say to her at all",
            ),
            ("Ahmed", 18.5, 19.2, "Mm-hm."),
            ("Ruth", 20.5, 26, "and then I ended up crying in the car for like ten minutes"),
            ("Ahmed", 26.4, 27, "Yeah."),
            ("Ruth", 30, 38, "And you never even asked me how it went. You're so cold sometimes."),
            ("Ahmed", 45, 46, "Okay."),
        ],
        partner_a="Ruth",
        partner_b="Ahmed",
    )
    a = analyze(conv)
    for t in (1, 3):  # said over the partner, or promptly in a calm stretch
        assert "validation" in codes(a, t)
        assert "withdraw.minimal" not in codes(a, t)
    assert codes(a, 4) >= {"pursue.blame"}
    # a flat "Okay." seven seconds after a criticism is a minimal reply
    assert "withdraw.minimal" in codes(a, 5)
    assert "validation" not in codes(a, 5)


def test_an_invitation_inside_blame_is_not_interest() -> None:
    conv = chat(
        [
            ("Sam", "19:00", "the card bill came. it's way over again"),
            ("Alex", "19:02", "I know. I saw it"),
            (
                "Sam",
                "19:03",
                "So what happened? You said you'd stick to the budget. Why do you keep doing this?",
            ),
        ],
        partner_a="Sam",
        partner_b="Alex",
    )
    a = analyze(conv)
    assert "interest" not in codes(a, 2)
    assert codes(a, 2) >= {"pursue.blame", "pursue.question_stack"}


# ------------------------------------------------------------------------- speed
def _long_chat(messages: int) -> Conversation:
    story = [
        ("A", 0, "morning! coffee?"),
        ("B", 60, "yes pls"),
        ("A", 180, "you never take the bins out. you need to do your share"),
        ("B", 600, "k"),
        ("A", 660, "k?? thats it?"),
        ("B", 900, "idk"),
        ("A", 960, "hello??"),
        ("B", 2000, "I need a break, back in 30 minutes"),
        ("A", 2060, "ok, 30 min"),
        ("B", 3900, "I'm back. you're right, I'm sorry"),
    ]
    rows: list[tuple[str, str | float, str]] = []
    day = 0
    while len(rows) < messages:
        for who, at, text in story:
            rows.append((who, float(day * 86400 + at), text))
        day += 1
    return chat(rows[:messages], partner_a="A", partner_b="B")


@pytest.mark.slow
def test_a_long_chat_finds_every_repeated_episode() -> None:
    # Speed is measured by bench/engine.py (never asserted here): this checks that a
    # 20,000-message chat is read whole, every day's break and episode found.
    a = analyze(_long_chat(20000))
    assert len(a.breaks) == 2000
    assert len(a.stonewalling) == 2000
