"""Scoped API keys. The secret is shown once; only an HMAC-SHA256 of it (keyed with the workspace
secret) is stored, so a stolen state.sqlite does not reveal usable keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from onefold.errors import AuthError, InputError, NotFoundError, PermissionDenied
from onefold.store.sqlite import transaction

Role = Literal["writer", "reader", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
# What each role may do; admin may do everything.
_GRANTS: dict[str, set[str]] = {
    "writer": {"write"},
    "reader": {"read"},
    "admin": {"write", "read", "admin"},
}
KEY_PREFIX = "of_"


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: str
    prefix: str
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, action: str) -> bool:
        return self.active and action in _GRANTS[self.role]


def hash_key(secret: bytes, key: str) -> str:
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def create_key(conn: sqlite3.Connection, workspace_secret: bytes, *, role: str, name: str) -> tuple[ApiKey, str]:
    """Create a key and return (record, plaintext). The plaintext is not recoverable afterwards."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", remedy=f"use one of {', '.join(ROLES)}")
    if not name.strip():
        raise InputError("a key needs a non-empty --name")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(
        id="key_" + secrets.token_hex(6),
        name=name.strip(),
        role=role,
        prefix=plaintext[:8],
        created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        revoked_at=None,
    )
    with transaction(conn):
        conn.execute(
            "INSERT INTO api_keys(id, name, role, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (record.id, record.name, record.role, hash_key(workspace_secret, plaintext), record.prefix,
             record.created_at),
        )
    return record, plaintext


def _from_row(row: sqlite3.Row) -> ApiKey:
    return ApiKey(row["id"], row["name"], row["role"], row["prefix"], row["created_at"], row["revoked_at"])


def list_keys(conn: sqlite3.Connection) -> list[ApiKey]:
    return [_from_row(r) for r in conn.execute("SELECT * FROM api_keys ORDER BY created_at, id")]


def revoke_key(conn: sqlite3.Connection, key_id: str) -> ApiKey:
    with transaction(conn):
        cur = conn.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"), key_id),
        )
        row = conn.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no API key with id {key_id!r}", remedy="see `onefold keys list`")
    if cur.rowcount == 0 and row["revoked_at"] is None:  # pragma: no cover - defensive
        raise NotFoundError(f"API key {key_id!r} could not be revoked")
    return _from_row(row)


def lookup_key(conn: sqlite3.Connection, workspace_secret: bytes, plaintext: str) -> ApiKey | None:
    row = conn.execute(
        "SELECT * FROM api_keys WHERE key_hash = ?", (hash_key(workspace_secret, plaintext),)
    ).fetchone()
    return _from_row(row) if row else None


def authorize(key: ApiKey | None, action: str) -> ApiKey:
    """Raise AuthError (401) for a missing/unknown/revoked key and PermissionDenied (403) for a
    key whose role does not grant ``action``."""
    if key is None:
        raise AuthError("unknown API key", remedy="create one with `onefold keys create`")
    if not key.active:
        raise AuthError(f"API key {key.id} was revoked")
    if not key.allows(action):
        raise PermissionDenied(f"a {key.role} key cannot {action}", remedy="use a key with the right role")
    return key
