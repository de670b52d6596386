"""Options shared by the commands that read conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
