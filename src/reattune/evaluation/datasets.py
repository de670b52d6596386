"""Readers for the public evaluation files (UCC, AnnoMI, EPITOME) in their published CSV form.

Every reader checks the columns and values it needs and raises a catalogued error naming
the file, the line and what was expected there: :class:`~reattune.errors.SourceNotFoundError`
for a missing file or folder, :class:`~reattune.errors.MalformedFileError` for anything that
cannot be read as the expected table. Messages never quote the text of a row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from reattune.errors import MalformedFileError, SourceNotFoundError

__all__ = [
    "ANNOMI_BEHAVIOURS",
    "ANNOMI_TALK_TYPES",
    "EPITOME_MECHANISMS",
    "SUBSTANTIVE_WORDS",
    "UCC_ATTRIBUTES",
    "AnnomiData",
    "EpitomeData",
    "UccData",
    "find_epitome_files",
    "is_substantive",
    "read_annomi",
    "read_epitome",
    "read_ucc",
]

UCC_ATTRIBUTES = (
    "hostile",
    "antagonize",
    "dismissive",
    "condescending",
    "generalisation",
    "sarcastic",
    "unhealthy",
)
"""The UCC attributes the ``ucc`` model predicts; ``unhealthy`` is ``healthy == 0``."""

ANNOMI_BEHAVIOURS = ("question", "reflection", "therapist_input", "other")
ANNOMI_TALK_TYPES = ("change", "neutral", "sustain")
EPITOME_MECHANISMS = ("emotional_reactions", "interpretations", "explorations")
_EPITOME_PREFIX = {
    "emotional_reactions": "emotional-reactions",
    "interpretations": "interpretations",
    "explorations": "explorations",
}

_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)


@dataclass(frozen=True)
class UccData:
    path: Path
    sha256: str
    texts: list[str]
    labels: dict[str, NDArray[np.int64]]
    """0/1 majority labels per attribute in :data:`UCC_ATTRIBUTES`."""
    confidence: dict[str, NDArray[np.float64]] | None
    """Per attribute, the annotators' confidence in the majority label (when present)."""


SUBSTANTIVE_WORDS = 4
"""An utterance of fewer words is a back-channel ("Mm-hmm.", "Yeah, okay."), not context.

Transcripts cut a client's long turn wherever the therapist says "Mm-hmm": the turn the
client is answering is then the therapist's last utterance that said something."""

_SIMPLE_WORD = re.compile(r"[a-z0-9']+")


def is_substantive(text: str) -> bool:
    """Whether ``text`` has :data:`SUBSTANTIVE_WORDS` words or more (not a back-channel)."""

    return len(_SIMPLE_WORD.findall(text.lower())) >= SUBSTANTIVE_WORDS


@dataclass(frozen=True)
class AnnomiData:
    path: Path
    sha256: str
    transcript_ids: list[str]
    interlocutors: list[str]
    """``therapist`` or ``client`` per utterance."""
    texts: list[str]
    contexts: list[str]
    """The most recent earlier utterance by the other speaker in the same session ("")."""
    behaviours: list[str]
    """Therapist rows: one of :data:`ANNOMI_BEHAVIOURS`; client rows: ``""``."""
    talk_types: list[str]
    """Client rows: one of :data:`ANNOMI_TALK_TYPES`; therapist rows: ``""``."""
    substantive_contexts: list[str]
    """The most recent earlier utterance by the other speaker in the same session that says
    something (:data:`SUBSTANTIVE_WORDS` words or more), skipping back-channels such as
    "Mm-hmm." or "Yeah." ("" if none)."""
    previous_own: list[str]
    """The same speaker's previous utterance in the same session ("" if none)."""


@dataclass(frozen=True)
class EpitomeData:
    mechanism: str
    path: Path
    sha256: str
    seeker_posts: list[str]
    responses: list[str]
    levels: NDArray[np.int64]
    rationales: list[tuple[str, ...]] = field(default_factory=list)
    """Per row, the spans of the response its annotators marked as the evidence for its
    level (the optional ``rationales`` column, ``|``-separated; empty without it)."""


def _raise_missing(path: Path) -> None:
    if not path.exists():
        raise SourceNotFoundError("file not found", file=str(path))
    if not path.is_file():
        raise MalformedFileError("not a regular file", file=str(path), expected="a CSV file")


def _read_rows(
    path: Path, required: Sequence[str], delimiter: str = ","
) -> tuple[str, list[str], Iterator[tuple[int, dict[str, str]]]]:
    """sha256, header, and (line, row) pairs of a CSV file (or another ``delimiter``) with
    the ``required`` columns."""

    _raise_missing(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MalformedFileError(f"cannot read file ({exc.strerror})", file=str(path)) from exc
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MalformedFileError(
            "file is not UTF-8 text", file=str(path), line=line, expected="UTF-8 encoded CSV"
        ) from exc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise MalformedFileError(
            "file contains NUL bytes", file=str(path), line=line, expected="a text CSV file"
        )
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise MalformedFileError(
            "file is empty", file=str(path), line=1, expected="a CSV header row"
        ) from None
    except csv.Error as exc:
        raise MalformedFileError(
            f"unparsable CSV ({exc})", file=str(path), line=1, expected="a CSV header row"
        ) from exc
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise MalformedFileError(
            f"missing column(s): {', '.join(missing)}",
            file=str(path),
            line=1,
            expected="a header with columns " + ", ".join(required),
        )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise MalformedFileError(
                    f"unparsable CSV ({exc})",
                    file=str(path),
                    line=start,
                    expected=f"a CSV record with {len(header)} fields",
                ) from exc
            if not record or (len(record) == 1 and not record[0].strip()):
                start = reader.line_num + 1
                continue
            if len(record) != len(header):
                raise MalformedFileError(
                    f"record has {len(record)} fields",
                    file=str(path),
                    line=start,
                    expected=f"{len(header)} fields as in the header",
                )
            yield start, dict(zip(header, record, strict=True))
            start = reader.line_num + 1

    return digest, header, rows()


def _binary(value: str, path: Path, line: int, column: str) -> int:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if number not in (0.0, 1.0):
        raise MalformedFileError(
            f"column {column!r} has a value that is not 0 or 1",
            file=str(path),
            line=line,
            expected=f"0 or 1 in column {column!r}",
        )
    return int(number)


def _unit_float(value: str, path: Path, line: int, column: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0.0 <= number <= 1.0:
        raise MalformedFileError(
            f"column {column!r} has a value outside [0, 1]",
            file=str(path),
            line=line,
            expected=f"a number between 0 and 1 in column {column!r}",
        )
    return number


def _no_rows(path: Path) -> MalformedFileError:
    return MalformedFileError(
        "file has a header but no data rows", file=str(path), line=2, expected="data rows"
    )


_UCC_SOURCE_COLUMNS = {a: a for a in UCC_ATTRIBUTES if a != "unhealthy"} | {"unhealthy": "healthy"}


def read_ucc(path: Path | str) -> UccData:
    """The Unhealthy Comment Corpus CSV (``comment`` and the 0/1 attribute columns)."""

    path = Path(path)
    required = ["comment", *_UCC_SOURCE_COLUMNS.values()]
    digest, header, rows = _read_rows(path, required)
    with_confidence = all(f"{c}:confidence" in header for c in _UCC_SOURCE_COLUMNS.values())
    texts: list[str] = []
    labels: dict[str, list[int]] = {a: [] for a in UCC_ATTRIBUTES}
    confidence: dict[str, list[float]] = {a: [] for a in UCC_ATTRIBUTES}
    for line, row in rows:
        texts.append(row["comment"])
        for attribute, column in _UCC_SOURCE_COLUMNS.items():
            value = _binary(row[column], path, line, column)
            labels[attribute].append(1 - value if attribute == "unhealthy" else value)
            if with_confidence:
                key = f"{column}:confidence"
                confidence[attribute].append(_unit_float(row[key], path, line, key))
    if not texts:
        raise _no_rows(path)
    return UccData(
        path=path,
        sha256=digest,
        texts=texts,
        labels={a: np.asarray(v, dtype=np.int64) for a, v in labels.items()},
        confidence=(
            {a: np.asarray(v, dtype=np.float64) for a, v in confidence.items()}
            if with_confidence
            else None
        ),
    )


def _utterance_key(value: str) -> tuple[int, int | str]:
    try:
        return (0, int(value))
    except ValueError:
        return (1, value)


_ANNOMI_LABELS = {
    "therapist": ("main_therapist_behaviour", ANNOMI_BEHAVIOURS),
    "client": ("client_talk_type", ANNOMI_TALK_TYPES),
}
"""Per interlocutor: the column that holds its label, and the labels that column may take."""


def read_annomi(path: Path | str) -> AnnomiData:
    """AnnoMI (``AnnoMI-simple.csv`` layout): utterances in session order, with contexts."""

    path = Path(path)
    required = [
        "transcript_id",
        "utterance_id",
        "interlocutor",
        "utterance_text",
        "main_therapist_behaviour",
        "client_talk_type",
    ]
    digest, _, rows = _read_rows(path, required)
    records: list[tuple[int, str, str, str, str, str, str]] = []
    for line, row in rows:
        speaker = row["interlocutor"].strip().lower()
        if speaker not in _ANNOMI_LABELS:
            raise MalformedFileError(
                "unknown interlocutor",
                file=str(path),
                line=line,
                expected="interlocutor 'therapist' or 'client'",
            )
        column, allowed = _ANNOMI_LABELS[speaker]
        label = row[column].strip().lower()
        if label not in allowed:
            raise MalformedFileError(
                f"{speaker} utterance has an unknown {column}",
                file=str(path),
                line=line,
                expected="one of " + ", ".join(allowed),
            )
        behaviour, talk = (label, "") if speaker == "therapist" else ("", label)
        records.append(
            (
                line,
                row["transcript_id"].strip(),
                row["utterance_id"].strip(),
                speaker,
                row["utterance_text"],
                behaviour,
                talk,
            )
        )
    if not records:
        raise _no_rows(path)
    first_seen: dict[str, int] = {}
    for record in records:
        first_seen.setdefault(record[1], len(first_seen))
    records.sort(key=lambda r: (first_seen[r[1]], _utterance_key(r[2]), r[0]))
    contexts: list[str] = []
    substantive: list[str] = []
    previous_own: list[str] = []
    last: dict[str, str] = {}
    last_substantive: dict[str, str] = {}
    current: str | None = None
    for _, transcript, _, speaker, text, _, _ in records:
        if transcript != current:
            current = transcript
            last = {}
            last_substantive = {}
        other = "client" if speaker == "therapist" else "therapist"
        contexts.append(last.get(other, ""))
        substantive.append(last_substantive.get(other, ""))
        previous_own.append(last.get(speaker, ""))
        last[speaker] = text
        if is_substantive(text):
            last_substantive[speaker] = text
    return AnnomiData(
        path=path,
        sha256=digest,
        transcript_ids=[r[1] for r in records],
        interlocutors=[r[3] for r in records],
        texts=[r[4] for r in records],
        contexts=contexts,
        behaviours=[r[5] for r in records],
        talk_types=[r[6] for r in records],
        substantive_contexts=substantive,
        previous_own=previous_own,
    )


def read_epitome(path: Path | str, mechanism: str) -> EpitomeData:
    """One EPITOME file (``seeker_post, response_post, level``) for one mechanism."""

    path = Path(path)
    if mechanism not in EPITOME_MECHANISMS:
        raise ValueError(f"unknown EPITOME mechanism {mechanism!r}")
    digest, _, rows = _read_rows(path, ["seeker_post", "response_post", "level"])
    seekers: list[str] = []
    responses: list[str] = []
    levels: list[int] = []
    rationales: list[tuple[str, ...]] = []
    for line, row in rows:
        value = row["level"].strip()
        try:
            level = int(float(value))
        except ValueError:
            level = -1
        if level not in (0, 1, 2) or float(value) != level:
            raise MalformedFileError(
                "level is not 0, 1 or 2", file=str(path), line=line, expected="level 0, 1 or 2"
            )
        seekers.append(row["seeker_post"])
        responses.append(row["response_post"])
        levels.append(level)
        spans = (row.get("rationales") or "").split("|")
        rationales.append(tuple(s.strip() for s in spans if s.strip()))
    if not responses:
        raise _no_rows(path)
    return EpitomeData(
        mechanism=mechanism,
        path=path,
        sha256=digest,
        seeker_posts=seekers,
        responses=responses,
        levels=np.asarray(levels, dtype=np.int64),
        rationales=rationales,
    )


def find_epitome_files(folder: Path | str) -> dict[str, Path]:
    """The ``emotional-reactions*.csv``, ``interpretations*.csv`` and ``explorations*.csv``
    files in ``folder`` (by mechanism; mechanisms without a file are left out)."""

    folder = Path(folder)
    if not folder.exists():
        raise SourceNotFoundError("folder not found", file=str(folder))
    if not folder.is_dir():
        raise MalformedFileError(
            "not a folder",
            file=str(folder),
            expected="a folder holding emotional-reactions*.csv, interpretations*.csv, "
            "explorations*.csv",
        )
    found: dict[str, Path] = {}
    for mechanism, prefix in _EPITOME_PREFIX.items():
        matches = sorted(p for p in folder.glob(f"{prefix}*.csv") if p.is_file())
        if len(matches) > 1:
            raise MalformedFileError(
                f"{len(matches)} files match {prefix}*.csv",
                file=str(folder),
                expected=f"exactly one {prefix}*.csv file",
            )
        if matches:
            found[mechanism] = matches[0]
    return found
