"""The report's charts, drawn with matplotlib and written as inline SVG.

Matplotlib is used through ``Figure`` objects with an Agg canvas (never ``pyplot``), so no
global backend is switched; the few SVG settings are applied with ``rc_context`` for the
duration of one save only. Each chart is readable without colour: categories differ by marker
shape and hatching, bands carry text labels, and every SVG gets a ``<title>`` and ``<desc>``
that the report points to with ``aria-labelledby``.
"""

from __future__ import annotations

import io
import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from html import escape
from itertools import pairwise
from typing import Any, ParamSpec, TypeVar

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.typing import RcKeyType

from reattune.model.analysis import Analysis, DelayKind
from reattune.model.conversation import Conversation
from reattune.report.format import Clock, duration, short_duration

P = ParamSpec("P")
R = TypeVar("R")

INK = "#1a1a1a"
MUTED = "#5a5a5a"
GRID = "#d9d9d9"


@dataclass(frozen=True, slots=True)
class Category:
    """A family of codes as the charts and the text show it."""

    key: str
    label: str
    marker: str
    colour: str
    filled: bool = True


# Okabe-Ito colours (safe for colour-blind readers); shapes differ too.
CATEGORIES: tuple[Category, ...] = (
    Category("pursue", "pursuit", "^", "#C0470A"),
    Category("horseman", "horseman (criticism, contempt, defensiveness)", "X", "#000000"),
    Category("withdraw", "withdrawal", "v", "#0067A3"),
    Category("connect", "repair, antidote, validation, interest, naming", "o", "#007A5A"),
    Category("flooding", "flooding / freeze", "D", "#A8437F"),
    Category("break", "break protocol", "s", "#8A6100", filled=False),
)

_LANES = {"pursue": 0.4, "horseman": 0.27, "flooding": 0.14}
_LANES |= {"withdraw": -0.14, "connect": -0.27, "break": -0.4}


def category_of(code: str) -> str | None:
    """The chart category of a code; ``None`` for codes drawn as episodes instead."""
    if code == "horseman.stonewalling":
        return None
    if code == "horseman.criticism":
        return "horseman"
    family = code.split(".", 1)[0]
    if family in ("pursue", "withdraw", "horseman", "break"):
        return family
    if code == "flooding":
        return "flooding"
    return "connect"


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    description: str
    svg: str


_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
    "text.parse_math": False,
    "text.usetex": False,
}
"""Applied while a chart is built and saved, so names with ``$`` are never read as TeX and
the user's own matplotlibrc cannot restyle the report; restored afterwards."""


def _styled(build: Callable[P, R]) -> Callable[P, R]:
    @wraps(build)
    def styled(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(_RC):
            return build(*args, **kwargs)

    return styled


_ID = re.compile(r'\sid="([^"]+)"')
_REF = re.compile(r'(?:href="#|url\(#)([^")]+)')


def _finish(fig: Figure, chart_id: str, title: str, description: str) -> str:
    buffer = io.StringIO()
    settings: dict[RcKeyType, Any] = _RC | {
        "svg.hashsalt": f"reattune-{chart_id}",
        "svg.id": chart_id,
    }
    with matplotlib.rc_context(settings):
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    # Keep only ids something points to (salted per chart, so unique in the page).
    referenced = set(_REF.findall(svg))
    svg = _ID.sub(lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    head_end = svg.index(">") + 1
    head = svg[:head_end]
    head = re.sub(r'\s(?:width|height)="[^"]*"', "", head)
    head = head.replace(
        "<svg",
        f'<svg id="{chart_id}" class="chart" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc"',
        1,
    )
    accessible = (
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return head + accessible + svg[head_end:].strip()


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=72)
    FigureCanvasAgg(fig)
    return fig


def _style(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=9)
    ax.grid(axis="x", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)


def _span(conversation: Conversation) -> tuple[float, float] | None:
    times = [t.start for t in conversation.turns if t.start is not None]
    ends = [t.end if t.end is not None else t.start for t in conversation.turns]
    ends_known = [e for e in ends if e is not None]
    if not times:
        return None
    lo, hi = min(times), max(ends_known)
    pad = max((hi - lo) * 0.02, 1.0)
    return lo - pad, hi + pad


class TimeScale:
    """Conversation clock → chart x. Chats that run over hours or days have long silences
    (overnight, between days): those are drawn compressed, with a marked break and their length
    as a label, so the exchanges stay readable. Sessions are linear."""

    def __init__(self, clock: Clock, times: Sequence[float], lo: float, hi: float) -> None:
        self.clock = clock
        self.lo, self.hi = lo, hi
        ordered = sorted(set(times))
        span = max(hi - lo, 1.0)
        gaps: list[tuple[float, float]] = []
        if not clock.session:
            threshold = max(3 * 3600.0, 0.1 * span)
            gaps = [(a, b) for a, b in pairwise(ordered) if b - a > threshold]
        linear = span - sum(b - a for a, b in gaps)
        width = max(linear * 0.06, 60.0)
        self.gaps: list[tuple[float, float, float]] = []
        """(x where the break is drawn, gap start, gap end) on the clock."""
        ts, xs = [lo], [0.0]
        for a, b in gaps:
            margin = min((b - a) / 4, max(linear * 0.03, 120.0))
            a2, b2 = a + margin, b - margin
            xs.append(xs[-1] + (a2 - ts[-1]))
            ts.append(a2)
            xs.append(xs[-1] + width)
            ts.append(b2)
            self.gaps.append(((xs[-2] + xs[-1]) / 2, a, b))
        xs.append(xs[-1] + (hi - ts[-1]))
        ts.append(hi)
        self._ts, self._xs = ts, xs
        self.segments = [(ts[i], ts[i + 1]) for i in range(0, len(ts) - 1, 2)]

    def x(self, clock: float) -> float:
        ts, xs = self._ts, self._xs
        i = max(0, min(bisect_right(ts, clock) - 1, len(ts) - 2))
        t0, t1, x0, x1 = ts[i], ts[i + 1], xs[i], xs[i + 1]
        if t1 == t0:
            return x0
        return x0 + (clock - t0) * (x1 - x0) / (t1 - t0)

    def xs(self, clocks: Sequence[float]) -> list[float]:
        return [self.x(c) for c in clocks]

    def apply(self, ax: Axes, *, gap_labels: bool) -> None:
        total = self._xs[-1] - self._xs[0]
        positions: list[float] = []
        labels: list[str] = []
        for a, b in self.segments:
            share = (self.x(b) - self.x(a)) / max(total, 1.0)
            ticks, names = self.clock.ticks(a, b, target=max(2, round(8 * share)))
            positions += [self.x(t) for t in ticks]
            labels += names
        ax.xaxis.set_major_locator(FixedLocator(positions))
        ax.set_xticklabels(labels)
        ax.set_xlim(self._xs[0], self._xs[-1])
        for x, a, b in self.gaps:
            ax.axvline(x, color=MUTED, linewidth=1.0, linestyle=(0, (1, 2)), zorder=1)
            if gap_labels:
                ax.text(
                    x,
                    1.01,
                    f"{duration(b - a)} later",
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=INK,
                    zorder=5,
                    bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "linewidth": 0},
                )


def _scale(conversation: Conversation, clock: Clock) -> TimeScale | None:
    span = _span(conversation)
    if span is None:
        return None
    times = [t.start for t in conversation.turns if t.start is not None]
    return TimeScale(clock, times, *span)


@dataclass(frozen=True, slots=True)
class Band:
    start: float
    end: float
    label: str
    kind: str
    """``stonewalling`` or ``break``."""


def bands(conversation: Conversation, analysis: Analysis, name: Callable[[str], str]) -> list[Band]:
    """Stonewalling episodes and breaks as time ranges."""
    turns = conversation.turns
    out: list[Band] = []
    start: float | None
    end: float | None
    for episode in analysis.stonewalling:
        start = episode.start
        end = episode.end
        if end is None:
            last = turns[episode.last_turn]
            end = last.end if last.end is not None else last.start
        if start is None or end is None:
            continue
        label = f"stonewalling: {name(episode.listener)}"
        if episode.censored:
            label += " (to the end)"
        out.append(Band(start, end, label, "stonewalling"))
    for item in analysis.breaks:
        start = turns[item.request_turn].start
        end = None
        if item.return_turn is not None:
            end = turns[item.return_turn].start
        elif item.agreed_seconds is not None and start is not None:
            end = start + item.agreed_seconds
        if start is None or end is None:
            continue
        out.append(Band(start, end, f"break: {name(item.requester)}", "break"))
    return out


def _draw_bands(ax: Axes, scale: TimeScale, items: Sequence[Band], *, labels: bool) -> None:
    transform = ax.get_xaxis_transform()
    for band in items:
        start, end = scale.x(band.start), scale.x(band.end)
        if band.kind == "stonewalling":
            ax.axvspan(
                start,
                end,
                facecolor="#ececec",
                edgecolor="#8c8c8c",
                hatch="///",
                linewidth=0.0,
                zorder=0,
            )
        else:
            ax.axvspan(
                start,
                end,
                facecolor="#fbf1d9",
                edgecolor="#8A6100",
                hatch=".",
                linewidth=0.0,
                zorder=0,
            )
        if labels:
            ax.text(
                start,
                1.01,
                band.label,
                transform=transform,
                fontsize=8.5,
                color=INK,
                ha="left",
                va="bottom",
                clip_on=False,
            )


def _band_handles(items: Sequence[Band]) -> list[Patch]:
    kinds = {b.kind for b in items}
    handles = []
    if "stonewalling" in kinds:
        handles.append(
            Patch(facecolor="#ececec", edgecolor="#8c8c8c", hatch="///", label="stonewalling")
        )
    if "break" in kinds:
        handles.append(Patch(facecolor="#fbf1d9", edgecolor="#8A6100", hatch=".", label="break"))
    return handles


@_styled
def timeline(
    conversation: Conversation,
    analysis: Analysis,
    clock: Clock,
    speakers: Sequence[str],
    name: Callable[[str], str],
    episode_bands: Sequence[Band],
) -> Chart | None:
    scale = _scale(conversation, clock)
    if scale is None:
        return None
    rows = {speaker: -i for i, speaker in enumerate(speakers)}
    height = 1.45 + 1.1 * len(speakers)
    fig = _figure(10.0, height)
    bottom, top = 1.1 / height, 1 - 0.3 / height
    ax = fig.add_axes((0.13, bottom, 0.85, top - bottom))
    _style(ax)
    _draw_bands(ax, scale, episode_bands, labels=True)

    seen: dict[int, set[str]] = {}
    for code in analysis.codes:
        category = category_of(code.code)
        if category is not None:
            seen.setdefault(code.turn, set()).add(category)
    by_category: dict[str, tuple[list[float], list[float]]] = {c.key: ([], []) for c in CATEGORIES}
    for speaker, row in rows.items():
        mine = [t for t in conversation.turns if t.speaker == speaker and t.start is not None]
        starts = scale.xs([t.start for t in mine if t.start is not None])
        if clock.session:
            ends = scale.xs([t.end if t.end is not None else t.start or 0.0 for t in mine])
            ax.hlines([row] * len(starts), starts, ends, colors="#c4c4c4", linewidth=8, zorder=1)
        ax.scatter(
            starts, [row] * len(starts), marker="|", s=60, c="#6b6b6b", linewidths=1, zorder=2
        )
        for turn, x in zip(mine, starts, strict=True):
            for category in seen.get(turn.index, ()):
                xs, ys = by_category[category]
                xs.append(x)
                ys.append(row + _LANES[category])
    handles: list[Line2D | Patch] = [
        Line2D([], [], marker="|", linestyle="", color="#6b6b6b", markersize=9, label="turn")
    ]
    for c in CATEGORIES:
        xs, ys = by_category[c.key]
        if not xs:
            continue
        face = c.colour if c.filled else "white"
        ax.scatter(
            xs,
            ys,
            marker=c.marker,
            s=54,
            zorder=3,
            linewidths=1.2 if c.filled else 1.5,
            c=face,
            edgecolors="white" if c.filled else c.colour,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker=c.marker,
                linestyle="",
                markersize=7,
                label=c.label,
                markerfacecolor=face,
                markeredgecolor=c.colour,
            )
        )
    handles += _band_handles(episode_bands)
    for i in range(1, len(rows)):
        ax.axhline(-i + 0.5, color=GRID, linewidth=0.8, zorder=0)
    ax.set_yticks(list(rows.values()))
    ax.set_yticklabels([name(s) for s in rows], fontsize=10, fontweight="bold")
    ax.set_ylim(-len(rows) + 0.42, 0.58)
    ax.tick_params(axis="y", length=0)
    scale.apply(ax, gap_labels=True)
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=4,
        fontsize=8.5,
        handletextpad=0.4,
        columnspacing=1.4,
        bbox_to_anchor=(0.55, 0.0),
    )

    counts = {c.label: len(by_category[c.key][0]) for c in CATEGORIES if by_category[c.key][0]}
    parts = [
        f"{name(s)}: {sum(1 for t in conversation.turns if t.speaker == s)} turns" for s in rows
    ]
    bands_text = " ".join(
        f"Band '{b.label}' from {clock.label(b.start, long=True)} "
        f"to {clock.label(b.end, long=True)}."
        for b in episode_bands
    )
    gaps_text = " ".join(
        f"A silence of {duration(b - a)} is drawn compressed." for _, a, b in scale.gaps
    )
    desc = (
        f"Timeline from {clock.label(scale.lo, long=True)} to {clock.label(scale.hi, long=True)}. "
        + "; ".join(parts)
        + ". Coded turns by category: "
        + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none")
        + ". "
        + (bands_text or "No stonewalling episode or break.")
        + (" " + gaps_text if gaps_text else "")
    )
    return Chart(
        "chart-timeline",
        "Timeline: each person's turns over time, coded moves as marks",
        desc,
        _finish(fig, "chart-timeline", "Timeline of the conversation", desc),
    )


_DELAY_STYLE = {
    DelayKind.PROCESSING: ("o", "processing (slow, then a full reply)", False),
    DelayKind.SHUTDOWN: ("v", "shutdown (slow and minimal in conflict)", True),
    DelayKind.FREEZE: ("D", "freeze (says they cannot think)", True),
    DelayKind.PAUSE: ("s", "pause (slow, outside conflict)", False),
}
_LATENCY_TICKS = (
    1,
    2,
    5,
    10,
    30,
    60,
    120,
    300,
    600,
    1800,
    3600,
    7200,
    6 * 3600,
    86400,
    7 * 86400,
)
_LATENCY_MAJOR = (1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400)


def _latency_ticks(lo: float, hi: float) -> list[float]:
    ticks = [float(t) for t in _LATENCY_TICKS if lo <= t <= hi]
    if len(ticks) > 6:
        major = [float(t) for t in _LATENCY_MAJOR if lo <= t <= hi]
        ticks = major if len(major) >= 3 else ticks[::2]
    return ticks


@_styled
def latency(
    conversation: Conversation,
    analysis: Analysis,
    clock: Clock,
    partners: Sequence[str],
    name: Callable[[str], str],
    episode_bands: Sequence[Band],
) -> Chart | None:
    scale = _scale(conversation, clock)
    series: dict[str, list[tuple[float, float, int]]] = {p: [] for p in partners}
    for turn in conversation.turns:
        if turn.speaker in series and turn.latency is not None and turn.start is not None:
            series[turn.speaker].append((turn.start, turn.latency, turn.index))
    if scale is None or not any(series.values()):
        return None
    floor = 0.5
    values = [max(v, floor) for points in series.values() for _, v, _ in points]
    metrics = {m.speaker: m for m in analysis.partners}
    factor = float(analysis.settings.get("stonewall_latency_factor", 3.0))
    refs = [
        x
        for m in metrics.values()
        if m.speaker in series
        for x in (m.baseline_latency, m.median_latency and m.median_latency * factor)
        if x
    ]
    lo_v, hi_v = min(values + refs), max(values + refs)
    log = hi_v / max(lo_v, floor) > 25
    delays = {d.turn: d for d in analysis.delays}
    stonewalling = list(episode_bands)

    fig = _figure(10.0, 1.3 + 2.0 * len(partners))
    fig.subplots_adjust(hspace=0.38)
    axes = fig.subplots(len(partners), 1, sharex=True, squeeze=False)[:, 0]
    height = 1.3 + 2.0 * len(partners)
    fig.subplots_adjust(left=0.13, right=0.98, top=1 - 0.3 / height, bottom=1.05 / height)
    used_kinds: set[DelayKind] = set()
    desc_parts = []
    for ax, speaker in zip(axes, partners, strict=True):
        _style(ax)
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        _draw_bands(ax, scale, stonewalling, labels=False)
        points = series[speaker]
        xs = scale.xs([x for x, _, _ in points])
        ys = [max(v, floor) for _, v, _ in points]
        ax.plot(xs, ys, color="#9a9a9a", linewidth=0.8, zorder=2)
        ax.scatter(xs, ys, s=16, c="#3d3d3d", zorder=3)
        for kind, (marker, _, filled) in _DELAY_STYLE.items():
            chosen = [
                (x, y)
                for x, y, (_, _, i) in zip(xs, ys, points, strict=True)
                if i in delays and delays[i].kind is kind
            ]
            if chosen:
                used_kinds.add(kind)
                ax.scatter(
                    [x for x, _ in chosen],
                    [y for _, y in chosen],
                    marker=marker,
                    s=80,
                    c=INK if filled else "white",
                    edgecolors=INK,
                    linewidths=1.4,
                    zorder=4,
                )
        m = metrics.get(speaker)
        text = f"{name(speaker)}: {len(points)} replies"
        if m is not None and m.baseline_latency:
            ax.axhline(m.baseline_latency, color="#0067A3", linewidth=1.6, zorder=1)
            text += f", calm baseline {duration(m.baseline_latency)}"
        if m is not None and m.median_latency:
            ax.axhline(
                m.median_latency * factor, color="#C0470A", linewidth=1.4, linestyle="--", zorder=1
            )
            text += f", {factor:g}× own median = {duration(m.median_latency * factor)}"
        if points:
            slowest = max(points, key=lambda p: p[1])
            text += f", slowest {duration(slowest[1])} (turn {slowest[2]})"
        desc_parts.append(text + ".")
        ax.set_title(name(speaker), loc="left", fontsize=10, fontweight="bold", color=INK)
        if log:
            ax.set_yscale("log")
            ax.set_ylim(max(lo_v / 1.8, 0.3), hi_v * 1.8)
            ax.yaxis.set_major_locator(FixedLocator(_latency_ticks(lo_v / 1.8, hi_v * 1.8)))
            ax.yaxis.set_minor_locator(NullLocator())
        else:
            ax.set_ylim(0, hi_v * 1.15)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: short_duration(v)))
        ax.set_ylabel("reply after", fontsize=9)
    scale.apply(axes[-1], gap_labels=False)
    for ax in axes[:-1]:
        for x, _, _ in scale.gaps:
            ax.axvline(x, color=MUTED, linewidth=1.0, linestyle=(0, (1, 2)), zorder=1)
    handles: list[Line2D | Patch] = [
        Line2D(
            [],
            [],
            marker="o",
            markersize=4,
            color="#9a9a9a",
            markerfacecolor="#3d3d3d",
            label="reply latency",
        ),
        Line2D(
            [], [], color="#0067A3", linewidth=1.6, label="calm baseline (own median when calm)"
        ),
        Line2D(
            [],
            [],
            color="#C0470A",
            linewidth=1.4,
            linestyle="--",
            label=f"{factor:g}× own median (slow-reply threshold)",
        ),
    ]
    for kind, (marker, label, filled) in _DELAY_STYLE.items():
        if kind in used_kinds:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    linestyle="",
                    markersize=7,
                    label=label,
                    markerfacecolor=INK if filled else "white",
                    markeredgecolor=INK,
                )
            )
    handles += _band_handles(stonewalling)
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8.5, bbox_to_anchor=(0.55, 0))
    scale_word = "logarithmic" if log else "linear"
    desc = (
        f"Response latency per partner over time ({scale_word} scale), against their own "
        "baseline. " + " ".join(desc_parts)
    )
    return Chart(
        "chart-latency",
        "Response latency per partner against their own baseline",
        desc,
        _finish(fig, "chart-latency", "Response latency per partner", desc),
    )


@_styled
def balance(analysis: Analysis, clock: Clock) -> Chart | None:
    blocks = analysis.blocks
    if not blocks:
        return None
    recovery = analysis.recovery
    xs = list(range(len(blocks)))
    fig = _figure(10.0, 3.3)
    ax = fig.add_axes((0.09, 0.27, 0.89, 0.66))
    _style(ax)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    positives = [b.positives for b in blocks]
    negatives = [-b.negatives for b in blocks]
    # Positives above the axis, negatives below: bars, or filled steps when bars would be
    # too thin to see.
    for values, colour, edge, hatch in (
        (positives, "#d4eee4", "#007A5A", "///"),
        (negatives, "#f9e0d2", "#C0470A", "xx"),
    ):
        if len(blocks) <= 160:
            ax.bar(
                xs,
                values,
                width=0.7,
                color=colour,
                edgecolor=edge,
                hatch=hatch,
                linewidth=0.8,
                zorder=2,
            )
        else:
            ax.fill_between(
                xs,
                0,
                values,
                step="mid",
                color=colour,
                edgecolor=edge,
                hatch=hatch,
                linewidth=0.5,
                zorder=2,
            )
    rolling = [b.rolling for b in blocks]
    ax.plot(
        xs,
        rolling,
        color=INK,
        linewidth=1.8,
        marker="o" if len(blocks) <= 60 else None,
        markersize=3.5,
        zorder=4,
    )
    ax.axhline(0, color=MUTED, linewidth=0.8, zorder=1)
    ax.axhline(recovery.baseline, color="#0067A3", linewidth=1.3, linestyle=(0, (6, 3)), zorder=3)
    low = min(negatives + rolling + [recovery.baseline, 0])
    high = max(positives + rolling + [recovery.baseline, 0])
    pad = max((high - low) * 0.18, 1.0)
    ax.set_ylim(low - pad * 0.4, high + pad)
    top = ax.get_xaxis_transform()
    marks = []
    if recovery.peak_block is not None and recovery.peak_block < len(blocks):
        marks.append((recovery.peak_block, "negativity peak", "right"))
    if recovery.recovered_block is not None and recovery.recovered_block < len(blocks):
        marks.append((recovery.recovered_block, "back at baseline", "left"))
    for x, label, ha in marks:
        ax.axvline(x, color=INK, linewidth=1.0, linestyle=(0, (2, 2)), zorder=3)
        nudge = -0.08 if ha == "right" else 0.08
        ax.text(
            x + nudge,
            0.97,
            label,
            transform=top,
            ha=ha,
            va="top",
            fontsize=8.5,
            zorder=5,
            bbox={"boxstyle": "square,pad=0.2", "facecolor": "white", "linewidth": 0},
        )
    session = clock.session
    step = max(1, math.ceil(len(blocks) / 12))
    ticks = xs[::step]
    ax.set_xticks(ticks)
    if session:
        ax.set_xticklabels([clock.label(blocks[i].start) for i in ticks])
        ax.set_xlabel(f"{int(analysis.settings.get('block_seconds', 180) // 60)}-minute blocks")
    else:
        ax.set_xticklabels([str(i + 1) for i in ticks])
        ax.set_xlabel("exchange")
    ax.set_xlim(-0.7, len(blocks) - 0.3)
    ax.set_ylabel("codes", fontsize=9)
    handles = [
        Patch(facecolor="#d4eee4", edgecolor="#007A5A", hatch="///", label="positive codes"),
        Patch(facecolor="#f9e0d2", edgecolor="#C0470A", hatch="xx", label="negative codes (down)"),
        Line2D([], [], color=INK, linewidth=1.8, label="rolling balance"),
        Line2D(
            [],
            [],
            color="#0067A3",
            linewidth=1.3,
            linestyle=(0, (6, 3)),
            label=f"couple's baseline ({recovery.baseline:+.1f})",
        ),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8.5, bbox_to_anchor=(0.53, 0))
    unit = "3-minute blocks" if session else "exchanges"
    worst = min(blocks, key=lambda b: b.balance)
    best = max(blocks, key=lambda b: b.balance)
    desc = (
        f"Escalation and recovery balance over {len(blocks)} {unit}: positive codes up, "
        f"negative codes down, with the rolling balance and the couple's baseline "
        f"({recovery.baseline:+.2f}). Most negative block: {worst.index + 1} "
        f"(balance {worst.balance:+d}); most positive: {best.index + 1} "
        f"(balance {best.balance:+d}). {recovery.explanation}."
    )
    return Chart(
        "chart-balance",
        "Escalation and recovery balance",
        desc,
        _finish(fig, "chart-balance", "Escalation and recovery balance", desc),
    )
