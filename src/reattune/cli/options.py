"""Options shared by the commands that read conversations."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from reattune.ingest import DEFAULT_TURN_GAP_SECONDS, DateOrder, ParseOptions
from reattune.ingest.source import DEFAULT_MAX_BYTES

Files = Annotated[
    list[Path],
    typer.Argument(
        help="Chat exports or transcripts (.txt, .zip, .json, .csv, .vtt, .srt).",
        show_default=False,
    ),
]
Format = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="Skip sniffing and read as this format (see `reattune formats`)."
    ),
]
Encoding = Annotated[
    str | None,
    typer.Option(help="Text encoding (default: BOM, UTF-16 pattern, else UTF-8)."),
]
DateOrderOpt = Annotated[
    DateOrder | None,
    typer.Option(
        "--date-order",
        help="For numeric dates that fit both orders (default: decided from the whole file).",
    ),
]
Timezone = Annotated[
    str, typer.Option(help="IANA zone for times written without one (WhatsApp, plain text).")
]
TurnGap = Annotated[
    float,
    typer.Option(
        "--turn-gap",
        min=0.0,
        help="Seconds under which one sender's consecutive messages form one turn.",
    ),
]
PartnerA = Annotated[str | None, typer.Option("--partner-a", help="Speaker who is partner A.")]
PartnerB = Annotated[str | None, typer.Option("--partner-b", help="Speaker who is partner B.")]
Therapist = Annotated[
    list[str] | None,
    typer.Option("--therapist", help="Speaker who is the therapist (repeatable)."),
]
MaxBytes = Annotated[
    int, typer.Option("--max-bytes", min=1, help="Largest file to read, in bytes.")
]


def parse_options(
    *,
    format: str | None = None,
    encoding: str | None = None,
    date_order: DateOrder | None = None,
    timezone: str = "UTC",
    turn_gap: float = DEFAULT_TURN_GAP_SECONDS,
    partner_a: str | None = None,
    partner_b: str | None = None,
    therapist: list[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParseOptions:
    options = ParseOptions(
        format=format,
        encoding=encoding,
        date_order=date_order,
        timezone=timezone,
        turn_gap_seconds=turn_gap,
        partner_a=partner_a,
        partner_b=partner_b,
        therapists=tuple(therapist or ()),
        max_bytes=max_bytes,
    )
    options.zone()  # a bad zone is a settings error before any file is read
    return options


R = TypeVar("R")

_READING_TYPES: dict[str, Any] = {
    "format": Format,
    "encoding": Encoding,
    "date_order": DateOrderOpt,
    "timezone": Timezone,
    "turn_gap": TurnGap,
    "partner_a": PartnerA,
    "partner_b": PartnerB,
    "therapist": Therapist,
    "max_bytes": MaxBytes,
}
"""The command-line type of each of ``parse_options``' parameters (its default is the value
the option takes when it is not given)."""


def reading_options(command: Callable[..., R]) -> Callable[..., R]:
    """A command with the options that say how to read its files (``--format`` to
    ``--max-bytes``: every parameter of :func:`parse_options`) in place of its ``options``
    parameter, which it receives as the :class:`ParseOptions` that ``parse_options`` makes of
    them; the rest of its signature, and the order of its options, stay as they are."""

    own = inspect.signature(command, eval_str=True)
    kind = own.parameters["options"].kind
    reading = [
        p.replace(kind=kind, annotation=_READING_TYPES[p.name])
        for p in inspect.signature(parse_options).parameters.values()
    ]
    params = [q for p in own.parameters.values() for q in (reading if p.name == "options" else [p])]

    @functools.wraps(command)
    def with_options(*args: Any, **kwargs: Any) -> R:
        options = parse_options(**{p.name: kwargs.pop(p.name, p.default) for p in reading})
        return command(*args, options=options, **kwargs)

    # typer reads a command's parameters from its signature and its type hints.
    with_options.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    with_options.__annotations__ = {p.name: p.annotation for p in params}
    with_options.__annotations__["return"] = own.return_annotation
    return with_options
