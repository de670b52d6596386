"""The WebVTT parser's fast path for common cues gives what the general path gives.

``WebVTTParser.read(source, quick=False)`` reads every block by the general path (blocks,
``_cue``, ``RuleTally``, ``split_cue``, ``CueBuilder``); the default reads common cues
(identifier, plain timing, one text line without markup) in one regex match. Files built
from tricky pieces — identifiers that look like timings or keywords, timings with settings or
without hours, names with brackets, dashes and colons, markup, whitespace-only separators —
must give equal results both ways.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reattune.errors import MalformedFileError
from reattune.ingest import ParseOptions, source_from_bytes
from reattune.ingest.base import ParseResult
from reattune.ingest.formats.webvtt import (
    _SIMPLE_CUE,
    WebVTTParser,
    parse_timing,
    plausible_name,
    speaker_prefix,
)
from reattune.ingest.turns import build_turns

PARSER = WebVTTParser()


def read(text: str, quick: bool, gap: float = 60.0) -> ParseResult | str:
    source = source_from_bytes(text.encode("utf-8"), "session.vtt")
    try:
        return PARSER.read(source, ParseOptions(turn_gap_seconds=gap), quick=quick)
    except MalformedFileError as exc:
        return f"{exc.code} {exc}"


def same_both_ways(text: str, gap: float = 60.0) -> ParseResult | str:
    quick, general = read(text, True, gap), read(text, False, gap)
    if isinstance(quick, str) or isinstance(general, str):
        assert quick == general
        return quick
    # the turns made in the parser's pass are those build_turns makes of its messages
    assert quick.turn_gap_seconds == general.turn_gap_seconds == gap
    assert quick.turns == general.turns == build_turns(tuple(quick.messages), gap)
    assert quick.messages == general.messages
    assert [type(m) for m in quick.messages] == [type(m) for m in general.messages]
    assert quick.warnings == general.warnings
    assert quick.fragments == general.fragments
    assert quick.structural_lines == general.structural_lines
    assert quick.details == general.details
    return quick


IDENTS = ("1", "42", " 7 ", "a1b2-c3/12-0", "NOTE", "NOTE x", "STYLE", "x --> y", "-", "(Ana)")
TIMINGS = (
    "00:00:01.000 --> 00:00:02.500",
    "01:02:03.456 --> 01:02:04.000",
    "02:03.456 --> 02:05.000",
    "1:02:03.456 --> 1:02:04.000",
    "00:61:00.000 --> 00:62:00.000",
    "00:00:05.000 --> 00:00:04.000",
    "00:00:01.000 --> 00:00:02.000 align:start",
    " 00:00:01.000 --> 00:00:02.000",
    "00:00:01.000  -->  00:00:02.000",
    "00:00:01,000 --> 00:00:02,000",
    "0:1.5 --> 0:2.5",
    "00:00:00.1 --> 00:00:00.20",
    "1234567:00:00.000 --> 1234567:00:01.000",
    "999999:59:59.999 --> 999999:59:59.999",
    "--> 00:00:01.000",
    "00:00:0\u0665.000 --> 00:00:0\u0666.000",  # Arabic-Indic digits: \\d, not [0-9]
    "\u0660\u0660:00:01.000 --> 00:00:02.\u0660\u0660\u0660",
    "00:00:0\u0665.000 --> 00:00:06.000",
    "00:00:05.000 --> 00:00:0\u0666.000",
)
WORDS = (
    "Ana",
    "Dr. Lee",
    "Note",
    "yes",
    "hi",
    ":",
    ": ",
    " ",
    "\t",
    "\u00a0",
    "\u2003",
    "\x1c",
    "[",
    "]",
    "(",
    ")",
    "-",
    "\u2013",
    "_",
    "1",
    "\u00b2",
    "\u00e9",
    "<v Ana>",
    "</v>",
    "<i>",
    "&amp;",
    "&",
    "<",
    "-->",
    "?",
)
SEPARATORS = ("\n\n", "\n\n", "\n\n\n", "\n \n", "\n\u00a0\n", "\n", "\n\n \n\n")


def timing_from(h: int | None, m: int, s: int, ms: int) -> str:
    hours = "" if h is None else f"{h:02d}:"
    return f"{hours}{m:02d}:{s:02d}.{ms:03d}"


times = st.builds(
    timing_from,
    st.one_of(st.none(), st.integers(0, 120), st.integers(0, 999_999)),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 999),
)
timings = st.one_of(st.sampled_from(TIMINGS), st.builds(lambda a, b: f"{a} --> {b}", times, times))
text_lines = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map("".join)
plain_lines = st.lists(
    st.sampled_from([w for w in WORDS if "<" not in w and "&" not in w]), min_size=1, max_size=6
).map("".join)
any_block = st.builds(
    lambda ident, timing, texts: "\n".join([*ident, *timing, *texts]),
    st.lists(st.sampled_from(IDENTS), max_size=1),
    st.lists(timings, max_size=1),
    st.lists(text_lines, max_size=3),
)
LABELS = (
    "Ana: ",
    "Ana:",
    "Ana:\t",
    "Ben:\u00a0 ",
    "Dr. Lee: ",
    "[Ana] ",
    "[Ben]",
    "[A&amp;B] ",
    "[Ana <i>] ",
    "- Ana: ",
    "\u2013 Ben:  ",
    "-Ana: ",
    "Note: ",
    "(Ana)",
    "(Ben) ",
    "(Dr. Lee)",
    "1Ana: ",
    "_Ana: ",
    "\u00e9l: ",
    "Ana Maria Lopez Garcia Perez Diaz: ",
    "A" * 40 + ": ",
    "A" * 41 + ": ",
    "[" + "B" * 40 + "] ",
    "[" + "B" * 41 + "] ",
    "Ana:x ",
    "Ana: Ben: ",
)
ODD_TEXTS = ("-", "\u2013", "- ", "\u2013\t", "(Ana)", "(Ana) ", "()", "(?)")


@st.composite
def files(draw: st.DrawFn) -> str:
    """A WebVTT file: mostly common cues whose speaker labels come from a few (so that some
    labels count), between other blocks and separators."""
    labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=3))
    labelled = st.builds(
        lambda label, words, end: label + words + end,
        st.sampled_from(labels),
        plain_lines | st.just(""),
        st.sampled_from(("", "", " ", "\t", "\u00a0")),
    )
    common = st.builds(
        lambda ident, timing, text: "\n".join([*ident, timing, text]),
        st.lists(st.sampled_from(IDENTS), max_size=1),
        timings,
        labelled | labelled | plain_lines | st.sampled_from(ODD_TEXTS),
    )
    parts = draw(
        st.lists(
            st.tuples(st.one_of(common, common, any_block), st.sampled_from(SEPARATORS)),
            min_size=1,
            max_size=8,
        )
    )
    body = "".join(block + separator for block, separator in parts)
    return "WEBVTT\n\n" + body.rstrip("\n") + draw(st.sampled_from(("", "\n", "\n\n", " \n")))


NAMED = (
    "Ana: ",
    "Ana:",
    "Ben:\u00a0 ",
    "Dr. Lee: ",
    "[Ana] ",
    "[ Ben ]",
    "- Ana: ",
    "\u2013 Ben:  ",
    "[" + "B" * 40 + "] ",
    "[A&ampB] ",  # an entity without ";", which html.unescape reads: the general path's
)
NAMED_ENDS = ("",) * 6 + (" <i>x</i>", " &amp;", "\t")


@st.composite
def named_files(draw: st.DrawFn) -> str:
    """A file of common cues that (nearly) all open with a speaker's name — the shape read in
    one pass — now and then with a cue or block of another kind, a backward or equal timing,
    an empty text, identifiers or none."""
    labelled = st.builds(
        lambda label, words, end: label + words + end,
        st.sampled_from(NAMED),
        plain_lines | st.just(""),
        st.sampled_from(NAMED_ENDS),
    )
    common = st.builds(
        lambda ident, timing, text: "\n".join([*ident, timing, text]),
        st.lists(st.sampled_from(("1", "2", "17", "x1", " 3 ", "x --> y")), max_size=1),
        timings,
        labelled,
    )
    odd = st.one_of(any_block, st.builds(lambda t: f"00:00:01.000 --> 00:00:02.000\n{t}", LINES))
    separator = st.sampled_from(("\n\n",) * 16 + ("\n\n\n", "\n \n"))
    parts = draw(st.lists(st.tuples(common, separator), min_size=1, max_size=10))
    if draw(st.integers(0, 3)) == 0:  # now and then, one block of another kind
        parts.insert(draw(st.integers(0, len(parts))), (draw(odd), draw(separator)))
    body = "".join(block + separator for block, separator in parts)
    text = "WEBVTT\n\n" + body.rstrip("\n") + draw(st.sampled_from(("", "\n", "\n\n", " \n")))
    return text.replace("\n", draw(st.sampled_from(("\n", "\n", "\n", "\r\n", "\r"))))


LINES = st.sampled_from(("Ana: hi", "hi", "(Ana)", "Note: x", "<v Ana>hi", "- Ana:", "[music] x"))


@settings(max_examples=600)
@given(named_files(), st.sampled_from((60.0, 60.0, 0.0, 3.0)))
@example("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna: hi\n\n", 60.0)
@example(
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna:\n\n00:00:00.500 --> 00:00:02.000\n[Ben] x", 60.0
)
@example(
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna: a\n\n"
    "2\n00:00:02.000 --> 00:00:03.000\nAna: b",
    0.0,
)
def test_named_files_read_the_same_both_ways(text: str, gap: float) -> None:
    same_both_ways(text, gap)


@settings(max_examples=600)
@given(files())
@example("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAna: hi")
@example("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n(Ana)\n")
@example("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n-\n")
@example("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n00:00:03.000 --> 00:00:04.000\nhi")
def test_random_files_read_the_same_both_ways(text: str) -> None:
    same_both_ways(text)


@settings(max_examples=200)
@given(files(), st.sampled_from((0.0, 1.0, 2.5, 60.0, -1.0)))
def test_turns_for_any_gap(text: str, gap: float) -> None:
    same_both_ways(text, gap)


def zoom_like(n: int) -> str:
    cues = []
    for i in range(n):
        who = ("Dr. Lee", "Ana", "Ben")[i % 3]
        a, b = timing_from(0, i // 60, i % 60, 7 * i % 1000), timing_from(0, i // 60, i % 60, 999)
        cues.append(f"{i + 1}\n{a} --> {b}\n{who}: words number {i}")
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def test_timings_in_other_digits_read_the_same_both_ways() -> None:
    # \\d also matches Arabic-Indic digits (which int() reads); the fast path takes ASCII only
    for timing in TIMINGS[-4:]:
        for text in ("Ana: hi", "hi"):
            result = same_both_ways(f"WEBVTT\n\n1\n{timing}\n{text}\n\n2\n{timing}\n{text}\n")
            assert not isinstance(result, str)
            assert (result.messages[0].start, result.messages[0].end) == parse_timing(timing)


def test_a_zoom_file_takes_the_fast_path_and_reads_the_same() -> None:
    text = zoom_like(200)
    result = same_both_ways(text)
    assert not isinstance(result, str)
    assert len(result.messages) == 200
    assert result.messages[1].sender == "Ana"
    assert result.messages[1].text == "words number 1"
    assert result.details["dialect"] == "zoom"
    # every cue of this file is a common cue
    pos, matched = text.index("1\n"), 0
    while (m := _SIMPLE_CUE.match(text, pos)) is not None:
        pos, matched = m.end(), matched + 1
    assert matched == 200


def test_mixed_files_read_the_same_both_ways() -> None:
    common = (
        "1\n00:00:01.000 --> 00:00:02.000\nAna: hi\n\n2\n00:00:02.000 --> 00:00:03.000\nBen: ok"
    )
    teams = "3f2c/12-0\n00:00:03.000 --> 00:00:04.000\n<v Ana Smith>yes</v>"
    meet = "00:00:04.000 --> 00:00:05.000\n(Ana)\nwell\n-\n \n(Ben)\nfine"
    note = "NOTE a remark\nover two lines"
    bad = "7\n00:99:00.000 --> 00:99:01.000\nlost"
    for order in (
        [common, teams, common],
        [note, common, meet, common],
        [common, bad, common],
        [meet, common],
        [common, "x --> y\nz", common],
    ):
        same_both_ways("WEBVTT\nKind: captions\n\n" + "\n\n".join(order) + "\n")


@settings(max_examples=500)
@given(text_lines)
def test_the_prefix_read_from_the_cue_pattern_is_speaker_prefix(line: str) -> None:
    m = _SIMPLE_CUE.match(f"00:00:01.000 --> 00:00:02.000\n{line}\n\n")
    if m is None:
        return  # markup, a blank line, a leading space: the general path reads it
    *_, said, bracket, colon, rest, _tail = m.groups()
    assert said == line
    expected = speaker_prefix(line.strip())
    if bracket is None and colon is None:
        assert expected is None
        return
    label = (bracket or colon).strip()
    if expected is None:  # matched, but not a plausible name
        assert not plausible_name(label)
        return
    assert (label, rest.strip(), "bracket" if bracket is not None else "colon") == (
        expected[0],
        expected[1].strip(),
        expected[2],
    )


@settings(max_examples=500)
@given(times, times)
def test_timings_read_as_parse_timing_reads_them(a: str, b: str) -> None:
    line = f"{a} --> {b}"
    result = read(f"WEBVTT\n\n{line}\nAna: hi\n", True)
    expected = parse_timing(line)
    if isinstance(result, str):
        assert expected is None
        return
    assert expected is not None
    assert (result.messages[0].start, result.messages[0].end) == expected
