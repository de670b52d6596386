"""Partner-violence and coercive-control detector, as scored spans.

The lexicon (``data/safety/violence.toml``) finds the signs; this module adds the
combinations the Danger Assessment and the Lethality Screen weigh:

- *gun with other abuse*: access to a gun counts as high danger when any other sign of abuse
  is present in the same text (alone it is a concern);
- *violence with control*: physical or sexual violence or threats together with control
  (monitoring, isolation, money, intimidation) raise the highest finding one step, because
  the pattern — not a single incident — is what predicts escalation.

Jokes lower a threat's score ("I'm going to kill you for spoiling the finale 😂"), never to
nothing when the rest of the text holds other signs. Three more readings lower a finding below
the concern level, recorded but not counted:

- *play, sport or fiction* in the same sentence ("he tackled me in flag football", "we
  play-wrestle and he pinned me on the couch", "in the movie he strangles her");
- *a past relationship that is over*: the text says it ended long ago or there is no contact,
  and nothing says it goes on ("we divorced six years ago and have had zero contact");
- *consensual location sharing* ("we both share our locations").

A gun on its own is recorded (owning one is no sign of abuse); with any other sign it is high
danger (Danger Assessment).
"""

from __future__ import annotations

import re
from dataclasses import replace

from reattune.coding.lexicon import lowered
from reattune.safety.findings import Domain, Finding, Subject
from reattune.safety.rules import load_rules

__all__ = ["CONTROL_CATEGORIES", "VIOLENCE_CATEGORIES", "detect_violence", "model_reads"]

VIOLENCE_CATEGORIES = frozenset(
    {"physical", "strangulation", "weapon", "threat", "sexual", "children_pets"}
)
CONTROL_CATEGORIES = frozenset(
    {"monitoring", "isolation", "financial", "intimidation", "emotional", "fear", "control"}
)
_SENTENCE_BREAK = re.compile(r"[.!?\n]")
_PLAY = re.compile(
    r"\b(?:play[- ]?(?:wrestl|fight)\w*|tickl\w*|(?:pillow|snowball|water|food|nerf) fights?|"
    r"roughhous\w*|horsing around|messing around|(?:flag |touch )?football|rugby|hockey|soccer|"
    r"basketball|lacrosse|dodgeball|sparring|jiu[- ]?jitsu|bjj|mma|judo|karate|paintball|"
    r"laser tag|(?:in|on|from|of) (?:the|a|this|that) (?:movie|film|show|series|episode|book|"
    r"novel|video game|play)|villain|the character)\b"
)
_PLAY_CATEGORIES = frozenset({"physical", "strangulation", "intimidation", "threat", "weapon"})
_ENDED = re.compile(
    r"\b(?:divorced|got out|left (?:him|her|them|that relationship)|split up|broke up|escaped|"
    r"ended (?:it|things)|my (?:last|former|previous) (?:boyfriend|girlfriend|partner|husband|"
    r"wife|relationship)|my ex)\b"
)
_LONG_AGO = re.compile(
    r"\b(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|many|several|a few|a couple of?)"
    r" years? (?:ago|since|later)|years ago|a decade ago|(?:zero|no) contact|haven['’]?t (?:seen|"
    r"heard from|spoken to|talked to) (?:him|her|them) (?:in|for|since)|(?:moved|lives) "
    r"(?:away|overseas|abroad|across the country)|remarried)\b"
)
_ONGOING = re.compile(
    r"\b(?:(?:he|she|they|my ex)(?:['’]?s| is| has| keeps)? (?:still|keeps|again)|still "
    r"(?:texting|calling|messaging|contacting|following|stalking|showing|turning|sending|"
    r"threaten\w*|harass\w*|watching|living with|with (?:him|her)|married|together|scared|"
    r"afraid|terrified)|keeps|yesterday|last night|tonight|this (?:week|morning)|right now|"
    r"restraining order|protective order|protection order|custody|court|(?:scared|afraid|"
    r"terrified) (?:of|that|he|she))\b"
)
_SHARED_LOCATION = re.compile(
    r"\b(?:we (?:both|each|all)|both of us|mutual\w*|we agreed|we decided|agreed to|each "
    r"other)\b[^.!?\n]{0,50}\blocations?\b|\blocations?\b[^.!?\n]{0,50}\b(?:with each other|"
    r"both ways|mutual\w*|we both|both of us)\b"
)
_JOKE = re.compile(r"(?:\blol\b|\blmao\b|\bhaha\w*|\bjk\b|\bjust kidding\b|😂|🤣|😜|😉|😆|😝)")


def _sentence(low: str, start: int, end: int) -> str:
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(low, 0, start)]
    lo = breaks[-1] if breaks else 0
    stop = _SENTENCE_BREAK.search(low, end)
    return low[lo : stop.start() if stop else len(low)]


def _lowered(f: Finding, factor: float, tag: str, why: str) -> Finding:
    return replace(
        f,
        score=round(f.score * factor, 4),
        tags=(*f.tags, tag),
        explanation=f.explanation + why,
    )


def _context(findings: list[Finding], low: str) -> list[Finding]:
    """Play or sport, a relationship that is over, and shared locations (module docstring)."""
    over = (
        _ENDED.search(low) is not None
        and _LONG_AGO.search(low) is not None
        and _ONGOING.search(low) is None
    )
    shared = "location" in low and _SHARED_LOCATION.search(low) is not None
    out = []
    for found in findings:
        f = found
        if over:
            f = _lowered(f, 0.4, "over", " — in a past relationship that has ended (recorded)")
        elif f.category in _PLAY_CATEGORIES and _PLAY.search(_sentence(low, f.start, f.end)):
            f = _lowered(f, 0.4, "play", " — in play, sport or fiction (recorded)")
        if shared and f.category == "monitoring" and "location" in low[f.start : f.end + 30]:
            f = _lowered(f, 0.4, "consensual", " — location shared by agreement (recorded)")
        out.append(f)
    return out


MODEL_MIN_WORDS = 15
"""The text model reads accounts — a post, a journal entry, a long message — not chat lines:
below this many words it is not asked (on the project's couple chats and coach drafts, short
lines gave false alarms; the lexicon reads them)."""

_PARTNER = re.compile(
    r"\b(?:he|she|him|her|his|hers|he['’]?s|she['’]?s|he['’]?d|she['’]?d|he['’]?ll|she['’]?ll|"
    r"husband|hubby|wife|wifey|partner|spouse|boyfriend|girlfriend|bf|gf|fianc[eé]e?|ex|dh|dw|"
    r"significant other|my so|other half|baby ?daddy|baby ?mama|lover)\b"
)
"""A partner, or a person the writer speaks of as he or she. Partner violence is done by
someone: of the 228 partner-violence messages and posts the model was trained on with the
lexicon (``ipv_eval.csv`` and half of the forum posts), 227 name one this way; accounts that
name nobody ("Work is the only thing that keeps me busy. I don't have any friends here.") read
like isolation to the model but tell of no partner."""


def model_reads(text: str) -> bool:
    """Whether the text model is asked about ``text`` at all: an account of at least
    :data:`MODEL_MIN_WORDS` words that names a partner or a he or she (:data:`_PARTNER`)."""
    return len(text.split()) >= MODEL_MIN_WORDS and _PARTNER.search(lowered(text)) is not None


_CONTEXT_TAGS = frozenset({"joking", "play", "over", "consensual", "negated", "quoted"})
"""Readings by which the lexicon lowered a sign on purpose: the text model never overrides
them."""


def model_finding(text: str) -> Finding | None:
    """The text model's finding (``data/models/ipv``), when it scores ``text`` at or above
    its threshold: a concern over the whole text, because it names no single sign."""
    # Imported here, not at the top: the model needs numpy, which costs a fresh process
    # about a tenth of a second; only an account long enough for the model pays for it.
    from reattune.learned.model import load_model

    model = load_model("ipv")
    p = float(model.predict_proba([text])[0, 0])
    threshold = model.thresholds["ipv"]
    if p < threshold:
        return None
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    score = 0.40 + 0.2 * (p - threshold) / max(1e-9, 1.0 - threshold)
    return Finding(
        domain=Domain.IPV,
        category="described",
        start=start,
        end=max(start, end),
        score=round(min(0.6, score), 4),
        explanation=f"reads like the partner-violence and control accounts the screen was "
        f"trained on (text model p = {p:.2f}, threshold {threshold:.2f}); no single sign is "
        "named, so it is a concern to check, not a finding of abuse",
        rule="model.ipv",
        subject=Subject.SELF,
        tags=("model",),
    )


def detect_violence(text: str, *, use_model: bool = True) -> list[Finding]:
    """Every partner-violence finding in ``text`` (counted or not), sorted by position: the
    lexicon's, and — for an account of at least :data:`MODEL_MIN_WORDS` words that names a
    partner or a he or she (:func:`model_reads`), where the lexicon counts nothing and lowered
    nothing on purpose (a joke, play, a relationship long over, an agreement, a negation, a
    quotation) — the text model's."""
    findings = _rule_findings(text)
    if (
        use_model
        and model_reads(text)
        and not any(f.counts or _CONTEXT_TAGS.intersection(f.tags) for f in findings)
    ):
        extra = model_finding(text)
        if extra is not None:
            findings = sorted([*findings, extra], key=lambda f: (f.start, -f.score))
    return findings


def _rule_findings(text: str) -> list[Finding]:
    findings = load_rules("violence").findings(text)
    if not findings:
        return findings
    low = lowered(text)
    findings = _context(findings, low)
    if _JOKE.search(low):
        findings = [
            replace(
                f,
                score=round(f.score * 0.4, 4),
                tags=(*f.tags, "joking"),
                explanation=f.explanation + " — in a joking message (still recorded)",
            )
            if f.category == "threat"
            else f
            for f in findings
        ]
    counted = [f for f in findings if f.counts and f.subject is not Subject.NOBODY]
    if not counted:
        return findings
    categories = {f.category for f in counted}
    others = categories - {"weapon"}
    out: list[Finding] = []
    for found in findings:
        f = found
        if f.rule == "weapon.access" and others and "negated" not in f.tags:
            f = replace(
                f,
                score=0.9,
                tags=(*f.tags, "combined"),
                explanation=f.explanation.split(" (Danger")[0] + " — alongside other abuse"
                " (Danger Assessment: gun access with abuse is high danger)",
            )
        out.append(f)
    if categories & VIOLENCE_CATEGORIES and categories & CONTROL_CATEGORIES:
        top = max(out, key=lambda f: f.score if f.counts else -1.0)
        if top.score < 0.85:
            raised = replace(
                top,
                score=round(min(0.85, top.score + 0.1), 4),
                tags=(*top.tags, "combined"),
                explanation=top.explanation + " — together with controlling behaviour",
            )
            out = [raised if f is top else f for f in out]
    out.sort(key=lambda f: (f.start, -f.score))
    return out
