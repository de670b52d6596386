"""The HTML report: self-contained, accessible, escaped, redactable, fast."""

from __future__ import annotations

import dataclasses
import re
from itertools import pairwise
from pathlib import Path

import pytest

import reattune
from reattune.errors import RoleMappingError
from reattune.ingest import ParseOptions
from reattune.model.codes import CodeSpan, EvidenceKind
from reattune.report import SECTION_IDS, render_html
from tests.report.helpers import (
    EXAMPLE_FILES,
    SESSION_OPTIONS,
    example,
    example_report,
    parse,
    write_session,
)

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
RESOURCE_ATTRIBUTES = ("src", "href", "xlink:href", "srcset", "action", "poster", "data")


@pytest.mark.parametrize("file", EXAMPLE_FILES)
@pytest.mark.parametrize("redact", [False, True])
def test_every_section_is_there_with_a_heading(file: str, redact: bool) -> None:
    page = parse(example_report(file, redact))
    ids = page.by_id()
    for section in SECTION_IDS:
        assert section in ids, section
        assert ids[section].tag == "section"
        assert ids[section].attrs["aria-labelledby"] == f"{section}-h"
        assert ids[f"{section}-h"].tag == "h2"
    nav = {a.attrs["href"] for a in page.find("a")}
    assert {f"#{s}" for s in SECTION_IDS} <= nav


@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_no_network_resources_and_no_script(file: str) -> None:
    html = example_report(file)
    page = parse(html)
    for element in page.elements:
        for name in RESOURCE_ATTRIBUTES:
            value = element.attrs.get(name)
            if value is not None:
                assert not EXTERNAL.match(value), (element.tag, name, value)
                assert not value.lower().startswith(("http:", "https:", "javascript:")), value
    assert not re.search(r"(?i)(?:src|href)\s*=\s*[\"']?\s*https?:", html)
    assert "<script" not in html.lower()
    assert not page.find("iframe") and not page.find("img") and not page.find("object")
    assert not [e for e in page.find("link") if e.attrs.get("rel") != "icon"]
    assert not re.search(r"(?i)url\(\s*['\"]?\s*(?:https?:)?//", html)
    assert "@import" not in html and "@font-face" not in html
    csp = next(
        e for e in page.find("meta") if e.attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp.attrs["content"]


@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_every_svg_has_an_accessible_name_and_description(file: str) -> None:
    page = parse(example_report(file))
    ids = page.by_id()
    svgs = page.find("svg")
    assert len(svgs) == 3
    for svg in svgs:
        assert svg.attrs.get("role") == "img"
        refs = svg.attrs.get("aria-labelledby", "").split()
        assert len(refs) == 2, svg.attrs
        title, desc = (ids[r] for r in refs)
        assert title.tag == "title" and len(title.text.strip()) > 10
        assert desc.tag == "desc" and len(desc.text.strip()) > 40
        assert "width" not in svg.attrs and "viewbox" in svg.attrs


@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_landmarks_headings_links_and_ids(file: str) -> None:
    html = example_report(file)
    page = parse(html)
    assert len(page.find("main")) == 1 and page.find("nav") and page.find("header")
    assert page.find("footer")
    first_link = page.find("a")[0]
    assert first_link.attrs["href"] == "#main" and "skip" in first_link.attrs["class"]
    levels = [int(e.tag[1]) for e in page.elements if re.fullmatch(r"h[1-6]", e.tag)]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in pairwise(levels):
        assert after <= before + 1, levels
    ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    targets = set(ids)
    for a in page.find("a"):
        href = a.attrs.get("href", "")
        if href.startswith("#"):
            assert href[1:] in targets, href
    assert '<html lang="en">' in html
    assert "@media print" in html


@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_every_turn_is_an_anchor_and_every_code_is_marked_and_labelled(file: str) -> None:
    conversation, analysis = example(file)
    html = example_report(file)
    page = parse(html)
    ids = page.by_id()
    for turn in conversation.turns:
        assert ids[f"turn-{turn.index}"].tag == "li"
    transcript = html[html.index('id="transcript"') :]
    for code in {c.code for c in analysis.codes}:
        assert f">{code}<" in transcript, code
    assert transcript.count("<mark") >= len({c.turn for c in analysis.codes})
    for episode in analysis.stonewalling:
        assert f'href="#turn-{episode.start_turn}"' in html


@pytest.mark.parametrize("file", EXAMPLE_FILES)
def test_the_summary_reads_the_cycle_in_the_codebooks_spirit(file: str) -> None:
    _, analysis = example(file)
    html = example_report(file)
    summary = html[html.index('id="summary"') : html.index('id="timeline"')]
    for measure in ("Yule", "Role asymmetry", "composites", "Escalation slope", "Loops per hour"):
        assert measure in summary
    assert "name the loop" in summary
    if analysis.loops:
        assert "disconnection" in summary and "flooding" in summary
        assert "not indifference" in summary
    glossary = html[html.index('id="glossary"') : html.index('id="transcript"')]
    assert "code-pursue-blame" in glossary and "global attack on character" in glossary


def test_the_break_example_shows_adherence() -> None:
    html = example_report("whatsapp_break_honoured.txt")
    breaks = html[html.index('id="breaks"') : html.index('id="glossary"')]
    assert "honoured" in breaks and "30 min" in breaks and "31 min" in breaks


def test_untrusted_text_is_escaped(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(
        "14/03/2024, 18:02 - Ana: <script>alert('you always do this')</script> Why do you "
        "always do this?\n"
        '14/03/2024, 18:40 - Ben: "><img src=x onerror=alert(1)> k\n'
        "14/03/2024, 18:41 - Ana: </textarea><svg onload=alert(2)> hello??\n",
        encoding="utf-8",
    )
    conversation = reattune.load(chat, ParseOptions(partner_a="Ana", partner_b="Ben"))
    analysis = reattune.analyze(conversation)
    html = render_html(conversation, analysis, title="<b>Ana & Ben</b>")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<svg onload" not in html and "&lt;svg onload=alert(2)&gt;" in html
    assert "<b>Ana" not in html and "&lt;b&gt;Ana &amp; Ben&lt;/b&gt;" in html
    assert "onerror=" not in re.sub(r"&lt;.*?&gt;", "", html)


PRIVATE = (
    "Maya Levi",
    "Maya",
    "Levi",
    "Daniel",
    "Okafor",
    "+44 7700 900123",
    "maya.levi@example.com",
    "https://example.com/budget",
    "221B Baker Street",
    "SW1A 1AA",
    "4111 1111 1111 1111",
    "12/03/1988",
    "@maya_l",
)


def test_a_redacted_report_leaks_no_name_or_identifier(tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Maya Levi.txt"
    chat.write_text(
        "14/03/2024, 18:02 - Maya Levi: Daniel, are you coming home? Call me on +44 7700 900123\n"
        "14/03/2024, 18:40 - Daniel Okafor: k\n"
        "14/03/2024, 18:41 - Maya Levi: Why do you always do this? Send it to "
        "maya.levi@example.com or see https://example.com/budget\n"
        "14/03/2024, 19:55 - Maya Levi: Hello?? I'm at 221B Baker Street, SW1A 1AA\n"
        "14/03/2024, 19:56 - Maya Levi: Are you even reading these? Okafor!!!\n"
        "14/03/2024, 20:30 - Daniel Okafor: fine. card 4111 1111 1111 1111, my DOB: 12/03/1988\n"
        "14/03/2024, 20:31 - Maya Levi: Don't ignore me. Ask @maya_l\n"
        "14/03/2024, 21:15 - Daniel Okafor: I'm sorry Maya. I was overwhelmed and shut down\n",
        encoding="utf-8",
    )
    options = ParseOptions(partner_a="Maya Levi", partner_b="Daniel Okafor")
    conversation = reattune.load(chat, options)
    analysis = reattune.analyze(conversation)
    plain = render_html(conversation, analysis)
    shared = render_html(conversation, analysis, redact=True)
    assert "Maya Levi" in plain and "+44 7700 900123" in plain
    for secret in PRIVATE:
        assert secret not in shared, secret
        assert secret.lower() not in shared.lower(), secret
    for placeholder in ("Partner A", "Partner B", "[phone]", "[email]", "[url]", "[address]"):
        assert placeholder in shared, placeholder
    for placeholder in ("[postcode]", "[card number]", "[date of birth]", "[handle]"):
        assert placeholder in shared, placeholder
    assert 'class="redacted"' in shared
    assert "redacted for sharing" in shared


def test_a_custom_title_is_used_and_redacted() -> None:
    conversation, analysis = example("whatsapp_pursue_withdraw_night.txt")
    html = render_html(conversation, analysis, redact=True, title="Maya and Daniel, March")
    assert "<title>Partner A and Partner B, March</title>" in html


def test_rendering_is_deterministic() -> None:
    conversation, analysis = example("zoom_session_weekends.vtt")
    assert render_html(conversation, analysis) == render_html(conversation, analysis)


@pytest.mark.slow
def test_a_one_hour_session_renders_every_turn(tmp_path: Path) -> None:
    # The time it takes is measured by bench/report.py (never asserted here).
    path = tmp_path / "session.vtt"
    write_session(path, hours=1.0)
    conversation = reattune.load(path, SESSION_OPTIONS)
    html = render_html(conversation, reattune.analyze(conversation))
    turns = len(conversation.turns)
    assert turns > 400
    assert html.count('class="turn ') == turns


def test_a_code_over_an_identifier_masks_it_whole_inside_one_mark(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(
        "14/03/2024, 18:02 - Ana: Why do you always ignore me? Call +44 7700 900123 now\n"
        "14/03/2024, 18:40 - Ben: k\n",
        encoding="utf-8",
    )
    conversation = reattune.load(chat, ParseOptions(partner_a="Ana", partner_b="Ben"))
    analysis = reattune.analyze(conversation)
    text = conversation.turns[0].text
    start = text.index("Call") + 3  # "l +44 7700 9" straddles the phone number's start
    span = CodeSpan("pursue.pressure", 0, start, start + 12, 0.9, "test", EvidenceKind.RULE, "t")
    analysis = dataclasses.replace(analysis, codes=(*analysis.codes, span))
    html = render_html(conversation, analysis, redact=True)
    assert "7700" not in html and "900123" not in html
    assert re.search(
        r'<mark class="m-pursue" title="test">l '
        r'<span class="redacted"[^>]*>\[phone\]</span></mark>',
        html,
    )


def test_rendering_leaves_matplotlib_global_state_alone() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    backend = matplotlib.get_backend()
    conversation, analysis = example("whatsapp_break_honoured.txt")
    render_html(conversation, analysis)
    assert dict(matplotlib.rcParams) == before
    assert matplotlib.get_backend() == backend


FIXTURES = sorted(p for p in (Path(__file__).parents[1] / "fixtures").rglob("*") if p.is_file())


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_parser_fixture_renders(path: Path) -> None:
    try:
        conversation = reattune.load(path, ParseOptions())
    except RoleMappingError:
        # three speakers: the first to speak in these sessions is the therapist
        first = reattune.load(path, ParseOptions(), strict_roles=False).turns[0].speaker
        conversation = reattune.load(path, ParseOptions(therapists=(first,)))
    analysis = reattune.analyze(conversation)
    for redact in (False, True):
        page = parse(render_html(conversation, analysis, redact=redact))
        ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
        assert len(ids) == len(set(ids))
        assert all(s in ids for s in SECTION_IDS)
        for a in page.find("a"):
            href = a.attrs.get("href", "")
            assert not href.startswith("#") or href[1:] in ids, href


def test_a_speaker_name_with_markup_or_dollars_is_plain_text_everywhere(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    name = "Ca$h $\\alpha$ <i>x</i>"
    chat.write_text(
        f"14/03/2024, 18:02 - {name}: Why do you always ignore me?\n"
        "14/03/2024, 18:40 - Ben: k\n"
        f"14/03/2024, 18:41 - {name}: hello??\n",
        encoding="utf-8",
    )
    conversation = reattune.load(chat, ParseOptions())
    html = render_html(conversation, reattune.analyze(conversation))
    assert "<i>" not in html
    assert "Ca$h $\\alpha$ &lt;i&gt;x&lt;/i&gt;" in html
    timeline = html[html.index('<svg id="chart-timeline"') :]
    assert "Ca$h $\\alpha$ &lt;i&gt;x&lt;/i&gt;" in timeline[: timeline.index("</svg>")]
