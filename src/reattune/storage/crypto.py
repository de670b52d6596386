"""Envelope encryption: AES-256-GCM under a per-record data key, the data key wrapped by a
key-encryption key (KEK) that never enters the database.

A record's data key encrypts each of its sensitive columns with a fresh 96-bit nonce; the
associated data binds ``table``, ``column``, row id and owner id, so a ciphertext copied into
another row, column or owner fails authentication. Wrapping is AES-256-GCM too, bound to the
KEK id and the row.

KEKs: an ordered list, the first is current. They come from ``REATTUNE_KEK`` (comma-separated
base64 keys, newest first) or from the key file in the data folder (one ``id:base64`` per line,
newest first; created 0600 with one fresh key on first start). ``reattune keys rotate`` puts a
new key first and rewraps every data key (see :mod:`reattune.service.keys`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reattune.errors import DecryptionError, SettingsError

__all__ = ["KeyRing", "RecordKey", "load_secret_file"]

KEY_BYTES = 32
NONCE_BYTES = 12
_VERSION = b"\x01"


def _kid(key: bytes) -> str:
    return hashlib.sha256(b"reattune-kek-id" + key).hexdigest()[:16]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_secret_file(path: Path, env: str | None = None) -> bytes:
    """A 32-byte secret from ``$env`` (base64) or ``path`` (created 0600 when missing)."""
    if env and os.environ.get(env):
        return _b64key(os.environ[env], env)
    if not path.exists():
        _write_private(path, base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode() + "\n")
    return _b64key(path.read_text(encoding="ascii").strip(), str(path))


def _b64key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise SettingsError(
            f"{where} does not hold a key", expected="32 bytes, base64-encoded (44 characters)"
        )
    return key


@dataclass(frozen=True, slots=True)
class RecordKey:
    """A record's data key, wrapped: what the database stores."""

    kek_id: str
    wrapped: bytes


def _aad(*parts: str) -> bytes:
    return "\x1f".join(parts).encode()


class KeyRing:
    """The KEKs (current first) and the envelope operations."""

    def __init__(self, keys: list[bytes], file: Path | None = None) -> None:
        if not keys:
            raise SettingsError("no key-encryption key", expected="at least one key")
        self._lock = threading.Lock()
        self._file = file
        self._mtime = self._stat()
        self._set(keys)

    def _set(self, keys: list[bytes]) -> None:
        self._keys = {_kid(k): k for k in keys}
        self._current = _kid(keys[0])

    def _stat(self) -> float | None:
        if self._file is None:
            return None
        try:
            return self._file.stat().st_mtime
        except FileNotFoundError:
            return None

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        if not path.exists():
            key = secrets.token_bytes(KEY_BYTES)
            _write_private(path, f"{_kid(key)}:{base64.b64encode(key).decode()}\n")
        return cls(cls._read(path), file=path)

    @staticmethod
    def _read(path: Path) -> list[bytes]:
        keys = []
        for line in path.read_text(encoding="ascii").splitlines():
            if line.strip():
                _, _, b64 = line.strip().partition(":")
                keys.append(_b64key(b64, str(path)))
        return keys

    @classmethod
    def from_env(cls, value: str) -> KeyRing:
        return cls([_b64key(part, "REATTUNE_KEK") for part in value.split(",") if part.strip()])

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        env = os.environ.get("REATTUNE_KEK")
        return cls.from_env(env) if env else cls.from_file(path)

    def refresh(self) -> None:
        """Pick up a rotation made by ``reattune keys rotate`` in another process."""
        if self._file is None:
            return
        mtime = self._stat()
        if mtime != self._mtime:
            with self._lock:
                self._set(self._read(self._file))
                self._mtime = mtime

    def add_new_key(self) -> str:
        """Put a fresh key first in the key file; returns its id."""
        if self._file is None:
            raise SettingsError(
                "the keys come from REATTUNE_KEK",
                expected="put the new key first in REATTUNE_KEK, then run reattune keys rotate",
            )
        key = secrets.token_bytes(KEY_BYTES)
        old = self._file.read_text(encoding="ascii")
        _write_private(self._file, f"{_kid(key)}:{base64.b64encode(key).decode()}\n{old}")
        self.refresh()
        return _kid(key)

    @property
    def current_id(self) -> str:
        return self._current

    def new_record_key(self, table: str, row_id: str) -> tuple[RecordKey, bytes]:
        dek = AESGCM.generate_key(bit_length=256)
        return self.wrap(dek, table, row_id), dek

    def wrap(self, dek: bytes, table: str, row_id: str) -> RecordKey:
        self.refresh()
        kid = self._current
        nonce = secrets.token_bytes(NONCE_BYTES)
        ct = AESGCM(self._keys[kid]).encrypt(nonce, dek, _aad("dek", kid, table, row_id))
        return RecordKey(kid, _VERSION + nonce + ct)

    def unwrap(self, rk: RecordKey, table: str, row_id: str) -> bytes:
        key = self._keys.get(rk.kek_id)
        if key is None:
            self.refresh()
            key = self._keys.get(rk.kek_id)
        if key is None or not rk.wrapped.startswith(_VERSION):
            raise DecryptionError(f"no key {rk.kek_id!r} for a record of {table}")
        nonce, ct = rk.wrapped[1 : 1 + NONCE_BYTES], rk.wrapped[1 + NONCE_BYTES :]
        try:
            return AESGCM(key).decrypt(nonce, ct, _aad("dek", rk.kek_id, table, row_id))
        except InvalidTag:
            raise DecryptionError(f"a data key of {table} failed authentication") from None

    @staticmethod
    def seal(
        dek: bytes, plaintext: bytes, *, table: str, column: str, row: str, owner: str
    ) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        ct = AESGCM(dek).encrypt(nonce, plaintext, _aad(table, column, row, owner))
        return _VERSION + nonce + ct

    @staticmethod
    def open(dek: bytes, sealed: bytes, *, table: str, column: str, row: str, owner: str) -> bytes:
        if not sealed.startswith(_VERSION):
            raise DecryptionError(f"{table}.{column} holds no ciphertext")
        nonce, ct = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return AESGCM(dek).decrypt(nonce, ct, _aad(table, column, row, owner))
        except InvalidTag:
            raise DecryptionError(f"{table}.{column} failed authentication") from None
