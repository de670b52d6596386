"""Bad input: each case is a catalogued error with file, line and what was expected."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest

from reattune.errors import (
    BinaryFileError,
    EmptyFileError,
    EncodingError,
    FileTooLargeError,
    InputError,
    SourceNotFoundError,
    TruncatedFileError,
    UnknownFormatError,
)
from reattune.ingest import ParseOptions, load, read_source


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", codecs.BOM_UTF8 + b"\n"])
def test_empty_files(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(EmptyFileError) as info:
        load(write(tmp_path, "chat.txt", data))
    assert info.value.file and info.value.file.endswith("chat.txt")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError):
        load(tmp_path / "nope.txt")
    with pytest.raises(SourceNotFoundError, match="folder"):
        load(tmp_path)


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(BinaryFileError) as info:
        load(write(tmp_path, "photo.txt", png))
    assert info.value.expected


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    text = "12/03/2024, 21:14 - Ana: hi\n12/03/2024, 21:15 - Ben: caf\xe9 later?\n"
    with pytest.raises(EncodingError) as info:
        load(write(tmp_path, "chat.txt", text.encode("cp1252")))
    assert info.value.line == 2
    assert "--encoding" in (info.value.expected or "")


def test_named_encoding_reads_it(tmp_path: Path) -> None:
    text = "caf\xe9\n"
    src = read_source(write(tmp_path, "c.txt", text.encode("cp1252")), encoding="cp1252")
    assert src.text == text


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (b"", "utf-16-le"),
    ],
)
def test_boms_and_utf16(tmp_path: Path, prefix: bytes, encoding: str) -> None:
    text = "Ana: hello\u202fthere\nBen: ok\n"
    src = read_source(write(tmp_path, "c.txt", prefix + text.encode(encoding)))
    assert src.text == text
    assert src.lines() == ["Ana: hello\u202fthere", "Ben: ok"]


def test_truncated_utf16(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "Ana: hi\nBen: ok".encode("utf-16-le")[:-1]
    with pytest.raises(TruncatedFileError) as info:
        read_source(write(tmp_path, "c.txt", data)).text  # noqa: B018
    assert info.value.line == 2


def test_oversized_file(tmp_path: Path) -> None:
    p = write(tmp_path, "c.txt", b"Ana: hi\n" * 100)
    with pytest.raises(FileTooLargeError) as info:
        load(p, ParseOptions(max_bytes=100))
    assert "--max-bytes" in (info.value.expected or "")


def test_truncated_zip(tmp_path: Path) -> None:
    p = tmp_path / "chat.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("_chat.txt", "[12/03/2024, 21:14:05] Ana: hi\n" * 50)
    data = p.read_bytes()
    with pytest.raises(TruncatedFileError):
        load(write(tmp_path, "cut.zip", data[: len(data) // 2]))


def test_zip_without_a_chat(tmp_path: Path) -> None:
    p = tmp_path / "photos.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("IMG-1.jpg", b"\xff\xd8")
    with pytest.raises(UnknownFormatError, match="exactly one chat"):
        load(p)


def test_unknown_format(tmp_path: Path) -> None:
    p = write(tmp_path, "notes.txt", b"# shopping\n- milk\n- eggs\n- 3 apples\n")
    with pytest.raises(UnknownFormatError) as info:
        load(p)
    assert "--format" in (info.value.expected or "")


def test_unknown_forced_format(tmp_path: Path) -> None:
    p = write(tmp_path, "c.txt", b"Ana: hi\n")
    with pytest.raises(UnknownFormatError, match="no format called"):
        load(p, ParseOptions(format="fax"))


def test_every_input_error_has_a_code_and_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load(write(tmp_path, "e.txt", b""))
    d = info.value.to_dict()
    assert d["code"] == "E102" and d["file"]
