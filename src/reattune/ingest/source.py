"""Reading a file into text: size limits, zip archives, binary sniffing and decoding.

Every failure here is a catalogued ``InputError`` naming the file (and line, where a byte
could not be decoded) — never a traceback.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from reattune.errors import (
    BinaryFileError,
    EmptyFileError,
    EncodingError,
    FileTooLargeError,
    SourceNotFoundError,
    TruncatedFileError,
    UnknownFormatError,
)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
"""Largest file read by default (a setting: ``ParseOptions.max_bytes``)."""

_TEXT_SUFFIXES = (".txt", ".json", ".csv", ".vtt", ".srt", ".tsv")

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
"""Control characters that text does not hold (all below U+0020 but \\t \\n \\v \\f \\r ESC)."""


@dataclass(slots=True)
class Source:
    """A file's bytes, its decoded text (lazily), and what was learned reading it."""

    name: str
    data: bytes
    encoding_hint: str | None = None
    members: tuple[str, ...] = ()
    """Other files beside the chat inside a zip (media attachments)."""
    _text: str | None = field(default=None, repr=False)
    _encoding: str | None = field(default=None, repr=False)
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        return Path(self.name.split("!/")[-1]).suffix.lower()

    def head(self, n: int = 4096) -> str:
        """The decoded start of the file, for sniffing (never raises)."""
        try:
            return self.text[:n]
        except (EncodingError, BinaryFileError):
            return ""

    @property
    def text(self) -> str:
        if self._text is None:
            self._text, self._encoding = decode(self.data, self.name, self.encoding_hint)
        return self._text

    @property
    def encoding(self) -> str:
        if self._encoding is None:
            _ = self.text
        assert self._encoding is not None
        return self._encoding

    def lines(self) -> list[str]:
        """The text split into lines as an editor numbers them (``\\n``, ``\\r\\n``, ``\\r``).
        Line ``n`` (1-based) is ``lines()[n - 1]``."""
        if self._lines is None:
            text = self.text
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            self._lines = lines
        return self._lines


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte NUL in mostly-ASCII text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _line_of(data: bytes, pos: int, encoding: str) -> int:
    if encoding.startswith("utf-16"):
        nl = b"\n\x00" if encoding.endswith("le") else b"\x00\n"
        return data[:pos].count(nl) + 1
    return data[:pos].count(b"\n") + 1


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns (text, encoding used). Byte-order marks are honoured and
    removed. Without a BOM: UTF-16 by its NUL pattern, else strict UTF-8; any other
    encoding must be named (``--encoding``), since guessing would change people's words."""

    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            encoding, data = "utf-8-sig", data[3:]
        elif data.startswith(codecs.BOM_UTF16_LE):
            encoding, data = "utf-16-le", data[2:]
        elif data.startswith(codecs.BOM_UTF16_BE):
            encoding, data = "utf-16-be", data[2:]
        else:
            encoding = _looks_utf16(data)
            if encoding is None:
                if b"\x00" in data[:65536]:
                    raise BinaryFileError(
                        "this is a binary file, not a chat export or transcript",
                        file=name,
                        expected="a text file (.txt, .json, .csv, .vtt, .srt) or a WhatsApp .zip",
                    )
                encoding = "utf-8"
    try:
        codec = codecs.lookup(encoding)
    except LookupError as exc:
        raise EncodingError(f"unknown encoding {encoding!r}", file=name) from exc
    try:
        text = data.decode(codec.name, errors="strict")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start, encoding)
        if encoding.startswith("utf-16") and exc.start >= len(data) - 2:
            raise TruncatedFileError(
                "the file ends in the middle of a character",
                file=name,
                line=line,
                expected=f"complete {encoding} text",
            ) from exc
        raise EncodingError(
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid {encoding}",
            file=name,
            line=line,
            expected=f"{encoding} text; name another encoding with --encoding (e.g. cp1252)",
        ) from exc
    bad = len(_CONTROL.findall(text, 0, 4096))
    if text and bad > max(8, len(text[:4096]) // 20):
        raise BinaryFileError(
            "this looks like a binary file (control characters), not text",
            file=name,
            expected="a text file (.txt, .json, .csv, .vtt, .srt) or a WhatsApp .zip",
        )
    return text, encoding


def _pick_zip_member(zf: zipfile.ZipFile, name: str) -> str:
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    texts = [n for n in names if n.lower().endswith(_TEXT_SUFFIXES)]
    # WhatsApp: iOS names it _chat.txt, Android "WhatsApp Chat with NAME.txt".
    preferred = [n for n in texts if Path(n).name == "_chat.txt"] or [
        n for n in texts if Path(n).name.lower().startswith("whatsapp chat")
    ]
    choice = preferred or texts
    if len(choice) != 1:
        found = ", ".join(texts) or "none"
        raise UnknownFormatError(
            "the archive does not hold exactly one chat text file (found: " + found + ")",
            file=name,
            expected="a WhatsApp export .zip with _chat.txt or 'WhatsApp Chat with ….txt'",
        )
    return choice[0]


def read_source(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
) -> Source:
    """Read ``path`` (a text file or a WhatsApp-style .zip) into a ``Source``."""

    p = Path(path)
    name = str(path)
    if not p.exists():
        raise SourceNotFoundError("no such file", file=name)
    if p.is_dir():
        raise SourceNotFoundError("this is a folder, not a file", file=name)
    size = p.stat().st_size
    if size > max_bytes:
        raise FileTooLargeError(
            f"the file is {size:,} bytes; the limit is {max_bytes:,}",
            file=name,
            expected="a smaller file, or raise the limit with --max-bytes",
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise SourceNotFoundError(f"cannot read the file ({exc.strerror})", file=name) from exc
    return source_from_bytes(data, name, max_bytes=max_bytes, encoding=encoding)


def source_from_bytes(
    data: bytes,
    name: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
) -> Source:
    # (lstrip: empty exactly when strip is, and no copy of a file that starts with text)
    if not data.lstrip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise EmptyFileError(
            "the file is empty", file=name, expected="a chat export or a transcript"
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                member = _pick_zip_member(zf, name)
                info = zf.getinfo(member)
                if info.file_size > max_bytes:
                    raise FileTooLargeError(
                        f"{member} is {info.file_size:,} bytes uncompressed; "
                        f"the limit is {max_bytes:,}",
                        file=name,
                        expected="a smaller file, or raise the limit with --max-bytes",
                    )
                inner = zf.read(member)
                others = tuple(
                    i.filename for i in zf.infolist() if i.filename != member and not i.is_dir()
                )
        except (zipfile.BadZipFile, EOFError) as exc:
            raise TruncatedFileError(
                f"the zip archive is damaged or incomplete ({exc})",
                file=name,
                expected="a complete .zip as exported by the app",
            ) from exc
        if not inner.strip():
            raise EmptyFileError("the chat file inside the archive is empty", file=name)
        return Source(name=f"{name}!/{member}", data=inner, encoding_hint=encoding, members=others)
    return Source(name=name, data=data, encoding_hint=encoding)
